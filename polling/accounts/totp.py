"""A TOTP second factor (RFC 6238, 30-second steps, 6 digits; any authenticator app).

Required for the roles in SECOND_FACTOR_ROLES (staff and auditors by default), optional for
everyone else. Codes of the previous and next step are accepted too, for clocks a little off.
"""

from __future__ import annotations

from datetime import datetime

import pyotp

ISSUER = "Pulse"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def verify(secret: str | None, code: object) -> bool:
    """Whether ``code`` (spaces ignored) is the current code of ``secret``."""
    text = "".join(str(code or "").split())
    if secret is None or len(text) != 6 or not text.isascii() or not text.isdigit():
        return False
    return bool(pyotp.TOTP(secret).verify(text, for_time=datetime.now(), valid_window=1))
