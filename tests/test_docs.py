"""The docs name real code: every `path.py:name` they cite is defined there, every path they cite exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")])
assert all(doc.is_file() for doc in DOCS)
CITED = re.compile(r"`([\w/.-]+\.py):(\w+)`")
PATH = re.compile(r"`((?:voting|registry|auth|ballots|protocols|indicators|templates|static|migrations|tests|bench"
                  r"|deploy|docs|\.ci)/[\w/.-]*)`")


def _defines(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return True
    return False


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_what_the_docs_cite_exists(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    missing = [f"{path}:{name}" for path, name in CITED.findall(text)
               if not (ROOT / path).is_file() or not _defines(ROOT / path, name)]
    missing += [path for path in PATH.findall(text) if not (ROOT / path.rstrip("/")).exists()]
    assert not missing, f"{doc.name} cites what is not there: {missing}"


def test_the_architecture_says_where_the_four_things_live() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for thing in ("**A threshold**", "**A ballot check**", "**The protocol's layout**", "**The indicator formula**"):
        sentence = next(line for line in text.split("\n- ") if thing in line)
        assert CITED.search(sentence), thing
