"""The research client's pages: home, list, new draft, overview, brief form with cells, the
questionnaire builder, upload, preview in EN and ES, submit with the quote's total shown."""

from __future__ import annotations

import io
import json

import pytest

from polling.studies import service
from polling.studies.models import Study
from tests.factories import make_user
from tests.studies.drafting_helpers import brief, questionnaire


@pytest.fixture
def researcher(session, hasher, auth):  # type: ignore[no-untyped-def]
    user = make_user(session, hasher, "client", organisation="Acme Research")
    auth.login(user.email)
    return user


def _form(**overrides: object) -> dict[str, object]:
    data = brief()
    form: dict[str, object] = {
        "title": data["title"],
        "objectives": data["objectives"],
        "sponsor_name": data["sponsor_name"],
        "sponsor_type": "pharmaceutical",
        "languages": ["en", "es"],
        "sample_size": "80",
        "field_start": data["field_start"],
        "field_end": data["field_end"],
        "length_minutes": "20",
        "cell_rows": "4",
        "cells-0-country": "UK",
        "cells-0-specialty": "cardiology",
        "cells-0-target": "40",
        "cells-0-hard": "yes",
        "cells-1-country": "ES",
        "cells-1-specialty": "cardiology",
        "cells-1-target": "40",
        "cells-1-hard": "yes",
        "action": "save",
    }
    form.update(overrides)
    return form


def test_the_client_home_lists_their_studies_and_offers_a_new_one(client, session, researcher):
    service.create_draft(session, researcher, brief(title="Our draft"))
    page = client.get("/")
    assert "Your studies" in page.text and "Our draft" in page.text
    assert 'href="/studies/new"' in page.text and "New study" in page.text
    assert "Our draft" in client.get("/studies").text


def test_a_new_study_from_the_form_is_saved_with_its_cells(client, session, researcher):
    form = client.get("/studies/new")
    assert form.status_code == 200
    for label in ('for="title"', 'for="cells-0-country"', 'for="field_start"', 'for="length_minutes"'):
        assert label in form.text
    answer = client.post("/studies/new", data=_form())
    assert answer.status_code == 302
    study = session.query(Study).one()
    assert answer.headers["Location"].endswith(f"/studies/{study.id}")
    assert [(c.country, c.specialty, c.target, c.hard) for c in study.cells] == [
        ("UK", "cardiology", 40, True),
        ("ES", "cardiology", 40, True),
    ]
    assert study.languages == ["en", "es"] and study.length_minutes == 20 and study.version == 1


def test_form_errors_are_shown_next_to_the_field_that_caused_them(client, session, researcher):
    answer = client.post("/studies/new", data=_form(**{"cells-1-specialty": "astrology", "title": ""}))
    assert answer.status_code == 422
    assert 'id="cells-1-specialty-error"' in answer.text and "unknown specialty" in answer.text
    assert 'aria-describedby="cells-1-specialty-error"' in answer.text
    assert 'id="title-error"' in answer.text
    assert session.query(Study).count() == 0


def test_editing_the_brief_saves_a_new_version_and_a_stale_form_is_refused(client, session, researcher):
    study = service.create_draft(session, researcher, brief())
    page = client.get(f"/studies/{study.id}/edit")
    assert 'value="Heart failure treatment choices"' in page.text and 'name="version" value="1"' in page.text
    saved = client.post(
        f"/studies/{study.id}/edit", data=_form(title="Renamed", version="1", **{"cells-1-remove": "yes"})
    )
    assert saved.status_code == 302
    session.expire_all()
    again = session.get(Study, study.id)
    assert again.title == "Renamed" and again.version == 2 and len(again.cells) == 1
    stale = client.post(f"/studies/{study.id}/edit", data=_form(title="Stale", version="1"))
    assert stale.status_code == 409 and "since you opened version 1" in stale.text


