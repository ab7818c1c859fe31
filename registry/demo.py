"""Demo register: the Chelyabinsk region's 43 municipalities, organisations and two buildings, idempotently.

The buildings go through the same checked import as a management company's file, so the demo exercises it.
"""

from __future__ import annotations

import csv
import random
import uuid
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select

from registry.identifiers import inn10_check_digit, ogrn_check_digit, snils_check_number
from registry.kinds import OrganisationKind
from registry.models import Building, Municipality, Organisation, Region
from registry.register_file import COLUMNS, Register, parse_rows
from registry.sync import apply_register
from voting.core.extensions import db

REGION = "Челябинская область"
TIMEZONE = "Asia/Yekaterinburg"
FIGURES_FILE = "chelyabinsk_region_2026-05-31.csv"
DEMO_NAMESPACE = uuid.UUID("0c1e5a7e-7e11-4b6a-9d3c-2f0a6c8b5e11")  # the demo's stand-in ФИАС / ГИС ЖКХ ids


@dataclass(frozen=True)
class DemoBuilding:
    address: str
    municipality: str
    cadastral_number: str
    entrances: int
    floors: int
    flats_per_floor: int
    shops: int
    parking: int
    seed: int


BUILDINGS = (
    DemoBuilding("г. Челябинск, ул. Труда, д. 1", "Челябинский городской округ", "74:36:0102003:1",
                 entrances=3, floors=9, flats_per_floor=4, shops=4, parking=8, seed=1),
    DemoBuilding("г. Копейск, пр. Победы, д. 5", "Копейский городской округ", "74:30:0103002:7",
                 entrances=2, floors=3, flats_per_floor=4, shops=0, parking=0, seed=2),
)

_SURNAMES = ("Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков",
             "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Степанов", "Николаев",
             "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев")
_MEN = ("Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Иван", "Михаил", "Николай", "Владимир", "Юрий")
_WOMEN = ("Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Мария", "Анна", "Галина", "Людмила")
_PATRONYMIC_ROOTS = ("Александров", "Сергеев", "Иванов", "Петров", "Николаев", "Викторов", "Юрьев", "Михайлов")
_FLAT_AREAS = ("33.40", "45.10", "54.30", "61.00", "72.85")


def demo_inn(body: str) -> str:
    """A valid 10-digit ИНН of an organisation from nine digits."""
    return f"{body}{inn10_check_digit(body)}"


def demo_ogrn(body: str) -> str:
    """A valid 13-digit ОГРН from twelve digits."""
    return f"{body}{ogrn_check_digit(body)}"


def demo_snils(number: int) -> str:
    """A valid СНИЛС from a nine-digit number above 001-001-998."""
    body = f"{number:09d}"
    return f"{body[:3]}-{body[3:6]}-{body[6:]} {snils_check_number(body):02d}"


ORGANISATIONS = (
    (OrganisationKind.MANAGEMENT_COMPANY, "ООО «Управляющая компания „Южный Урал“»", "745100001", "102740000001"),
    (OrganisationKind.INSPECTION, "Главное управление «Государственная жилищная инспекция Челябинской области»",
     "745100002", "102740000002"),
    (OrganisationKind.OPERATOR, "ОГКУ «Региональный оператор системы общих собраний»", "745100003", "102740000003"),
)


def published_figures() -> list[dict[str, str]]:
    """The region's published table of 31 May 2026 (shipped with the package)."""
    text = resources.files("registry.data").joinpath(FIGURES_FILE).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def demo_guid(kind: str, key: str) -> str:
    """A reproducible GUID standing for a ФИАС or ГИС ЖКХ registry identifier of a demo object (not a real one)."""
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{key}"))


def seed_register() -> list[str]:
    """Create or refresh the demo region, organisations and buildings; return lines saying what was made."""
    region = db.session.scalar(select(Region).where(Region.name == REGION)) or Region(name=REGION)
    db.session.add(region)
    known = {m.name: m for m in region.municipalities}
    for row in published_figures():
        municipality = known.get(row["municipality"]) or Municipality(region=region, name=row["municipality"])
        municipality.short_name = row["short_name"]
        municipality.population = int(row["population"])
        db.session.add(municipality)
    db.session.flush()
    lines = [f"region: {REGION}, {len(region.municipalities)} municipalities"]
    organisations = {}
    for kind, name, inn_body, ogrn_body in ORGANISATIONS:
        inn = demo_inn(inn_body)
        organisation = db.session.scalar(select(Organisation).where(Organisation.inn == inn)) or Organisation(inn=inn)
        organisation.kind, organisation.name, organisation.ogrn, organisation.region = (
            kind, name, demo_ogrn(ogrn_body), region)
        organisation.gis_root_guid = demo_guid("organisation", inn)
        db.session.add(organisation)
        organisations[kind] = organisation
        lines.append(f"organisation: {name} ({kind.value})")
    municipalities = {m.name: m for m in region.municipalities}
    for spec in BUILDINGS:
        building = db.session.scalar(select(Building).where(Building.cadastral_number == spec.cadastral_number))
        if building is None:
            building = Building(cadastral_number=spec.cadastral_number)
            db.session.add(building)
        building.address, building.municipality, building.timezone, building.entrances = (
            spec.address, municipalities[spec.municipality], TIMEZONE, spec.entrances)
        building.fias_guid = demo_guid("house", spec.cadastral_number)
        building.organisation = organisations[OrganisationKind.MANAGEMENT_COMPANY]
        db.session.flush()
        register = demo_register(spec)
        diff = apply_register(building, register)
        state = "unchanged" if diff.empty else "register applied"
        lines.append(f"building {building.id}: {spec.address}, {len(register.premises)} premises ({state})")
    db.session.flush()
    return lines


