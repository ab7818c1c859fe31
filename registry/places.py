"""The operator's reference data: organisations (management companies, ТСЖ, ЖСК, the inspection) and
municipalities with their population. Services flush, never commit: the view or command commits once."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from registry.identifiers import digits, is_inn, is_ogrn
from registry.kinds import OrganisationKind
from registry.models import Municipality, Organisation, Region
from voting.core.errors import ConflictError, InvalidInputError
from voting.core.extensions import db


def create_organisation(region: Region, kind: str, name: str, inn: str, ogrn: str) -> Organisation:
    """A new organisation of the region; a 422 naming the field when its ИНН or ОГРН is not valid or taken."""
    if kind not in {k.value for k in OrganisationKind}:
        raise InvalidInputError(_("Выберите вид организации."), field="kind")
    name, inn, ogrn = name.strip(), digits(inn), digits(ogrn)
    if not name:
        raise InvalidInputError(_("Укажите название."), field="name")
    if not is_inn(inn):
        raise InvalidInputError(_("ИНН не проходит проверку контрольного числа."), field="inn")
    if not is_ogrn(ogrn):
        raise InvalidInputError(_("ОГРН не проходит проверку контрольного числа."), field="ogrn")
    if db.session.scalar(select(Organisation.id).where(Organisation.inn == inn)) is not None:
        raise ConflictError(_("Организация с этим ИНН уже есть."), field="inn")
    if db.session.scalar(select(Organisation.id).where(Organisation.ogrn == ogrn)) is not None:
        raise ConflictError(_("Организация с этим ОГРН уже есть."), field="ogrn")
    organisation = Organisation(kind=OrganisationKind(kind), name=name, inn=inn, ogrn=ogrn, region=region)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def create_municipality(region: Region, name: str, short_name: str, population: int | None) -> Municipality:
    """A new municipality of the region; its population is the indicator's denominator of residents."""
    name, short_name = name.strip(), short_name.strip()
    if not name:
        raise InvalidInputError(_("Укажите название."), field="name")
    if not short_name:
        raise InvalidInputError(_("Укажите краткое название."), field="short_name")
    if population is None or population < 0:
        raise InvalidInputError(_("Численность населения: целое число не меньше нуля."), field="population")
    if db.session.scalar(select(Municipality.id).where(Municipality.region_id == region.id,
                                                       Municipality.name == name)) is not None:
        raise ConflictError(_("Такое муниципальное образование уже есть."), field="name")
    place = Municipality(region=region, name=name, short_name=short_name, population=population)
    db.session.add(place)
    db.session.flush()
    return place
