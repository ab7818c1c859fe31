"""The protocol as plain data (LEGAL.md §6): every requisite, the numbers of the tally and the annexes, built once
from the meeting, its frozen register, its log and its result. No ORM object leaves this module: templates, the
ГИС ЖКХ export and the inspector's recount read this document (it is kept with the protocol as JSON)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from auth.models import Decision as Status
from auth.models import Proxy
from ballots.chain import tracker
from ballots.models import LogEntry
from registry.identifiers import mask_passport, mask_snils
from registry.models import Owner, Ownership, Premises
from voting.core.errors import ConflictError
from voting.core.extensions import db
from voting.core.labels import LABELS, russian
from voting.domain.dossier import Dossier
from voting.domain.numbers import format_amount
from voting.domain.protocol_orders import ProtocolOrder, order_on
from voting.domain.rules import quorum_reference, subject
from voting.domain.schedule import protocol_due
from voting.domain.tally import Result, choice, tally
from voting.meetings import notice
from voting.meetings.dossier import dossier_of
from voting.meetings.models import Meeting, MeetingDecision, MeetingState

FORMAT = "oss-protocol/1"
COUNTED_STATES = (MeetingState.COUNTED, MeetingState.SIGNED, MeetingState.SUBMITTED)
GIS_FORMS = {"absentee": "AVoting", "in_person": "Meeting", "electronic": "EVoting", "mixed": "MeetingAVoting"}


def _choice_words(value: str | None) -> str:
    """An answer in the protocol's words; none, or several marks on one item, is void."""
    return russian(value, "choice") if value in LABELS["choice"] else "недействителен"


def _pct(part: Fraction, whole: Fraction) -> str:
    return format_amount(part * 100 / whole) if whole else "0.00"


def _local(instant: datetime | None, zone: ZoneInfo) -> str:
    return f"{instant.astimezone(zone):%d.%m.%Y %H:%M}" if instant else ""


def _day(value: date) -> str:
    return f"{value:%d.%m.%Y}"


def protocol_number(meeting: Meeting, order: ProtocolOrder) -> tuple[str, bool]:
    """The number and whether it is provisional: under 266/пр the ГИС ЖКХ meeting identifier (provisional until
    the administrator enters it), under 44/пр the meeting's ordinal among the building's meetings of its year."""
    if order.number_is_gis_id:
        return (meeting.gis_id, False) if meeting.gis_id else (f"В-{meeting.id}", True)
    assert meeting.notice_date is not None
    year = meeting.notice_date.year
    ordinal = db.session.scalar(select(func.count()).select_from(Meeting).where(
        Meeting.building_id == meeting.building_id, Meeting.id <= meeting.id,
        Meeting.state.not_in((MeetingState.DRAFT, MeetingState.CANCELLED)),
        Meeting.notice_date >= date(year, 1, 1), Meeting.notice_date <= date(year, 12, 31)))
    return str(ordinal), False


def build(meeting: Meeting, counted: tuple[Dossier, Result] | None = None) -> dict[str, Any]:
    """Everything the protocol says, as plain JSON values (amounts as decimal strings); `counted`: the meeting's
    dossier and tally, when the caller has them."""
    if meeting.state not in COUNTED_STATES or not meeting.result or meeting.notice_date is None:
        raise ConflictError("Протокол составляется после подсчёта голосов.")
    assert meeting.opens_at and meeting.closes_at and meeting.counted_at
    zone = ZoneInfo(meeting.building.timezone)
    order = order_on(meeting.notice_date)
    number, provisional = protocol_number(meeting, order)
    result = json.loads(meeting.result)
    snapshot = json.loads(meeting.snapshot or "{}")
    register = snapshot.get("register", [])
    owners = {o.id: o for o in db.session.scalars(select(Owner).where(Owner.building_id == meeting.building_id))}
    total = Fraction(result["total_votes_exact"])
    participating = Fraction(result["participating_votes_exact"])

    areas: dict[str, Decimal] = defaultdict(Decimal)
    register_rows = []
    for premises in register:
        areas[premises["kind"]] += Decimal(premises["area"])
        for owner in premises["owners"]:
            register_rows.append([premises["premises"], owner["name"], owner.get("document") or "",
                                  premises["area"], owner["share"], format_amount(Fraction(owner["weight"]))])
    decisions, participants, rejected = _decisions(meeting, order, owners, zone,
                                                       *(counted or tallied(meeting)))
    items = [_item(item, entry, meeting, participating, total)
             for item, entry in zip(meeting.agenda, result["items"], strict=True)]
    officers = [{"role": o.role.value, "title": russian(o.role, "signer_role"), "name": o.name}
                for o in meeting.officers]
    document = {
        "format": FORMAT, "meeting_id": meeting.id,
        "order": {"code": order.code, "title": order.title},
        "number": number, "number_provisional": provisional,
        "date": _day(meeting.counted_at.astimezone(zone).date()),
        "address": meeting.building.address, "municipality": meeting.building.municipality.name,
        "kind": russian(meeting.kind, "meeting_kind"), "kind_code": meeting.kind.value,
        "form": russian(meeting.form, "meeting_form"), "form_code": meeting.form.value,
        "gis_form": GIS_FORMS[meeting.form.value],
        "notice_date": _day(meeting.notice_date),
        "opens": _local(meeting.opens_at, zone), "closes": _local(meeting.closes_at, zone),
        "timezone": meeting.building.timezone,
        "place": _place(meeting),
        "initiator": _initiator(meeting, order, owners),
        "administrator": (meeting.administrator.full_name or meeting.administrator.email)
        if meeting.administrator else None,
        "officers": officers,
        "present": ("Присутствующих лиц нет: голосование проводилось заочно."
                    if meeting.form.value in ("electronic", "absentee")
                    else "Список присутствующих — в приложении «Участники собрания»."),
        "total_votes": result["total_votes"], "participating_votes": result["participating_votes"],
        "participation_percent": result["participation_percent"],
        "residential_area": f"{areas['residential']:.2f}",
        "non_residential_area": f"{areas['non_residential'] + areas['parking']:.2f}",
        "quorum": result["quorum"], "quorum_reference": quorum_reference(meeting.notice_date),
        "items": items,
        "storage": _storage(meeting),
        "protocol_due": _day(protocol_due(meeting.closes_at, meeting.building.timezone)),
        "register": register_rows,
        "notice": {"text": notice.notice_text(meeting),
                   "deliveries": [{"channel": russian(n.channel, "channel"), "at": _local(n.at, zone),
                                   "detail": n.detail or ""} for n in meeting.notices]},
        "participants": participants,
        "proxies": _proxies(meeting, zone),
        "opt_outs": _opt_outs(meeting, zone),
        "materials": [{"name": m.filename, "sha256": m.sha256} for m in meeting.materials],
        "decisions": decisions,
        "rejected": rejected,
        "result": result,
    }
    document["annexes"] = annexes(document)
    return document


