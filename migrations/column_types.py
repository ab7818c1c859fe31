"""The project's column types as the migrations create them, frozen: what each type is in the database, never the
live code's conversions (a migration must create the same columns whatever `voting.core.types` becomes)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


def UTCDateTime() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def Encrypted() -> sa.Text:
    return sa.Text()


def EncryptedFile() -> sa.LargeBinary:
    return sa.LargeBinary()


def Share() -> sa.String:
    return sa.String(41)


class Area(TypeDecorator[Any]):
    """An exact area: NUMERIC(12, 2), or its decimal text on SQLite (which has no exact decimals)."""

    impl = sa.Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(16))
        return dialect.type_descriptor(sa.Numeric(12, 2, asdecimal=True))
