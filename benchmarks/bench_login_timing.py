"""Log-in timing for a known and an unknown e-mail (issue 13: 309 ms against 7 ms before).

Both should cost one argon2id verification with the production parameters, so the ratio should be
near 1. Prints medians and the ratio, measured in the same run.

    .venv/bin/python benchmarks/bench_login_timing.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from polling import create_app, migrate
from polling.accounts.service import create_user


def _median_ms(client, email: str, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        answer = client.post(
            "/login",
            data={"email": email, "password": f"wrong password {i}"},
            environ_base={"REMOTE_ADDR": f"10.9.{i // 250}.{i % 250}"},
        )
        times.append(time.perf_counter() - started)
        assert answer.status_code == 401, answer.status_code
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pulse-bench-login-"))
    url = f"sqlite:///{folder / 'pulse.sqlite3'}"
    migrate.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "LOGIN_FREE_FAILURES": 10_000,  # measure the check, not the back-off
        }
    )  # argon2id with the production cost (3, 64 MiB)
    with app.app_context():
        from polling.db import get_session

        session = get_session()
        create_user(
            session,
            app.extensions["pulse.hasher"],
            email="known@example.org",
            password="a long password here",
            role="journalist",
        )
        session.commit()
    client = app.test_client()
    _median_ms(client, "known@example.org", 3)  # warm up
    known = _median_ms(client, "known@example.org", args.repeat)
    unknown = _median_ms(client, "unknown@example.org", args.repeat)
    print(f"log-in with a wrong password, median of {args.repeat}:")
    print(f"  known e-mail    {known:8.1f} ms")
    print(f"  unknown e-mail  {unknown:8.1f} ms")
    print(f"  ratio unknown/known: {unknown / known:.2f} (1.00 = indistinguishable)")
    app.extensions["pulse.engine"].dispose()


if __name__ == "__main__":
    main()
