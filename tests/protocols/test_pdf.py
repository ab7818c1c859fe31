"""The protocol PDF: every requisite of LEGAL.md §6 and every number of the tally in its text, the order in force on
the notice date (44/пр or 266/пр), the evidence inside and verifiable, hostile agenda text escaped and nothing
fetched, and its pages rendered to PNG for a human to look at."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

import voting.core.pdf
from ballots.verify import PDF_EVIDENCE_KEY, verify_file
from protocols import services
from protocols.models import RenderState
from tests.factories.ballots import counted_meeting
from voting.core.extensions import db
from voting.meetings import plan
from voting.meetings.models import OfficerRole

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "protocols"
HOSTILE = ('Утвердить <b>смету</b> <img src="file:///etc/passwd"> <img src="https://example.org/x.png"> '
           '<link rel="stylesheet" href="https://example.org/x.css"> & «кавычки»')


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat_text(pdf: bytes) -> str:
    """The text with line breaks and repeated spaces folded (a long sentence wraps anywhere)."""
    return " ".join(text_of(pdf).split())


def rendered(client: Any, noticed: date | None = None, **options: Any) -> tuple[Any, Any]:
    state, _bundle = counted_meeting(client, noticed=noticed, **options)
    meeting = state.meeting
    plan.add_officer(meeting, OfficerRole.CHAIR, "Иванов Иван Иванович", state.voters[0].user.email)
    plan.add_officer(meeting, OfficerRole.SECRETARY, "Петров Пётр Петрович", state.voters[1].user.email)
    db.session.flush()
    protocol = services.render_now(meeting.id)
    assert protocol.render_state is RenderState.READY, protocol.error
    return state, protocol


def test_the_pdf_has_every_requisite_and_every_number(client, session) -> None:
    state, protocol = rendered(client)
    meeting, result = state.meeting, json.loads(state.meeting.result or "{}")
    text = flat_text(protocol.pdf)
    number, day = protocol.number, json.loads(protocol.document)["date"]
    for requisite in (
            "Протокол № " + number, "общего собрания собственников помещений в многоквартирном доме",
            meeting.building.address, day, "Вид собрания: внеочередное",
            "Форма проведения: заочное голосование с использованием системы", "Место проведения",
            "Инициатор собрания", "председатель собрания — Иванов Иван Иванович",
            "секретарь собрания — Петров Пётр Петрович", "Лица, присутствующие и приглашённые",
            "Общее количество голосов собственников помещений в доме: " + result["total_votes"],
            "Общая площадь жилых помещений: 100.00 м²", "нежилых помещений: 0.00 м²",
            "принявших участие в голосовании: " + result["participating_votes"], result["participation_percent"] + " %",
            "Кворум (ЖК РФ ст. 45 ч. 3): имеется", "Повестка дня", "СЛУШАЛИ:", "ПРЕДЛОЖЕНО:",
            "РЕШИЛИ (ПОСТАНОВИЛИ):", "Место хранения", "Подписи", "Приказ Минстроя России № 266/пр",
            "Оператор системы Оператор региональной информационной системы", "подписан оператором системы",
            "SHA-256 пакета доказательств: " + protocol.evidence_sha256, protocol.final_root,
            "Страница 1 из " + str(protocol.pages), f"Страница {protocol.pages} из {protocol.pages}"):
        assert requisite in text, requisite
    for item in result["items"]:
        for key in ("for", "against", "abstain"):
            assert item[key] in text
        assert item["for_percent_of_participants"] in text and item["for_percent_of_all"] in text
    for annex in json.loads(protocol.document)["annexes"]:
        assert f"Приложение № {annex['number']} к протоколу № {number} от {day}" in text
        assert annex["title"] in text
    for name in ("Иванов Иван Иванович", "Петров Пётр Петрович", "Сидоров Семён Семёнович"):
        assert name in text  # the register, the participants and the decisions annexes
    assert "квитанция " in text and "скан SHA-256" in text  # online ballots by tracker, paper by scan
    # the evidence inside is the one the protocol names, and it verifies
    reader = PdfReader(io.BytesIO(protocol.pdf))
    assert reader.metadata is not None and reader.metadata[PDF_EVIDENCE_KEY] == protocol.evidence_sha256
    assert list(reader.attachments) == [f"oss-evidence-{meeting.id}.json"]
    report = verify_file(protocol.pdf)
    assert report.valid, [str(f) for f in report.findings]
    assert report.result == result
    _pages_for_a_human(protocol.pdf, "protocol-266")


@pytest.mark.parametrize(("noticed", "order", "provisional"), [
    (date(2025, 6, 16), "44/пр", False),
    (date(2025, 10, 1), "266/пр", True),
])
def test_the_order_in_force_on_the_notice_date(client, session, noticed: date, order: str, provisional: bool) -> None:
    state, protocol = rendered(client, noticed=noticed)
    text = flat_text(protocol.pdf)
    assert protocol.order_code == order
    assert f"№ {order}" in text
    assert protocol.number_provisional is provisional
    if provisional:  # 266/пр: the ГИС ЖКХ identifier, shown as provisional until it is entered
        assert protocol.number == f"В-{state.meeting.id}" and "Номер предварительный" in text
        assert "Идентификация" in text  # the participants' list carries identification data
    else:  # 44/пр: the meeting's ordinal in its year
        assert protocol.number == "1" and "предварительный" not in text
        assert "Идентификация" not in text


def test_a_person_initiating_is_identified_by_passport_under_266(client, session) -> None:
    for noticed, shown in ((date(2025, 6, 16), False), (date(2025, 10, 1), True)):
        state, _bundle = counted_meeting(client, noticed=noticed)
        owner = state.voters[0].user.links[0].ownership.owner
        owner.passport = "7512 345678"
        state.meeting.initiator_owner, state.meeting.initiator_organisation = owner, None
        db.session.flush()
        text = flat_text(services.render_now(state.meeting.id).pdf or b"")
        assert ("паспортные данные: ** ** ****78" in text) is shown
        assert "345678" not in text  # masked either way


def test_hostile_agenda_text_is_printed_as_text_and_fetches_nothing(client, session, monkeypatch) -> None:
    fetched: list[str] = []
    real = voting.core.pdf.asset
    monkeypatch.setattr(voting.core.pdf, "asset", lambda url: fetched.append(url) or real(url))
    state, _bundle = counted_meeting(client, agenda=((HOSTILE, "44.2.5"), ("Утвердить план", "44.2.4")))
    protocol = services.render_now(state.meeting.id)
    text = flat_text(protocol.pdf or b"")
    assert '<img src="file:///etc/passwd">' in text and "<b>смету</b>" in text and "& «кавычки»" in text
    assert fetched and all(url == "veche-asset:css/protocol.css" or url.startswith("data:image/png;base64,")
                           for url in fetched), fetched
    _pages_for_a_human(protocol.pdf or b"", "protocol-hostile", last=1)


def test_the_pdf_is_numbered_through_when_parts_render_in_parallel(client, session) -> None:
    state, _bundle = counted_meeting(client)
    pdf, data = services.make_pdf(state.meeting, workers=2)
    text = text_of(pdf)
    assert data["pages"] == len(PdfReader(io.BytesIO(pdf)).pages)
    for page in range(1, data["pages"] + 1):
        assert f"Страница {page} из {data['pages']}" in text
    assert verify_file(pdf).valid


def _pages_for_a_human(pdf: bytes, name: str, last: int | None = None) -> None:
    """Each page as a PNG under test-artifacts/protocols, to be looked at (CI keeps them)."""
    if shutil.which("pdftoppm") is None:
        assert not os.environ.get("VECHE_REQUIRE_BROWSER"), "CI installs poppler-utils for pdftoppm"
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", *(["-l", str(last)] if last else []), str(source),
                    str(ARTIFACTS / name)], check=True, timeout=120)
    assert any(ARTIFACTS.glob(f"{name}-*.png"))


def test_every_page_has_the_one_declared_geometry(client, session) -> None:
    """WeasyPrint's pages (the protocol, the short annexes) and ReportLab's (the long lists) share protocols.geometry:
    the same paper, and text starting at the same left margin."""
    from protocols import geometry

    state, _bundle = counted_meeting(client)
    pdf, _data = services.make_pdf(state.meeting, workers=1)
    width, height = geometry.size()
    left = geometry.margins()[0]
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):
        assert abs(float(page.mediabox.width) - width) < 0.5 and abs(float(page.mediabox.height) - height) < 0.5
        starts: list[float] = []

        def seen(text: str, cm: Any, tm: Any, font: Any, size: Any, starts: list[float] = starts) -> None:
            if text.strip():
                starts.append(cm[0] * tm[4] + cm[2] * tm[5] + cm[4])

        page.extract_text(visitor_text=seen)
        assert starts and left - 0.5 <= min(starts) <= left + 12, (number, min(starts), left)  # cells pad a little
