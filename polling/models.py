"""Every model, imported once so that the metadata is complete (Alembic and tests use it)."""

from __future__ import annotations

from polling.accounts.models import ApiToken, ClientOrganisation, User
from polling.db import Base
from polling.members.models import IdentityAccess, MemberIdentity, MemberProfile
from polling.polls.models import Poll, PollOption, Vote
from polling.press.models import Report, ReportFile, TopicFollow

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "ClientOrganisation",
    "IdentityAccess",
    "MemberIdentity",
    "MemberProfile",
    "Poll",
    "PollOption",
    "Report",
    "ReportFile",
    "TopicFollow",
    "User",
    "Vote",
    "metadata",
]
