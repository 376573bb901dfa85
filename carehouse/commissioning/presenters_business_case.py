"""What the business case page shows: savings per person and return on investment, per area and overall."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from carehouse.commissioning import business_case
from carehouse.commissioning.board import BoardSection, BoardTable
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.evaluation_data import COHORTS, OUTCOMES
from carehouse.commissioning.unit_costs import costs_for
from carehouse.core.actor import Actor
from carehouse.core.disclosure import safe_count
from carehouse.core.rules import require_permission

NOTIONAL = (
    "These savings are notional. They release cash only if capacity is removed, for example "
    "fewer beds or clinics are paid for. Otherwise the capacity is used by other people."
)
RTM_WARNING = (
    "Some changes come from before-and-after figures with no comparison group. People are often "
    "referred when things are at their worst, and many would have used hospitals less anyway "
    "(regression to the mean), so these savings are likely to be too high."
)
COST_HINT = (
    "Published figures suggest from about £100 to £450 a person, but we could not check them. Use your own cost."
)
MAX_COST = Decimal("100000")


def parse_inputs(params: Any) -> tuple[str, Decimal | None, dict[str, str]]:
    """The cohort and intervention cost per person from the query string, with NHS.UK errors."""
    errors: dict[str, str] = {}
    cohort = params.get("cohort") or "social_prescribing"
    if cohort not in COHORTS:
        errors["cohort"] = "Select who received support"
        cohort = "social_prescribing"
    raw = (params.get("cost") or "").strip().lstrip("£").replace(",", "")
    cost: Decimal | None = None
    if raw:
        try:
            cost = Decimal(raw)
        except InvalidOperation:
            errors["cost"] = "Enter the cost per person in pounds, like 250"
        else:
            if not cost.is_finite() or cost <= 0:
                errors["cost"] = "The cost per person must be more than £0"
                cost = None
            elif cost > MAX_COST:
                errors["cost"] = "The cost per person must be £100,000 or less"
                cost = None
    return cohort, cost, errors


def _money(value: float) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.0f}"


def _roi(value: float) -> str:
    return f"{value:+.2f}"


def case_rows(case: business_case.Case) -> list[list[str]]:
    rows = []
    for saving in case.savings:
        rows.append(
            [
                OUTCOMES[saving.change.setting].replace(" in the 12 months after", ""),
                f"{saving.change.central:+.2f}",
                f"£{saving.cost.unit_cost_gbp:,.2f} ({saving.cost.price_year})",
                _money(saving.low),
                _money(saving.central),
                _money(saving.high),
            ]
        )
    return rows


def case_view(case: business_case.Case) -> dict[str, Any]:
    low, central, high = case.saving_per_person
    roi = case.roi
    return {
        "name": case.area_name,
        "people": str(safe_count(case.people)),
        "rows": case_rows(case),
        "saving": [_money(low), _money(central), _money(high)],
        "roi": [_roi(value) for value in roi] if roi is not None else None,
        "uses_before_after": case.uses_before_after,
        "sources": sorted({saving.change.method_label for saving in case.savings}),
    }


def page(actor: Actor, filters: Filters, cohort: str, cost: Decimal | None) -> dict[str, Any]:
    require_permission(actor, "commissioning.view_intelligence")
    assert actor.organisation is not None
    overall, networks = business_case.build(actor, filters, cohort, cost)
    costs = costs_for(actor.organisation)
    return {
        "overall": case_view(overall) if overall else None,
        "networks": [case_view(case) for case in networks],
        "costs": [
            [
                c.activity,
                c.currency,
                f"£{c.unit_cost_gbp:,.2f}",
                c.price_year,
                c.source,
                "Local" if c.local else "Default",
            ]
            for c in costs.values()
        ],
        "notional": NOTIONAL,
        "rtm_warning": RTM_WARNING,
        "cost_hint": COST_HINT,
        "cohorts": list(COHORTS.items()),
    }


def board_section(actor: Actor, filters: Filters) -> BoardSection:
    """The business case for social prescribing, without an intervention cost (savings only)."""
    overall, _networks = business_case.build(actor, filters, "social_prescribing", None)
    if overall is None:
        return BoardSection("business_case", "Business case", ["Too few people were supported to cost."], [], [])
    view = case_view(overall)
    paragraphs = [
        f"About {view['people']} people started social prescribing.",
        f"Each may save about {view['saving'][1]} a year in hospital care.",
        f"It could be as low as {view['saving'][0]} or as high as {view['saving'][2]}.",
        "These savings are on paper. Cash is saved only if beds or clinics are closed.",
    ]
    if overall.uses_before_after:
        paragraphs.append("We cannot be sure this was caused by the support. People often get better anyway.")
    head = ["Activity", "Change a person", "Unit cost", "Low", "Central", "High"]
    return BoardSection(
        "business_case", "Business case", paragraphs, [BoardTable("Savings a person a year", head, view["rows"])], []
    )
