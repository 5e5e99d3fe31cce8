"""Configuration: the only module that reads the environment.

Every setting lives in :data:`SETTINGS` with its default and help text; ``Config.from_env`` builds
the mapping ``create_app`` takes. Tests pass a plain mapping instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PULSE_ENV",
        "production",
        "production, development or testing; development allows a generated SECRET_KEY.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Signs sessions and CSRF tokens and keys respondent hashes. Required outside development and tests.",
    ),
    Setting(
        "RESPONDENT_KEY_SECRET",
        None,
        "Keys the hash that stands in for members in votes and answers; separate from SECRET_KEY, never "
        "stored in the database. Required in production (or RESPONDENT_KEY_SECRET_FILE).",
    ),
    Setting(
        "RESPONDENT_KEY_SECRET_FILE",
        None,
        "A file (mode 0600) holding RESPONDENT_KEY_SECRET; development keeps instance/respondent_key_secret.",
    ),
    Setting(
        "DATABASE_URL",
        f"sqlite:///{INSTANCE_DIR / 'pulse.sqlite3'}",
        "SQLAlchemy URL; the embedded SQLite file under instance/ by default, postgresql+psycopg://... for real deployments.",
    ),
    Setting(
        "REDIS_URL",
        None,
        "Redis for rate limits (and job queues) shared by several app processes; in-process memory when unset.",
    ),
    Setting(
        "SESSION_COOKIE_SECURE", None, "Send the session cookie over HTTPS only; on by default in production."
    ),
    Setting(
        "LOGIN_RATE_LIMIT",
        "60 per minute",
        "Ceiling on log-in and token requests per client address (flask-limiter syntax); the per-account "
        "and per-address back-off below decides first.",
    ),
    Setting(
        "RESULTS_RATE_LIMIT",
        "30 per hour",
        "Poll results readings allowed per member (live results move in steps of 5 votes).",
    ),
    Setting(
        "LOGIN_FREE_FAILURES",
        "5",
        "Failed log-ins allowed for one account before exponential back-off starts (the address gets "
        "four times as many).",
    ),
    Setting(
        "LOGIN_BACKOFF_SECONDS",
        "2",
        "First back-off after the free failures; it doubles with each further failure, up to 15 minutes.",
    ),
    Setting(
        "SIGNUP_RATE_LIMIT",
        "10 per hour",
        "Sign-ups, password-reset requests and resends per client address.",
    ),
    Setting(
        "TRUSTED_PROXIES",
        "0",
        "How many reverse proxies in front of Pulse add X-Forwarded-For; the client address is taken that "
        "many hops back (0: the socket's address).",
    ),
    Setting("SESSION_HOURS", "12", "A browser log-in ends after this many hours (or at log-out)."),
    Setting(
        "TOKEN_MINUTES",
        "60",
        "An API token expires after this many minutes; POST /api/v1/tokens/renew trades it for a new one.",
    ),
    Setting(
        "SECOND_FACTOR_ROLES",
        "staff auditor",
        "Roles that must log in with a TOTP code (space-separated); empty in tests. Others may opt in.",
    ),
    Setting(
        "PUBLIC_URL",
        "http://127.0.0.1:5000",
        "Pulse's address as users reach it; links in e-mails are built from it, never from the Host header.",
    ),
    Setting(
        "PRESS_CONTACT",
        "press@pulse.invalid",
        "The press contact printed on every report (PDF, HTML) for journalists' questions.",
    ),
    Setting("MAIL_FROM", "Pulse <no-reply@pulse.invalid>", "Sender of Pulse's e-mails."),
    Setting(
        "SUPPORT_EMAIL", "support@pulse.invalid", "Where the support page sends people who need a person."
    ),
    Setting("SMTP_HOST", "localhost", "SMTP server for outgoing mail."),
    Setting("SMTP_PORT", "25", "Its port."),
    Setting("SMTP_USERNAME", None, "Log-in for the SMTP server, if it needs one."),
    Setting("SMTP_PASSWORD", None, "Password for the SMTP server."),
    Setting("SMTP_STARTTLS", "0", "Upgrade the SMTP connection with STARTTLS (1) or not (0)."),
    Setting(
        "MAIL_FOLDER",
        None,
        "Write each e-mail as a .eml file in this folder instead of sending it (development: instance/mail).",
    ),
    Setting(
        "INVITATION_CAP",
        "4",
        "Study invitations a member receives per 30 days at most (a member's own cap, if set, wins).",
    ),
    Setting(
        "INVITATION_REMINDER_DAYS",
        "3",
        "Days after an invitation (or reminder) before reminding a non-responder.",
    ),
    Setting("INVITATION_REMINDERS", "2", "Reminders at most per invitee."),
    Setting(
        "INVITATION_WAVE_DAYS",
        "3",
        "Days after a wave before another is drawn for cells whose expected completes fall short of target.",
    ),
    Setting(
        "SURVEY_SPEEDER_SHARE",
        "0.4",
        "A complete taking under this share of the survey's median time is flagged as a speeder.",
    ),
    Setting(
        "SURVEY_PAGE_SPEEDER_SHARE",
        "0.3",
        "A page answered in under this share of that page's median time is flagged (the page named).",
    ),
    Setting(
        "STORAGE_REORDER_MINUTES",
        "10",
        "Fewest minutes between two scheduled rewrites of the votes or survey tables in random-id order.",
    ),
    Setting("DB_CONNECT_TIMEOUT", "5", "Seconds to wait for a database connection before answering 503."),
    Setting(
        "DB_STATEMENT_TIMEOUT",
        "15",
        "Seconds a database statement may run (PostgreSQL statement_timeout; SQLite's busy timeout).",
    ),
    Setting("REDIS_TIMEOUT", "2", "Seconds to wait for Redis before falling back to in-process limits."),
    Setting(
        "RETRY_AFTER",
        "5",
        "Seconds a client is told to wait (Retry-After) when the database or Redis is briefly unavailable.",
    ),
)

INTEGER_SETTINGS = (
    "LOGIN_FREE_FAILURES",
    "TRUSTED_PROXIES",
    "SESSION_HOURS",
    "TOKEN_MINUTES",
    "SMTP_PORT",
    "RETRY_AFTER",
    "INVITATION_CAP",
    "INVITATION_REMINDER_DAYS",
    "INVITATION_REMINDERS",
    "INVITATION_WAVE_DAYS",
)
FLOAT_SETTINGS = (
    "LOGIN_BACKOFF_SECONDS",
    "DB_CONNECT_TIMEOUT",
    "DB_STATEMENT_TIMEOUT",
    "REDIS_TIMEOUT",
    "SURVEY_SPEEDER_SHARE",
    "SURVEY_PAGE_SPEEDER_SHARE",
    "STORAGE_REORDER_MINUTES",
)


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret() -> str:
    """A secret kept in instance/secret_key, so that sessions and respondent keys survive restarts."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


