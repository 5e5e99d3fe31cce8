"""What taking a survey tells the rest of Pulse, and who may see a survey that is by invitation only.

The surveys package knows nothing of client studies (``polling.studies`` imports surveys, never the
reverse). It announces what happens to a member's response as blinker signals, sent inside the
transaction that makes it happen, *before* its commit, with that transaction's session as the
sender: a receiver writes in the same unit of work, so its writes commit (or roll back) with the
response's. Each signal is sent exactly once per change, from the code path that wins the change
(a row lock or an insert that the unique constraint decides).

Every signal carries ``survey_id`` and ``member_id``; receivers return True when they wrote
something. Receivers must not commit.

An invitation-only survey (``Survey.invitation_only``) is shown and opened only for the members its
sample names; the studies package answers that through :func:`register_invitations` at app start.
With no one registered, such a survey is for no one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from blinker import Namespace
from sqlalchemy.orm import Session

_signals = Namespace()

#: A member looked at an invitation-only survey they have not started (taking.view).
survey_opened = _signals.signal("survey-opened")
#: A member consented: their response exists now (taking.consent, once per member and survey).
response_started = _signals.signal("survey-response-started")
#: A response ended: ``status`` is screened_out, over_quota or complete (taking).
response_ended = _signals.signal("survey-response-ended")
#: Staff removed a complete after a quality review (surveys.review.decide).
response_removed = _signals.signal("survey-response-removed")

#: ``(session, member_id) -> ids of the invitation-only surveys the member is invited to``.
InvitedSurveys = Callable[[Session, int], Collection[int]]
_invitations: list[InvitedSurveys] = []


def register_invitations(lookup: InvitedSurveys) -> None:
    """Let ``lookup`` name the invitation-only surveys a member is invited to (registering twice is one)."""
    if lookup not in _invitations:
        _invitations.append(lookup)


def invited_surveys(session: Session, member_id: int) -> set[int]:
    """Ids of the invitation-only surveys ``member_id`` is invited to (none without a lookup)."""
    return {survey_id for lookup in _invitations for survey_id in lookup(session, member_id)}


def wrote(results: Sequence[tuple[object, object]]) -> bool:
    """Whether any receiver of a ``send`` says it wrote something."""
    return any(result is True for _receiver, result in results)
