"""QR codes as base64 text for a page or a PDF: PNG for print (printers and PDF readers all draw it the same), SVG
for screens."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg


def png_base64(text: str, box_size: int = 8, border: int = 2) -> str:
    image = io.BytesIO()
    qrcode.make(text, box_size=box_size, border=border).save(image)
    return base64.b64encode(image.getvalue()).decode()


def svg_base64(text: str) -> str:
    image = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).save(image)
    return base64.b64encode(image.getvalue()).decode()
