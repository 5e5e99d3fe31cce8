"""The ``pulse`` command: Flask's CLI with Pulse's own commands."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, NoAppException, with_appcontext

from polling import create_app, migrate
from polling.db import session_scope
from polling.errors import InvalidInput


OPTION_OF_FIELD = {"licence_number": "licence", "full_name": "name"}


def _fail(exc: InvalidInput) -> None:
    click.echo(f"Refused: {exc.message}", err=True)
    for field, messages in exc.fields.items():
        option = OPTION_OF_FIELD.get(field, field).replace("_", "-")
        for message in messages:
            click.echo(f"  --{option}: {message}", err=True)
    sys.exit(1)


def _create_app() -> Flask:
    from polling.config import ConfigurationError

    try:
        return create_app()
    except ConfigurationError as exc:  # a clear line instead of a traceback
        raise NoAppException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Pulse: physician polls and surveys."""


def init_app(app: Flask) -> None:
    """Add Pulse's commands to the app's CLI (``pulse ...`` and the tests' CLI runner)."""
    for command in (db, verify_licence, create_account, seed_demo):
        app.cli.add_command(command)


@click.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to the newest schema."""
    migrate.upgrade(str(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"Database at revision {revision}.")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION."""
    migrate.downgrade(str(current_app.config["DATABASE_URL"]), revision)


@click.command("verify-licence")
@click.argument("country")
@click.argument("number")
@with_appcontext
def verify_licence(country: str, number: str) -> None:
    """Check the format of a licence NUMBER for COUNTRY (US, UK, CA, AU, IE, NZ, ZA, MX, ES)."""
    from polling.members.licences import check

    result = check(country.upper(), number)
    click.echo(("valid: " if result.valid else "invalid: ") + str(result.reason))
    sys.exit(0 if result.valid else 1)


@click.command("create-account")
@click.argument("role", type=click.Choice(["member", "client", "journalist", "staff"]))
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--country")
@click.option("--specialty", help="A canonical specialty code, e.g. cardiology.")
@click.option("--licence", "licence_number")
@click.option("--sex", type=click.Choice(["female", "male"]))
@click.option("--birth-year")
@click.option("--licence-year", help="Year of first licence (default: birth year + 26).")
@click.option("--name", "full_name", help="Full name as on the licence (members).")
@click.option("--practice-setting", default="hospital", show_default=True)
@click.option("--verified", is_flag=True, help="Verify the member at once, as staff.")
@click.option("--organisation", help="The client's organisation.")
@click.option("--locale", type=click.Choice(["en", "es"]))
@with_appcontext
def create_account(role: str, email: str, password: str, verified: bool, organisation: str | None,
                   locale: str | None, **member_fields: str | None) -> None:
    """Create an account as an operator bootstrapping an install would."""
    from polling.accounts.service import create_user
    from polling.members.service import register_physician, system_reviewer

    hasher = current_app.extensions["pulse.hasher"]
    try:
        with session_scope(current_app) as session:
            if role == "member":
                fields = dict(member_fields)
                if fields.get("licence_year") is None and (fields.get("birth_year") or "").isdigit():
                    fields["licence_year"] = str(int(str(fields["birth_year"])) + 26)
                fields["full_name"] = fields.get("full_name") or email.split("@")[0]
                reviewer = system_reviewer(session, current_app.extensions["pulse.hasher"]) if verified else None
                member = register_physician(session, hasher, {"email": email, "password": password, "locale": locale,
                                                              **fields}, verified_by=reviewer)
                click.echo(f"Created member {member.user.email} ({member.handle}), {member.status}.")
            else:
                create_user(session, hasher, email=email, password=password, role=role, locale=locale,
                            organisation=organisation)
                click.echo(f"Created {role} {email}.")
    except InvalidInput as exc:
        _fail(exc)


@click.command("seed-demo")
@click.option("--members", "members_n", default=5000, show_default=True, help="Verified demo physicians.")
@click.option("--seed", default=2015, show_default=True, help="Random seed of the demo membership.")
@with_appcontext
def seed_demo(members_n: int, seed: int) -> None:
    """Create the demo accounts and membership (again: adds nothing already there)."""
    from polling import demo, demo_polls

    with session_scope(current_app) as session:
        demo.seed_accounts(session, current_app.extensions["pulse.hasher"])
        added = demo.seed_membership(session, members_n=members_n, seed=seed)
        votes = demo_polls.seed_polls(session, str(current_app.config["SECRET_KEY"]), seed=seed)
    click.echo(f"Demo ready: {added} physicians and {votes} poll votes added. Log-ins:")
    for account in demo.ACCOUNTS:
        click.echo(f"  {account.role:<10} {account.email:<26} {account.password:<22} {account.note}")
