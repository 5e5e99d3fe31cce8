"""Password hashing (argon2id) and the password rules (NIST SP 800-63B: length over composition,
and no password found in a list of commonly used or breached passwords).

The list is the 30,000 most common passwords that zxcvbn ships (``zxcvbn.frequency_lists``, drawn
from leaked password sets). A password is refused when it, or it with its digits and punctuation
taken off the ends ("Password1!" → "password"), is in that list.
"""

from __future__ import annotations

import re
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10
MAX_LENGTH = 128
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


class Hasher:
    """argon2id with the library's defaults; tests pass cheaper parameters through config."""

    def __init__(self, time_cost: int = 3, memory_cost: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_nothing(self, password: str) -> bool:
        """Spend the time of a real verification when there is no account, so that the answer's
        timing does not tell whether an e-mail address is registered."""
        if self._dummy is None:
            self._dummy = self.hash(secrets.token_hex(16))
        self.verify(self._dummy, password)
        return False


def is_common(password: str) -> bool:
    lowered = password.lower()
    common = common_passwords()
    return any(
        form in common for form in (lowered, _PUNCTUATION.sub("", lowered), _DECORATION.sub("", lowered))
    )


def password_problem(password: str, email: str = "") -> object | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Choose a password of at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Choose a password of at most %(n)d characters.", n=MAX_LENGTH)
    if len(set(password)) < 4:
        return _l("Choose a password with more than three different characters.")
    if "\x00" in password or not password.isprintable():
        return _l("Use letters, digits, spaces and punctuation only (no control characters).")
    local = email.split("@")[0].lower()
    if is_common(password) or (len(local) >= 4 and local in password.lower()):
        return _l(
            "That password is too easy to guess: it is on a list of common or leaked passwords, "
            "or contains your e-mail address. Try a few unrelated words."
        )
    return None
