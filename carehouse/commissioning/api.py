"""Commissioners' figures over the API: the measures, the indicators, and disclosure-controlled totals.

Read only, and only for the commissioner role (``commissioning.view_intelligence``; any other role
gets 403). Every figure comes from the precomputed cells (``carehouse.commissioning.cells``),
scoped to the practices within the token's organisation, and is shown only through
``carehouse.core.disclosure``: 0 stays "0", 1 to 7 are "*", others are rounded to the nearest 5.
A group of a breakdown with fewer than 8 people shows "*" for every figure. No personal data is
returned, so, like the pages, a read is not audited.

Filters are the pages' own (``dimensions.parse_filters``): a bad month, area or split is a 422
naming the query parameter, with the same NHS.UK message the page shows.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError as RequestInvalid

from carehouse.commissioning import cells, indicators
from carehouse.commissioning.dimensions import parse_filters
from carehouse.commissioning.services_measures import hierarchy_entries
from carehouse.core.actor import Actor
from carehouse.core.api import api_actor
from carehouse.core.disclosure import SUPPRESSED, breakdown_allowed, safe_count, safe_mean
from carehouse.core.models import Organisation
from carehouse.core.rules import require_permission

router = Router(tags=["Commissioning"])

PERMISSION = "commissioning.view_intelligence"
MAX_GROUPS = 2
GroupBy = Literal["key", "month", "practice", "network"]

#: The measures in the precomputed cells a commissioner may read, and what each counts.
MEASURES: dict[str, str] = {
    "need_plans": "People with an agreed care and support plan, by the month it was agreed",
    "need": "Needs in agreed plans: coded needs by SNOMED CT code, other needs by category (key)",
    "need_theme": "Themes of the needs written in agreed plans (key: the theme)",
    "goal_theme": "Themes of the goals in agreed plans (key: the theme)",
    "what_matters_theme": "Themes of what people said matters most to them (key: the theme)",
    "theme_reach": "Themes people raised that a kind of local service meets; improved: no such service within reach",
    "gap_referral": "Referrals declined, not answered in time or on a waiting list (key: why)",
    "directory_reach": "Active community services within reach of each practice (counts services, not people)",
    "directory_place": "Practices whose postcode could be placed, for directory coverage (counts practices)",
    "outcome_change": "Change between first and latest questionnaire scores (key: the score; mean: average change; "
    "improved: moved the better way by a meaningful amount)",
    "any_wellbeing_improved": "People with a before and after wellbeing score; improved: better in at least one area",
    "utilisation": "Hospital use in the 12 months before support started (key: the setting; mean: average before)",
    "utilisation_partial": "People still inside their 12 months of follow-up for hospital use",
    "indicator": "The measurement hierarchy's indicators (key: the indicator; people: denominator; "
    "improved: numerator)",
    "indicator_provider": "The indicators that can be worked out for each receiving service",
}


# -- shapes ------------------------------------------------------------------------------------


class MeasureOut(Schema):
    name: str = Field(description="Send this as ?measure= to /commissioning/figures")
    description: str


class IndicatorOut(Schema):
    key: str = Field(description="The key of the indicator's cells in the 'indicator' measure")
    name: str
    tier: str = Field(description="process, person_outcome or system_outcome")
    tier_label: str
    definition: str
    numerator: str
    denominator: str
    owner: str = Field(description="Who owns it here (set locally), or who usually does")
    data_source: str
    purpose: str = Field(description="improvement, judgement or research (set locally, or the usual purpose)")
    measure: str = Field(description="The measure whose cells hold its figures")
    higher_is_better: bool
    mean_unit: str = Field(description="For an average rather than a percentage, its unit (like days)")


class CatalogueOut(Schema):
    measures: list[MeasureOut]
    indicators: list[IndicatorOut]


class FiguresQuery(Schema):
    measure: str = Field(description="One of the measures GET /api/v1/commissioning/measures lists")
    group_by: list[GroupBy] = Field(
        default_factory=list, description="Repeat to group by up to 2 of key, month, practice and network"
    )
    from_: str | None = Field(None, alias="from", description="The first month, like 2026-01")
    to: str | None = Field(None, description="The last month, like 2026-12")
    area: str | None = Field(None, description="The id of a network or practice within your organisation")
    age: str | None = Field(None, description="An age band, like 65-74")
    deprivation: str | None = Field(None, description="A fifth of England by deprivation: 1 to 5, or unknown")
    condition: str | None = Field(None, description="A care plan pathway key (the person's main condition)")


class FigureRow(Schema):
    key: str | None = Field(None, description="When grouped by key")
    month: str | None = Field(None, description="When grouped by month: YYYY-MM")
    practice: str | None = Field(None, description="When grouped by practice: its ODS code")
    practice_name: str | None = None
    network: str | None = Field(None, description="When grouped by network: its ODS code")
    network_name: str | None = None
    people: str = Field(description='As shown: "0", "*" (1 to 7, or a group under 8) or rounded to 5')
    people_value: int | None = Field(description="The rounded count; null when suppressed")
    improved: str
    improved_value: int | None
    mean: str = Field(description='value_sum / people, or "*" when suppressed, or "No data"')


class FiguresOut(Schema):
    measure: str
    group_by: list[str]
    filters: str = Field(description="The filters in words")
    figures_as_at: str | None = Field(description="When the figures were last worked out (ISO 8601)")
    rows: list[FigureRow]


# -- building the answers ----------------------------------------------------------------------


def _commissioner(request: HttpRequest) -> Actor:
    actor = api_actor(request)
    require_permission(actor, PERMISSION)
    return actor


def _invalid(errors: dict[str, str]) -> RequestInvalid:
    return RequestInvalid([{"loc": ["query", name], "msg": msg, "type": "value_error"} for name, msg in errors.items()])


def _indicator_out(indicator: indicators.Indicator, owner: str, purpose: str) -> IndicatorOut:
    return IndicatorOut(
        key=indicator.key,
        name=indicator.name,
        tier=indicator.tier.value,
        tier_label=indicator.tier.label,
        definition=indicator.definition,
        numerator=indicator.numerator,
        denominator=indicator.denominator,
        owner=owner,
        data_source=indicator.data_source,
        purpose=purpose,
        measure=indicator.measure,
        higher_is_better=indicator.higher_is_better,
        mean_unit=indicator.mean_unit,
    )


def _organisations(rows: list[cells.Totals], group_by: list[str]) -> dict[int, Organisation]:
    ids = {row.group[name] for row in rows for name in ("practice", "network") if name in group_by}
    ids.discard(None)
    return {org.pk: org for org in Organisation.objects.filter(pk__in=ids)}


def _group_values(row: cells.Totals, organisations: dict[int, Organisation]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in row.group.items():
        if name == "month":
            values["month"] = f"{value:%Y-%m}" if value is not None else None
        elif name in ("practice", "network"):
            org = organisations.get(value) if value is not None else None
            values[name] = org.ods_code if org else None
            values[f"{name}_name"] = org.name if org else None
        else:
            values[name] = value
    return values


def _figure_row(row: cells.Totals, organisations: dict[int, Organisation], *, breakdown: bool) -> FigureRow:
    group = _group_values(row, organisations)
    if breakdown and not breakdown_allowed(row.people):
        return FigureRow(
            **group,
            people=SUPPRESSED,
            people_value=None,
            improved=SUPPRESSED,
            improved_value=None,
            mean=SUPPRESSED,
        )
    people, improved = safe_count(row.people), safe_count(row.improved)
    return FigureRow(
        **group,
        people=str(people),
        people_value=people.value,
        improved=str(improved),
        improved_value=improved.value,
        mean=safe_mean(row.value_sum, row.people),
    )


# -- endpoints -----------------------------------------------------------------------------------


@router.get("/measures", response=CatalogueOut, summary="The measures and the indicators of the measurement hierarchy")
def list_measures(request: HttpRequest) -> CatalogueOut:
    actor = _commissioner(request)
    local = hierarchy_entries(actor)
    found = []
    for indicator in indicators.INDICATORS:
        entry = local.get(indicator.key)
        found.append(
            _indicator_out(
                indicator,
                entry.owner if entry else indicator.owner,
                entry.purpose if entry else indicator.purpose,
            )
        )
    return CatalogueOut(
        measures=[MeasureOut(name=name, description=text) for name, text in MEASURES.items()],
        indicators=found,
    )


@router.get("/figures", response=FiguresOut, summary="One measure's figures, disclosure-controlled")
def figures(request: HttpRequest, query: Query[FiguresQuery]) -> FiguresOut:
    """Totals of one measure within your organisation, optionally grouped; small numbers suppressed."""
    actor = _commissioner(request)
    errors: dict[str, str] = {}
    if query.measure not in MEASURES:
        errors["measure"] = "Select a measure from the list at GET /api/v1/commissioning/measures"
    group_by: list[str] = list(dict.fromkeys(query.group_by))
    if len(group_by) > MAX_GROUPS:
        errors["group_by"] = f"Group the figures in at most {MAX_GROUPS} ways at a time"
    params = {
        name: value
        for name, value in (
            ("from", query.from_),
            ("to", query.to),
            ("area", query.area),
            ("age", query.age),
            ("deprivation", query.deprivation),
            ("condition", query.condition),
        )
        if value is not None
    }
    filters = parse_filters(actor, params, today=timezone.localdate())
    errors.update(filters.errors)
    if errors:
        raise _invalid(errors)
    rows = cells.totals(actor, query.measure, filters, group_by)
    organisations = _organisations(rows, group_by)
    refreshed = cells.last_refresh()
    return FiguresOut(
        measure=query.measure,
        group_by=group_by,
        filters=filters.describe(),
        figures_as_at=refreshed.finished_at.isoformat() if refreshed and refreshed.finished_at else None,
        rows=[_figure_row(row, organisations, breakdown=bool(group_by)) for row in rows],
    )
