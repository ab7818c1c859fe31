"""What an uploaded file is, by its first bytes (never by its name or the browser's word)."""

from __future__ import annotations

from collections.abc import Collection

MAGIC = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png",
         b"PK\x03\x04": "application/zip"}  # zip: XLSX, DOCX and other Office files


def sniff(data: bytes, allowed: Collection[str]) -> str | None:
    """The file's type if it is one of `allowed`, else None."""
    return next((mime for magic, mime in MAGIC.items() if mime in allowed and data.startswith(magic)), None)
