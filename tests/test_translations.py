"""Russian is the source language; every message has an English translation, and the compiled catalogue is current."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "translations" / "en" / "LC_MESSAGES"


def extracted_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_is_translated_to_english() -> None:
    with open(CATALOGUE / "messages.po", "rb") as po:
        catalogue = read_po(po, locale="en")
    translated = {m.id for m in catalogue if m.id and m.string}
    missing = extracted_messages() - translated
    assert not missing, f"run `python translations/update.py` and translate: {sorted(missing)}"


def test_compiled_catalogue_matches_the_source() -> None:
    with open(CATALOGUE / "messages.po", "rb") as po:
        source = {m.id: m.string for m in read_po(po, locale="en") if m.id}
    with open(CATALOGUE / "messages.mo", "rb") as mo:
        compiled = {m.id: m.string for m in read_mo(io.BytesIO(mo.read())) if m.id}
    assert compiled == source, "run `python translations/update.py` to recompile"
