"""Column types that keep votes exact and personal data encrypted, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import DateTime, Enum, LargeBinary, Numeric, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from voting.domain.numbers import CENT, format_share


def value_enum(cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column storing the values (not the names), checked by a constraint."""
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda members: [m.value for m in members], validate_strings=True)


class Area(TypeDecorator[Decimal]):
    """An area in m² with exactly two fraction digits: NUMERIC(12,2), or text where SQLite has no decimal."""

    impl = Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(16))
        return dialect.type_descriptor(Numeric(12, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value).quantize(CENT)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value).quantize(CENT)


class Share(TypeDecorator[Fraction]):
    """An exact share stored as the text "n/d"."""

    impl = String(41)
    cache_ok = True

    def process_bind_param(self, value: Fraction | None, dialect: Dialect) -> str | None:
        return None if value is None else format_share(Fraction(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Fraction | None:
        return None if value is None else Fraction(value)


class PersonalDataCipher:
    """Encrypts personal data with the configured keys; the first key encrypts, all keys decrypt."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one data key is required")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def encrypt(self, plain: str) -> str:
        return self.encrypt_bytes(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self.decrypt_bytes(token.encode()).decode()

    def encrypt_bytes(self, plain: bytes) -> bytes:
        return self._fernet.encrypt(plain)

    def decrypt_bytes(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise ValueError("personal data cannot be decrypted with the configured keys") from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the newest key (key rotation)."""
        return self._fernet.rotate(token.encode()).decode()


def cipher() -> PersonalDataCipher:
    """The current app's personal-data cipher; its keys come from configuration, never the database."""
    return current_app.extensions["veche.cipher"]


class Encrypted(TypeDecorator[str]):
    """Personal data (passport, СНИЛС) encrypted at rest with the app's data keys."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else cipher().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else cipher().decrypt(value)


class EncryptedFile(TypeDecorator[bytes]):
    """An uploaded file holding personal data (a proxy, a paper decision, a register) encrypted at rest."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else cipher().encrypt_bytes(bytes(value))

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else cipher().decrypt_bytes(bytes(value))


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and always returned timezone-aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: store instants with an offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
