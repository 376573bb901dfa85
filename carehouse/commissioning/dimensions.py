"""The ways a commissioner may cut the figures: area, period, age band, deprivation and condition.

Every page reads the same ``Filters``, parsed and checked here at the edge. To stop small groups
being singled out by stacking filters (a "differencing" attack), only one of age band,
deprivation and condition may be chosen at once, and ages are only ever shown in bands.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.core.exceptions import PermissionDenied

from carehouse.careplans.pathways import TEMPLATES
from carehouse.core.actor import Actor
from carehouse.core.models import Organisation, OrganisationType
from carehouse.people.aggregates import organisations_within

#: Age bands (at least five years wide, never single years).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-17", 0, 17),
    ("18-34", 18, 34),
    ("35-49", 35, 49),
    ("50-64", 50, 64),
    ("65-74", 65, 74),
    ("75-84", 75, 84),
    ("85+", 85, 200),
)
#: Deprivation in fifths of England (IMD quintiles), from the person's decile.
DEPRIVATION_GROUPS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("1", "Most deprived fifth (deciles 1 and 2)", (1, 2)),
    ("2", "Second fifth (deciles 3 and 4)", (3, 4)),
    ("3", "Middle fifth (deciles 5 and 6)", (5, 6)),
    ("4", "Fourth fifth (deciles 7 and 8)", (7, 8)),
    ("5", "Least deprived fifth (deciles 9 and 10)", (9, 10)),
    ("unknown", "Not known", ()),
)
NO_CONDITION = ""
MAX_QUASI_IDENTIFIERS = 1
#: Without a chosen period, pages show the last three years, by month (support and its follow-up take
#: a year or more, so a shorter window would hide most of what is known about outcomes).
DEFAULT_MONTHS = 36


def age_band(age: int) -> str:
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    return AGE_BANDS[-1][0]


def age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def deprivation_group(decile: int | None) -> str:
    for key, _label, deciles in DEPRIVATION_GROUPS:
        if decile in deciles:
            return key
    return "unknown"


def condition_labels() -> dict[str, str]:
    """The care plan pathways, which stand for the person's main condition, by key."""
    labels = {template.key: template.name for template in TEMPLATES.values()}
    labels[NO_CONDITION] = "No pathway recorded"
    return labels


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


class FilterError(ValueError):
    """A filter a commissioner chose cannot be used; the message says why, in NHS.UK style."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name
        self.message = message


@dataclass(frozen=True)
class Filters:
    """What a commissioner chose to look at. ``area`` is an organisation within theirs."""

    start: datetime.date
    end: datetime.date  # the first day of the last month included
    area: Organisation | None = None
    age_band: str = ""
    deprivation: str = ""
    condition: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def months(self) -> list[datetime.date]:
        found, current = [], self.start
        while current <= self.end:
            found.append(current)
            current = add_months(current, 1)
        return found

    @cached_property
    def _practices_by_root(self) -> dict[int, list[Organisation]]:
        return {}

    def practices(self, actor: Actor) -> list[Organisation]:
        """The practices in the chosen area (or the actor's whole organisation), looked up once per page."""
        root = self.area or actor.organisation
        if root is None:
            raise PermissionDenied("commissioning.view_intelligence")
        found = self._practices_by_root.get(root.pk)
        if found is None:
            found = self._practices_by_root[root.pk] = practices_in(actor, self.area)
        return found

    def with_period(self, start: datetime.date, end: datetime.date) -> Filters:
        return replace(self, start=start, end=end)

    def query_string(self) -> str:
        from urllib.parse import urlencode

        values = {
            "from": f"{self.start:%Y-%m}",
            "to": f"{self.end:%Y-%m}",
            "area": str(self.area.pk) if self.area else "",
            "age": self.age_band,
            "deprivation": self.deprivation,
            "condition": self.condition if self.condition is not None else "",
        }
        return urlencode({k: v for k, v in values.items() if v})

    def describe(self) -> str:
        """The filters in words, for captions and board papers."""
        parts = [f"{self.start:%B %Y} to {self.end:%B %Y}"]
        parts.append(self.area.name if self.area else "all areas")
        if self.age_band:
            parts.append(f"aged {self.age_band}")
        if self.deprivation:
            parts.append({k: label for k, label, _ in DEPRIVATION_GROUPS}[self.deprivation].lower())
        if self.condition is not None:
            parts.append(condition_labels().get(self.condition, self.condition))
        return ", ".join(parts)


def areas_for(actor: Actor) -> list[Organisation]:
    """The networks and practices within the commissioner's organisation, for the area filter."""
    if actor.organisation is None:
        raise PermissionDenied("commissioning.view_intelligence")
    return [
        org
        for org in organisations_within(actor.organisation)
        if org.type in (OrganisationType.PRIMARY_CARE_NETWORK, OrganisationType.GP_PRACTICE)
    ]


def practices_in(actor: Actor, area: Organisation | None = None) -> list[Organisation]:
    """The GP practices within the chosen area (or within the commissioner's whole organisation)."""
    if actor.organisation is None:
        raise PermissionDenied("commissioning.view_intelligence")
    root = area or actor.organisation
    return [org for org in organisations_within(root) if org.type == OrganisationType.GP_PRACTICE]


def _month(value: str) -> datetime.date | None:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        return None
    return datetime.date(int(match[1]), int(match[2]), 1)


def parse_filters(actor: Actor, params: Mapping[str, str], *, today: datetime.date) -> Filters:
    """Read the filters from a query string; anything unusable is reported and left at its default."""
    errors: dict[str, str] = {}
    default_end = month_start(today)
    default_start = add_months(default_end, -(DEFAULT_MONTHS - 1))
    start = _month(params.get("from", "")) if params.get("from") else default_start
    end = _month(params.get("to", "")) if params.get("to") else default_end
    if start is None:
        errors["from"] = "Enter the first month as a year and month, like 2026-01"
        start = default_start
    if end is None:
        errors["to"] = "Enter the last month as a year and month, like 2026-12"
        end = default_end
    if start > end:
        errors["from"] = "The first month must be the same as or before the last month"
        start, end = default_start, default_end
    area: Organisation | None = None
    if params.get("area"):
        choices = {str(org.pk): org for org in areas_for(actor)}
        area = choices.get(params["area"])
        if area is None:
            errors["area"] = "Select an area from the list"
    age = params.get("age", "")
    if age and age not in {label for label, _, _ in AGE_BANDS}:
        errors["age"] = "Select an age band from the list"
        age = ""
    deprivation = params.get("deprivation", "")
    if deprivation and deprivation not in {key for key, _, _ in DEPRIVATION_GROUPS}:
        errors["deprivation"] = "Select a deprivation group from the list"
        deprivation = ""
    condition: str | None = params.get("condition")
    if condition == "":
        condition = None
    if condition is not None and condition not in condition_labels():
        errors["condition"] = "Select a condition from the list"
        condition = None
    chosen = [name for name, value in (("age", age), ("deprivation", deprivation)) if value]
    if condition is not None:
        chosen.append("condition")
    if len(chosen) > MAX_QUASI_IDENTIFIERS:
        errors[chosen[-1]] = (
            "Choose only one of age band, deprivation and condition at a time, so that nobody can be identified"
        )
        if chosen[-1] == "condition":
            condition = None
        else:
            deprivation = ""
    return Filters(start, end, area, age, deprivation, condition, errors)
