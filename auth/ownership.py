"""Proving ownership (letters with single-use codes, or claims by ЕГРН record), guest access and proxies."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from auth.accounts import find_user
from auth.mail import send_mail
from auth.models import (
    Decision,
    GuestGrant,
    LinkMethod,
    OwnershipClaim,
    OwnershipCode,
    OwnershipLink,
    Proxy,
    StaffRole,
    User,
)
from auth.security_log import log_event
from registry.models import Building, Ownership, Premises
from voting.core import uploads
from voting.core.errors import InvalidInputError
from voting.core.extensions import db
from voting.core.links import public_url
from voting.core.spreadsheet import folded

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 12
CODE_LIFETIME = timedelta(days=90)
MAX_CODE_FAILURES = 5
CODE_LOCK = timedelta(minutes=30)


def _now() -> datetime:
    return datetime.now(UTC)


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(f"veche-ownership-code\n{normalise_code(code)}".encode()).hexdigest()


def format_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def active_links(user: User) -> list[OwnershipLink]:
    return list(db.session.scalars(
        select(OwnershipLink).where(OwnershipLink.user_id == user.id, OwnershipLink.ended_at.is_(None))
        .options(selectinload(OwnershipLink.ownership).selectinload(Ownership.premises))
        .order_by(OwnershipLink.id)))


# --- letters with codes ---------------------------------------------------------------------------------------


def issue_codes(building: Building, issued_by: User) -> list[tuple[Ownership, str]]:
    """A new code for every ownership of the building; the plain codes exist only in the printed letters, and the
    codes of earlier letters that nobody has used stop working."""
    ownerships = db.session.scalars(
        select(Ownership).join(Premises).where(Premises.building_id == building.id)
        .options(selectinload(Ownership.owner), selectinload(Ownership.premises))
        .order_by(func.length(Premises.number), Premises.number, Ownership.id)).all()
    now = _now()
    # a lost or stolen letter is revoked by printing new ones; expiring the old codes keeps them in the history
    in_building = select(Ownership.id).join(Premises).where(Premises.building_id == building.id)
    revoked = db.session.scalars(
        update(OwnershipCode).where(OwnershipCode.ownership_id.in_(in_building), OwnershipCode.used_at.is_(None),
                                    OwnershipCode.expires_at > now)
        .values(expires_at=now).returning(OwnershipCode.id)).all()
    batch = secrets.token_hex(8)
    expires = now + CODE_LIFETIME
    issued = []
    for ownership in ownerships:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        db.session.add(OwnershipCode(ownership_id=ownership.id, code_hash=hash_code(code), batch=batch,
                                     expires_at=expires))
        issued.append((ownership, format_code(code)))
    log_event("codes_issued", issued_by, building.address,
              f"{len(issued)} codes, batch {batch}; {len(revoked)} unused earlier codes revoked")
    db.session.flush()
    return issued


def redeem_code(user: User, code: str) -> OwnershipLink:
    """Link the ownership a letter's code was issued for; five wrong codes lock code entry for a while."""
    now = _now()
    if user.code_locked_until and user.code_locked_until > now:
        raise InvalidInputError(_("Слишком много неверных кодов. Попробуйте снова после %(time)s.",
                                  time=user.code_locked_until.strftime("%H:%M UTC")), field="code")
    record = db.session.scalar(select(OwnershipCode).where(OwnershipCode.code_hash == hash_code(code)))
    if record is None or record.used_at is not None or record.expires_at <= now:
        user.code_failures += 1
        stale = record is not None and record.used_at is None
        log_event("code_failed", user, user.email, "expired or revoked code" if stale else "unknown or used code")
        if user.code_failures >= MAX_CODE_FAILURES:
            user.code_failures, user.code_locked_until = 0, now + CODE_LOCK
            log_event("locked_out", user, user.email, "ownership code entry")
        if stale:
            raise InvalidInputError(_("Код не подошёл: он больше не действует — истёк его срок или управляющая "
                                      "компания выпустила новое письмо, и коды прежних писем отменены. Введите код "
                                      "из последнего письма или попросите компанию прислать новое."), field="code")
        raise InvalidInputError(_("Код не подошёл: проверьте его по письму. Код действует один раз."), field="code")
    record.used_at, record.used_by_id = now, user.id
    user.code_failures = 0
    return _link(user, record.ownership, LinkMethod.CODE)


