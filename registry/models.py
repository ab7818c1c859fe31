"""Register tables. Areas are exact decimals, shares exact fractions, passport and СНИЛС encrypted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.identifiers import mask_name, mask_snils
from registry.kinds import OrganisationKind, OwnerKind, OwnershipKind, PremisesKind
from voting.core.extensions import BaseModel
from voting.core.types import Area, Encrypted, EncryptedFile, Share, UTCDateTime, value_enum
from voting.domain import weights


class Region(BaseModel):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    municipalities: Mapped[list[Municipality]] = relationship(back_populates="region",
                                                              order_by="Municipality.name")


class Municipality(BaseModel):
    __tablename__ = "municipalities"
    __table_args__ = (UniqueConstraint("region_id", "name"), CheckConstraint("population >= 0", name="population"))

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(100))
    population: Mapped[int] = mapped_column(Integer)
    region: Mapped[Region] = relationship(back_populates="municipalities")


class Organisation(BaseModel):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(value_enum(OrganisationKind, "organisation_kind"))
    name: Mapped[str] = mapped_column(String(300))
    inn: Mapped[str] = mapped_column(String(12), unique=True)
    ogrn: Mapped[str] = mapped_column(String(15), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    # its entry in ГИС ЖКХ's organisations registry (orgRootEntityGUID; orgVersionGUID of the version in force)
    gis_root_guid: Mapped[str | None] = mapped_column(String(36))
    gis_version_guid: Mapped[str | None] = mapped_column(String(36))

    region: Mapped[Region] = relationship()


class Building(BaseModel):
    __tablename__ = "buildings"
    __table_args__ = (CheckConstraint("entrances >= 0", name="entrances"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    cadastral_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    entrances: Mapped[int] = mapped_column(Integer, default=1)
    fias_guid: Mapped[str | None] = mapped_column(String(36))  # the house in ФИАС (ГАР): what ГИС ЖКХ knows it by

    municipality: Mapped[Municipality] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    premises: Mapped[list[Premises]] = relationship(back_populates="building", cascade="all, delete-orphan",
                                                    order_by="Premises.id")


class Premises(BaseModel):
    __tablename__ = "premises"
    __table_args__ = (UniqueConstraint("building_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    kind: Mapped[PremisesKind] = mapped_column(value_enum(PremisesKind, "premises_kind"))
    area: Mapped[Decimal] = mapped_column(Area())
    entrance: Mapped[str | None] = mapped_column(String(10))
    cadastral_number: Mapped[str | None] = mapped_column(String(40))

    building: Mapped[Building] = relationship(back_populates="premises")
    ownerships: Mapped[list[Ownership]] = relationship(back_populates="premises", cascade="all, delete-orphan",
                                                      order_by="Ownership.id")


class Owner(BaseModel):
    """A person, organisation or public body holding property in one building's register."""

    __tablename__ = "owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    kind: Mapped[OwnerKind] = mapped_column(value_enum(OwnerKind, "owner_kind"))
    name: Mapped[str] = mapped_column(String(300))
    snils: Mapped[str | None] = mapped_column(Encrypted())
    passport: Mapped[str | None] = mapped_column(Encrypted())
    inn: Mapped[str | None] = mapped_column(String(12))
    ogrn: Mapped[str | None] = mapped_column(String(15))

    building: Mapped[Building] = relationship()

    @property
    def masked_name(self) -> str:
        """The name as shown to those who need not see it whole: surname and initials for a person."""
        return mask_name(self.name) if self.kind is OwnerKind.PERSON else self.name

    @property
    def masked_snils(self) -> str | None:
        return None if self.snils is None else mask_snils(self.snils)


class Ownership(BaseModel):
    __tablename__ = "ownerships"
    __table_args__ = (UniqueConstraint("premises_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"), index=True)
    kind: Mapped[OwnershipKind] = mapped_column(value_enum(OwnershipKind, "ownership_kind"))
    share: Mapped[Fraction] = mapped_column(Share())
    egrn_record: Mapped[str] = mapped_column(String(60))
    registered_on: Mapped[date | None]

    premises: Mapped[Premises] = relationship(back_populates="ownerships")
    owner: Mapped[Owner] = relationship()

    @property
    def votes(self) -> Fraction:
        """Votes this ownership carries: area × share."""
        return weights.owner_weight(self.premises.area, self.share)


class RegisterUpload(BaseModel):
    """A register file kept between its preview and its confirmation, then as the record of what was applied."""

    __tablename__ = "register_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(EncryptedFile())  # owners' names and documents: encrypted
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=lambda: datetime.now(UTC))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[str | None] = mapped_column(String(200))

    building: Mapped[Building] = relationship()
