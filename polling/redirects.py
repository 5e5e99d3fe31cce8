"""Where a "next" parameter may send a browser: back into Pulse, never to another site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else the home page ("/").

    >>> safe_next("/polls/3"), safe_next("https://evil.example/"), safe_next("//evil.example")
    ('/polls/3', '/', '/')
    """
    parts = urlsplit(target or "/")
    if parts.scheme or parts.netloc or not (target or "/").startswith("/"):
        return "/"
    return target or "/"
