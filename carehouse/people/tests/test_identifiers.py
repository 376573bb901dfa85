"""NHS numbers and postcodes: what people type is normalised and checked before it is stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from carehouse.people.identifiers import (
    format_nhs_number,
    is_valid_nhs_number,
    nhs_number_check_digit,
    nhs_number_problem,
    normalise_nhs_number,
    normalise_postcode,
    validate_nhs_number,
    validate_postcode,
)

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


# -- NHS number ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "9434765919",  # the NHS's own example
        "943 476 5919",
        "943-476-5919",
        " 943 476 5919 ",
        "9999999999",  # check digit 9
        "4010232137",  # check digit 7
        "9990000050",  # 11 - (total % 11) == 11, so the check digit is 0
    ],
)
def test_valid_nhs_numbers_are_accepted(typed: str) -> None:
    assert nhs_number_problem(typed) is None
    assert is_valid_nhs_number(typed)
    validate_nhs_number(typed)  # does not raise


def test_spaces_and_dashes_are_removed() -> None:
    assert normalise_nhs_number("943 476 5919") == "9434765919"
    assert normalise_nhs_number("943-476-5919") == "9434765919"
    assert normalise_nhs_number("") == ""


def test_check_digit_of_a_known_number() -> None:
    assert nhs_number_check_digit("943476591") == 9
    assert nhs_number_check_digit("999000001") == 8
    assert nhs_number_check_digit("999000005") == 0


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("9434765918", "Enter a valid NHS number: this one has the wrong check digit"),
        ("943 476 5910", "Enter a valid NHS number: this one has the wrong check digit"),
        ("943476591", "NHS number must be 10 digits"),
        ("94347659190", "NHS number must be 10 digits"),
        ("943 476 591A", "NHS number must only include numbers 0 to 9 and spaces"),
        ("943.476.5919", "NHS number must only include numbers 0 to 9 and spaces"),
        ("", "Enter an NHS number"),
        ("  ", "Enter an NHS number"),
    ],
)
def test_invalid_nhs_numbers_are_refused_with_a_reason(typed: str, problem: str) -> None:
    assert nhs_number_problem(typed) == problem
    assert not is_valid_nhs_number(typed)
    with pytest.raises(ValidationError) as raised:
        validate_nhs_number(typed)
    assert raised.value.code == "invalid_nhs_number"
    assert raised.value.messages == [problem]


def test_no_number_can_have_check_digit_ten() -> None:
    first_nine = "000000006"  # 6 x 2 = 12, 12 % 11 == 1, so the check digit would be 11 - 1 = 10
    assert _weighted(first_nine) % 11 == 1
    assert nhs_number_check_digit(first_nine) is None
    for last in "0123456789":
        assert not is_valid_nhs_number(first_nine + last)


def _weighted(digits: str) -> int:
    return sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))


@given(nine_digits)
def test_appending_the_check_digit_validates_and_any_other_last_digit_fails(first_nine: str) -> None:
    check = nhs_number_check_digit(first_nine)
    assume(check is not None)
    assert is_valid_nhs_number(first_nine + str(check))
    for other in set("0123456789") - {str(check)}:
        assert not is_valid_nhs_number(first_nine + other)


@given(nine_digits)
def test_check_digit_is_none_exactly_when_the_remainder_is_one(first_nine: str) -> None:
    check = nhs_number_check_digit(first_nine)
    if _weighted(first_nine) % 11 == 1:
        assert check is None
    else:
        assert check is not None
        assert 0 <= check <= 9
        assert (_weighted(first_nine) + check) % 11 == 0


@given(nine_digits)
def test_formatting_then_normalising_round_trips(first_nine: str) -> None:
    check = nhs_number_check_digit(first_nine)
    assume(check is not None)
    number = first_nine + str(check)
    formatted = format_nhs_number(number)
    assert formatted == f"{number[:3]} {number[3:6]} {number[6:]}"
    assert normalise_nhs_number(formatted) == number
    assert is_valid_nhs_number(formatted)


def test_format_leaves_a_wrong_length_value_alone() -> None:
    assert format_nhs_number("12345") == "12345"


# -- Postcode ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("ls1 4ap", "LS1 4AP"),
        ("LS14AP", "LS1 4AP"),
        ("ls1  4ap", "LS1 4AP"),
        (" sw1a 1aa ", "SW1A 1AA"),
        ("m11ae", "M1 1AE"),
        ("gir0aa", "GIR 0AA"),
        ("ec1a1bb", "EC1A 1BB"),
        ("b33 8th", "B33 8TH"),
    ],
)
def test_postcodes_are_normalised_and_valid(typed: str, normalised: str) -> None:
    assert normalise_postcode(typed) == normalised
    validate_postcode(typed)  # does not raise


@pytest.mark.parametrize(
    "typed",
    [
        "LS1",  # outward code only
        "LS1 4A",
        "1S1 4AP",  # must start with a letter
        "QS1 4AP",  # Q is never first
        "LS1 4CP",  # C is never in the inward code
        "LS1 AAP",
        "NOT A POSTCODE",
        "",
    ],
)
def test_invalid_postcodes_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_postcode(typed)
    assert raised.value.code == "invalid_postcode"
    assert raised.value.messages == ["Enter a full UK postcode, like LS1 4AP"]


def test_short_postcode_fragment_is_only_upper_cased() -> None:
    assert normalise_postcode("ls1") == "LS1"
