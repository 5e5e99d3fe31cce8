"""Who may reach what: the one table of principal × endpoint, enforced before every request.

Principals are the roles, with members split by verification status and a principal for people
who are not logged in. An endpoint missing from :data:`RULES` is refused to everyone (and a test
fails), so a new route cannot be left open by accident.
"""

from __future__ import annotations

from flask import g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from polling.errors import Forbidden, NotAuthenticated

PRINCIPALS = ("anonymous", "pending_member", "member", "client", "journalist", "staff", "auditor")
EVERYONE = frozenset(PRINCIPALS)
SIGNED_IN = EVERYONE - {"anonymous"}
MEMBERS = frozenset({"pending_member", "member"})
VOTERS = MEMBERS | {"staff"}

RULES: dict[str, frozenset[str]] = {
    "static": EVERYONE,
    "main.home": EVERYONE,
    "main.set_language": EVERYONE,
    "main.healthz": EVERYONE,
    "main.readyz": EVERYONE,
    "accounts.login": EVERYONE,
    "accounts.logout": SIGNED_IN,
    "accounts.signup": EVERYONE,
    "accounts.signup_journalist": EVERYONE,
    "accounts.settings": SIGNED_IN,
    "accounts.second_factor": EVERYONE,
    "accounts.check_inbox": EVERYONE,
    "accounts.verify_email": EVERYONE,
    "accounts.forgot_password": EVERYONE,
    "accounts.reset_password": EVERYONE,
    "accounts.support": EVERYONE,
    "security.change_password": SIGNED_IN,
    "security.log_out_everywhere": SIGNED_IN,
    "security.revoke_token": SIGNED_IN,
    "security.two_factor": SIGNED_IN,
    "audit.security_log": frozenset({"auditor"}),
    "members.resubmit": frozenset({"pending_member"}),
    "members.signup": EVERYONE,
    "members.status": MEMBERS,
    "members.privacy": MEMBERS,
    "members.profile": frozenset({"member", "staff"}),
    "members.queue": frozenset({"staff"}),
    "members.review": frozenset({"staff"}),
    "polls.show": EVERYONE,
    "polls.vote": frozenset({"member"}),
    "polls.propose": frozenset({"member"}),
    "polls.mine": frozenset({"member"}),
    "polls.manage": frozenset({"staff"}),
    "polls.create": frozenset({"staff"}),
    "polls.edit": frozenset({"staff"}),
    "polls.review": frozenset({"staff"}),
    "polls_api.Polls": VOTERS,
    "polls_api.PollDetail": VOTERS,
    "polls_api.Votes": frozenset({"member"}),
    "polls_api.Results": frozenset({"member", "staff"}),
    "press.index": EVERYONE,
    "press.show": EVERYONE,
    "press.download": EVERYONE,
    "press.atom": EVERYONE,
    "press.follow": frozenset({"journalist"}),
    "press.manage": frozenset({"staff"}),
    "press.build": frozenset({"staff"}),
    "press.preview": frozenset({"staff"}),
    "press.set_status": frozenset({"staff"}),
    "press_api.PressReports": EVERYONE,
    "surveys.take": frozenset({"member"}),
    "surveys.consent": frozenset({"member"}),
    "surveys.answer": frozenset({"member"}),
    "surveys.manage": frozenset({"staff"}),
    "surveys.set_status": frozenset({"staff"}),
    "surveys.review_queue": frozenset({"staff"}),
    "surveys.decide": frozenset({"staff"}),
    "ledger.balance": frozenset({"member"}),
    "ledger.request_payout": frozenset({"member"}),
    "ledger.payouts": frozenset({"staff"}),
    "ledger.export": frozenset({"staff"}),
    "surveys_api.QuestionnaireSchemaDoc": EVERYONE,
    "surveys_api.Surveys": frozenset({"member"}),
    "surveys_api.SurveyPage": frozenset({"member"}),
    "surveys_api.Consent": frozenset({"member"}),
    "surveys_api.Pages": frozenset({"member"}),
    "surveys_api.Honoraria": frozenset({"member"}),
    "surveys_api.Payouts": frozenset({"member"}),
    "surveys_api.StaffSurveys": frozenset({"staff"}),
    "surveys_api.StaffQuestionnaire": frozenset({"staff"}),
    "surveys_api.StaffSurveyStatus": frozenset({"staff"}),
    "surveys.replace_questionnaire": frozenset({"staff"}),
    "api-docs.openapi_json": EVERYONE,
    "tokens.Tokens": EVERYONE,
    "tokens.TokenRenewal": SIGNED_IN,
    "tokens.TokenRevocation": SIGNED_IN,
    "me.Me": SIGNED_IN,
    "clients.organisation": frozenset({"client", "staff"}),
    "clients_api.Organisation": frozenset({"client", "staff"}),
    "clients.invite": frozenset({"client"}),
    "clients.accept_invitation": EVERYONE,
    "clients_api.Invitations": frozenset({"client"}),
    "dashboard.show": frozenset({"client", "staff"}),
    "dashboard.pause": frozenset({"staff"}),
    "dashboard.resume": frozenset({"staff"}),
    "dashboard.extend": frozenset({"staff"}),
    "dashboard.close": frozenset({"staff"}),
    "dashboard_api.Fieldwork": frozenset({"client", "staff"}),
    "dashboard_api.FieldworkPause": frozenset({"staff"}),
    "dashboard_api.FieldworkResume": frozenset({"staff"}),
    "dashboard_api.FieldworkExtension": frozenset({"staff"}),
    "dashboard_api.FieldworkClosure": frozenset({"staff"}),
    "pricing.feasibility": frozenset({"client", "staff"}),
    "pricing.quote_pdf": frozenset({"client", "staff"}),
    "pricing.fair_market_values": frozenset({"staff"}),
    "pricing_api.Feasibility": frozenset({"client", "staff"}),
    "pricing_api.Quote": frozenset({"client", "staff"}),
    "fielding.queue": frozenset({"staff"}),
    "fielding.decision": frozenset({"staff"}),
    "fielding.approve": frozenset({"staff"}),
    "fielding.send_back": frozenset({"staff"}),
    "fielding.follow": EVERYONE,
    "fielding.opt_out": EVERYONE,
    "fielding_api.Invitations": frozenset({"client", "staff"}),
    "fielding_api.ReviewQueue": frozenset({"staff"}),
    "fielding_api.Approval": frozenset({"staff"}),
    "fielding_api.Return": frozenset({"staff"}),
    "studies.index": frozenset({"client", "staff"}),
    "studies.new": frozenset({"client"}),
    "studies.show": frozenset({"client", "staff"}),
    "studies.edit": frozenset({"client"}),
    "studies.questionnaire": frozenset({"client"}),
    "studies.preview": frozenset({"client", "staff"}),
    "studies.submit": frozenset({"client"}),
    "studies_api.Studies": frozenset({"client", "staff"}),
    "studies_api.StudyDetail": frozenset({"client", "staff"}),
    "studies_api.StudyQuestionnaire": frozenset({"client"}),
    "studies_api.StudyVersions": frozenset({"client", "staff"}),
    "studies_api.StudySubmission": frozenset({"client"}),
}

