"""The indicator's pure rules: which forms count as held online."""

from __future__ import annotations

import pytest

from voting.domain.dossier import FORMS
from voting.domain.indicator import is_online


@pytest.mark.parametrize(("form", "online"), [("electronic", True), ("mixed", False), ("absentee", False),
                                              ("in_person", False)])
def test_only_the_electronic_form_is_held_online(form: str, online: bool) -> None:
    assert form in FORMS and is_online(form) is online