def _link(user: User, ownership: Ownership, method: LinkMethod) -> OwnershipLink:
    existing = db.session.scalar(select(OwnershipLink).where(
        OwnershipLink.user_id == user.id, OwnershipLink.ownership_id == ownership.id, OwnershipLink.ended_at.is_(None)))
    if existing:
        return existing
    link = OwnershipLink(user=user, ownership=ownership, method=method)
    db.session.add(link)
    log_event("link_created", user, user.email, f"ownership {ownership.id} by {method.value}")
    return link


def end_link(link: OwnershipLink, by: User, reason: str | None) -> None:
    """End a link: the owner drops it, or the company revokes it with a reason (logged)."""
    if link.ended_at is None:
        link.ended_at, link.ended_by_id, link.end_reason = _now(), by.id, (reason or None)
        log_event("link_ended", by, link.user.email, f"ownership {link.ownership_id}: {reason or 'dropped by owner'}")


# --- claims by ЕГРН record -----------------------------------------------------------------------------------


def building_by_address(address: str) -> Building:
    """The building with this address, compared without regard to case and spacing (in Python: SQLite's
    lower() knows only Latin letters)."""
    wanted = folded(address)
    building = db.session.scalar(select(Building).where(Building.address == address.strip()))
    if building is None:
        matches = [id_ for id_, text in db.session.execute(select(Building.id, Building.address))
                   if folded(text) == wanted]
        building = db.session.get(Building, matches[0]) if len(matches) == 1 else None
    if building is None:
        raise InvalidInputError(_("Дом с таким адресом не найден: выберите адрес из подсказки."), field="address")
    return building


def claim(user: User, address: str, premises: str, egrn_record: str) -> OwnershipClaim:
    building = building_by_address(address)
    item = OwnershipClaim(user=user, building=building, premises_number=premises.strip(),
                          egrn_record=egrn_record.strip())
    db.session.add(item)
    db.session.flush()
    for staff in _staff_of(building):
        send_mail(staff.email, _("Вече: заявка на подтверждение собственности"),
                  _("%(name)s просит подтвердить собственность: %(address)s, помещение %(premises)s, запись ЕГРН "
                    "%(record)s.\nРешение: %(url)s", name=user.full_name or user.email, address=building.address,
                    premises=item.premises_number, record=item.egrn_record,
                    url=public_url("manage.claims")))
    return item


def _staff_of(building: Building) -> list[User]:
    return list(db.session.scalars(select(User).join(StaffRole).where(
        StaffRole.organisation_id == building.organisation_id)))


