"""Reading the Open Referral API's query parameters: each bad value is a ``BadParameter`` with a clear message.

Nothing here touches the search index: ``service_query`` turns the query string into the shared
search service's ``SearchQuery`` and ``ListOptions`` (how to lay the answer out).
"""

from __future__ import annotations

import datetime
import math
import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from carehouse.directory import geography
from carehouse.directory.search.engine import MAX_PER_PAGE, SearchQuery, Sort

DEFAULT_PER_PAGE = 50
MAX_AGE = 130
#: Further than this is not "near" in any sense (the length of Great Britain is about 1,400 km).
MAX_PROXIMITY_METRES = 1_500_000
TRUE_WORDS = frozenset(["true", "1", "yes"])
FALSE_WORDS = frozenset(["false", "0", "no", ""])
DAY_NAMES = {
    "MO": "MO",
    "MON": "MO",
    "MONDAY": "MO",
    "TU": "TU",
    "TUE": "TU",
    "TUES": "TU",
    "TUESDAY": "TU",
    "WE": "WE",
    "WED": "WE",
    "WEDNESDAY": "WE",
    "TH": "TH",
    "THU": "TH",
    "THUR": "TH",
    "THURS": "TH",
    "THURSDAY": "TH",
    "FR": "FR",
    "FRI": "FR",
    "FRIDAY": "FR",
    "SA": "SA",
    "SAT": "SA",
    "SATURDAY": "SA",
    "SU": "SU",
    "SUN": "SU",
    "SUNDAY": "SU",
}
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
FORMATS = ("json", "ndjson")


class BadParameter(Exception):
    """A query parameter the API cannot use; ``str(error)`` says which and why."""


@dataclass(frozen=True)
class Paging:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class ListOptions:
    """How a list is laid out: nested records, just ids, or every record as newline-delimited JSON."""

    full: bool = False
    minimal: bool = False
    ndjson: bool = False


def _one(params: QueryDict, name: str) -> str | None:
    """The last value given for ``name`` (``None`` when absent), stripped of spaces."""
    value = params.get(name)
    return None if value is None else value.strip()


def printable(params: QueryDict) -> None:
    """No value may hold control characters (a NUL cannot even be searched for in PostgreSQL)."""
    for name, values in params.lists():
        if any(ord(c) < 32 and c not in "\t\n\r" for value in values for c in value):
            raise BadParameter(f"{name} must not contain control characters")


def paging(params: QueryDict) -> Paging:
    return Paging(
        page=_whole_number(params, "page", 1, minimum=1),
        per_page=_whole_number(params, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE),
    )