def _respondent_key_secret(config: dict[str, object], mode: str) -> str | None:
    """The respondent-key secret (polling/respondents/keys.py): from the environment or a file.

    Development keeps one in instance/respondent_key_secret (0600), first set to the development
    SECRET_KEY so that a database seeded before the two were separated keeps its votes' keys.
    Testing falls back to SECRET_KEY (set later by the test's mapping) when neither is given.
    """
    if config["RESPONDENT_KEY_SECRET"]:
        return str(config["RESPONDENT_KEY_SECRET"])
    if config["RESPONDENT_KEY_SECRET_FILE"]:
        path = Path(str(config["RESPONDENT_KEY_SECRET_FILE"]))
        try:
            secret = path.read_text().strip()
        except OSError as exc:
            raise ConfigurationError(
                f"RESPONDENT_KEY_SECRET_FILE={path}: cannot read it ({exc.strerror})."
            ) from None
        if not secret:
            raise ConfigurationError(
                f"RESPONDENT_KEY_SECRET_FILE={path} is empty: write a long random secret in it."
            )
        return secret
    if mode == "development":
        path = INSTANCE_DIR / "respondent_key_secret"
        if not path.exists():
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            # Votes seeded before the two secrets were separated were keyed under SECRET_KEY: that
            # value becomes the respondent-key secret, and SECRET_KEY gets a new one.
            path.write_text(str(config["SECRET_KEY"]))
            kept = INSTANCE_DIR / "secret_key"
            if kept.exists() and kept.read_text().strip() == config["SECRET_KEY"]:
                kept.write_text(os.urandom(32).hex())
                config["SECRET_KEY"] = _development_secret()
        return path.read_text().strip()
    if mode == "production":
        raise ConfigurationError(
            "RESPONDENT_KEY_SECRET is not set. It keys the hash that stands in for members in votes and "
            "answers, and must differ from SECRET_KEY: export RESPONDENT_KEY_SECRET_FILE=/path/to/a/0600/file "
            "(or RESPONDENT_KEY_SECRET=...). To keep the keys of existing votes, give it the SECRET_KEY they "
            "were cast under, and SECRET_KEY a new value."
        )
    return None


def from_env(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, object]:
    """Build the app's configuration mapping from environment variables.

    Raises:
        ConfigurationError: SECRET_KEY is unset outside development and testing.
    """
    env = os.environ if environ is None else environ
    config: dict[str, object] = {s.name: env.get(s.name, s.default) for s in SETTINGS}
    mode = str(config["PULSE_ENV"])
    if mode not in {"production", "development", "testing"}:
        raise ConfigurationError(f"PULSE_ENV={mode!r} is not known: use production, development or testing.")
    for name in INTEGER_SETTINGS + FLOAT_SETTINGS:
        kind = int if name in INTEGER_SETTINGS else float
        try:
            config[name] = kind(str(config[name]))
        except ValueError:
            raise ConfigurationError(f"{name}={config[name]!r} is not a number: set it to e.g. 5.") from None
    config["SECOND_FACTOR_ROLES"] = frozenset(
        str(env.get("SECOND_FACTOR_ROLES", "" if mode == "testing" else "staff auditor")).split()
    )
    config["SMTP_STARTTLS"] = _bool(str(config["SMTP_STARTTLS"]))
    if config["MAIL_FOLDER"] is None and mode == "development":
        config["MAIL_FOLDER"] = str(INSTANCE_DIR / "mail")
    if not config["SECRET_KEY"]:
        if mode == "production":
            raise ConfigurationError(
                "SECRET_KEY is not set. Pulse needs a long random secret outside development: "
                "export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set PULSE_ENV=development for a local trial."
            )
        config["SECRET_KEY"] = _development_secret() if mode == "development" else os.urandom(32).hex()
    config["RESPONDENT_KEY_SECRET"] = _respondent_key_secret(config, mode)
    secure = config["SESSION_COOKIE_SECURE"]
    config["SESSION_COOKIE_SECURE"] = (mode == "production") if secure is None else _bool(str(secure))
    config["TESTING"] = mode == "testing"
    return config
