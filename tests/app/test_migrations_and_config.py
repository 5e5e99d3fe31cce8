"""Migrations give exactly the models' schema on both backends; configuration comes from one place."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from polling import migrate
from polling.config import ConfigurationError, from_env
from polling.models import metadata


def test_migrated_schema_equals_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() == migrate.current_head()
    engine.dispose()


@pytest.mark.slow
def test_downgrade_to_nothing_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    engine.dispose()


def test_secret_key_is_required_in_production():
    with pytest.raises(ConfigurationError, match=r"SECRET_KEY is not set.*export SECRET_KEY="):
        from_env({"PULSE_ENV": "production"})


def test_unknown_mode_is_refused():
    with pytest.raises(ConfigurationError, match="PULSE_ENV='prod' is not known"):
        from_env({"PULSE_ENV": "prod", "SECRET_KEY": "x"})


def test_production_defaults():
    config = from_env({"SECRET_KEY": "s3cret", "RESPONDENT_KEY_SECRET": "apart"})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert str(config["DATABASE_URL"]).startswith("sqlite:///") and str(config["DATABASE_URL"]).endswith(
        "instance/pulse.sqlite3"
    )
    assert config["REDIS_URL"] is None


def test_environment_overrides():
    config = from_env(
        {
            "SECRET_KEY": "s",
            "RESPONDENT_KEY_SECRET": "r",
            "DATABASE_URL": "postgresql+psycopg://db/pulse",
            "REDIS_URL": "redis://r:6379/0",
            "SESSION_COOKIE_SECURE": "0",
        }
    )
    assert config["DATABASE_URL"] == "postgresql+psycopg://db/pulse"
    assert config["REDIS_URL"] == "redis://r:6379/0"
    assert config["SESSION_COOKIE_SECURE"] is False


def test_every_setting_is_documented_in_the_readme():
    from pathlib import Path

    from polling.config import SETTINGS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [s.name for s in SETTINGS if s.name not in readme]
    assert missing == []
