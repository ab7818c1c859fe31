"""What a counted meeting's importVotingProtocolRequest needs, read from the meeting, its register entry, its stored
tally and the НСИ data; a meeting that lacks an identifier ГИС ЖКХ needs is refused with every gap named."""

from __future__ import annotations

import json
import uuid
from datetime import date
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from protocols.document import protocol_number
from protocols.gis.request import Attachment, Decision, Organisation, Person, ProtocolFacts
from protocols.models import GisExchange, GisState, Protocol
from registry.identifiers import digits
from registry.kinds import OwnerKind
from voting.core import clock
from voting.core.errors import ConflictError, InvalidInputError
from voting.core.extensions import db
from voting.core.links import public_url
from voting.domain import gis_nsi
from voting.domain.protocol_orders import order_on
from voting.meetings.models import Meeting, MeetingState

COUNTED = (MeetingState.COUNTED, MeetingState.SIGNED, MeetingState.SUBMITTED)
FINAL = (MeetingState.SIGNED, MeetingState.SUBMITTED)
NEEDS_NAMES = {"forming_fund": _l("способ формирования фонда капитального ремонта (НСИ 241)"),
               "management_type": _l("способ управления домом (НСИ 25)")}


class MissingIdentifiers(InvalidInputError):
    """The meeting cannot be exported: what ГИС ЖКХ needs is missing (each gap named)."""

    def __init__(self, gaps: list[str]) -> None:
        super().__init__(_("Для ГИС ЖКХ не хватает: %(gaps)s.", gaps="; ".join(gaps)), field="gis", gaps=gaps)
        self.gaps = gaps


def accepted_guid(meeting_id: int) -> str | None:
    """The protocol's GUID in ГИС ЖКХ from its last accepted delivery (a new version replaces that one)."""
    return db.session.scalar(select(GisExchange.result_guid).where(
        GisExchange.meeting_id == meeting_id, GisExchange.state == GisState.ACCEPTED.value)
        .order_by(GisExchange.id.desc()).limit(1))


def gaps(meeting: Meeting, on: date | None = None) -> list[str]:
    """What ГИС ЖКХ needs of this meeting that the register and the agenda lack, each named
    (gis_nsi.identifier_problems), judged on `on` (the protocol's date; today before the count)."""
    organisation = meeting.initiator_organisation
    day = on or clock.now().astimezone(ZoneInfo(meeting.building.timezone)).date()
    problems = gis_nsi.identifier_problems(
        meeting.building.fias_guid,
        (organisation.gis_root_guid, organisation.gis_version_guid) if organisation else None,
        tuple((item.number, item.subject, item.gis_choice) for item in meeting.agenda), day)
    messages = []
    for problem in problems:
        if problem.field == "fias_guid":
            messages.append(_("у дома нет идентификатора ФИАС (ГАР)"))
        elif problem.field == "organisation_guid":
            assert organisation is not None
            messages.append(_("у организации-инициатора «%(name)s» нет идентификатора в реестре организаций ГИС ЖКХ",
                              name=organisation.name))
        elif problem.code == "gis_no_question_type":
            messages.append(_("вопрос %(n)s: вид %(subject)s не сопоставлен справочнику НСИ 63",
                              n=problem.params["item"], subject=problem.params["subject"]))
        else:
            messages.append(_("вопрос %(n)s: не указан %(what)s", n=problem.params["item"],
                              what=NEEDS_NAMES[problem.params["needs"]]))
    return messages


