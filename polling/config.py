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
    Setting("LOGIN_RATE_LIMIT", "10 per minute", "Log-in and token attempts allowed per client address."),
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
    if not config["SECRET_KEY"]:
        if mode == "production":
            raise ConfigurationError(
                "SECRET_KEY is not set. Pulse needs a long random secret outside development: "
                "export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set PULSE_ENV=development for a local trial."
            )
        config["SECRET_KEY"] = _development_secret() if mode == "development" else os.urandom(32).hex()
    secure = config["SESSION_COOKIE_SECURE"]
    config["SESSION_COOKIE_SECURE"] = (mode == "production") if secure is None else _bool(str(secure))
    config["TESTING"] = mode == "testing"
    return config
