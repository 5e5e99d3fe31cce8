"""Password hashing (argon2id) and the password rules (NIST SP 800-63B: length over composition)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 128
COMMON = frozenset(
    {
        "password123",
        "password1234",
        "1234567890",
        "qwertyuiop",
        "iloveyou123",
        "letmein1234",
        "welcome123",
        "admin12345",
        "passw0rd123",
        "abc1234567",
        "doctor1234",
        "medicine123",
        "0987654321",
        "qwerty1234",
        "1q2w3e4r5t",
        "password12",
        "football123",
        "changeme123",
    }
)


class Hasher:
    """argon2id with the library's defaults; tests pass cheaper parameters through config."""

    def __init__(self, time_cost: int = 3, memory_cost: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def password_problem(password: str, email: str = "") -> object | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Choose a password of at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Choose a password of at most %(n)d characters.", n=MAX_LENGTH)
    if len(set(password)) < 4:
        return _l("Choose a password with more than three different characters.")
    local = email.split("@")[0].lower()
    if password.lower() in COMMON or (len(local) >= 4 and local in password.lower()):
        return _l("That password is too easy to guess: avoid common passwords and your e-mail address.")
    return None
