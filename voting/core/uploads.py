"""Uploaded files: what a file is, by its first bytes (never by its name or the browser's word), how large each kind
may be, and how a stored file goes back out (always as an attachment, never rendered by the browser)."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from voting.core.errors import InvalidInputError

MAGIC = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png",
         b"PK\x03\x04": "application/zip"}  # zip: XLSX, DOCX and other Office files
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "application/zip": "zip"}
NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "application/zip": "Office"}

MiB = 1024 * 1024
SCAN = ("application/pdf", "image/jpeg", "image/png")  # signed pages: proxies, paper decisions, protocols
SCAN_MAX_BYTES = 10 * MiB
MATERIAL = (*SCAN, "application/zip")  # a meeting's materials may also be Office documents
MATERIAL_MAX_BYTES = 20 * MiB
PROTOCOL = ("application/pdf",)  # the protocol of a meeting held elsewhere
PROTOCOL_MAX_BYTES = 20 * MiB
TABLE_MAX_BYTES = 5 * MiB  # a spreadsheet of meetings held elsewhere (the register's limit is configuration)


def sniff(data: bytes, allowed: Collection[str]) -> str | None:
    """The file's type if it is one of `allowed`, else None."""
    return next((mime for magic, mime in MAGIC.items() if mime in allowed and data.startswith(magic)), None)


def accept(data: bytes, kinds: Collection[str], max_bytes: int, field: str) -> str:
    """The type of an uploaded file that is one of `kinds` and at most `max_bytes`; else an error naming `field`."""
    names = _either([NAMES[kind] for kind in kinds])
    if not data:
        raise InvalidInputError(_("Приложите файл (%(kinds)s).", kinds=names), field=field)
    if len(data) > max_bytes:
        raise InvalidInputError(_("Файл больше %(limit)s МБ.", limit=max_bytes // MiB), field=field)
    mime = sniff(data, kinds)
    if mime is None:
        raise InvalidInputError(_("Файл должен быть в формате %(kinds)s.", kinds=names), field=field)
    return mime


def receive(upload: FileStorage, kinds: Collection[str], max_bytes: int, field: str) -> tuple[bytes, str]:
    """An uploaded file's bytes (read at most one byte past the limit) and its type; else an error naming `field`."""
    data = upload.read(max_bytes + 1)
    return data, accept(data, kinds, max_bytes, field)


def _either(names: list[str]) -> str:
    """«PDF, JPEG или PNG»."""
    return names[0] if len(names) == 1 else _("%(some)s или %(last)s", some=", ".join(names[:-1]), last=names[-1])


def send_stored(content: bytes, mime: str, filename: str) -> Response:
    """A stored upload as a download: an attachment of an opaque type in a sandbox, whatever it holds."""
    name = filename if "." in filename else f"{filename}.{EXTENSIONS.get(mime, 'bin')}"
    return Response(content, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        "Content-Security-Policy": "default-src 'none'; sandbox"})