def annexes(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The annexes, numbered through in the order the order lists them."""
    parts = [("register", "Реестр собственников помещений"), ("notice", "Сообщение о проведении собрания и "
                                                                          "подтверждение его направления"),
             ("participants", "Список собственников, принявших участие в собрании"),
             ("proxies", "Доверенности представителей"), ("decisions", "Решения собственников"),
             ("charts", "Итоги голосования в диаграммах")]
    if document["materials"]:
        parts.insert(4, ("materials", "Материалы по вопросам повестки"))
    return [{"number": n, "key": key, "title": title} for n, (key, title) in enumerate(parts, start=1)]


def _item(item: Any, entry: dict[str, Any], meeting: Meeting, participating: Fraction,
          total: Fraction) -> dict[str, Any]:
    edition = subject(item.subject).edition_on(meeting.notice_date)  # type: ignore[arg-type]
    counts = {}
    for key in ("for", "against", "abstain"):
        exact = Fraction(entry[f"{key}_exact"])
        counts[key] = {"votes": entry[key], "of_participants": _pct(exact, participating),
                       "of_all": _pct(exact, total)}
    initiator = meeting.initiator_organisation.name if meeting.initiator_organisation else (
        meeting.initiator_owner.name if meeting.initiator_owner else "инициатор собрания")
    return {
        "number": item.number, "title": item.title, "subject": item.subject,
        "heard": f"{initiator} — по вопросу «{item.title}».",
        "proposal": item.proposal or item.title,
        "counts": counts, "rule": entry["rule"], "rule_text": russian(entry["rule"], "rule"),
        "reference": edition.reference, "adopted": entry["adopted"],
        "signed_by_all_for": edition.signed_by_all_for,
        "entrance_majority": entry.get("entrance_majority"),
    }


def _place(meeting: Meeting) -> str:
    if meeting.form.value == "electronic":
        paper = f"; письменные решения принимались по адресу: {meeting.paper_address}" if meeting.paper_address else ""
        return f"Региональная информационная система «Вече»{paper}"
    if meeting.form.value == "absentee":
        return f"Письменные решения принимались по адресу: {meeting.paper_address or meeting.building.address}"
    return meeting.place or meeting.building.address


def _storage(meeting: Meeting) -> str:
    organisation = meeting.building.organisation
    holder = f" и в управляющей организации {organisation.name}" if organisation else ""
    return ("Протокол, решения собственников и доказательства голосования хранятся в региональной информационной "
            f"системе «Вече»{holder}; копия направляется в Государственную жилищную инспекцию.")


def _initiator(meeting: Meeting, order: ProtocolOrder, owners: dict[int, Owner]) -> dict[str, Any]:
    organisation = meeting.initiator_organisation
    if organisation is not None:
        return {"kind": "organisation", "name": organisation.name, "ogrn": organisation.ogrn, "inn": organisation.inn}
    owner = meeting.initiator_owner
    if owner is None:
        return {"kind": "none", "name": "не указан"}
    holdings = db.session.execute(select(Premises.number, Ownership.egrn_record).join(
        Ownership, Ownership.premises_id == Premises.id).where(Ownership.owner_id == owner.id)).all()
    person: dict[str, Any] = {"kind": "person", "name": owner.name,
                              "premises": ", ".join(number for number, _record in holdings),
                              "document": ", ".join(record for _number, record in holdings)}
    if order.initiator_passport:
        person["passport"] = mask_passport(owner.passport) if owner.passport else "не представлены"
    return person


def tallied(meeting: Meeting) -> tuple[Dossier, Result]:
    """The meeting's dossier and its tally (the counted decisions, which the stored result only counts)."""
    dossier = dossier_of(meeting)
    return dossier, tally(dossier)


def _decisions(meeting: Meeting, order: ProtocolOrder, owners: dict[int, Owner], zone: ZoneInfo, dossier: Dossier,
               result: Result) -> tuple[list[dict[str, Any]], list[list[str]], list[list[str]]]:
    """Each counted decision laid out as its ballot (with the receipt tracker or the scan it was keyed from), the
    participants' list, and the decisions not counted with the reason."""
    origin = _origins(meeting.id)
    decisions, participants = [], []
    for counted in result.counted:
        decision = counted.decision
        owner = owners.get(int(decision.owner)) if decision.owner.isdigit() else None
        reference = origin.get((decision.owner, decision.premises, decision.received_at), "")
        representative = decision.representative.name if decision.representative else ""
        identity = _identity(owner)
        snils = identity if order.decision_snils else None
        votes = format_amount(counted.votes)
        answers = [[item.id, _choice_words(choice(decision.answers[item.id]))
                    if item.id in decision.answers else "нет ответа"] for item in dossier.agenda]
        decisions.append({"owner": owner.name if owner else decision.owner, "premises": decision.premises,
                          "votes": votes, "source": russian(decision.source, "decision_source"),
                          "received": _local(decision.received_at, zone), "representative": representative,
                          "reference": reference, "snils": snils, "answers": answers})
        identification = identity if order.participant_identification else None
        how = russian(decision.source, "decision_source") + (
            f", через представителя {representative}" if representative else "")
        participants.append([decision.premises, owner.name if owner else decision.owner, votes, how,
                             *([identification] if identification else [])])
    rejected = []
    for r in result.rejected:
        name = owners[int(r.owner)].name if r.owner.isdigit() and int(r.owner) in owners else r.owner
        who = f"{name}, через представителя {r.representative}" if r.representative else name
        rejected.append([r.premises, who, _local(r.received_at, zone), russian(r.reason, "rejection")])
    return decisions, participants, rejected


def _identity(owner: Owner | None) -> str:
    """An owner's identification data as the protocol shows it: СНИЛС masked for a person, ОГРН for an organisation."""
    if owner is None:
        return "—"
    if owner.ogrn:
        return f"ОГРН {owner.ogrn}"
    return f"СНИЛС {mask_snils(owner.snils)}" if owner.snils else "—"


def _origins(meeting_id: int) -> dict[tuple[str, str, datetime], str]:
    """Where each decision came from: the ballot's receipt tracker, or the scan a paper decision was keyed from."""
    rows = db.session.execute(select(MeetingDecision.owner_ref, MeetingDecision.premises, MeetingDecision.received_at,
                                     LogEntry.type, LogEntry.ballot_hash, LogEntry.payload).join(
        LogEntry, (LogEntry.meeting_id == MeetingDecision.meeting_id) & (LogEntry.index == MeetingDecision.log_index))
        .where(MeetingDecision.meeting_id == meeting_id))
    origins = {}
    for owner, premises, received, kind, ballot_hash, payload in rows:
        if kind == "ballot" and ballot_hash:
            origins[(owner, premises, received)] = "квитанция " + tracker(ballot_hash)
        else:
            origins[(owner, premises, received)] = "скан SHA-256 " + json.loads(payload)["scan_sha256"][:16] + "…"
    return origins


def _opt_outs(meeting: Meeting, zone: ZoneInfo) -> list[list[str]]:
    """The owners who refused electronic voting in this meeting (156-ФЗ): their premises, name, and when the
    administrator received the notice."""
    rows = []
    for opt_out in meeting.opt_outs:
        numbers = db.session.scalars(select(Premises.number).join(Ownership, Ownership.premises_id == Premises.id)
                                     .where(Ownership.owner_id == opt_out.owner_id))
        rows.append([", ".join(sorted(numbers)), opt_out.owner.name, _local(opt_out.received_at, zone)])
    return rows


def _proxies(meeting: Meeting, zone: ZoneInfo) -> list[list[str]]:
    proxies = db.session.scalars(select(Proxy).join(Ownership, Proxy.ownership_id == Ownership.id).join(
        Premises, Ownership.premises_id == Premises.id).where(
        Premises.building_id == meeting.building_id, Proxy.status == Status.APPROVED,
        (Proxy.meeting_id.is_(None)) | (Proxy.meeting_id == meeting.id)))
    return [[p.ownership.premises.number, p.ownership.owner.name, p.representative.full_name or p.representative.email,
             _day(p.issued_on), _day(p.valid_until), "на это собрание" if p.meeting_id else "общая",
             p.scan_sha256[:16] + "…"] for p in proxies]
