"""HTML to PDF with WeasyPrint, fetching nothing but the platform's own static files (no file:, no network)."""

from __future__ import annotations

import base64
import mimetypes
from functools import cache
from pathlib import Path
from typing import Any

from voting.core.resources import resource_dir

STATIC = resource_dir("static")
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
FONTS = {"serif": ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
         "serif-bold": ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf")}
ASSET_SCHEME = "veche-asset:"


class FetchRefusedError(ValueError):
    """A document asked for a resource outside the bundled assets."""


INLINE_IMAGES = ("data:image/svg+xml;base64,", "data:image/png;base64,")


def asset(url: str) -> tuple[bytes, str]:
    """The bytes and type of `veche-asset:css/pdf.css` from static/, or of an inline image the template made
    (a QR code); anything else (file:, http:, other data:) is refused."""
    for prefix in INLINE_IMAGES:
        if url.startswith(prefix):
            return base64.b64decode(url[len(prefix):], validate=True), prefix[5:].split(";")[0]
    if not url.startswith(ASSET_SCHEME):
        raise FetchRefusedError(f"refused to fetch {url[:80]!r}")
    path = (STATIC / url[len(ASSET_SCHEME):]).resolve()
    if STATIC not in path.parents or not path.is_file():
        raise FetchRefusedError(f"no bundled asset {url[:80]!r}")
    return path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def render_pdf(html: str) -> bytes:
    """Render an HTML document (made from plain data by a template) to PDF bytes."""
    from weasyprint import HTML  # a heavy import, paid only when a PDF is made
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            body, mime = asset(url)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})

    return HTML(string=html, url_fetcher=AssetFetcher(), base_url=ASSET_SCHEME).write_pdf()  # type: ignore[no-any-return]


@cache
def serif_fonts() -> tuple[str, str]:
    """Register the serif faces for ReportLab (installed from Debian: fonts-liberation, else fonts-dejavu-core) once
    a process; the names of the regular and bold faces."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, files in FONTS.items():
        path = next((found for file in files for folder in FONT_DIRS if folder.is_dir()
                     for found in sorted(folder.rglob(file))), None)
        if path is None:
            raise RuntimeError(f"no font file among {', '.join(files)} under {', '.join(map(str, FONT_DIRS))}")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily("serif", normal="serif", bold="serif-bold", italic="serif", boldItalic="serif-bold")
    return "serif", "serif-bold"
