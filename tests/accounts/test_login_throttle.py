"""Log-ins that resist guessing without locking out the innocent: per-account and per-address
back-off, shared through Redis, in-process when Redis is down (never a 500), the client address
from the configured number of proxies, the same work for known and unknown e-mails, and a real
list of common passwords."""

from __future__ import annotations

import pytest

from polling import create_app
from polling.accounts.passwords import Hasher
from polling.accounts.throttle import Throttle, account_key
from tests.conftest import FAST_HASH
from tests.factories import PASSWORD, make_user


@pytest.fixture
def make_app(database_url):  # type: ignore[no-untyped-def]
    """Apps of this test's database with extra settings; disposed afterwards."""
    made = []

    def build(**settings: object):  # type: ignore[no-untyped-def]
        config = {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "s",
            "ARGON2_COST": FAST_HASH,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
        app = create_app(config | settings)
        made.append(app)
        return app

    yield build
    for app in made:
        app.extensions["pulse.engine"].dispose()


def _journalist(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        from polling.db import get_session

        return str(make_user(get_session(), app.extensions["pulse.hasher"], "journalist").email)


def _login(client, email: str, password: str, address: str = "10.0.0.1", **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def test_one_account_backs_off_whatever_address_the_guesses_come_from(client, session, hasher):
    user = make_user(session, hasher, "journalist")
    statuses = [_login(client, user.email, f"guess number {i}", f"10.0.0.{i}").status_code for i in range(8)]
    assert statuses[:5] == [401] * 5  # five free failures
    assert 429 in statuses[5:]
    refused = _login(client, user.email, PASSWORD, "10.9.9.9")  # even the right password waits
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Too many failed log-ins" in refused.text


def test_one_address_backs_off_across_accounts_but_others_still_log_in(client, session, hasher):
    victim = make_user(session, hasher, "journalist")
    statuses = [
        _login(client, f"nobody{i}@example.org", "wrong password", "10.0.0.66").status_code for i in range(25)
    ]
    assert statuses[:20] == [401] * 20 and statuses[-1] == 429
    assert _login(client, victim.email, PASSWORD, "10.0.0.67").status_code == 302


def test_back_off_doubles_and_ends():
    throttle = Throttle(backoff=2)
    key = account_key("a@example.org", free=5)
    for second in range(7):
        throttle.failed([key], now=1000.0 + second)
    assert throttle.wait([key], now=1006.0) == 8  # 7 failures, 5 free: 2 * 2**2 seconds
    assert throttle.wait([key], now=1014.0) == 0  # no lock-out: after the back-off, heard again
    throttle.succeeded(key)
    assert throttle.wait([key], now=1006.0) == 0


def test_clients_behind_a_trusted_proxy_are_told_apart(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    client = app.test_client()
    email = _journalist(app)
    for i in range(25):  # one noisy client behind the proxy
        _login(
            client,
            f"nobody{i}@example.org",
            "wrong password",
            "10.0.0.1",
            **{"X-Forwarded-For": "203.0.113.7"},
        )
    other = _login(client, email, PASSWORD, "10.0.0.1", **{"X-Forwarded-For": "198.51.100.4"})
    assert other.status_code == 302


def test_counts_are_shared_by_workers_through_redis(redis, make_app):
    from redis import Redis

    connection = Redis.from_url(redis)
    connection.flushdb()
    connection.close()
    apps = [make_app(REDIS_URL=redis) for _ in range(2)]
    email = _journalist(apps[0])
    clients = [app.test_client() for app in apps]
    for i in range(6):  # alternate between two "workers"
        _login(clients[i % 2], email, f"guess {i}", f"10.1.0.{i}")
    assert _login(clients[0], email, PASSWORD, "10.1.1.1").status_code == 429
    assert _login(clients[1], email, PASSWORD, "10.1.1.2").status_code == 429


def test_redis_down_falls_back_to_in_process_limits_not_500(make_app):
    from tests.servers import free_port

    app = make_app(
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        REDIS_TIMEOUT=0.5,
        RATELIMIT_ENABLED=True,
    )
    client = app.test_client()
    email = _journalist(app)
    assert _login(client, email, PASSWORD).status_code == 302
    statuses = [_login(app.test_client(), email, f"guess {i}", f"10.2.0.{i}").status_code for i in range(8)]
    assert 500 not in statuses and 429 in statuses


def test_unknown_and_known_emails_cost_the_same_work(client, session, hasher, monkeypatch):
    user = make_user(session, hasher, "journalist")
    checks: list[str] = []
    real_verify = Hasher.verify

    def counting(self, password_hash: str, password: str) -> bool:  # type: ignore[no-untyped-def]
        checks.append(password_hash[:9])
        return real_verify(self, password_hash, password)

    monkeypatch.setattr(Hasher, "verify", counting)
    known = _login(client, user.email, "a wrong password")
    unknown = _login(client, "nobody-at-all@example.org", "a wrong password")
    assert known.status_code == unknown.status_code == 401
    assert known.text.replace(user.email, "") == unknown.text.replace("nobody-at-all@example.org", "")
    assert len(checks) == 2 and all(c.startswith("$argon2id") for c in checks)  # one argon2 check each


@pytest.mark.parametrize(
    "password",
    [
        "Password1!",
        "Welcome123!",
        "Qwerty123!",
        "Iloveyou1!",
        "Football1!",
        "Letmein123",
        "Dragon2024!",
        "Monkey123!",
        "Sunshine1!",
        "Abc123456!",
        "Baseball1!",
        "Trustno1!!",
        "Superman1!",
        "Michael123",
        "Passw0rd!!",
    ],
)
def test_common_passwords_are_refused(client, password):
    answer = client.post("/signup/journalist", data={"email": "new@example.org", "password": password})
    assert answer.status_code == 422
    assert "list of common or leaked passwords" in answer.text


def test_sign_up_and_reset_requests_are_throttled_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGNUP_RATE_LIMIT="3 per hour")
    client = app.test_client()
    statuses = [
        client.post(
            "/signup/journalist", data={"email": f"probe{i}@example.org", "password": PASSWORD}
        ).status_code
        for i in range(4)
    ]
    assert statuses == [302, 302, 302, 429]
    assert client.post("/password/forgot", data={"email": "x@example.org"}).status_code == 429
