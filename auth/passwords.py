"""Passwords: argon2id hashes, rehashed when parameters change; 8–128 characters, not a common password."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

MIN_LENGTH, MAX_LENGTH = 8, 128
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _common() -> frozenset[str]:
    text = resources.files("auth.data").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None; no composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_LENGTH:
        return _("Пароль должен быть не короче %(n)s символов.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Пароль должен быть не длиннее %(n)s символов.", n=MAX_LENGTH)
    if password.casefold() in _common():
        return _("Этот пароль слишком распространён: его легко подобрать. Выберите другой.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored_hash: str, password: str) -> tuple[bool, str | None]:
    """Whether the password matches, and a new hash when the stored one uses outdated parameters."""
    try:
        _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored_hash) else None)


@cache
def dummy_hash() -> str:
    """A hash to check unknown accounts' passwords against (equal timing); made on first use, not at import."""
    return _hasher.hash("timing-equaliser-for-unknown-accounts")