def _whole_number(params: QueryDict, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    raw = _one(params, name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[+]?\d{1,9}", raw):
        raise BadParameter(f"{name} must be a whole number, like {name}={default}; got {raw!r}")
    value = int(raw)
    if value < minimum:
        raise BadParameter(f"{name} must be {minimum} or more; got {value}")
    if maximum is not None and value > maximum:
        raise BadParameter(f"{name} must be {maximum} or fewer; got {value}")
    return value


def flag(params: QueryDict, name: str) -> bool:
    raw = _one(params, name)
    if raw is None:
        return False
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() in FALSE_WORDS:
        return False
    raise BadParameter(f"{name} must be true or false; got {raw!r}")


def list_options(params: QueryDict) -> ListOptions:
    form = (_one(params, "format") or "json").lower()
    if form not in FORMATS:
        raise BadParameter(f"format must be json or ndjson; got {form!r}")
    full, minimal = flag(params, "full"), flag(params, "minimal")
    if full and minimal:
        raise BadParameter("Ask for full or minimal records, not both")
    return ListOptions(full=full, minimal=minimal, ndjson=form == "ndjson")


def an_id(value: str, name: str = "id") -> uuid.UUID:
    """A record id: every HSDS 3.0 id is a UUID."""
    try:
        return uuid.UUID(value.strip())
    except (ValueError, AttributeError):
        raise BadParameter(f"{name} must be a UUID, like 2c2a8e4e-13a0-4d2b-9d6e-2f6c3b4f1a9e; got {value!r}") from None


def optional_id(params: QueryDict, name: str) -> uuid.UUID | None:
    raw = _one(params, name)
    return an_id(raw, name) if raw else None


def ids(params: QueryDict, name: str) -> tuple[uuid.UUID, ...]:
    """Ids given as ``name=a,b`` or ``name=a&name=b`` (or both)."""
    found: list[uuid.UUID] = []
    for value in params.getlist(name):
        found.extend(an_id(part, name) for part in value.split(",") if part.strip())
    return tuple(dict.fromkeys(found))


def text(params: QueryDict) -> str:
    """Words to look for: HSDS calls the parameter ``search``; Open Referral UK calls it ``text``."""
    words = [w for w in (_one(params, "text"), _one(params, "search")) if w]
    joined = " ".join(dict.fromkeys(words))
    if len(joined) > 500:
        raise BadParameter("text must be 500 characters or fewer")
    return joined


def age(params: QueryDict, name: str) -> float | None:
    raw = _one(params, name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(f"{name} must be an age in years, like {name}=18; got {raw!r}") from None
    if not math.isfinite(value) or value < 0 or value > MAX_AGE:
        raise BadParameter(f"{name} must be between 0 and {MAX_AGE}; got {raw!r}")
    return value


def day(params: QueryDict) -> str:
    raw = _one(params, "day")
    if not raw:
        return ""
    names = [part.strip().upper() for part in raw.split(",") if part.strip()]
    codes = list(dict.fromkeys(DAY_NAMES.get(n, "") for n in names))
    if "" in codes or not codes:
        raise BadParameter(f"day must be a day of the week, like day=MO or day=Monday; got {raw!r}")
    if len(codes) > 1:
        raise BadParameter(f"Give one day at a time, like day={codes[0]}; got {raw!r}")
    return codes[0]


def time_of_day(params: QueryDict, name: str) -> datetime.time | None:
    raw = _one(params, name)
    if not raw:
        return None
    match = TIME.match(raw)
    if match is None:
        raise BadParameter(f"{name} must be a time as HH:MM or HH:MM:SS, like {name}=09:30; got {raw!r}")
    hours, minutes, seconds = match.groups()
    return datetime.time(int(hours), int(minutes), int(seconds or 0))


def moment(params: QueryDict, name: str) -> datetime.datetime | None:
    """An ISO 8601 date or date and time; without a time zone it is taken as UTC."""
    raw = _one(params, name)
    if not raw:
        return None
    # A "+" in a query string arrives as a space: put it back ("2024-05-01T10:00:00 01:00").
    repaired = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$", r"\1+\2", raw)
    try:
        value = parse_datetime(repaired)
        if value is None:
            only_date = parse_date(repaired)
            value = None if only_date is None else datetime.datetime.combine(only_date, datetime.time())
    except ValueError:
        value = None
    if value is None:
        raise BadParameter(f"{name} must be an ISO 8601 date and time, like {name}=2024-05-01T09:00:00Z; got {raw!r}")
    return value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)


def postcode(params: QueryDict) -> str:
    """A UK postcode (or district) the directory knows where to find."""
    raw = _one(params, "postcode")
    if not raw:
        return ""
    try:
        code = geography.normalise_postcode(raw)
        geography.locate(code)
    except ValidationError as error:
        raise BadParameter(f"postcode {raw!r} is not one we know: {' '.join(error.messages)}") from None
    return code


def proximity(params: QueryDict) -> float | None:
    raw = _one(params, "proximity")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(f"proximity must be a distance in metres, like proximity=1000; got {raw!r}") from None
    if not math.isfinite(value) or value <= 0 or value > MAX_PROXIMITY_METRES:
        raise BadParameter(f"proximity must be more than 0 and at most {MAX_PROXIMITY_METRES} metres; got {raw!r}")
    return value


def service_query(params: QueryDict, page: Paging) -> SearchQuery:
    """The search a ``/services`` or ``/service_at_locations`` request asks for (filters combine with AND)."""
    place = postcode(params)
    near = proximity(params)
    if near is not None and not place:
        raise BadParameter("proximity needs a postcode to measure from, like postcode=S60 1AA&proximity=1000")
    youngest, oldest = age(params, "minimum_age"), age(params, "maximum_age")
    if youngest is not None and oldest is not None and youngest > oldest:
        raise BadParameter("minimum_age must not be more than maximum_age")
    start, end = time_of_day(params, "start_time"), time_of_day(params, "end_time")
    if start is not None and end is not None and start >= end:
        raise BadParameter("start_time must be before end_time")
    changed = moment(params, "modified_after")
    return SearchQuery(
        text=text(params),
        term_ids=ids(params, "taxonomy_term_id"),
        taxonomy_id=optional_id(params, "taxonomy_id"),
        organization_id=optional_id(params, "organization_id"),
        postcode=place,
        proximity=near,
        minimum_age=youngest,
        maximum_age=oldest,
        day=day(params),
        start_time=start,
        end_time=end,
        # HSDS: "modified on or after"; the search service keeps strictly later ones.
        modified_after=None if changed is None else changed - datetime.timedelta(microseconds=1),
        sort=Sort.BEST,
        page=page.page,
        per_page=page.per_page,
    )
