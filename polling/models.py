"""Every model, imported once so that the metadata is complete (Alembic and tests use it)."""

from __future__ import annotations

from polling.accounts.duties import StaffDuty
from polling.accounts.models import ApiToken, ClientOrganisation, EmailLink, LoginSession, User
from polling.audit.models import SecurityEvent
from polling.db import Base
from polling.idempotency import IdempotentAnswer
from polling.jobs import JobRun
from polling.members.models import IdentityAccess, MemberIdentity, MemberProfile
from polling.polls.models import Poll, PollCountry, PollOption, PollSpecialty, Vote
from polling.press.models import Report, ReportFile, TopicFollow

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "ClientOrganisation",
    "EmailLink",
    "IdempotentAnswer",
    "IdentityAccess",
    "JobRun",
    "LoginSession",
    "MemberIdentity",
    "MemberProfile",
    "Poll",
    "PollCountry",
    "PollOption",
    "PollSpecialty",
    "Report",
    "ReportFile",
    "SecurityEvent",
    "StaffDuty",
    "TopicFollow",
    "User",
    "Vote",
    "metadata",
]
