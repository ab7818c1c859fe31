"""PDFs fetch nothing but bundled assets: no file:, no network, no escaping static/."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from voting.core.pdf import FetchRefusedError, asset, render_pdf


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.com/x.css", "https://127.0.0.1/",
                                 "veche-asset:../voting/config.py", "veche-asset:css/none.css", "data:text/css,x"])
def test_only_bundled_assets_are_served(url: str) -> None:
    with pytest.raises(FetchRefusedError):
        asset(url)


def test_bundled_stylesheet_is_served() -> None:
    body, mime = asset("veche-asset:css/pdf.css")
    assert mime == "text/css" and b"@page" in body


def test_hostile_html_renders_without_fetching(caplog: pytest.LogCaptureFixture) -> None:
    pdf = render_pdf('<html><head><link rel="stylesheet" href="veche-asset:css/pdf.css"></head><body>'
                     '<p>Протокол</p><img src="file:///etc/passwd"><img src="http://example.com/a.png">'
                     '<link rel="stylesheet" href="https://example.com/x.css"></body></html>')
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Протокол" in text and "root:" not in text