def decide_claim(item: OwnershipClaim, approve: bool, reason: str, by: User) -> None:
    """Approve (the register must hold that ЕГРН record for that premises) or reject with a reason."""
    if item.status is not Decision.PENDING:
        raise InvalidInputError(_("Заявка уже рассмотрена."))
    if approve:
        ownership = db.session.scalar(select(Ownership).join(Premises).where(
            Premises.building_id == item.building_id, Premises.number == item.premises_number,
            Ownership.egrn_record == item.egrn_record))
        if ownership is None:
            raise InvalidInputError(_("В реестре дома нет такой записи ЕГРН для этого помещения: отклоните заявку "
                                      "с причиной или сначала обновите реестр."))
        _link(item.user, ownership, LinkMethod.CLAIM)
        item.ownership_id = ownership.id
    elif not reason.strip():
        raise InvalidInputError(_("Укажите причину отказа."), field="reason")
    item.status = Decision.APPROVED if approve else Decision.REJECTED
    item.reason, item.decided_at, item.decided_by_id = reason.strip() or None, _now(), by.id
    log_event("claim_decided", by, item.user.email, f"claim {item.id}: {item.status.value} {reason}".strip())
    verdict = _("подтверждена") if approve else _("отклонена: %(reason)s", reason=reason)
    send_mail(item.user.email, _("Вече: заявка на подтверждение собственности"),
              _("Ваша заявка (%(address)s, помещение %(premises)s) %(verdict)s.", address=item.building.address,
                premises=item.premises_number, verdict=verdict))
    send_mail(by.email, _("Вече: решение по заявке записано"),
              _("Заявка %(name)s (%(address)s, помещение %(premises)s) %(verdict)s.",
                name=item.user.full_name or item.user.email, address=item.building.address,
                premises=item.premises_number, verdict=verdict))


# --- guests and proxies ---------------------------------------------------------------------------------------


def grant_guest(owner: User, email: str) -> GuestGrant | None:
    """Open viewing to the account with that e-mail, if there is one (the page answers the same either way)."""
    guest = find_user(email)
    if guest is None or guest.id == owner.id:
        return None
    grant = GuestGrant(owner_user=owner, guest_user=guest)
    db.session.add(grant)
    log_event("guest_granted", owner, guest.email)
    return grant


def submit_proxy(user: User, address: str, premises: str, egrn_record: str, issued_on: date, valid_until: date,
                 scan: bytes, meeting_id: int | None = None) -> Proxy:
    """A proxy for the company to check: general, or for one meeting of the same building."""
    mime = uploads.accept(scan, uploads.SCAN, uploads.SCAN_MAX_BYTES, "scan")
    if valid_until < issued_on:
        raise InvalidInputError(_("Срок действия заканчивается раньше даты выдачи."), field="valid_until")
    building = building_by_address(address)
    ownership = db.session.scalar(select(Ownership).join(Premises).where(
        Premises.building_id == building.id, Premises.number == premises.strip(),
        Ownership.egrn_record == egrn_record.strip()))
    if ownership is None:
        raise InvalidInputError(_("В реестре дома нет такой записи ЕГРН для этого помещения."), field="egrn_record")
    if meeting_id is not None:
        meetings = db.metadata.tables["meetings"]  # read as a table: auth does not import the meetings package
        found = db.session.execute(select(meetings.c.id).where(meetings.c.id == meeting_id,
                                                               meetings.c.building_id == building.id)).first()
        if found is None:
            raise InvalidInputError(_("В этом доме нет собрания с таким номером."), field="meeting")
    proxy = Proxy(representative=user, ownership=ownership, scan=scan, scan_type=mime, meeting_id=meeting_id,
                  scan_sha256=hashlib.sha256(scan).hexdigest(), issued_on=issued_on, valid_until=valid_until)
    db.session.add(proxy)
    return proxy


def decide_proxy(proxy: Proxy, approve: bool, reason: str, by: User) -> None:
    if proxy.status is not Decision.PENDING:
        raise InvalidInputError(_("Доверенность уже рассмотрена."))
    if not approve and not reason.strip():
        raise InvalidInputError(_("Укажите причину отказа."), field="reason")
    proxy.status = Decision.APPROVED if approve else Decision.REJECTED
    proxy.reason, proxy.decided_at, proxy.decided_by_id = reason.strip() or None, _now(), by.id
    log_event("proxy_decided", by, proxy.representative.email, f"proxy {proxy.id}: {proxy.status.value}")
    send_mail(proxy.representative.email, _("Вече: доверенность рассмотрена"),
              _("Доверенность на помещение %(premises)s %(verdict)s.", premises=proxy.ownership.premises.number,
                verdict=_("принята") if approve else _("отклонена: %(reason)s", reason=reason)))
