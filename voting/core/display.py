"""The version for the visually impaired (ГОСТ Р 52872-2019): text size, high contrast and wider spacing, kept as
one short canonical string (on the account, or in the session of an anonymous visitor)."""

from __future__ import annotations

from dataclasses import dataclass

SIZES = (100, 150, 200)  # per cent of the ordinary text


@dataclass(frozen=True)
class Display:
    size: int = 100
    contrast: bool = False
    spacing: bool = False

    def dump(self) -> str | None:
        """The stored form ("size=150 contrast spacing"); None for the ordinary view."""
        parts = [f"size={self.size}"] if self.size != 100 else []
        parts += [name for name in ("contrast", "spacing") if getattr(self, name)]
        return " ".join(parts) or None

    def classes(self) -> str:
        """The classes of <html> that static/css/app.css answers."""
        names = [f"text-{self.size}"] if self.size != 100 else []
        return " ".join(names + (["contrast"] if self.contrast else []) + (["spacing"] if self.spacing else []))


def parse(text: str | None) -> Display:
    """Read the stored form; anything unknown is ignored (the ordinary view)."""
    words = (text or "").split()
    size = next((int(w[5:]) for w in words if w.startswith("size=") and w[5:].isdigit()), 100)
    return Display(size if size in SIZES else 100, "contrast" in words, "spacing" in words)
