"""The closed vocabularies of the register, as stored values."""

from __future__ import annotations

import enum


class OrganisationKind(enum.StrEnum):
    MANAGEMENT_COMPANY = "management_company"
    HOA = "hoa"  # ТСЖ
    HOUSING_COOP = "housing_coop"  # ЖСК
    INSPECTION = "inspection"
    OPERATOR = "operator"


class PremisesKind(enum.StrEnum):
    RESIDENTIAL = "residential"
    NON_RESIDENTIAL = "non_residential"
    PARKING = "parking"


class OwnerKind(enum.StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    PUBLIC_BODY = "public_body"


class OwnershipKind(enum.StrEnum):
    INDIVIDUAL = "individual"
    SHARED = "shared"
    JOINT = "joint"
    PUBLIC = "public"
