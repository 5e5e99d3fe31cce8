"""Every model, imported once so that the metadata is complete (Alembic and tests use it)."""

from __future__ import annotations

from polling.accounts.duties import StaffDuty
from polling.accounts.models import ApiToken, ClientOrganisation, EmailLink, LoginSession, User
from polling.audit.models import SecurityEvent
from polling.db import Base
from polling.idempotency import IdempotentAnswer
from polling.jobs import JobRun
from polling.ledger.models import LedgerEntry, LedgerTransaction, Payout
from polling.members.models import IdentityAccess, MemberIdentity, MemberProfile
from polling.polls.models import Poll, PollCountry, PollOption, PollSpecialty, Vote
from polling.press.models import Report, ReportFile, TopicFollow
from polling.studies.models import (
    ExchangeRate,
    FairMarketValue,
    Invitation,
    InvitationCap,
    Study,
    StudyCell,
    StudyEvent,
    StudyVersion,
)
from polling.surveys.models import (
    QualityFlag,
    QuotaCell,
    Survey,
    SurveyAnswer,
    SurveyCountry,
    SurveyHonorarium,
    SurveyResponse,
    SurveySpecialty,
)

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "ClientOrganisation",
    "EmailLink",
    "ExchangeRate",
    "FairMarketValue",
    "IdempotentAnswer",
    "IdentityAccess",
    "Invitation",
    "InvitationCap",
    "JobRun",
    "LedgerEntry",
    "LedgerTransaction",
    "LoginSession",
    "MemberIdentity",
    "MemberProfile",
    "Payout",
    "Poll",
    "PollCountry",
    "PollOption",
    "PollSpecialty",
    "QualityFlag",
    "QuotaCell",
    "Report",
    "ReportFile",
    "SecurityEvent",
    "StaffDuty",
    "Study",
    "StudyCell",
    "StudyEvent",
    "StudyVersion",
    "Survey",
    "SurveyAnswer",
    "SurveyCountry",
    "SurveyHonorarium",
    "SurveyResponse",
    "SurveySpecialty",
    "TopicFollow",
    "User",
    "Vote",
    "metadata",
]
