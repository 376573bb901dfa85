"""NHS number and postcode: normalising and validating what people type."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_NHS_NUMBER_SEPARATORS = re.compile(r"[\s-]")
# Postcode format per the ONS/Royal Mail rules (outward code, space, inward code); GIR 0AA included.
_POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?) ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_nhs_number(value: str) -> str:
    """Strip spaces and dashes: '943 476 5919' and '943-476-5919' become '9434765919'."""
    return _NHS_NUMBER_SEPARATORS.sub("", value or "")


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for nine digits, or None when no valid number can have them."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_number_problem(value: str) -> str | None:
    """Why a typed NHS number is not valid, in words a user can act on; None if it is valid."""
    number = normalise_nhs_number(value)
    if not number:
        return "Enter an NHS number"
    if not number.isdigit():
        return "NHS number must only include numbers 0 to 9 and spaces"
    if len(number) != 10:
        return "NHS number must be 10 digits"
    if nhs_number_check_digit(number[:9]) != int(number[9]):
        return "Enter a valid NHS number: this one has the wrong check digit"
    return None


def is_valid_nhs_number(value: str) -> bool:
    return nhs_number_problem(value) is None


def validate_nhs_number(value: str) -> None:
    problem = nhs_number_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid_nhs_number")


def format_nhs_number(value: str) -> str:
    """Display an NHS number in the 3 3 4 pattern."""
    number = normalise_nhs_number(value)
    if len(number) != 10:
        return value
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def normalise_postcode(value: str) -> str:
    """Upper case with one space before the inward code: 'ls1  4ap' becomes 'LS1 4AP'."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def validate_postcode(value: str) -> None:
    if not _POSTCODE.match(normalise_postcode(value)):
        raise ValidationError("Enter a full UK postcode, like LS1 4AP", code="invalid_postcode")