#: Routes that show one client organisation's things: the role table admits clients, and the
#: object-level policy (polling.policies) refuses a client of any other organisation. Every route
#: whose URL names an organisation or a study belongs here (tests/app/test_permissions.py).
ORGANISATION_SCOPED = frozenset(
    {
        "clients.organisation",
        "clients_api.Organisation",
        "clients.invite",
        "clients_api.Invitations",
        "pricing.feasibility",
        "pricing.quote_pdf",
        "pricing_api.Feasibility",
        "pricing_api.Quote",
        "studies.show",
        "studies.edit",
        "studies.questionnaire",
        "studies.preview",
        "studies.submit",
        "studies_api.StudyDetail",
        "studies_api.StudyQuestionnaire",
        "studies_api.StudyVersions",
        "studies_api.StudySubmission",
        "fielding_api.Invitations",
        "dashboard.show",
        "dashboard_api.Fieldwork",
    }
)


def current_principal() -> str:
    """The principal of this request: a bearer token's user on /api/, the session's user elsewhere."""
    if request.path.startswith("/api/"):
        user = g.get("api_user")
    else:
        user = current_user if current_user.is_authenticated else None
    return "anonymous" if user is None else user.principal


def enforce() -> ResponseReturnValue | None:
    """before_request hook: refuse a principal the table does not allow.

    A visitor who is not logged in is sent to the log-in page (HTML) or told to send a token (API).
    """
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404/405 handler answers
        return None
    allowed = RULES.get(endpoint, frozenset())
    principal = current_principal()
    if principal in allowed:
        return None
    if principal == "anonymous":
        if request.path.startswith("/api/"):
            raise NotAuthenticated(
                _l(
                    "Send a valid API token as 'Authorization: Bearer <token>'; "
                    "get one from POST /api/v1/tokens."
                )
            )
        if request.method == "GET":
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        raise NotAuthenticated(_l("Log in to see this page."))
    if principal == "pending_member" and "member" in allowed:
        raise Forbidden(
            _l(
                "Your account is waiting for licence verification; you can do this once staff have verified it."
            )
        )
    raise Forbidden(_l("Your account does not have access to this page."))
