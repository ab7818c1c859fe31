"""Meetings end to end: drafting with the readiness check, announcing with the notice, opening on a frozen
register, decisions, participation, closing, counting, and the dossier that `veche recount` reproduces."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from registry.sync import apply_register
from tests.factories import building, csrf_token, flat, login, owner_in, register, user
from tests.factories.meetings import ROWS, ZONE, add_question, decide, drafted, open_through_pages, post, schedule
from voting.cli import cli
from voting.core.extensions import db
from voting.meetings import dossier, lifecycle, mail, notice
from voting.meetings.board import participation
from voting.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingState,
    NoticeDelivery,
    TransitionError,
)
from voting.meetings.plan import add_item


def test_readiness_blocks_announcing_until_fixed_then_notice_goes_out(client, mailbox) -> None:
    meeting, item = drafted(client)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Не указано: начало голосования" in page and "В повестке нет ни одного вопроса" in page
    today = datetime.now(ZONE).replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None)
    schedule(client, meeting, today + timedelta(days=5))  # too soon: the notice needs ten days
    add_question(client, meeting, "Избрать председателя и секретаря собрания", "44.2.5")
    add_question(client, meeting, "Разное", "44.2.5")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "не позднее чем за 10 дней" in page and "«разное» не может быть вопросом" in page
    post(client, f"/meetings/{meeting.id}/announce", page=f"/meetings/{meeting.id}")
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).state is MeetingState.DRAFT

    schedule(client, meeting, today + timedelta(days=11))
    post(client, f"/meetings/{meeting.id}/items/2/delete", page=f"/meetings/{meeting.id}")
    add_question(client, meeting, "Выбрать управляющей организацией ООО «УК»", "44.2.4")
    assert "Всё готово" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    post(client, f"/meetings/{meeting.id}/announce", page=f"/meetings/{meeting.id}")
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.state is MeetingState.ANNOUNCED and meeting.notice_date == datetime.now(ZONE).date()
    assert len(mailbox.messages) == 2  # both verified owners
    body = mailbox.messages[0].get_body(("plain",)).get_content()
    for element in ("СООБЩЕНИЕ", item.address, "Инициатор", "Повестка дня", "Выбрать управляющей организацией",
                    "офис УК", "на сайте и в офисе УК"):
        assert element in body, element
    assert {n.channel for n in meeting.notices} == {"email", "platform"}
    with pytest.raises(TransitionError):
        add_item(meeting, "Ещё вопрос", "44.2.5", None, None)


def test_notice_pdf_for_the_stairwell_has_every_element_and_a_qr_code(client) -> None:
    meeting, item = drafted(client)
    opens = datetime.now(ZONE).replace(tzinfo=None) + timedelta(days=12)
    schedule(client, meeting, opens)
    add_question(client, meeting, "Избрать председателя и секретаря собрания", "44.2.5")
    post(client, f"/meetings/{meeting.id}/announce", page=f"/meetings/{meeting.id}")
    response = client.get(f"/meetings/{meeting.id}/notice.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    for element in ("Сообщение о проведении", item.address, "Инициатор", "Форма проведения", "Голосование",
                    "Письменные решения принимаются", "Повестка дня", "Избрать председателя",
                    f"/meetings/{meeting.id}"):
        assert element in text, element
    assert reader.pages[-1].images  # the QR code to the meeting page


def test_reading_the_notice_pdf_changes_nothing_and_deliveries_are_recorded_by_a_form(client) -> None:
    meeting, _item = drafted(client)
    url, page = f"/meetings/{meeting.id}/notice/deliveries", f"/meetings/{meeting.id}"
    post(client, url, {"channel": "stairwell"}, page=page)
    assert meeting.notices == []  # a draft has no notice to deliver
    opens = datetime.now(ZONE).replace(tzinfo=None, second=0, microsecond=0) + timedelta(days=12)
    schedule(client, meeting, opens)
    add_question(client, meeting, "Избрать председателя и секретаря собрания", "44.2.5")
    post(client, f"/meetings/{meeting.id}/announce", page=page)

    def recorded() -> list[tuple[str, str | None]]:
        return [(n.channel, n.detail) for n in db.session.scalars(select(NoticeDelivery).where(
            NoticeDelivery.meeting_id == meeting.id, NoticeDelivery.channel.not_in(("email", "platform"))))]

    assert client.get(f"/meetings/{meeting.id}/notice.pdf").status_code == 200
    assert client.post(url, data={"channel": "stairwell"}).status_code == 400  # no CSRF token
    assert not recorded()
    shown = client.get(page).get_data(as_text=True)  # ГИС ЖКХ and one lawful way are still missing
    assert "Сообщение нужно разместить: в ГИС ЖКХ" in shown and "одним из способов: заказными письмами" in shown

    def record(data: dict[str, str]) -> str:
        token = csrf_token(client, page)
        return client.post(url, data={"csrf_token": token, **data}, follow_redirects=True).get_data(as_text=True)

    assert "укажите идентификатор собрания в ГИС ЖКХ" in record({"channel": "gis_zhkh", "detail": "не номер!"})
    future = (datetime.now(ZONE) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert "Когда: дата ещё не наступила" in record({"channel": "registered_letter", "at": future})
    assert "Способ: " in record({"channel": "pigeon"})  # the field is named
    assert not recorded()  # nothing half-saved
    response = post(client, url, {"channel": "stairwell"}, page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/meetings/{meeting.id}#notice")
    record({"channel": "gis_zhkh", "detail": "a1b2-c3d4"})
    assert recorded() == [("stairwell", None), ("gis_zhkh", "a1b2-c3d4")]
    db.session.refresh(meeting)
    assert meeting.gis_id == "a1b2-c3d4"  # the protocol's number under 266/пр
    assert "Сообщение доведено способами, которых требует закон." in client.get(page).get_data(as_text=True)


def test_a_refused_request_leaves_a_due_meeting_as_it_is(client, app) -> None:
    item = building(rows=ROWS)
    now = datetime.now(UTC)
    meeting = Meeting(building=item, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC,
                      state=MeetingState.ANNOUNCED, notice_date=(now - timedelta(days=11)).date(),
                      opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=8))
    db.session.add_all([meeting, AgendaItem(meeting=meeting, number=1, title="Избрать председателя", subject="44.2.5")])
    db.session.flush()

    def state() -> MeetingState:
        db.session.expire_all()
        return db.session.get(Meeting, meeting.id).state

    login(client, user())  # an account with no stake in the building
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    owner = app.test_client()
    login(owner, owner_in(item, "1"))
    assert owner.get(f"/meetings/{meeting.id}/non-voters.csv").status_code == 404  # the administrators' only
    assert state() is MeetingState.ANNOUNCED
    assert owner.get(f"/meetings/{meeting.id}").status_code == 200  # an allowed request opens it on the way
    assert state() is MeetingState.VOTING


def test_opening_freezes_the_register_later_edits_never_reach_it(client, mailbox) -> None:
    meeting = open_through_pages(client, mailbox)
    assert meeting.state is MeetingState.VOTING and len(meeting.snapshot_hash) == 64
    frozen = meeting.snapshot
    apply_register(meeting.building, register([*ROWS, flat("4", area="500,00", owner="Новый Н. Н.")]))
    db.session.flush()
    assert meeting.snapshot == frozen
    assert [p.number for p in dossier.dossier_of(meeting).register] == ["1", "2", "3"]
    assert participation(meeting).total == 100


def test_participation_board_close_count_and_recount_agree(client, mailbox, runner, tmp_path) -> None:
    meeting = open_through_pages(client, mailbox)
    t = meeting.opens_at + timedelta(hours=1)
    decide(meeting, "1", {"1": "for", "2": "for"}, t)
    decide(meeting, "3", {"1": "against"}, t, source="paper")
    board = participation(meeting)
    assert (board.participating, board.total) == (70, 100)
    assert board.needed_for_quorum == 0
    assert board.missing == [("2", "Петров Пётр Петрович", 30)]
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Проголосовали: 70,00 из 100,00 м²" in page and "Кворум есть" in page
    csv_text = client.get(f"/meetings/{meeting.id}/non-voters.csv").get_data(as_text=True)
    assert "2;Петров Пётр Петрович;30,00" in csv_text

    lifecycle.advance(meeting, meeting.closes_at)
    db.session.flush()
    assert meeting.state is MeetingState.CLOSED
    mailbox.messages.clear()
    post(client, "/language", {"lang": "en", "next": "/"}, page="/")  # the administrator reads English
    post(client, f"/meetings/{meeting.id}/count", page=f"/meetings/{meeting.id}")
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    web = json.loads(meeting.result)
    assert web["items"][0]["adopted"] is True and web["items"][1]["adopted"] is False  # 60 of 100 < 2/3

    # the results reach every verified owner once, within the ten days (ЖК РФ ст. 46 ч. 3)
    assert sorted(m["Subject"] for m in mailbox.messages) == ["Вече: итоги общего собрания"] * 2
    text = mailbox.messages[0].get_body(("plain",)).get_content()
    for line in ("1. Избрать председателя и секретаря собрания", "РЕШЕНИЕ ПРИНЯТО",
                 "2. Провести капитальный ремонт крыши", "решение не принято", "кворум: есть",
                 f"/meetings/{meeting.id}"):
        assert line in text, line
    assert meeting.results_sent_at is not None and mail.mail_results(meeting.id) == 0
    assert "Results sent to the owners" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    post(client, "/language", {"lang": "ru", "next": "/"}, page="/")

    dossier_file = tmp_path / "dossier.json"
    assert runner.invoke(cli, ["dossier", str(meeting.id), "-o", str(dossier_file)]).exit_code == 0
    recount = runner.invoke(cli, ["recount", str(dossier_file), "--json"])
    assert json.loads(recount.output) == web
    download = client.get(f"/meetings/{meeting.id}/dossier.json")
    assert json.loads(download.data) == json.loads(dossier_file.read_text(encoding="utf-8"))
    results = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "<svg class=\"bar\"" in results and "не принято" in results and "принято" in results


def test_reminders_go_to_those_who_have_not_voted_once_per_slot(client, mailbox) -> None:
    meeting = open_through_pages(client, mailbox)
    mailbox.messages.clear()
    decide(meeting, "1", {"1": "for"}, meeting.opens_at + timedelta(hours=1))
    at = meeting.closes_at - timedelta(days=2)
    assert mail.send_reminders(at) == 1
    assert mail.send_reminders(at + timedelta(hours=1)) == 0  # the same slot is not repeated
    assert mail.send_reminders(meeting.closes_at - timedelta(hours=12)) == 1  # the one-day slot
    recipients = {m["To"] for m in mailbox.messages}
    assert len(recipients) == 1 and "ещё не проголосовали" in mailbox.messages[0]["Subject"]


def test_lifecycle_refuses_illegal_moves_with_a_reason(session) -> None:
    item = building(rows=ROWS)
    meeting = Meeting(building=item, kind="annual", form="electronic")
    db.session.add(meeting)
    db.session.flush()
    with pytest.raises(TransitionError, match="from draft to closed"):
        meeting.move(MeetingState.CLOSED)
    with pytest.raises(TransitionError, match="not ready"):
        meeting.announce(datetime.now(UTC).date(), ["a problem"])
    with pytest.raises(TransitionError, match="needs a reason"):
        meeting.cancel("  ")
    meeting.cancel("инициатор отозвал")
    with pytest.raises(TransitionError, match="from cancelled to announced"):
        meeting.move(MeetingState.ANNOUNCED)


def test_dossier_command_exit_codes(runner, session, tmp_path) -> None:
    assert runner.invoke(cli, ["dossier", "999999", "-o", str(tmp_path / "x.json")]).exit_code == 2
    item = building(rows=ROWS)
    meeting = Meeting(building=item, kind="annual", form="electronic")
    db.session.add(meeting)
    db.session.flush()
    result = runner.invoke(cli, ["dossier", str(meeting.id), "-o", str(tmp_path / "x.json")])
    assert result.exit_code == 2 and "нет дат" in result.output


def test_officers_and_an_owner_as_initiator(client, mailbox) -> None:
    meeting, _item = drafted(client)
    page = f"/meetings/{meeting.id}"
    post(client, f"/meetings/{meeting.id}/officers", {"role": "chair", "name": "Иванов Иван Иванович",
                                                      "email": meeting.administrator.email}, page=page)
    post(client, f"/meetings/{meeting.id}/officers", {"role": "chair", "name": "Второй Председатель"}, page=page)
    post(client, f"/meetings/{meeting.id}/officers", {"role": "counter", "name": "Петров Пётр Петрович"}, page=page)
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert [(o.role.value, o.name) for o in meeting.officers] == [("chair", "Иванов Иван Иванович"),
                                                                  ("counter", "Петров Пётр Петрович")]
    assert meeting.officers[0].user_id == meeting.administrator_id
    opens = datetime.now(ZONE).replace(tzinfo=None) + timedelta(days=12)
    response = post(client, f"/meetings/{meeting.id}/plan", {
        "kind": "annual", "form": "electronic", "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (opens + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M"), "paper_address": "офис",
        "administrator": meeting.administrator.email, "initiator_owner": "петров  пётр петрович"}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.initiator_owner.name == "Петров Пётр Петрович" and meeting.initiator_organisation is None
    assert notice.notice_facts(meeting)["initiator"] == "Петров Пётр Петрович"


@pytest.mark.parametrize(("posted", "counts"), [
    (datetime(2026, 12, 1, 23, 59, tzinfo=ZONE), True),  # the tenth day before the local opening day
    (datetime(2026, 12, 2, 0, 0, tzinfo=ZONE), False),
])
def test_a_way_of_notice_counts_only_if_used_in_time(session, posted: datetime, counts: bool) -> None:
    meeting = Meeting(building=building(rows=ROWS), kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC,
                      state=MeetingState.ANNOUNCED, notice_date=datetime(2026, 11, 20).date(),
                      opens_at=datetime(2026, 12, 11, 9, 0, tzinfo=ZONE), closes_at=datetime(2026, 12, 20, tzinfo=ZONE))
    db.session.add(meeting)
    meeting.record_delivery("gis_zhkh", datetime(2026, 11, 20, 10, 0, tzinfo=ZONE), "id-1")
    meeting.record_delivery("hand_delivery", posted, "40 подписей")
    db.session.flush()
    problems = [p.code for p in notice.notice_status(meeting)["problems"]]
    assert problems == ([] if counts else ["notice_channel_one_of"])


def test_paper_decision_forms_carry_what_a_decision_must_show(client, mailbox, monkeypatch) -> None:
    meeting = open_through_pages(client, mailbox)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f"/meetings/{meeting.id}/decisions.pdf" in page and '<option value="2">' in page
    response = client.get(f"/meetings/{meeting.id}/decisions.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert len(pages) == 3  # one form per owner of every premises
    first = " ".join(pages[0].extract_text().split())
    for requisite in ("РЕШЕНИЕ собственника помещения", "внеочередного общего собрания", meeting.building.address,
                      "Иванов Иван Иванович", "запись ЕГРН", "СНИЛС", "№ 1, 60.00 м², доля 1/1",
                      "Количество голосов 60.00", "1 Избрать председателя и секретаря собрания",
                      "2 Провести капитальный ремонт крыши", "ЗА ПРОТИВ ВОЗДЕРЖАЛСЯ", "Подпись",
                      meeting.paper_address):
        assert requisite in first, requisite
    monkeypatch.setattr(notice, "DECISION_FORMS_AT_ONCE", 2)  # a big building: one entrance at a time
    too_many = client.get(f"/meetings/{meeting.id}/decisions.pdf")
    assert too_many.status_code == 422 and "выберите подъезд" in too_many.get_data(as_text=True)
    entrance = client.get(f"/meetings/{meeting.id}/decisions.pdf?entrance=2")
    assert [" ".join(p.extract_text().split()).split("Собственник ")[1][:20]
            for p in PdfReader(io.BytesIO(entrance.data)).pages] == ["Петров Пётр Петрович", "Сидоров Семён Семёно"]
    assert client.get(f"/meetings/{meeting.id}/decisions.pdf?entrance=9").status_code == 422
    client.get("/auth/logout")
    login(client, owner_in(meeting.building, "2"))
    assert client.get(f"/meetings/{meeting.id}/decisions.pdf").status_code == 404  # owners' data: staff only
