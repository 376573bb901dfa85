"""The business case: what a change in hospital use is worth, against what the support costs.

For each kind of hospital activity, the change per person a year comes from the latest finished
evaluation of the same cohort with that outcome (a comparison-group method where there is one),
or else from a before-and-after comparison of the people supported (which carries the
regression-to-the-mean warning). Savings per person = minus the change x the unit cost, with low
and high figures from the ends of the 95% confidence interval. Return on investment =
(savings - cost) / cost. Savings are notional: they release cash only if capacity is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from carehouse import evaluation
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.evaluation_data import UTILISATION, build_frame
from carehouse.commissioning.models import AnalysisPlan, AnalysisStatus
from carehouse.commissioning.unit_costs import Cost, costs_for
from carehouse.core.actor import Actor
from carehouse.core.disclosure import SUPPRESSION_THRESHOLD
from carehouse.core.models import Organisation, OrganisationType
from carehouse.core.rules import require_permission


@dataclass(frozen=True)
class Change:
    """The change in one kind of activity per person a year: central, and the 95% interval."""

    setting: str
    central: float
    low: float  # the lower end of the interval (the biggest fall)
    high: float
    source: str  # "evaluation" or "before_after"
    plan_id: int | None = None
    method_label: str = ""


@dataclass(frozen=True)
class Saving:
    """What one kind of change is worth per person: low, central and high (pounds)."""

    change: Change
    cost: Cost
    low: float
    central: float
    high: float


@dataclass(frozen=True)
class Case:
    """The business case for one area: savings per person, return on investment, and how many people."""

    area_name: str
    people: int
    savings: list[Saving]
    cost_per_person: Decimal | None
    notes: list[str] = field(default_factory=list)

    @property
    def uses_before_after(self) -> bool:
        """Whether any change came from before-and-after figures (so regression to the mean applies)."""
        return any(saving.change.source == "before_after" for saving in self.savings)

    @property
    def saving_per_person(self) -> tuple[float, float, float]:
        """Total saving per person a year: (low, central, high)."""
        return (
            sum(s.low for s in self.savings),
            sum(s.central for s in self.savings),
            sum(s.high for s in self.savings),
        )

    @property
    def roi(self) -> tuple[float, float, float] | None:
        """Return on investment, (savings - cost) / cost: (low, central, high); None without a cost."""
        if self.cost_per_person is None or self.cost_per_person <= 0:
            return None
        cost = float(self.cost_per_person)
        return tuple(return_on_investment(saving, cost) for saving in self.saving_per_person)  # type: ignore[return-value]


def return_on_investment(saving: float, cost: float) -> float:
    """(savings - cost) / cost: 0 means break-even, 1 means every pound back plus one more."""
    return (saving - cost) / cost


def value_change(change: Change, cost: Cost) -> Saving:
    """A change in activity in pounds saved: a fall in use is a saving."""
    unit = float(cost.unit_cost_gbp)
    return Saving(change, cost, low=-change.high * unit, central=-change.central * unit, high=-change.low * unit)


def latest_evaluations(actor: Actor, cohort: str, area: Organisation | None) -> dict[str, AnalysisPlan]:
    """The newest finished evaluation of this cohort and area for each outcome."""
    found: dict[str, AnalysisPlan] = {}
    plans = AnalysisPlan.objects.filter(
        organisation=actor.organisation, cohort=cohort, area=area, status=AnalysisStatus.FINISHED
    ).order_by("-finished_at", "-pk")
    for plan in plans:
        found.setdefault(plan.outcome, plan)
    return found


def _from_plan(plan: AnalysisPlan) -> Change | None:
    effect = plan.result.get("effect", {})
    values = [effect.get("estimate"), effect.get("ci_low"), effect.get("ci_high")]
    if any(value is None for value in values):
        return None
    return Change(plan.outcome, values[0], values[1], values[2], "evaluation", plan.pk, effect.get("label", ""))


def before_after(data: pd.DataFrame, setting: str) -> Change | None:
    """The change from the 12 months before to the 12 months after in the people supported."""
    treated = data[data["treated"] == 1]
    if len(treated) < SUPPRESSION_THRESHOLD:
        return None
    result = evaluation.pre_post(treated, f"prior_{setting}", f"after_{setting}")
    return Change(setting, result.estimate, result.ci_low, result.ci_high, "before_after", None, result.label)


def build(
    actor: Actor, filters: Filters, cohort: str, cost_per_person: Decimal | None
) -> tuple[Case | None, list[Case]]:
    """The business case for the chosen area (overall), and one for each network within it."""
    require_permission(actor, "commissioning.view_intelligence")
    assert actor.organisation is not None
    practices = filters.practices(actor)
    frame = build_frame([p.pk for p in practices], cohort, filters.start, filters.end)
    data = _filtered(frame.data, filters)
    costs = costs_for(actor.organisation)
    evaluations = latest_evaluations(actor, cohort, filters.area)
    overall = _case(
        filters.area.name if filters.area else actor.organisation.name, data, costs, cost_per_person, evaluations
    )
    networks: list[Case] = []
    parents = {p.pk: p.parent for p in practices}
    for network in sorted(
        {p for p in parents.values() if p and p.type == OrganisationType.PRIMARY_CARE_NETWORK}, key=lambda o: o.name
    ):
        ids = [pk for pk, parent in parents.items() if parent == network]
        part = data[data["practice"].isin(ids)] if len(data) else data
        case = _case(network.name, part, costs, cost_per_person, {})
        if case is not None:
            networks.append(case)
    return overall, networks


def _filtered(data: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    if not len(data):
        return data
    if filters.age_band:
        from carehouse.commissioning.dimensions import age_band

        data = data[data["age"].map(lambda age: age_band(int(age))) == filters.age_band]
    if filters.deprivation:
        from carehouse.commissioning.dimensions import DEPRIVATION_GROUPS

        deciles = {key: values for key, _label, values in DEPRIVATION_GROUPS}[filters.deprivation]
        data = data[data["imd_decile"].isin([float(d) for d in deciles])]
    return data


def _case(
    name: str,
    data: pd.DataFrame,
    costs: dict[str, Cost],
    cost_per_person: Decimal | None,
    evaluations: dict[str, AnalysisPlan],
) -> Case | None:
    people = int((data["treated"] == 1).sum()) if len(data) else 0
    if people < SUPPRESSION_THRESHOLD:
        return None
    savings: list[Saving] = []
    for setting in UTILISATION:
        change = _from_plan(evaluations[setting]) if setting in evaluations else None
        if change is None:
            change = before_after(data, setting)
        if change is not None and setting in costs:
            savings.append(value_change(change, costs[setting]))
    return Case(name, people, savings, cost_per_person)