def gather(meeting: Meeting, transport_guid: str | None = None) -> ProtocolFacts:
    """The facts of a counted meeting's protocol; raises MissingIdentifiers naming every gap."""
    if meeting.state not in COUNTED or not meeting.result or meeting.counted_at is None:
        raise ConflictError(_("В ГИС ЖКХ передаётся протокол подсчитанного собрания."))
    assert meeting.opens_at and meeting.closes_at and meeting.notice_date
    zone = ZoneInfo(meeting.building.timezone)
    day = meeting.counted_at.astimezone(zone).date()
    missing = gaps(meeting, day)
    initiators = _initiators(meeting, missing)
    protocol = db.session.get(Protocol, meeting.id)
    attachment = protocol.gis_attachment_guid if protocol else None
    if meeting.form.value != "electronic" and not gis_nsi.is_guid(attachment):
        missing.append(_("не указан идентификатор файла протокола в файловом хранилище ГИС ЖКХ (для бумажных форм "
                         "файл обязателен)"))
    if missing:
        raise MissingIdentifiers(missing)
    decisions = _decisions(meeting, day)
    number, provisional = protocol_number(meeting, order_on(meeting.notice_date))
    paper = meeting.paper_address or meeting.building.address
    closes = meeting.closes_at.astimezone(zone)
    return ProtocolFacts(
        transport_guid=transport_guid or str(uuid.uuid4()),
        fias_guid=meeting.building.fias_guid or "", date=day, form=meeting.form.value, kind=meeting.kind.value,
        opens_at=meeting.opens_at.astimezone(zone), closes_at=closes, initiators=initiators,
        quorum=bool(json.loads(meeting.result)["quorum"]), decisions=decisions,
        # under 266/пр the number is ГИС ЖКХ's own identifier; a provisional one is not sent
        number=number if not provisional and len(number) <= 30 else None,
        protocol_guid=accepted_guid(meeting.id),
        place=meeting.place or meeting.building.address, resolution_place=paper,
        discipline=_discipline(meeting, f"{closes:%d.%m.%Y %H:%M}"),
        info_review=meeting.materials_info or (  # what ГИС ЖКХ shows the owners: in Russian whatever the reader's
            "Информация и материалы собрания размещены на странице собрания в региональной системе «Вече»: "
            + public_url("meetings.show", meeting_id=meeting.id)),
        attachments=(Attachment(f"protocol-{meeting.id}.pdf", "Протокол общего собрания собственников",
                                attachment),) if attachment else (),
        placing=meeting.state in FINAL,
    )


def _discipline(meeting: Meeting, end: str) -> str:
    """How written decisions are received (ЖК РФ ст. 47.1), as ГИС ЖКХ shows it to the owners: in Russian."""
    if meeting.paper_address:
        return ("Оформленные в письменной форме решения собственников принимает администратор общего собрания по "
                f"адресу: {meeting.paper_address}, до окончания голосования ({end}).")
    return "Решения собственников принимаются только в системе «Вече» до окончания голосования."


def _initiators(meeting: Meeting, missing: list[str]) -> tuple[Person | Organisation, ...]:
    organisation = meeting.initiator_organisation
    if organisation is not None:
        root, version = organisation.gis_root_guid, organisation.gis_version_guid
        return (Organisation(root if gis_nsi.is_guid(root) else None, version if gis_nsi.is_guid(version) else None),)
    owner = meeting.initiator_owner
    if owner is None:
        missing.append(_("не указан инициатор собрания"))
        return ()
    if owner.kind is not OwnerKind.PERSON:
        missing.append(_("инициатор — организация-собственник «%(name)s»: ГИС ЖКХ принимает её по идентификатору в "
                         "реестре организаций; укажите инициатором организацию реестра", name=owner.name))
        return ()
    parts = owner.name.split()
    if len(parts) < 2:
        missing.append(_("ФИО инициатора «%(name)s»: нужны фамилия и имя", name=owner.name))
        return ()
    snils = digits(owner.snils or "")
    return (Person(parts[0], parts[1], " ".join(parts[2:]) or None, snils if len(snils) == 11 else None),)


def _decisions(meeting: Meeting, day: date) -> tuple[Decision, ...]:
    """Each agenda item with its stored exact tally; `gaps` has found every item's НСИ entries present."""
    result = json.loads(meeting.result or "{}")
    decisions = []
    for item, entry in zip(meeting.agenda, result["items"], strict=True):
        kind = gis_nsi.question_type(item.subject, day)
        assert kind is not None
        chosen = gis_nsi.options(kind.needs, day)[item.gis_choice or ""] if kind.needs else None
        decisions.append(Decision(
            number=item.number, question=item.title, type=kind.ref,
            agree=Fraction(entry["for_exact"]), against=Fraction(entry["against_exact"]),
            abstain=Fraction(entry["abstain_exact"]), adopted=bool(entry["adopted"]),
            forming_fund=chosen if kind.needs == "forming_fund" else None,
            management_type=chosen if kind.needs == "management_type" else None))
    return tuple(decisions)
