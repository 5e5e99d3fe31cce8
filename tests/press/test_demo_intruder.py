"""Issue 11: the intruder (tests/reports/intruder.py) solves for nothing in any published demo report.

The demo is seeded as ``make run`` seeds it (``pulse seed-demo``), once, on a SQLite file of its
own: the reports' numbers do not depend on the database, so this runs once, not per database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from polling import create_app, migrate
from polling.press.models import Report, ReportFile
from tests.conftest import FAST_HASH
from tests.reports.intruder import attack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict]]:
    path: Path = tmp_path_factory.mktemp("demo") / "pulse.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "demo-secret", "ARGON2_COST": FAST_HASH}
    )
    try:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            from polling.db import get_session

            session = get_session()
            published = session.scalars(select(Report).where(Report.status == "published")).all()
            files = [session.get(ReportFile, (r.id, "report.json")) for r in published]
            yield [json.loads(f.content) for f in files if f is not None]
    finally:
        app.extensions["pulse.engine"].dispose()


def test_every_demo_report_gives_the_intruder_nothing(demo_reports: list[dict]) -> None:
    assert len(demo_reports) == 2  # the two closed demo polls (README)
    for report in demo_reports:
        bounds, findings = attack(report)
        assert findings == [], (report["meta"]["question"]["en"], findings)
        assert bounds  # the program was built over every count
        # Nothing unweighted and nothing at full precision in what journalists download.
        for estimate in report["topline"]["estimates"]:
            assert estimate["raw_share"] is None and estimate["se"] is None
            assert estimate["share"] is None or round(100 * estimate["share"], 6) % 1 == 0
