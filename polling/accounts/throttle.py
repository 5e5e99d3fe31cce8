"""Log-in throttling with exponential back-off, per account and per client address.

Each key (an account's e-mail digest, a client address) may fail a few times freely; after that
every further failure doubles the wait before the next attempt is heard (2 s, 4 s, 8 s ... up to
15 minutes), and a success on the account clears it. Nobody is locked out for good, and one noisy
address behind a proxy slows only itself once TRUSTED_PROXIES names the proxy.

Counts live in Redis when REDIS_URL is set, shared by every worker; when Redis cannot be reached
the throttle keeps counting in this process (logged), rather than failing the log-in.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from redis import Redis
from redis.exceptions import RedisError

WINDOW_SECONDS = 3600  # failures older than an hour without another failure are forgotten
MAX_DELAY_SECONDS = 900
REDIS_RETRY_SECONDS = 10
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Key:
    name: str
    free: int


def account_key(email: str, free: int) -> Key:
    return Key("login:account:" + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()[:32], free)


def address_key(address: str, free: int) -> Key:
    return Key("login:address:" + address, free)


class MemoryCounts:
    """In-process counts: each worker its own (the fallback, and the default without Redis)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def get(self, name: str, now: float) -> tuple[int, float]:
        with self._lock:
            count, last = self._counts.get(name, (0, 0.0))
            if count and now - last > WINDOW_SECONDS:
                del self._counts[name]
                return 0, 0.0
            return count, last

    def add(self, name: str, now: float) -> None:
        with self._lock:
            count, last = self._counts.get(name, (0, 0.0))
            if count and now - last > WINDOW_SECONDS:
                count = 0
            self._counts[name] = (count + 1, now)

    def clear(self, name: str) -> None:
        with self._lock:
            self._counts.pop(name, None)


class RedisCounts:
    def __init__(self, client: Redis) -> None:
        self._client = client

    def get(self, name: str, now: float) -> tuple[int, float]:
        count, last = self._client.hmget(name, ["count", "last"])
        return int(count or 0), float(last or 0.0)

    def add(self, name: str, now: float) -> None:
        pipe = self._client.pipeline()
        pipe.hincrby(name, "count", 1)
        pipe.hset(name, "last", repr(now))
        pipe.expire(name, WINDOW_SECONDS)
        pipe.execute()

    def clear(self, name: str) -> None:
        self._client.delete(name)


Counts = MemoryCounts | RedisCounts
T = TypeVar("T")


def _get(counts: Counts, name: str, now: float) -> tuple[int, float]:
    return counts.get(name, now)


def _add(counts: Counts, name: str, now: float) -> None:
    counts.add(name, now)


class Throttle:
    def __init__(self, redis_url: str | None = None, *, backoff: float = 2.0, timeout: float = 2.0) -> None:
        self.backoff = backoff
        self._memory = MemoryCounts()
        self._redis = (
            RedisCounts(Redis.from_url(redis_url, socket_timeout=timeout, socket_connect_timeout=timeout))
            if redis_url
            else None
        )
        self._redis_down_until = 0.0

    def _call(self, action: Callable[[Counts], T]) -> T:
        """Run ``action`` on Redis, or on the in-process counts while Redis is unreachable."""
        if self._redis is not None and time.monotonic() >= self._redis_down_until:
            try:
                return action(self._redis)
            except RedisError as exc:
                log.warning("Redis unreachable for log-in throttling, counting in-process: %s", exc)
                self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
        return action(self._memory)

    def delay(self, count: int, free: int) -> float:
        if count < free:
            return 0.0
        return float(min(MAX_DELAY_SECONDS, self.backoff * 2 ** min(count - free, 20)))

    def wait(self, keys: list[Key], now: float | None = None) -> int:
        """Seconds before the next attempt on these keys is heard (0: go ahead)."""
        now = time.time() if now is None else now
        longest = 0.0
        for key in keys:
            count, last = self._call(partial(_get, name=key.name, now=now))
            longest = max(longest, last + self.delay(count, key.free) - now)
        return int(longest + 0.999) if longest > 0 else 0

    def failed(self, keys: list[Key], now: float | None = None) -> None:
        now = time.time() if now is None else now
        for key in keys:
            self._call(partial(_add, name=key.name, now=now))

    def succeeded(self, key: Key) -> None:
        self._call(lambda counts: counts.clear(key.name))
