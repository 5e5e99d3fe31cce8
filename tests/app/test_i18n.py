"""Every user-facing string exists in English and Spanish, and the right one reaches the user.

The catalog tests read the current source (not the committed messages.pot), so a new ``_()`` or
``_l()`` without a Spanish translation fails here: run ``.venv/bin/python tools/translations.py``,
translate what it adds to polling/translations/es/LC_MESSAGES/messages.po, run it again (it
compiles the .mo) and commit both files (docs/translations.md).
"""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.factories import PASSWORD, make_member, physician_form

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "polling" / "translations"
LANGUAGES = ("es",)  # every language besides English, the source language
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
SOURCE_DIRS = {"polling", "templates"}  # what babel.cfg maps
FIX = "run `.venv/bin/python tools/translations.py`, translate, run it again, commit the .po and .mo"
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _source_messages() -> dict[str, list[str]]:
    """msgid → where it is used, extracted from the working tree as pybabel extract does."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))

    def only_sources(path: str) -> bool:
        relative = Path(path).relative_to(ROOT).parts
        return relative[0] in SOURCE_DIRS and not any(p.startswith((".", "_")) for p in relative)

    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=only_sources
    ):
        msgid = message[0] if isinstance(message, (tuple, list)) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _po(lang: str):  # type: ignore[no-untyped-def]
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


def _mo_catalog(data: bytes) -> dict[object, str]:
    catalog = dict(gettext.GNUTranslations(io.BytesIO(data))._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)  # the header: dates and generator, not something a user reads
    return catalog


def test_the_source_has_messages():
    messages = _source_messages()
    assert len(messages) > 100
    assert "Physician sign-up" in messages  # a template string
    assert "Wrong e-mail address or password. Check both and try again." in messages  # an _l() string


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_in_the_source_is_translated(lang):
    catalog = _po(lang)
    untranslated, fuzzy = [], []
    for msgid, places in sorted(_source_messages().items()):
        entry = catalog.get(msgid)
        strings = (
            entry.string
            if entry is not None and isinstance(entry.string, (tuple, list))
            else [entry.string if entry is not None else ""]
        )
        if entry is None or not all(s and s.strip() for s in strings):
            untranslated.append(f"{msgid!r}  ({', '.join(places)})")
        elif entry.fuzzy:
            fuzzy.append(f"{msgid!r}  ({', '.join(places)})")
    assert not untranslated, (
        f"{len(untranslated)} msgid(s) have no {lang} translation ({FIX}):\n  " + "\n  ".join(untranslated)
    )
    assert not fuzzy, (
        f"{len(fuzzy)} {lang} translation(s) are fuzzy: check them and remove '#, fuzzy':\n  "
        + "\n  ".join(fuzzy)
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_entry_in_the_po_is_fuzzy_or_empty(lang):
    problems = [f"{m.id!r}" for m in _po(lang) if m.id and (m.fuzzy or not m.string)]
    assert not problems, f"fuzzy or empty {lang} entries ({FIX}):\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_committed_mo_is_compiled_from_the_po(lang):
    compiled = io.BytesIO()
    write_mo(compiled, _po(lang))
    expected = _mo_catalog(compiled.getvalue())
    actual = _mo_catalog((TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").read_bytes())
    stale = sorted(repr(k) for k in expected.keys() - actual.keys())
    changed = sorted(repr(k) for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    extra = sorted(repr(k) for k in actual.keys() - expected.keys())
    assert expected == actual, (
        f"messages.mo ({lang}) is out of date with messages.po: run "
        f"`.venv/bin/python tools/translations.py compile` and commit the .mo.\n"
        f"missing from the .mo: {stale}\nchanged in the .po: {changed}\n"
        f"only in the .mo: {extra}"
    )


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) != "%%")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_msgid(lang):
    wrong = []
    for message in _po(lang):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else [message.id]
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        expected = _placeholders(ids[0])
        for string in strings:
            if _placeholders(string) != expected:
                wrong.append(
                    f"{message.id!r}: expects {expected}, the translation has {_placeholders(string)}"
                )
    assert not wrong, f"{lang} translations whose placeholders differ from the msgid:\n  " + "\n  ".join(
        wrong
    )


# --- the language that reaches the user -----------------------------------------------------------


def test_accept_language_es_gives_spanish_pages(client):
    home = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es">' in home.text
    assert "La voz de los médicos verificados" in home.text
    assert "Iniciar sesión" in home.text
    assert "The voice of verified physicians" not in home.text
    signup = client.get("/signup/physician", headers={"Accept-Language": "es"})
    assert signup.status_code == 200
    assert "Registro de médicos" in signup.text
    assert "País de la licencia" in signup.text
    assert "Ámbito principal de ejercicio" in signup.text
    assert "Physician sign-up" not in signup.text


def test_accept_language_en_gives_english_pages(client):
    home = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in home.text
    assert "The voice of verified physicians" in home.text
    signup = client.get("/signup/physician", headers={"Accept-Language": "en"})
    assert "Physician sign-up" in signup.text
    assert "Country of licence" in signup.text
    assert "Registro de médicos" not in signup.text


def test_an_unsupported_language_falls_back_to_english(client):
    assert "The voice of verified physicians" in client.get("/", headers={"Accept-Language": "de"}).text


def _location(answer) -> str:  # type: ignore[no-untyped-def]
    parts = urlsplit(answer.headers["Location"])
    assert parts.netloc in ("", "localhost"), answer.headers["Location"]
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_language_switch_sets_spanish_for_the_session_and_goes_back(client):
    answer = client.post("/language", data={"locale": "es", "next": "/signup"})
    assert answer.status_code in (302, 303)
    assert _location(answer) == "/signup"
    page = client.get("/signup", headers={"Accept-Language": "en"})
    assert "Únase a Pulse" in page.text
    assert "Join Pulse" not in page.text
    back = client.post("/language", data={"locale": "en", "next": "/signup"})
    assert _location(back) == "/signup"
    assert "Join Pulse" in client.get("/signup", headers={"Accept-Language": "es"}).text


@pytest.mark.parametrize(
    "target", ["https://evil.example/signup", "//evil.example/signup", "javascript:alert(1)"]
)
def test_language_switch_refuses_an_off_site_next(client, target):
    answer = client.post("/language", data={"locale": "es", "next": target})
    assert answer.status_code in (302, 303)
    assert _location(answer) == "/"


def test_language_switch_ignores_an_unknown_locale(client):
    client.post("/language", data={"locale": "xx", "next": "/"})
    assert "The voice of verified physicians" in client.get("/", headers={"Accept-Language": "en"}).text


def test_a_member_whose_account_is_in_spanish_sees_spanish(client, session, hasher, auth):
    member = make_member(session, hasher, locale="es")
    handle, email = member.handle, member.user.email
    assert auth.login(email).status_code in (302, 303)
    home = client.get("/", headers={"Accept-Language": "en"})
    assert handle  # the member is logged in with a Spanish account
    assert "Encuestas para usted" in home.text
    assert "Polls for you" not in home.text
    settings = client.get("/account", headers={"Accept-Language": "en"})
    assert "Configuración" in settings.text


def test_a_refused_signup_in_spanish_explains_the_field_in_spanish(client):
    form = physician_form(licence_number="1234567890")  # wrong NPI check digit
    answer = client.post("/signup/physician", data=form, headers={"Accept-Language": "es"})
    assert answer.status_code == 422
    assert "No se ha guardado su registro: corrija los campos que se indican a continuación." in answer.text
    assert (
        "1234567890 no es válido como NPI: su último dígito no es el dígito de control del NPI, así que "
        "probablemente hay un dígito mal escrito"
    ) in answer.text
    assert "is not a valid" not in answer.text


def test_a_refused_signup_in_spanish_translates_every_field_error(client):
    form = physician_form(
        email="not-an-address",
        password="short",
        full_name="X",
        birth_year="1800",
        practice_setting="spaceship",
        sex="",
    )
    answer = client.post("/signup/physician", data=form, headers={"Accept-Language": "es"})
    assert answer.status_code == 422
    for spanish in (
        "Introduzca una dirección de correo electrónico válida",
        "Elija una contraseña de al menos 10 caracteres.",
        "Introduzca su nombre completo tal como figura en su licencia",
        "Indique su año de nacimiento como un año de cuatro cifras",
        "Elija un ámbito de ejercicio",
        "Elija mujer u hombre",
    ):
        assert spanish in answer.text
    assert "Enter " not in answer.text and "Choose " not in answer.text


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "es",
            "Dirección de correo electrónico o contraseña incorrecta. Compruebe ambas e inténtelo de nuevo.",
        ),
        (
            "es-ES,es;q=0.9",
            "Dirección de correo electrónico o contraseña incorrecta. Compruebe ambas e inténtelo de nuevo.",
        ),
        ("en", "Wrong e-mail address or password. Check both and try again."),
    ],
)
def test_api_error_messages_follow_accept_language(client, session, hasher, language, message):
    member = make_member(session, hasher)
    answer = client.post(
        "/api/v1/tokens",
        json={"email": member.user.email, "password": PASSWORD + "x"},
        headers={"Accept-Language": language},
    )
    assert answer.status_code == 401
    assert answer.json["message"] == message


def test_api_not_found_is_spanish_too(client):
    answer = client.get("/api/v1/nothing-here", headers={"Accept-Language": "es"})
    assert answer.status_code == 404
    assert answer.json["message"] == "Página no encontrada."
