"""Vote throughput and latency under load: gunicorn (2 sync workers) on PostgreSQL, wrk at 32
connections, the vote endpoint next to a trivial endpoint of the same app as the ceiling.

    .venv/bin/python benchmarks/bench_votes.py [--seconds 10] [--members 2500] [--polls 12]

Every request is a new vote of a distinct (member, poll) pair, so none is refused as a duplicate
(the script checks that every answer was 201). Goals (issue 4): vote throughput at least 50% of the
ceiling; p99 under 50 ms. Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from polling import create_app, migrate
from polling.accounts.models import User
from polling.accounts.service import issue_token
from polling.db import session_scope
from polling.members.models import MemberProfile
from polling.polls.models import Vote
from tests.factories import make_poll, make_user
from tests.live.conftest import start_pulse
from tests.postgres import postgres_url
from tests.servers import stop

SECRET = "bench-secret"
LUA = """
local pairs_ = {}
local i = 0
local n = 0
local threads = {}
function setup(thread) thread:set("id", #threads) table.insert(threads, thread) end
function init(args)
  for line in io.lines(args[1]) do
    local poll, token, option = line:match("(%d+) (%S+) (%d+)")
    n = n + 1
    pairs_[n] = {poll, token, option}
  end
end
function request()
  i = i + 1
  local k = ((i - 1) * 2 + id) % n + 1
  local p = pairs_[k]
  return wrk.format("POST", "/api/v1/polls/" .. p[1] .. "/votes",
    {["Authorization"] = "Bearer " .. p[2], ["Content-Type"] = "application/json"},
    '{"options": [' .. p[3] .. ']}')
end
function done(summary, latency, requests)
  io.write(string.format("JSON {\\"p50\\": %f, \\"p99\\": %f, \\"requests\\": %d, \\"non2xx\\": %d}\\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests, summary.errors.status))
end
"""


def seed(url: str, members: int, polls: int) -> tuple[Path, int]:
    """Members with tokens and open polls; writes one 'poll token option' line per possible vote."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "ARGON2_COST": (1, 1024)})
    hasher = app.extensions["pulse.hasher"]
    lines = []
    with session_scope(app) as session:
        staff = make_user(session, hasher, "staff")
        poll_rows = [
            make_poll(session, staff=staff, question_en=f"Benchmark poll number {i:02d}, open now")
            for i in range(polls)
        ]
        locked = hasher.hash("not-used-in-benchmarks")
        users = session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True),
            [
                {"email": f"bench{i}@example.org", "password_hash": locked, "role": "member"}
                for i in range(members)
            ],
        ).all()
        session.execute(
            insert(MemberProfile),
            [
                {
                    "user_id": uid,
                    "handle": f"dr-bench-{i:05d}",
                    "country": "US",
                    "specialty": "family_medicine",
                    "sex": "female",
                    "birth_year": 1980,
                    "licence_year": 2006,
                    "practice_setting": "hospital",
                    "status": "verified",
                }
                for i, uid in enumerate(users)
            ],
        )
        tokens = [issue_token(session, session.get(User, uid)).token for uid in users]
        # Interleave polls so that consecutive requests hit different members and polls.
        for poll in poll_rows:
            for token in tokens:
                lines.append(f"{poll.id} {token} {poll.options[0].id}")
    app.extensions["pulse.engine"].dispose()
    path = Path(tempfile.mkdtemp()) / "votes.txt"
    path.write_text("\n".join(lines) + "\n")
    return path, len(lines)


def wrk(
    base: str, path: str, seconds: int, script: Path | None = None, data: Path | None = None
) -> dict[str, float]:
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(base + path)
    if data is not None:
        command += ["--", str(data)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    result = {
        "rate": rate,
        "p50": float(p50.group(1)) * scale[p50.group(2)],
        "p99": float(p99.group(1)) * scale[p99.group(2)],
    }  # type: ignore[union-attr]
    summary = re.search(r"JSON (\{.*\})", output)
    if summary:
        result.update(
            {k: float(v) for k, v in json.loads(summary.group(1)).items() if k in ("requests", "non2xx")}
        )
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non2xx"] = float(non2xx.group(1)) if non2xx else 0.0
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--members", type=int, default=2500)
    parser.add_argument("--polls", type=int, default=12)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    with postgres_url() as url:
        migrate.upgrade(url)
        data, capacity = seed(url, args.members, args.polls)
        script = data.with_name("votes.lua")
        script.write_text(LUA)
        process, base = start_pulse(url, SECRET, workers=2)
        try:
            ceiling = wrk(base, "/healthz", args.seconds)
            votes = wrk(base, "/api/v1/polls/1/votes", args.seconds, script, data)
        finally:
            stop(process)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
        with session_scope(app) as session:
            stored = session.scalar(select(func.count()).select_from(Vote))
        app.extensions["pulse.engine"].dispose()
    print(
        f"gunicorn -w 2 -k sync on PostgreSQL, wrk -t2 -c32 for {args.seconds} s each ({capacity:,} distinct votes available)"
    )
    print(
        f"  ceiling  GET /healthz:             {ceiling['rate']:8.0f} req/s  p50 {ceiling['p50']:6.2f} ms  p99 {ceiling['p99']:6.2f} ms"
    )
    print(
        f"  votes    POST /api/v1/polls/N/votes: {votes['rate']:6.0f} req/s  p50 {votes['p50']:6.2f} ms  p99 {votes['p99']:6.2f} ms"
    )
    print(
        f"  ratio to ceiling: {votes['rate'] / ceiling['rate']:.0%} (goal >= 50%); p99 goal < 50 ms: "
        f"{'met' if votes['p99'] < 50 else 'NOT met'}"
    )
    print(f"  votes stored: {stored:,}; answers other than 201: {int(votes['non2xx'])}")
    if votes["non2xx"] or stored == 0:
        sys.exit(
            "some votes were refused: the benchmark ran out of distinct (member, poll) pairs or hit errors"
        )


if __name__ == "__main__":
    main()
