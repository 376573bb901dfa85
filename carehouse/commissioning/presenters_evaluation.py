"""What the evaluation pages show: the plan as saved, then its result in plain words.

Group sizes go through ``safe_count``; if either group has fewer than 8 people the whole result
is held back. Effects and confidence intervals are model estimates, which need no rounding rule,
but they are never shown for a group that small.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from carehouse.commissioning.board import BoardSection, BoardTable
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.evaluation_data import COHORTS, COVARIATES, OUTCOMES
from carehouse.commissioning.models import AnalysisMethod, AnalysisPlan, AnalysisStatus
from carehouse.core.actor import Actor
from carehouse.core.disclosure import SUPPRESSION_THRESHOLD, safe_count
from carehouse.core.rules import require_permission
from carehouse.evaluation import CAVEAT_REGRESSION_TO_THE_MEAN, CAVEAT_UNMEASURED_CONFOUNDING

SMD_TARGET = 0.1


def plans_for(actor: Actor) -> list[AnalysisPlan]:
    """The commissioner's organisation's evaluations, newest first."""
    require_permission(actor, "commissioning.view_intelligence")
    return list(AnalysisPlan.objects.filter(organisation=actor.organisation).order_by("-created_at", "-pk"))


def plan_for(actor: Actor, pk: int) -> AnalysisPlan | None:
    require_permission(actor, "commissioning.view_intelligence")
    return AnalysisPlan.objects.filter(organisation=actor.organisation, pk=pk).select_related("area").first()


def plan_rows(plan: AnalysisPlan) -> list[tuple[str, str]]:
    """The plan as it was saved, for a summary list."""
    return [
        ("Saved", f"{timezone.localtime(plan.created_at):%-d %B %Y at %H:%M}"),
        ("Question", plan.question),
        ("Who received support", COHORTS.get(plan.cohort, plan.cohort)),
        ("Area", plan.area.name if plan.area else "All areas"),
        ("When support started", f"{plan.period_start:%B %Y} to {plan.period_end:%B %Y}"),
        ("Method", AnalysisMethod(plan.method).label),
        ("Outcome", OUTCOMES.get(plan.outcome, plan.outcome)),
        (
            "Groups made alike on",
            ", ".join(COVARIATES.get(name, name) for name in plan.covariates) or "Nothing (before and after)",
        ),
    ]


def held_back(plan: AnalysisPlan) -> bool:
    """Whether a group is too small to show anything about it."""
    effect = plan.result.get("effect", {})
    small_comparison = plan.method != AnalysisMethod.PRE_POST and effect.get("n_comparison", 0) < SUPPRESSION_THRESHOLD
    return effect.get("n_treated", 0) < SUPPRESSION_THRESHOLD or small_comparison


def _number(value: float) -> str:
    return f"{abs(value):,.2f}"


def effect_sentence(plan: AnalysisPlan) -> str:
    """The effect and its 95% confidence interval in plain words."""
    effect = plan.result["effect"]
    units = plan.result.get("outcome_units", "")
    estimate, low, high = effect["estimate"], effect["ci_low"], effect["ci_high"]
    wellbeing = plan.outcome == "wellbeing"
    if estimate == 0:
        direction = "no change in"
    elif wellbeing:
        direction = f"a rise of {_number(estimate)}" if estimate > 0 else f"a fall of {_number(estimate)}"
    else:
        direction = f"{_number(estimate)} {'fewer' if estimate < 0 else 'more'}"
    compared = "than before" if plan.method == AnalysisMethod.PRE_POST else "than similar people who were not supported"
    text = f"{direction} {units} {compared}."
    interval = f"The 95% confidence interval runs from {low:,.2f} to {high:,.2f}."
    if low <= 0 <= high:
        interval += " It includes no change, so the result could be down to chance."
    return f"People supported had {text} {interval}"


def relative_sentence(plan: AnalysisPlan) -> str:
    relative = plan.result["effect"].get("relative_change_percent")
    if relative is None:
        return ""
    word = "lower" if relative < 0 else "higher"
    return f"That is {abs(relative):.0f}% {word} than expected without support."


def result_view(plan: AnalysisPlan) -> dict[str, Any] | None:
    """The result for the page, or None if there is none to show yet."""
    if plan.status != AnalysisStatus.FINISHED or not plan.result:
        return None
    if held_back(plan):
        return {"held_back": True}
    effect = plan.result["effect"]
    balance = [
        [
            COVARIATES.get(row["covariate"], row["covariate"].replace("prior_", "Before: ")),
            _smd(row["smd_before"]),
            _smd(row["smd_after"]),
            "Yes, still different" if row["imbalanced"] else "No",
        ]
        for row in effect.get("balance", [])
    ]
    caveats = list(effect.get("caveats", []))
    if plan.method == AnalysisMethod.PRE_POST and CAVEAT_REGRESSION_TO_THE_MEAN not in caveats:
        caveats.insert(0, CAVEAT_REGRESSION_TO_THE_MEAN)
    if plan.method != AnalysisMethod.PRE_POST and CAVEAT_UNMEASURED_CONFOUNDING not in caveats:
        caveats.append(CAVEAT_UNMEASURED_CONFOUNDING)
    return {
        "held_back": False,
        "effect": effect_sentence(plan),
        "relative": relative_sentence(plan),
        "strength": effect.get("strength_label", ""),
        "method_label": effect.get("label", ""),
        "n_treated": str(safe_count(int(effect["n_treated"]))),
        "n_comparison": str(safe_count(int(effect["n_comparison"])))
        if plan.method != AnalysisMethod.PRE_POST
        else "No comparison group",
        "balance": balance,
        "caveats": caveats,
        "notes": plan.result.get("notes", []),
        "finished_at": f"{timezone.localtime(plan.finished_at):%-d %B %Y at %H:%M}" if plan.finished_at else "",
    }


def _smd(value: float | None) -> str:
    return "Not adjusted" if value is None else f"{value:.2f}"


def board_section(actor: Actor, filters: Filters) -> BoardSection:
    """The newest finished evaluations, in short plain sentences."""
    require_permission(actor, "commissioning.view_intelligence")
    plans = [
        plan
        for plan in AnalysisPlan.objects.filter(
            organisation=actor.organisation, status=AnalysisStatus.FINISHED, area=filters.area
        ).order_by("-finished_at", "-pk")[:3]
        if not held_back(plan)
    ]
    if not plans:
        return BoardSection("evaluation", "Evaluations", ["No evaluation has finished for this area yet."], [], [])
    paragraphs = ["We planned each test before we saw any results."]
    rows = []
    for plan in plans:
        view = result_view(plan)
        assert view is not None
        paragraphs.append(f"{plan.title}: {view['effect']}")
        if plan.method == AnalysisMethod.PRE_POST:
            paragraphs.append("We cannot be sure this was caused by the support. People often get better anyway.")
        rows.append([plan.title, view["strength"], view["n_treated"], view["n_comparison"]])
    table = BoardTable(
        "Evaluations and how strong their evidence is", ["Evaluation", "Evidence", "Supported", "Compared with"], rows
    )
    return BoardSection("evaluation", "Evaluations", paragraphs, [table], [])
