"""Pulse's translation catalogs: extract → update → compile, with the venv's pybabel.

Usage (from anywhere; paths are relative to the repository root)::

    .venv/bin/python tools/translations.py           # extract, update every language, compile
    .venv/bin/python tools/translations.py extract   # only refresh polling/translations/messages.pot
    .venv/bin/python tools/translations.py update    # extract, then merge new msgids into each .po
    .venv/bin/python tools/translations.py compile   # only compile each .po into its .mo
    .venv/bin/python tools/translations.py init fr   # start a new language (then add it to polling/i18n.py)

After ``update``, translate every new or fuzzy entry in ``polling/translations/<lang>/LC_MESSAGES/messages.po``
(remove the ``#, fuzzy`` flag once checked), then run ``compile`` and commit both the .po and the .mo.
tests/app/test_i18n.py fails while any msgid lacks a translation or the .mo is stale.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "polling" / "translations"
POT = TRANSLATIONS / "messages.pot"
# babel.cfg's patterns (polling/**.py, templates/**.html) are relative to the directory scanned, so the
# scan starts at the root; these directory names are not entered (the venv, caches, tests, data).
IGNORE_DIRS = (".*", "_*", "node_modules", "instance", "build", "dist", "*.egg-info", "tests", "sampling")
KEYWORDS = ("_l", "lazy_gettext")  # in addition to babel's defaults (_, gettext, ngettext, ...)


def pybabel() -> list[str]:
    """The pybabel next to this interpreter (the venv's), else the one on PATH, else ``python -m``."""
    beside = Path(sys.executable).with_name("pybabel")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("pybabel")
    if found:
        return [found]
    return [sys.executable, "-m", "babel.messages.frontend"]


def run(*args: str) -> None:
    command = [*pybabel(), *args]
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def extract() -> None:
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    run(
        "extract",
        "-F",
        "babel.cfg",
        *keywords,
        "--sort-by-file",
        "--project",
        "Pulse",
        "--copyright-holder",
        "Pulse",
        "--msgid-bugs-address",
        "",
        "--ignore-dirs",
        " ".join(IGNORE_DIRS),
        "-o",
        str(POT.relative_to(ROOT)),
        ".",
    )


def update() -> None:
    extract()
    for lang in languages():
        run(
            "update",
            "-i",
            str(POT.relative_to(ROOT)),
            "-d",
            str(TRANSLATIONS.relative_to(ROOT)),
            "-l",
            lang,
            "--ignore-obsolete",
        )


def compile_all() -> None:
    for lang in languages():
        run("compile", "-d", str(TRANSLATIONS.relative_to(ROOT)), "-l", lang, "--statistics")


def init(lang: str) -> None:
    extract()
    run("init", "-i", str(POT.relative_to(ROOT)), "-d", str(TRANSLATIONS.relative_to(ROOT)), "-l", lang)


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "all"
    if action == "extract":
        extract()
    elif action == "update":
        update()
    elif action == "compile":
        compile_all()
    elif action == "init" and len(argv) == 2:
        init(argv[1])
    elif action == "all":
        update()
        compile_all()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
