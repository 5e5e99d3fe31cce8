"""The ``pulse`` command: Flask's CLI with Pulse's own commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, NoAppException, with_appcontext

from polling import backup, create_app, jobs, migrate
from polling.audit.service import record
from polling.db import session_scope
from polling.errors import InvalidInput
from polling.respondents.keys import current_keys

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
    for command in (
        db,
        verify_licence,
        create_account,
        seed_demo,
        report,
        worker,
        backup_command,
        restore_command,
        load_pricing,
        fielding_tick,
    ):
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
@click.argument("role", type=click.Choice(["member", "client", "journalist", "staff", "auditor"]))
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
def create_account(
    role: str,
    email: str,
    password: str,
    verified: bool,
    organisation: str | None,
    locale: str | None,
    **member_fields: str | None,
) -> None:
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
                reviewer = (
                    system_reviewer(session, current_app.extensions["pulse.hasher"]) if verified else None
                )
                member = register_physician(
                    session,
                    hasher,
                    {"email": email, "password": password, "locale": locale, **fields},
                    verified_by=reviewer,
                )
                click.echo(f"Created member {member.user.email} ({member.handle}), {member.status}.")
            else:
                create_user(
                    session,
                    hasher,
                    email=email,
                    password=password,
                    role=role,
                    locale=locale,
                    organisation=organisation,
                )
                click.echo(f"Created {role} {email}.")
    except InvalidInput as exc:
        _fail(exc)


@click.command("seed-demo")
@click.option("--members", "members_n", default=5000, show_default=True, help="Verified demo physicians.")
@click.option("--seed", default=2015, show_default=True, help="Random seed of the demo membership.")
@click.option(
    "--force", is_flag=True, help="Seed outside development (demo log-ins have published passwords)."
)
@with_appcontext
def seed_demo(members_n: int, seed: int, force: bool) -> None:
    """Create the demo accounts and membership (again: adds nothing already there)."""
    mode = str(current_app.config.get("PULSE_ENV"))
    if mode not in ("development", "testing") and not force:
        raise click.ClickException(
            f"seed-demo creates accounts whose passwords the README publishes, and PULSE_ENV={mode}: "
            "run it with PULSE_ENV=development, or add --force on a throwaway demo server."
        )
    from polling import demo, demo_polls, demo_studies, demo_surveys

    with session_scope(current_app) as session:
        demo.seed_accounts(session, current_app.extensions["pulse.hasher"])
        added = demo.seed_membership(session, members_n=members_n, seed=seed)
        votes = demo_polls.seed_polls(session, current_keys(), seed=seed)
        published = demo_polls.seed_reports(session)
        completes = demo_surveys.seed_surveys(session, current_keys(), seed=seed)
        took_part = demo_studies.seed_studies(current_app, session, current_keys(), seed=seed)
    click.echo(f"Paid surveys: {completes} demo completes added.")
    click.echo(f"Client studies: {took_part} demo members took part in Demo Research Ltd's studies.")
    click.echo(
        f"Demo ready: {added} physicians, {votes} poll votes and {published} published reports added. Log-ins:"
    )
    for account in demo.ACCOUNTS:
        click.echo(f"  {account.role:<10} {account.email:<26} {account.password:<22} {account.note}")


@click.group()
def report() -> None:
    """Poll reports."""


@report.command("build")
@click.argument("poll_id", type=int)
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the files."
)
@click.option(
    "--preview", is_flag=True, help="Build a poll that has not closed yet, with a loud PREVIEW warning."
)
@with_appcontext
def report_build(poll_id: int, out_dir: str, preview: bool) -> None:
    """Write a closed poll's public report: report.pdf, report.html, report.json, tables.csv, tables.xlsx."""
    from polling.errors import PulseError
    from polling.polls import extract
    from polling.polls import service as polls
    from reports.build import build_poll_report

    try:
        with session_scope(current_app) as session:
            poll = polls.get_poll(session, poll_id)
            state = polls.state(poll)
            if state != "closed" and not preview:
                raise click.ClickException(
                    f"poll {poll_id} is {state}, not closed: its fieldwork is not over. Wait until it closes, "
                    "or pass --preview for a draft that says so"
                )
            responses = extract.responses(extract.vote_cells(session, poll), poll)
            if responses.empty:
                raise click.ClickException(f"poll {poll_id} has no votes: there is nothing to report")
            meta = extract.poll_meta(poll)
            if preview and state != "closed":
                click.echo(f"PREVIEW: poll {poll_id} is {state}; these figures are not final.", err=True)
            built = build_poll_report(meta, responses, out_dir=out_dir, statements=extract.statements(poll))
    except PulseError as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:  # votes that no longer fit the poll's settings: say so, no traceback
        raise click.ClickException(f"poll {poll_id} cannot be reported as it is set up now: {exc}") from None
    for path in sorted(built.paths.values()):
        click.echo(str(path))
    click.echo(f"input hash {built.context.input_hash}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run background jobs (report building) from the Redis queue at REDIS_URL."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it jobs run inline and no worker is needed")
    jobs.work(current_app._get_current_object(), burst=burst)  # type: ignore[attr-defined]


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write the whole database to TARGET (SQLite copy or pg_dump custom format), readable by you only."""
    try:
        written = backup.backup(str(current_app.config["DATABASE_URL"]), target)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    with session_scope(current_app) as session:
        record(session, "backup", subject=str(written)[:100], detail="backup written")
    click.echo(f"Backup written to {written}.")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database with the backup in SOURCE (stop the app servers first)."""
    if not yes:
        click.confirm(f"Replace every row of the database with {source}?", abort=True)
    current_app.extensions["pulse.engine"].dispose()
    try:
        backup.restore(str(current_app.config["DATABASE_URL"]), source)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    with session_scope(current_app) as session:
        record(session, "backup", subject=str(source)[:100], detail="backup restored")
    click.echo(f"Database restored from {source}.")


@click.command("load-pricing")
@with_appcontext
def load_pricing() -> None:
    """Load the shipped fair-market values and exchange rates into empty tables (staff edits stay)."""
    from polling.studies import pricing

    with session_scope(current_app) as session:
        values, rates = pricing.load_reference_data(session)
    click.echo(
        f"Fair-market values: {values} loaded; exchange rates: {rates} loaded (0: the table had rows)."
    )


@click.command("fielding-tick")
@with_appcontext
def fielding_tick() -> None:
    """Studies in field: start approved ones on their first day, draw a wave where completes fall
    behind, mail due invitations and reminders (run it from cron, e.g. hourly)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    done = jobs.submit(app, "fielding_tick")
    if done.inline:
        mailed = sum(done.result.values())
        click.echo(f"{len(done.result)} studies in field; {mailed} e-mails sent.")
    else:
        click.echo(f"Queued as job {done.job_id}; `pulse worker` runs it.")
