"""Postcodes, places and distances, all offline.

- ``normalise_postcode`` checks a full UK postcode or a postcode district (outcode) and writes
  it the way Royal Mail does: upper case, one space before the inward code.
- ``locate`` turns one into a point and the area codes it lies in: the full postcode from an
  imported ONS postcode directory if we have it, else its sector's or district's centroid
  (shipped, from the ONS National Statistics Postcode Lookup; see ``data/SOURCE.md``).
- ``read_area`` reads an HSDS ``service_area`` into codes we can match a person's area against.
- ``distance_metres`` is the haversine distance on a sphere of the Earth's mean radius.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction

from carehouse.directory.models import AreaKind, PostcodeKind, PostcodePoint
from carehouse.people.identifiers import normalise_postcode as normalise_full_postcode
from carehouse.people.identifiers import validate_postcode

DATA = Path(__file__).resolve().parent / "data"
EARTH_RADIUS_METRES = 6_371_008.8

OUTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
GSS_CODE = re.compile(r"^[EWSN][0-9]{8}$")
#: Country codes that mean "everywhere" (GSS codes for England, Wales, Scotland; ISO for the UK).
NATIONAL_CODES = {"E92000001": "England", "W92000004": "Wales", "S92000003": "Scotland", "GB": "UK", "UK": "UK"}
POSTCODE_ERROR = "Enter a real postcode, like S60 1AA, or the first half of one, like S60"
#: The GSS code of England: every English postcode lies in it.
ENGLAND = "E92000001"


def _squash(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", value or "").upper()


def normalise_postcode(value: str) -> str:
    """``"s601aa"`` → ``"S60 1AA"``; ``"s60"`` → ``"S60"``; anything else is a ``ValidationError``.

    Full postcodes are checked by the same rule as people's addresses (``people.identifiers``);
    a postcode district on its own is accepted here too.
    """
    squashed = _squash(value)
    if OUTCODE.match(squashed):
        return squashed
    code = normalise_full_postcode(squashed)
    try:
        validate_postcode(code)
    except ValidationError as error:
        raise ValidationError(POSTCODE_ERROR, code="invalid_postcode") from error
    return code


def is_full_postcode(code: str) -> bool:
    return " " in code


def outcode_of(code: str) -> str:
    return code.split(" ")[0]


def sector_of(code: str) -> str | None:
    return f"{code.split(' ')[0]} {code.split(' ')[1][0]}" if is_full_postcode(code) else None


@dataclass(frozen=True)
class Place:
    """Where a postcode is, how precisely we know it, and the area codes it lies in."""

    postcode: str
    latitude: float
    longitude: float
    precision: PostcodeKind
    area_codes: frozenset[str] = field(default_factory=frozenset)


class UnknownPostcode(ValidationError):
    pass


def locate(value: str) -> Place:
    """The place a postcode (or district) names. Unknown postcodes are a ``ValidationError``."""
    code = normalise_postcode(value)
    outcode = outcode_of(code)
    sector = sector_of(code)
    wanted = [c for c in (code if is_full_postcode(code) else None, sector, outcode) if c]
    points = {p.code: p for p in PostcodePoint.objects.filter(code__in=wanted)}
    best = next((points[c] for c in wanted if c in points), None)
    if best is None:
        raise UnknownPostcode(f"We do not know where {code} is. Check the postcode and try again", code="unknown")
    codes = {outcode, "GB", "UK"}
    local_authorities = {p.local_authority for p in points.values() if p.local_authority}
    codes |= local_authorities
    codes.add(_country(outcode, local_authorities))
    return Place(
        postcode=code,
        latitude=best.latitude,
        longitude=best.longitude,
        precision=PostcodeKind(best.kind),
        area_codes=frozenset(codes),
    )


#: Postcode areas wholly (or almost wholly) in Scotland or Wales; used only without a postcode directory.
SCOTTISH_AREAS = frozenset(
    ["AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE"]
)
WELSH_AREAS = frozenset(["CF", "LD", "LL", "NP", "SA"])
COUNTRY_OF_GSS_PREFIX = {"E": "E92000001", "W": "W92000004", "S": "S92000003"}


def _country(outcode: str, local_authorities: set[str]) -> str:
    """The GSS code of the country a postcode is in: from its local authority, else from its area letters."""
    for code in sorted(local_authorities):
        if code[0] in COUNTRY_OF_GSS_PREFIX:
            return COUNTRY_OF_GSS_PREFIX[code[0]]
    area = re.match(r"[A-Z]+", outcode)
    letters = area.group(0) if area else ""
    if letters in SCOTTISH_AREAS:
        return "S92000003"
    if letters in WELSH_AREAS:
        return "W92000004"
    return ENGLAND


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(latitude: float, longitude: float, metres: float) -> tuple[float, float, float, float]:
    """(south, north, west, east): a box sure to hold every point within ``metres`` of the centre."""
    dlat = math.degrees(metres / EARTH_RADIUS_METRES)
    dlon = math.degrees(metres / (EARTH_RADIUS_METRES * max(math.cos(math.radians(latitude)), 0.01)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def describe_distance(metres: float) -> str:
    """Distances as people in England talk about them: miles, to one decimal place under 10."""
    miles = metres / 1609.344
    if miles < 0.1:
        return "less than 0.1 miles"
    if miles < 10:
        return f"{miles:.1f} miles"
    return f"{round(miles)} miles"


# -- service areas -----------------------------------------------------------------------------------------


def read_area(name: str, extent: str, extent_type: str, uri: str) -> tuple[AreaKind, list[str]]:
    """What an HSDS ``service_area`` covers, as codes: a country, local authorities or postcode districts.

    We read the ``uri`` (an ONS statistical geography URI or a bare GSS code), or an ``extent``
    of type ``text`` listing postcode districts ("S60 S61 S62") or GSS codes. GeoJSON extents
    are kept as they are but not matched (no polygon library; see the ADR), so such an area
    counts as "not machine-readable".
    """
    tail = (uri or "").rstrip("/").rsplit("/", 1)[-1].upper()
    if tail in NATIONAL_CODES:
        return AreaKind.NATIONAL, [tail]
    if GSS_CODE.match(tail):
        return AreaKind.LOCAL_AUTHORITY, [tail]
    if (extent_type or "").lower() == "text" and extent.strip():
        tokens = [t for t in re.split(r"[\s,;]+", extent.upper()) if t]
        if tokens and all(t in NATIONAL_CODES for t in tokens):
            return AreaKind.NATIONAL, tokens
        if tokens and all(GSS_CODE.match(t) for t in tokens):
            return AreaKind.LOCAL_AUTHORITY, tokens
        if tokens and all(OUTCODE.match(t) for t in tokens):
            return AreaKind.POSTCODE_DISTRICTS, tokens
    return AreaKind.UNKNOWN, []


# -- loading postcode points -------------------------------------------------------------------------------------


@dataclass
class GeoImportReport:
    loaded: int = 0
    refused: dict[str, int] = field(default_factory=dict)

    def refuse(self, reason: str) -> None:
        self.refused[reason] = self.refused.get(reason, 0) + 1

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


def _column(header: list[str], *names: str) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _rows_of_postcode_directory(stream: IO[str], report: GeoImportReport) -> Iterator[PostcodePoint]:
    """Rows of an ONS Postcode Directory (ONSPD) or National Statistics Postcode Lookup (NSPL) CSV."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise ValidationError("The file is empty")
    postcode_col = _column(header, "pcds", "pcd", "pcd7", "pcd8", "postcode")
    lat_col = _column(header, "lat", "latitude")
    lon_col = _column(header, "long", "lon", "longitude")
    la_col = _column(header, "laua", "lad", "oslaua", "lad23cd", "lad22cd", "lad21cd")
    end_col = _column(header, "doterm")
    if postcode_col is None or lat_col is None or lon_col is None:
        raise ValidationError(
            "This is not an ONS postcode directory: it needs columns for the postcode (pcds), lat and long"
        )
    for row in reader:
        try:
            code = normalise_postcode(row[postcode_col])
            latitude, longitude = float(row[lat_col]), float(row[lon_col])
        except (ValidationError, ValueError, IndexError):
            report.refuse("not a postcode with coordinates")
            continue
        if not is_full_postcode(code):
            report.refuse("not a full postcode")
            continue
        # ONS marks postcodes with no grid reference with latitude 99.999999.
        if not (49.0 <= latitude <= 61.0 and -9.0 <= longitude <= 2.5):
            report.refuse("no grid reference (outside Great Britain)")
            continue
        if code.startswith("BT"):
            report.refuse("Northern Ireland (not licensed for re-use under the OGL)")
            continue
        local_authority = row[la_col].strip() if la_col is not None and la_col < len(row) else ""
        terminated = bool(end_col is not None and end_col < len(row) and row[end_col].strip())
        yield PostcodePoint(
            code=code,
            kind=PostcodeKind.UNIT,
            latitude=latitude,
            longitude=longitude,
            local_authority=local_authority if GSS_CODE.match(local_authority) else "",
            terminated=terminated,
        )