def test_the_builder_adds_reorders_edits_and_removes_questions(client, session, researcher):
    study = service.create_draft(session, researcher, brief())
    url = f"/studies/{study.id}/questionnaire"
    assert 'for="text_es"' in client.get(url).text
    add = {
        "action": "add",
        "page": "new",
        "id": "treats",
        "type": "single",
        "text_en": "Do you treat heart failure?",
        "text_es": "¿Trata la insuficiencia cardíaca?",
        "options": "yes | Yes | Sí\nno | No | No",
        "required": "yes",
    }
    assert client.post(url, data=add).status_code == 302
    second = {
        "action": "add",
        "page": "new",
        "id": "patients",
        "type": "numeric",
        "text_en": "Patients per month?",
        "text_es": "¿Pacientes al mes?",
        "show_if": "treats == 'yes'",
        "minimum": "0",
        "maximum": "1000",
    }
    assert client.post(url, data=second).status_code == 302
    third = {
        "action": "add",
        "page": "p2",
        "id": "why",
        "type": "text",
        "text_en": "Why?",
        "text_es": "¿Por qué?",
    }
    assert client.post(url, data=third).status_code == 302
    session.expire_all()
    document = session.get(Study, study.id).questionnaire
    assert [[q["id"] for q in p["questions"]] for p in document["pages"]] == [["treats"], ["patients", "why"]]
    assert document["pages"][0]["questions"][0]["options"][0] == {
        "code": "yes",
        "text": {"en": "Yes", "es": "Sí"},
        "exclusive": False,
        "anchor": False,
    }
    assert client.post(url, data={"action": "down", "question": "patients"}).status_code == 302
    refused = client.post(url, data={"action": "remove", "question": "treats"})
    assert refused.status_code == 422 and "refers to unknown question treats" in refused.text
    assert client.post(url, data={"action": "up", "question": "patients"}).status_code == 302
    onto_its_page = client.post(url, data={"action": "up", "question": "patients"})
    assert onto_its_page.status_code == 422 and "which is asked on this page" in onto_its_page.text
    assert client.post(url, data={"action": "remove", "question": "why"}).status_code == 302
    session.expire_all()
    study_now = session.get(Study, study.id)
    assert [[q["id"] for q in p["questions"]] for p in study_now.questionnaire["pages"]] == [
        ["treats"],
        ["patients"],
    ]
    assert study_now.version == 7  # 1 + three additions, two moves and a removal; refusals save nothing


def test_logic_that_refers_to_a_later_question_is_refused_with_its_path(client, session, researcher):
    study = service.create_draft(session, researcher, brief())
    service.set_questionnaire(session, researcher, study.id, questionnaire())
    bad = {
        "action": "update",
        "question": "treats",
        "id": "treats",
        "type": "single",
        "text_en": "Treat?",
        "text_es": "¿Trata?",
        "options": "yes | Yes | Sí\nno | No | No",
        "show_if": "patients > 3",
    }
    answer = client.post(f"/studies/{study.id}/questionnaire", data=bad)
    assert answer.status_code == 422
    assert "pages[0].questions[0].show_if" in answer.text
    assert 'value="patients &gt; 3"' in answer.text  # the form keeps what was typed


def test_uploading_a_json_document_replaces_the_questionnaire(client, session, researcher):
    study = service.create_draft(session, researcher, brief())
    document = json.dumps(questionnaire()).encode()
    answer = client.post(
        f"/studies/{study.id}/questionnaire",
        data={"action": "upload", "file": (io.BytesIO(document), "q.json")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(Study, study.id).questionnaire["pages"][1]["questions"][0]["id"] == "patients"
    broken = client.post(
        f"/studies/{study.id}/questionnaire", data={"action": "upload", "document": "{not json"}
    )
    assert broken.status_code == 422 and "The file is not JSON" in broken.text


def test_the_preview_shows_the_questionnaire_as_a_respondent_sees_it_in_english_and_spanish(
    client, session, researcher
):
    study = service.create_draft(session, researcher, brief())
    service.set_questionnaire(session, researcher, study.id, questionnaire())
    english = client.get(f"/studies/{study.id}/preview?lang=en")
    spanish = client.get(f"/studies/{study.id}/preview?lang=es")
    assert (
        "Do you treat heart failure?" in english.text
        and 'type="radio" name="treats" value="yes"' in english.text
    )
    assert "¿Trata la insuficiencia cardíaca?" in spanish.text and "Sí" in spanish.text
    assert "treats == &#39;yes&#39;" in spanish.text  # the logic is shown next to the question it hides


def test_the_overview_shows_what_is_missing_then_the_quote_and_submits(
    client, session, researcher, monkeypatch
):
    study = service.create_draft(session, researcher, brief())
    page = client.get(f"/studies/{study.id}")
    assert "Write or upload the questionnaire first." in page.text
    assert f'href="/studies/{study.id}/feasibility"' in page.text
    service.set_questionnaire(session, researcher, study.id, questionnaire())
    from polling.studies import api

    monkeypatch.setattr(
        api.pricing, "quote", lambda session, study: {"total_minor": 1234500, "currency": "EUR"}
    )
    ready = client.get(f"/studies/{study.id}")
    assert "Accept the quote (12345.00 EUR) and submit" in ready.text
    answer = client.post(f"/studies/{study.id}/submit", data={"comment": "Thanks"})
    assert answer.status_code == 302
    after = client.get(f"/studies/{study.id}")
    assert "Submitted for review" in after.text and "Accept the quote" not in after.text
    session.expire_all()
    assert session.get(Study, study.id).accepted_quote == {"total_minor": 1234500, "currency": "EUR"}


def test_staff_comments_of_a_returned_study_are_shown(client, session, researcher):
    study = service.create_draft(session, researcher, brief())
    study.status, study.review_comment = "returned", "Add a screener question for cardiologists."
    session.commit()
    page = client.get(f"/studies/{study.id}")
    assert "Comments from Pulse staff" in page.text and "Add a screener question" in page.text
    assert f'href="/studies/{study.id}/edit"' in page.text
