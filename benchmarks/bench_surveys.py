"""Survey page submissions against votes, and exporting completes to a DataFrame.

    .venv/bin/python benchmarks/bench_surveys.py [--seconds 10] [--members 2000] [--completes 10000]

1. gunicorn (2 sync workers) on PostgreSQL, wrk at 32 connections: POST a page of five answers
   (the autosave of a real page: validated, stored in long form, timed) next to POST a vote, in the
   same run. Goal (issue 9): a page submit costs at most 2x a vote, i.e. its rate is at least half.
2. 10,000 completes x 100 questions (1,000,000 answer rows) into a DataFrame with
   ``polling.surveys.extract.completes_frame``. Goal: under 5 s.
Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from benchmarks.bench_votes import LUA, SECRET, seed
from polling import create_app, migrate
from polling.accounts.models import User
from polling.accounts.service import issue_token
from polling.db import session_scope, utcnow
from polling.members.models import MemberProfile
from polling.respondents.keys import current_keys
from polling.surveys import service, taking
from polling.surveys.extract import completes_frame
from polling.surveys.models import Survey, SurveyResponse
from tests.live.conftest import respondent_secret, start_pulse
from tests.postgres import postgres_url
from tests.servers import stop
from tests.surveys.helpers import survey_file, t

PAGE_LUA = """
local tokens = {}
local n = 0
local i = 0
local survey = 0
local threads = {}
function setup(thread) thread:set("id", #threads) table.insert(threads, thread) end
function init(args)
  for line in io.lines(args[1]) do
    local s, token = line:match("(%d+) (%S+)")
    survey = s
    n = n + 1
    tokens[n] = token
  end
end
function request()
  i = i + 1
  local token = tokens[((i - 1) * 2 + id) % n + 1]
  return wrk.format("POST", "/api/v1/surveys/" .. survey .. "/pages",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
    '{"page": "p1", "step": 0, "action": "save", "answers": {"a": "yes", "b": ["x", "y"], ' ..
    '"c": "12", "d": {"r1": "1", "r2": "2", "r3": "3"}, "e": "Useful"}}')
end
"""


def wrk(
    base: str, path: str, seconds: int, script: Path | None = None, data: Path | None = None
) -> dict[str, float]:
    """One wrk run (2 threads, 32 connections) with a 30 s request timeout, so that on a busy machine
    slow answers are measured rather than dropped; rate, p50 and p99 (ms), and non-2xx answers."""
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    command += ["-s", str(script)] if script is not None else []
    command += [base + path] + (["--", str(data)] if data is not None else [])
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    result = {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}  # type: ignore[union-attr]
    for name in ("50", "99"):
        found = re.search(name + r"%\s+([\d.]+)(us|ms|s)", output)
        result[f"p{name}"] = float(found.group(1)) * scale[found.group(2)] if found else float("nan")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non2xx"] = float(non2xx.group(1)) if non2xx else 0.0
    return result


def _page_questionnaire() -> dict[str, object]:
    yes_no = [{"code": "yes", "text": t("Yes")}, {"code": "no", "text": t("No")}]
    xyz = [{"code": c, "text": t(c)} for c in ("x", "y", "z")]
    return {
        "version": 1,
        "languages": ["en", "es"],
        "pages": [
            {
                "id": "p1",
                "questions": [
                    {"id": "a", "type": "single", "text": t("A?"), "options": yes_no},
                    {"id": "b", "type": "multiple", "text": t("B?"), "options": xyz},
                    {"id": "c", "type": "numeric", "text": t("C?"), "minimum": 0, "maximum": 100},
                    {
                        "id": "d",
                        "type": "matrix",
                        "text": t("D?"),
                        "rows": [{"code": r, "text": t(r)} for r in ("r1", "r2", "r3")],
                        "scale": [{"code": s, "text": t(s)} for s in ("1", "2", "3")],
                    },
                    {"id": "e", "type": "text", "text": t("E?"), "required": False},
                ],
            },
            {"id": "p2", "questions": [{"id": "f", "type": "single", "text": t("F?"), "options": yes_no}]},
        ],
    }


def seed_survey(url: str, members: int) -> Path:
    """A survey in field; every benchmark member has consented and stands on its first page."""
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "RESPONDENT_KEY_SECRET": respondent_secret(SECRET),
            "ARGON2_COST": (1, 1024),
        }
    )
    lines = []
    with app.test_request_context(), session_scope(app) as session:
        staff = session.scalar(select(User).where(User.role == "staff"))
        survey = service.create_survey(
            session, staff, survey_file(countries=[], questionnaire=_page_questionnaire())
        )
        service.field(session, staff, survey.id)
        users = session.scalars(
            select(User).join(MemberProfile, MemberProfile.user_id == User.id).limit(members)
        ).all()
        for user in users:
            taking.consent(session, current_keys(), user, survey.id, True)
            lines.append(f"{survey.id} {issue_token(session, user).token}")
    app.extensions["pulse.engine"].dispose()
    path = Path(tempfile.mkdtemp()) / "pages.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def seed_completes(url: str, completes: int, questions: int) -> int:
    """``completes`` x ``questions`` answers, copied straight into the tables; returns the survey id."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "DB_STATEMENT_TIMEOUT": 900})
    with session_scope(app) as session:
        survey = Survey(
            topic={"en": "Export", "es": "Exportación"},
            sponsor="bench",
            length_minutes=30,
            status="closed",
            opens_at=utcnow(),
            closes_at=utcnow(),
            questionnaire={"version": 1, "languages": ["en"], "pages": []},
        )
        session.add(survey)
        session.flush()
        survey_id = survey.id
        ids = [secrets.randbits(62) + 1 for _ in range(completes)]
        day = utcnow().date()
        session.execute(
            SurveyResponse.__table__.insert(),
            [
                {
                    "id": i,
                    "survey_id": survey_id,
                    "respondent_key": f"{i:064x}"[-64:],
                    "questionnaire_version": 1,
                    "status": "complete",
                    "page": "p",
                    "step": 0,
                    "started_on": day,
                    "timings": {},
                    "country": "US",
                    "specialty": "cardiology",
                    "sex": "female",
                    "age_band": "45-54",
                    "practice_band": "10-19",
                }
                for i in ids
            ],
        )
        raw = session.connection().connection.dbapi_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy("COPY survey_answers (response_id, question, item, value) FROM STDIN") as copy:
                for i in ids:
                    for q in range(questions):
                        copy.write_row((i, f"q{q:03d}", "", str((i + q) % 5 + 1)))
    app.extensions["pulse.engine"].dispose()
    return survey_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--completes", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    with postgres_url() as url:
        migrate.upgrade(url)
        votes_data, _ = seed(url, args.members, 12)
        pages_data = seed_survey(url, args.members)
        vote_script = votes_data.with_name("votes.lua")
        vote_script.write_text(LUA)
        page_script = pages_data.with_name("pages.lua")
        page_script.write_text(PAGE_LUA)
        process, base = start_pulse(url, SECRET, workers=2)
        try:
            ceiling = wrk(base, "/healthz", args.seconds)
            votes = wrk(base, "/api/v1/polls/1/votes", args.seconds, vote_script, votes_data)
            pages = wrk(base, "/api/v1/surveys/1/pages", args.seconds, page_script, pages_data)
        finally:
            stop(process)
        survey_id = seed_completes(url, args.completes, args.questions)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
        with session_scope(app) as session:
            started = time.perf_counter()
            frame = completes_frame(session, survey_id)
            export_seconds = time.perf_counter() - started
        app.extensions["pulse.engine"].dispose()
    print(f"gunicorn -w 2 -k sync on PostgreSQL, wrk -t2 -c32 for {args.seconds} s each")
    for name, result in (("GET /healthz", ceiling), ("POST vote", votes), ("POST survey page", pages)):
        print(
            f"  {name:<18} {result['rate']:8.0f} req/s  p50 {result['p50']:7.2f} ms  p99 {result['p99']:7.2f} ms"
            f"  non-2xx {int(result['non2xx'])}"
        )
    ratio = votes["rate"] / pages["rate"] if pages["rate"] else float("inf")
    print(f"  a page submit costs {ratio:.2f}x a vote (goal <= 2x): {'met' if ratio <= 2 else 'NOT met'}")
    print(
        f"export: {len(frame):,} completes x {frame.shape[1]} columns into a DataFrame in {export_seconds:.2f} s "
        f"(goal < 5 s: {'met' if export_seconds < 5 else 'NOT met'})"
    )
    if pages["non2xx"]:
        sys.exit("some page submissions were refused")


if __name__ == "__main__":
    main()