def demo_register(spec: DemoBuilding) -> Register:
    """The building's register, generated deterministically from its seed and checked like an uploaded file."""
    rows = list(_demo_rows(spec))
    table: list[tuple[int, list[str | None]]] = [(1, [c.header for c in COLUMNS])]
    table += [(n, [row.get(c.key) for c in COLUMNS]) for n, row in enumerate(rows, start=2)]
    return parse_rows(table)


def _demo_rows(spec: DemoBuilding) -> list[dict[str, str]]:
    rng = random.Random(spec.seed)  # noqa: S311 - reproducible demo data, not secrets
    prefix = spec.cadastral_number.rsplit(":", 1)[0]
    rows: list[dict[str, str]] = []
    serial = 0

    def person(female: bool | None = None, surname: str | None = None) -> dict[str, str]:
        nonlocal serial
        serial += 1
        female = rng.random() < 0.5 if female is None else female
        family = surname or rng.choice(_SURNAMES)
        name = (f"{family}{'а' if female else ''} {rng.choice(_WOMEN if female else _MEN)} "
                f"{rng.choice(_PATRONYMIC_ROOTS)}{'на' if female else 'ич'}")
        snils = demo_snils(1002000 + spec.seed * 100000 + serial * 37) if rng.random() < 0.7 else ""
        return {"owner": name, "snils": snils}

    def holding(premises: dict[str, str], owner: dict[str, str], kind: str, share: str, record: str,
                year: int | None = None) -> None:
        year = year or 2000 + rng.randrange(5, 25)
        rows.append({**premises, **owner, "ownership": kind, "share": share,
                     "egrn_record": f"{premises['premises_cadastral']}-74/001/{year}-{record}",
                     "registered_on": f"{rng.randrange(1, 28):02d}.{rng.randrange(1, 13):02d}.{year}"})

    parcel = 100
    flats_per_entrance = spec.floors * spec.flats_per_floor
    repeat_owner: dict[str, str] | None = None
    for index in range(spec.entrances * flats_per_entrance):
        parcel += 1
        premises = {"premises": str(index + 1), "premises_kind": "жилое",
                    "area": _FLAT_AREAS[index % spec.flats_per_floor + (index // flats_per_entrance) % 2],
                    "entrance": str(index // flats_per_entrance + 1), "premises_cadastral": f"{prefix}:{parcel}"}
        pattern = rng.random()
        if index == 7:  # the same person owns two flats: one decision per premises
            repeat_owner = person()
            holding(premises, repeat_owner, "индивидуальная", "1", "1")
        elif index == 8 and repeat_owner is not None:
            holding(premises, repeat_owner, "индивидуальная", "1", "1")
        elif pattern < 0.55:
            holding(premises, person(), "индивидуальная", "1", "1")
        elif pattern < 0.75:
            shares = rng.choice((("1/2", "1/2"), ("1/3", "2/3"), ("1/4", "1/4", "1/2")))
            family = rng.choice(_SURNAMES)
            co_owners: list[dict[str, str]] = []
            while len(co_owners) < len(shares):
                candidate = person(surname=family)
                if all(candidate["owner"] != other["owner"] for other in co_owners):
                    co_owners.append(candidate)
            for number, (share, co_owner) in enumerate(zip(shares, co_owners, strict=True), start=1):
                holding(premises, co_owner, "долевая", share, str(number))
        elif pattern < 0.90:
            family, year = rng.choice(_SURNAMES), 2000 + rng.randrange(5, 25)
            for female in (False, True):  # spouses: one ЕГРН record for the joint group
                holding(premises, person(female=female, surname=family), "совместная", "1/1", "1", year)
        elif pattern < 0.95:
            rows.append({**premises, "owner": f"Муниципальное образование «{spec.municipality}»",
                         "owner_kind": "публичное образование", "ownership": "публичная",
                         "egrn_record": f"{premises['premises_cadastral']}-74/001/2012-1"})
        else:
            rows.append(premises)  # owner not yet known to the company: the area still carries votes
    for number in range(1, spec.shops + 1):
        parcel += 1
        premises = {"premises": f"Н{number}", "premises_kind": "нежилое", "area": f"{80 + 15 * number}.50",
                    "entrance": "1", "premises_cadastral": f"{prefix}:{parcel}"}
        inn = demo_inn(f"7451{spec.seed:02d}{number:03d}")
        rows.append({**premises, "owner": f"ООО «Торговый дом № {number}»", "owner_kind": "юрлицо",
                     "ownership": "индивидуальная", "egrn_record": f"{premises['premises_cadastral']}-74/001/2018-1",
                     "inn": inn, "ogrn": demo_ogrn(f"10274{spec.seed:02d}{number:05d}")})
    for number in range(1, spec.parking + 1):
        parcel += 1
        premises = {"premises": f"М{number}", "premises_kind": "машино-место", "area": f"{13 + number % 3}.25",
                    "premises_cadastral": f"{prefix}:{parcel}"}
        owner = repeat_owner if number == 1 and repeat_owner else person()
        holding(premises, owner, "индивидуальная", "1", "1")
    return rows
