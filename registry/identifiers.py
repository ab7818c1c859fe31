"""Russian identifiers in a register: СНИЛС, ИНН, ОГРН, ЕГРН record numbers; checks and masking."""

from __future__ import annotations

import re

# Record numbers of ЕГРН: the current form "<cadastral number>-<region>/<office>/<year>-<n>"
# (e.g. 74:36:0000000:1-74/001/2020-1) and the pre-2017 ЕГРП form (e.g. 74-74-01/123/2008-456).
_EGRN_CURRENT = re.compile(r"\d{2}:\d{2}:\d{6,7}:\d+-\d{2}/\d{3}/\d{4}-\d+")
_EGRN_LEGACY = re.compile(r"\d{2}-\d{2}(-\d{2})?/\d{3}(-\d{1,3})?/\d{4}-\d+(/\d+)?")
_CADASTRAL = re.compile(r"\d{2}:\d{2}:\d{6,7}:\d+")


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def is_egrn_record(text: str) -> bool:
    """True for a ЕГРН (or legacy ЕГРП) registration record number."""
    return bool(_EGRN_CURRENT.fullmatch(text) or _EGRN_LEGACY.fullmatch(text))


def is_cadastral_number(text: str) -> bool:
    return bool(_CADASTRAL.fullmatch(text))


def is_snils(text: str) -> bool:
    """True for a СНИЛС with a valid check number (written with or without separators)."""
    if not re.fullmatch(r"\d{3}-?\d{3}-?\d{3}[ -]?\d{2}", text.strip()):
        return False
    number = digits(text)
    body, check = number[:9], int(number[9:])
    if int(body) <= 1001998:  # numbers up to 001-001-998 were issued without a check number
        return True
    return check == snils_check_number(body)


def snils_check_number(body: str) -> int:
    """The check number of a СНИЛС from its nine digits."""
    return sum(int(d) * weight for d, weight in zip(body, range(9, 0, -1), strict=True)) % 101 % 100


def format_snils(text: str) -> str:
    number = digits(text)
    return f"{number[:3]}-{number[3:6]}-{number[6:9]} {number[9:]}"


INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_check(number: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(number, weights, strict=False)) % 11 % 10


def inn10_check_digit(body: str) -> int:
    """The check digit of an organisation's ИНН from its nine digits."""
    return _inn_check(body, INN10_WEIGHTS)


def ogrn_check_digit(body: str) -> int:
    """The check digit of a 13-digit ОГРН from its twelve digits."""
    return int(body) % 11 % 10


def is_inn(text: str) -> bool:
    """True for a 10-digit (organisation) or 12-digit (person) ИНН with valid check digits."""
    if not re.fullmatch(r"\d{10}|\d{12}", text):
        return False
    if len(text) == 10:
        return inn10_check_digit(text[:9]) == int(text[9])
    return (_inn_check(text, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) == int(text[10])
            and _inn_check(text, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) == int(text[11]))


def is_ogrn(text: str) -> bool:
    """True for a 13-digit ОГРН or 15-digit ОГРНИП with a valid check digit."""
    if re.fullmatch(r"\d{13}", text):
        return ogrn_check_digit(text[:12]) == int(text[12])
    if re.fullmatch(r"\d{15}", text):
        return int(text[:14]) % 13 % 10 == int(text[14])
    return False


def mask_snils(text: str) -> str:
    """СНИЛС as shown to those who need not see it: only the check number (LEGAL.md §9)."""
    return f"***-***-*** {digits(text)[-2:]}"


def mask_passport(text: str) -> str:
    """Passport data as shown to those who need not see it: the last two digits of the number."""
    tail = digits(text)[-2:]
    return f"** ** ****{tail}" if tail else "***"


def mask_name(full_name: str) -> str:
    """A person's name as surname and initials: «Иванов И. И.»."""
    surname, *given = full_name.split()
    return " ".join([surname, *(f"{part[0]}." for part in given)]) if given else surname
