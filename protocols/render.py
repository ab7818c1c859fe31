"""The protocol's PDF: the document's parts (the protocol and its short annexes as HTML for WeasyPrint, the long lists
in chunks for ReportLab) rendered in parallel processes, merged with pypdf in order, stamped with "Страница N из M",
and carrying the evidence bundle as an embedded file (PDF/A-3 style: the catalogue names it as the document's
associated data)."""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, cast

from flask import render_template
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from protocols import geometry, typeset

CHUNK = 600  # rows of a long list per part: parts are typeset independently, in parallel
PARALLEL_FROM = 400  # rows in all; below this a pool costs more than it saves

Progress = Callable[[int, int], None]


def parts(document: dict[str, Any], evidence: dict[str, str], signers: list[dict[str, str]],
          qr: str | None) -> list[typeset.Part]:
    """Every part, in page order."""
    pages: list[typeset.Part] = [render_template("pdf/protocol/main.html", doc=document, evidence=evidence,
                                                 signers=signers, qr=qr, page_css=geometry.css())]
    for annex in document["annexes"]:
        if annex["key"] not in typeset.KEYS:
            pages.append(render_template("pdf/protocol/annex.html", doc=document, annex=annex, page_css=geometry.css()))
            continue
        rows = document[annex["key"]]
        chunks = [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)] or [[]]
        pages += [typeset.part(document, annex, chunk, first=n == 0, last=n == len(chunks) - 1)
                  for n, chunk in enumerate(chunks)]
    return pages


def _pool_context() -> Any:
    """Workers forked from a small server with WeasyPrint and ReportLab loaded, not from this (threaded) process."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["protocols.typeset", "weasyprint"])
    return context


def _rendered(pdf_parts: list[typeset.Part], workers: int) -> Iterator[bytes]:
    if workers <= 1:
        yield from map(typeset.render, pdf_parts)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
        yield from pool.map(typeset.render, pdf_parts)


def workers_for(document: dict[str, Any]) -> int:
    rows = sum(len(document.get(key) or ()) for key in typeset.KEYS)
    return 1 if rows < PARALLEL_FROM else max(1, min(os.cpu_count() or 1, 4))


def pdf(pdf_parts: list[typeset.Part], bundle: bytes, bundle_name: str, metadata: dict[str, str], workers: int = 1,
        progress: Progress | None = None) -> tuple[bytes, int]:
    """Render, merge, number the pages, attach the bundle; the PDF's bytes and its page count."""
    writer = PdfWriter()
    for done, part in enumerate(_rendered(pdf_parts, workers), start=1):
        writer.append(PdfReader(io.BytesIO(part)))
        if progress:
            progress(done, len(pdf_parts) + 1)
    total = len(writer.pages)
    footers = PdfReader(io.BytesIO(typeset.page_numbers(total)))
    for page, footer in zip(writer.pages, footers.pages, strict=True):
        page.merge_page(footer)
        page.compress_content_streams()
    attachment = writer.add_attachment(bundle_name, bundle)
    files = cast(DictionaryObject, attachment.pdf_object["/EF"])
    stored = files.raw_get("/F")  # pypdf keeps the file uncompressed (no public way to deflate it); JSON deflates ~5:1
    writer._replace_object(stored, stored.get_object().flate_encode())
    attachment.subtype = NameObject("/application#2Fjson")
    attachment.associated_file_relationship = NameObject("/Data")
    attachment.description = TextStringObject("oss-evidence/1")
    writer.root_object[NameObject("/AF")] = ArrayObject([attachment.pdf_object.indirect_reference])
    writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    if progress:
        progress(len(pdf_parts) + 1, len(pdf_parts) + 1)
    return out.getvalue(), total