def _save_in_batches(points: Iterable[PostcodePoint], report: GeoImportReport, batch: int = 5000) -> None:
    pending: list[PostcodePoint] = []
    for point in points:
        pending.append(point)
        if len(pending) >= batch:
            _upsert(pending)
            report.loaded += len(pending)
            pending = []
    if pending:
        _upsert(pending)
        report.loaded += len(pending)


def _upsert(points: list[PostcodePoint]) -> None:
    PostcodePoint.objects.bulk_create(
        points,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["kind", "latitude", "longitude", "local_authority", "terminated"],
    )


def import_postcode_directory(stream: IO[str]) -> GeoImportReport:
    """Load unit postcodes from an ONSPD or NSPL CSV; the district and sector centroids stay as the fallback.

    Each district then takes the local authority most of its postcodes are in, so a search by
    district alone can still match a local authority's services.
    """
    report = GeoImportReport()
    with transaction.atomic():
        _save_in_batches(_rows_of_postcode_directory(stream, report), report)
        _districts_take_their_local_authority()
    return report


def _districts_take_their_local_authority() -> None:
    counts: dict[str, dict[str, int]] = {}
    rows = PostcodePoint.objects.filter(kind=PostcodeKind.UNIT, terminated=False).exclude(local_authority="")
    for code, local_authority in rows.values_list("code", "local_authority").iterator(chunk_size=10000):
        for area in (outcode_of(code), sector_of(code) or ""):
            tally = counts.setdefault(area, {})
            tally[local_authority] = tally.get(local_authority, 0) + 1
    for area, tally in counts.items():
        commonest = max(tally.items(), key=lambda item: item[1])[0]
        PostcodePoint.objects.filter(code=area).exclude(kind=PostcodeKind.UNIT).update(local_authority=commonest)


def load_shipped_centroids() -> GeoImportReport:
    """Load (or refresh) the shipped postcode district and sector centroids. Run after ``migrate``."""
    report = GeoImportReport()

    def points() -> Iterator[PostcodePoint]:
        with (DATA / "postcode_district_centroids.csv").open(newline="", encoding="utf-8") as stream:
            for row in csv.DictReader(stream):
                yield PostcodePoint(
                    code=row["outcode"],
                    kind=PostcodeKind.DISTRICT,
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                )
        with (DATA / "postcode_sector_centroids.csv").open(newline="", encoding="utf-8") as stream:
            for row in csv.DictReader(stream):
                yield PostcodePoint(
                    code=row["sector"],
                    kind=PostcodeKind.SECTOR,
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                )

    with transaction.atomic():
        existing_la = dict(
            PostcodePoint.objects.exclude(kind=PostcodeKind.UNIT)
            .exclude(local_authority="")
            .values_list("code", "local_authority")
        )
        batch = []
        for point in points():
            point.local_authority = existing_la.get(point.code, "")
            batch.append(point)
        _save_in_batches(batch, report)
    return report


ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2025. "
    "Contains Royal Mail data © Royal Mail copyright and database right 2025. "
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0."
)
