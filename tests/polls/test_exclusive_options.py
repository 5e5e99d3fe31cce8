"""Issue 11: an exclusive option ("None of these") cannot be combined with other answers."""

from __future__ import annotations

import pytest

from polling.errors import InvalidInput
from polling.polls import service
from tests.factories import make_member, make_user


def _form(**extra: object) -> dict[str, object]:
    return {
        "question_en": "Which of these tools do you use every week?",
        "question_es": "¿Cuáles de estas herramientas usa cada semana?",
        "option_en": ["Telemedicine", "E-prescribing", "None of these"],
        "option_es": ["Telemedicina", "Receta electrónica", "Ninguna de ellas"],
        "multiple": "on",
        "opens_at": "2020-01-01T00:00",
        "closes_at": "2099-01-01T00:00",
        **extra,
    }


def test_none_of_these_is_answered_alone(app, session, hasher, keys) -> None:
    staff = make_user(session, hasher, "staff")
    poll = service.create_poll(session, staff, _form(exclusive=["2"]), publish=True)
    session.commit()
    assert [o.exclusive for o in poll.options] == [False, False, True]
    member = make_member(session, hasher)
    ids = [o.id for o in poll.options]
    with pytest.raises(InvalidInput) as refused:
        service.cast_vote(session, keys, member.user, poll.id, [ids[0], ids[2]])
    assert "None of these" in str(refused.value.fields["options"][0]) and "alone" in str(
        refused.value.fields["options"][0]
    )
    service.cast_vote(session, keys, member.user, poll.id, [ids[2]])  # alone: accepted


def test_every_option_exclusive_is_refused(app, session, hasher) -> None:
    staff = make_user(session, hasher, "staff")
    with pytest.raises(InvalidInput) as refused:
        service.create_poll(session, staff, _form(exclusive=["0", "1", "2"]))
    assert "exclusive" in refused.value.fields
