"""The protocol's page, declared once for both typesetters: WeasyPrint reads it as CSS (`css`), ReportLab as points
(`size`, `margins`)."""

from __future__ import annotations

from reportlab.lib.units import mm

SIZE_MM = (210, 297)  # A4
MARGINS_MM = {"top": 18, "right": 15, "bottom": 20, "left": 20}  # the left one wider: the protocol is bound


def size() -> tuple[float, float]:
    return SIZE_MM[0] * mm, SIZE_MM[1] * mm


def margins() -> tuple[float, float, float, float]:
    """Left, right, top and bottom, in points."""
    return tuple(MARGINS_MM[side] * mm for side in ("left", "right", "top", "bottom"))  # type: ignore[return-value]


def css() -> str:
    sides = " ".join(f"{MARGINS_MM[side]}mm" for side in ("top", "right", "bottom", "left"))  # CSS's order
    return f"@page {{ size: {SIZE_MM[0]}mm {SIZE_MM[1]}mm; margin: {sides}; }}"
