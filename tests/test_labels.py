"""Every stored value shown to people has words in the one label table, Russian (the source language) and English;
every message of the catalogue is Russian text with an English translation."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from auth.models import Decision, LinkMethod
from auth.security_log import KINDS as SECURITY_EVENTS
from protocols.inspection import OUTCOMES
from protocols.models import GisState, RenderState
from registry.kinds import OrganisationKind, OwnerKind, OwnershipKind, PremisesKind
from tests.test_translations import extracted_messages
from voting.core.labels import LABELS, label, russian
from voting.domain.dossier import FORMS, SOURCES
from voting.domain.law import law
from voting.domain.rules import Rule
from voting.meetings.forms import DELIVERY_CHANNELS
from voting.meetings.models import MeetingForm, MeetingKind, MeetingState, OfficerRole

CYRILLIC = re.compile(r"[а-яё]", re.I)
SHOWN = {
    "meeting_kind": [k.value for k in MeetingKind], "meeting_kind_genitive": [k.value for k in MeetingKind],
    "meeting_form": [f.value for f in MeetingForm] + list(FORMS), "meeting_state": [s.value for s in MeetingState],
    "officer_role": [r.value for r in OfficerRole],
    "signer_role": [r.value for r in OfficerRole] + ["operator", "initiator", "owner"],
    "channel": ["platform", "email"] + [c.value for c in DELIVERY_CHANNELS]
    + sorted({c for edition in law()["notice_channels"] for key in ("all", "one_of") for c in edition.get(key, ())}),
    "choice": ["for", "against", "abstain"], "rule": [r.value for r in Rule], "decision_source": list(SOURCES),
    "gis_delivery": [s.value for s in GisState] + ["waiting", "retry", "renumber"],  # states, and log-only steps
    "rejection": ["not_an_owner", "late", "before_opening", "proxy_expired", "proxy_revoked", "duplicate",
                  "premises_mismatch"],
    "claim_status": [d.value for d in Decision], "proxy_status": [d.value for d in Decision],
    "outcome": [*OUTCOMES, "pending"], "premises_kind": [k.value for k in PremisesKind],
    "ownership_kind": [k.value for k in OwnershipKind], "owner_kind": [k.value for k in OwnerKind],
    "organisation_kind": [k.value for k in OrganisationKind], "link_method": [m.value for m in LinkMethod],
    "render_state": [s.value for s in RenderState], "security_event": list(SECURITY_EVENTS),
}


@pytest.mark.parametrize("group", sorted(SHOWN))
def test_every_value_shown_has_russian_and_english_words(app, group) -> None:
    with app.test_request_context():
        for value in SHOWN[group]:
            assert value in LABELS[group], f"{group}: no words for {value!r}"
            ru = russian(value, group)
            assert CYRILLIC.search(ru), (group, value, ru)
            with force_locale("en"):
                en = label(value, group)
            assert en != ru and not CYRILLIC.search(en), (group, value, en)


def test_no_label_table_lists_a_value_nothing_stores(app) -> None:
    assert set(LABELS) - set(SHOWN) == {"security_detail"}
    for group, values in SHOWN.items():
        assert set(LABELS[group]) == set(values), group


def test_an_enum_or_its_value_reads_the_same_and_a_gap_shows_the_value(app) -> None:
    with app.test_request_context():
        assert label(MeetingForm.IN_PERSON, "meeting_form") == label("in_person", "meeting_form") == "очное"
        assert label(None, "choice") == "—" and label("unheard", "choice") == "unheard"


def test_every_message_of_the_catalogue_is_russian_text() -> None:
    """Russian is the source language: a msgid is the Russian text itself (format names and symbols aside)."""
    latin = re.compile(r"[A-Za-z]{4,}")
    english = sorted(m for m in extracted_messages()
                     if not CYRILLIC.search(m) and latin.search(re.sub(r"%\(\w+\)s", "", m)))
    assert not english, english
