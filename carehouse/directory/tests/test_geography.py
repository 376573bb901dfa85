"""Postcodes, places, service areas and distances (``carehouse.directory.geography``)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from carehouse.directory import geography
from carehouse.directory.models import AreaKind, PostcodeKind, PostcodePoint


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("s601aa", "S60 1AA"),
        (" S60 1AA ", "S60 1AA"),
        ("s60-1aa", "S60 1AA"),
        ("SW1A1AA", "SW1A 1AA"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("s60", "S60"),
        ("M1", "M1"),
    ],
)
def test_normalise_postcode_accepts_real_shapes(typed: str, normalised: str) -> None:
    assert geography.normalise_postcode(typed) == normalised


@pytest.mark.parametrize("typed", ["", "hello", "S60 1A", "1AA S60", "S60 1AAA", "QQ", "12345"])
def test_normalise_postcode_refuses_anything_else(typed: str) -> None:
    with pytest.raises(ValidationError) as error:
        geography.normalise_postcode(typed)
    assert error.value.messages == [geography.POSTCODE_ERROR]


@pytest.mark.django_db
def test_locate_prefers_the_full_postcode() -> None:
    PostcodePoint.objects.create(
        code="S60 1AA", kind=PostcodeKind.UNIT, latitude=53.43, longitude=-1.357, local_authority="E08000018"
    )

    place = geography.locate("s601aa")

    assert (place.latitude, place.longitude, place.precision) == (53.43, -1.357, PostcodeKind.UNIT)
    assert {"S60", "E08000018", "E92000001"} <= place.area_codes


@pytest.mark.django_db
def test_locate_falls_back_to_the_sector_then_the_district() -> None:
    sector = geography.locate("S60 1ZZ")  # no such unit loaded: the S60 1 sector's centre
    district = geography.locate("S60 6ZZ")  # no S60 6 sector either: the S60 district's centre
    outcode = geography.locate("S60")

    assert sector.precision == PostcodeKind.SECTOR
    assert (sector.latitude, sector.longitude) == (53.43079, -1.36046)
    assert district.precision == PostcodeKind.DISTRICT
    assert (district.latitude, district.longitude) == (53.41629, -1.35288)
    assert outcode.precision == PostcodeKind.DISTRICT
    assert "E92000001" in district.area_codes


@pytest.mark.django_db
def test_locate_refuses_a_postcode_nowhere() -> None:
    with pytest.raises(geography.UnknownPostcode):
        geography.locate("TQ99 9ZZ")


def test_distance_and_its_description() -> None:
    rotherham, sheffield = (53.4300, -1.3570), (53.3811, -1.4701)

    metres = geography.distance_metres(*rotherham, *sheffield)

    assert 9_000 < metres < 9_500
    assert geography.distance_metres(*rotherham, *rotherham) == 0
    assert geography.describe_distance(metres) == "5.8 miles"
    assert geography.describe_distance(50) == "less than 0.1 miles"
    assert geography.describe_distance(30_000) == "19 miles"


@pytest.mark.parametrize(
    ("name", "extent", "extent_type", "uri", "kind", "codes"),
    [
        (
            "England",
            "",
            "",
            "http://statistics.data.gov.uk/id/statistical-geography/E92000001",
            AreaKind.NATIONAL,
            ["E92000001"],
        ),
        (
            "Rotherham",
            "",
            "",
            "http://statistics.data.gov.uk/id/statistical-geography/E08000018",
            AreaKind.LOCAL_AUTHORITY,
            ["E08000018"],
        ),
        ("Rotherham", "", "", "E08000018", AreaKind.LOCAL_AUTHORITY, ["E08000018"]),
        ("Districts", "s60, S61;S62", "text", "", AreaKind.POSTCODE_DISTRICTS, ["S60", "S61", "S62"]),
        ("Councils", "E08000018 E08000019", "text", "", AreaKind.LOCAL_AUTHORITY, ["E08000018", "E08000019"]),
        ("UK", "GB", "text", "", AreaKind.NATIONAL, ["GB"]),
        ("MyCity", '{"type": "Polygon"}', "geojson", "http://example.com", AreaKind.UNKNOWN, []),
        ("Mixed", "S60 E08000018", "text", "", AreaKind.UNKNOWN, []),
    ],
)
def test_read_area(name: str, extent: str, extent_type: str, uri: str, kind: AreaKind, codes: list[str]) -> None:
    assert geography.read_area(name, extent, extent_type, uri) == (kind, codes)
