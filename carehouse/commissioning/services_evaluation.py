"""Evaluations: save the analysis plan first, then work out its results (only aggregates are kept).

The plan (question, cohort, area, method, outcome, covariates and period) is saved and audited
before anything is worked out, and never changes afterwards: a different question is a new plan.
This is the protection a pre-registered analysis plan gives (the Improvement Analytics Unit
agrees one before analysis), so that choices are not made after seeing the results.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from carehouse import evaluation
from carehouse.commissioning.dimensions import add_months, areas_for, practices_in
from carehouse.commissioning.evaluation_data import (
    COHORTS,
    COVARIATES,
    OUTCOME_UNITS,
    OUTCOMES,
    UTILISATION,
    WINDOW_MONTHS,
    build_frame,
)
from carehouse.commissioning.models import AnalysisMethod, AnalysisPlan, AnalysisStatus
from carehouse.core.actor import Actor
from carehouse.core.disclosure import SUPPRESSION_THRESHOLD
from carehouse.core.models import Organisation
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit

TOO_FEW = (
    "Too few people to compare: at least {n} are needed in each group. "
    "Choose a longer period or a bigger area, then plan the evaluation again."
)


class PlanError(ValueError):
    """The plan cannot be saved as it stands; the message says why."""


@dataclass(frozen=True)
class PlanData:
    """What a commissioner chose for an evaluation, already checked by the form."""

    title: str
    question: str
    cohort: str
    method: str
    outcome: str
    covariates: list[str]
    period_start: datetime.date
    period_end: datetime.date
    area: Organisation | None = None


def plan_evaluation(actor: Actor, data: PlanData) -> AnalysisPlan:
    """Save an evaluation's plan (before any result is worked out) and record who saved it."""
    require_permission(actor, "commissioning.run_evaluation")
    if actor.organisation is None:
        raise PermissionDenied("commissioning.run_evaluation")
    if data.area is not None and data.area.pk not in {org.pk for org in areas_for(actor)}:
        raise PlanError("Select an area from the list")
    if data.cohort not in COHORTS or data.outcome not in OUTCOMES or data.method not in AnalysisMethod.values:
        raise PlanError("Choose a cohort, method and outcome from the lists")
    if data.outcome == "wellbeing" and data.method != AnalysisMethod.PRE_POST:
        raise PlanError("Wellbeing can only be compared before and after, as it is not recorded for everyone")
    if any(name not in COVARIATES for name in data.covariates):
        raise PlanError("Choose characteristics from the list")
    with transaction.atomic():
        plan = AnalysisPlan.objects.create(
            organisation=actor.organisation,
            created_by=actor.user,
            title=data.title,
            question=data.question,
            cohort=data.cohort,
            area=data.area,
            method=data.method,
            outcome=data.outcome,
            covariates=list(data.covariates),
            period_start=data.period_start,
            period_end=data.period_end,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=plan,
            summary=f"Saved the analysis plan for the evaluation '{plan.title}'",
            changes={"method": plan.method, "cohort": plan.cohort, "outcome": plan.outcome},
        )
    return plan


def run_evaluation(actor: Actor, plan: AnalysisPlan, *, today: datetime.date | None = None) -> AnalysisPlan:
    """Work out a saved plan's results once; only aggregates are stored, and the plan stays as it was."""
    require_permission(actor, "commissioning.run_evaluation")
    if actor.organisation is None or plan.organisation_id != actor.organisation.pk:
        raise PermissionDenied("commissioning.run_evaluation")
    if plan.status != AnalysisStatus.PLANNED:
        raise PlanError("This evaluation has already been run. Plan a new one to ask again.")
    day = today or timezone.localdate()
    try:
        result = compute(actor, plan, today=day)
    except evaluation.EvaluationError as error:
        status, stored, message = AnalysisStatus.FAILED, {}, str(error)
    else:
        status, stored, message = AnalysisStatus.FINISHED, result, ""
    with transaction.atomic():
        updated = AnalysisPlan.objects.filter(pk=plan.pk, version=plan.version, status=AnalysisStatus.PLANNED).update(
            status=status, result=stored, error=message, finished_at=timezone.now(), version=plan.version + 1
        )
        if not updated:
            raise PlanError("This evaluation has already been run. Plan a new one to ask again.")
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=plan,
            summary=f"Worked out the results of the evaluation '{plan.title}'"
            + ("" if status == AnalysisStatus.FINISHED else ": it could not be run"),
        )
    plan.refresh_from_db()
    return plan


def compute(actor: Actor, plan: AnalysisPlan, *, today: datetime.date) -> dict[str, Any]:
    """The plan's result as aggregate-only JSON; raises ``EvaluationError`` with a plain reason."""
    short_follow_up = add_months(plan.period_end, WINDOW_MONTHS) > today.replace(day=1)
    practices = [org.pk for org in practices_in(actor, plan.area)]
    wellbeing = plan.outcome == "wellbeing"
    frame = build_frame(practices, plan.cohort, plan.period_start, plan.period_end, wellbeing=wellbeing)
    data = frame.data
    n_treated = int((data["treated"] == 1).sum()) if len(data) else 0
    n_comparison = int((data["treated"] == 0).sum()) if len(data) else 0
    pre_post = plan.method == AnalysisMethod.PRE_POST
    if n_treated < SUPPRESSION_THRESHOLD or (not pre_post and n_comparison < SUPPRESSION_THRESHOLD):
        raise evaluation.EvaluationError(TOO_FEW.format(n=SUPPRESSION_THRESHOLD))
    before, after = (
        ("before_wellbeing", "after_wellbeing") if wellbeing else (f"prior_{plan.outcome}", f"after_{plan.outcome}")
    )
    covariates, dropped = usable_covariates(data, list(plan.covariates))
    estimate = run_method(plan.method, data, before, after, covariates)
    if estimate.n_treated < SUPPRESSION_THRESHOLD or (not pre_post and estimate.n_comparison < SUPPRESSION_THRESHOLD):
        raise evaluation.EvaluationError(TOO_FEW.format(n=SUPPRESSION_THRESHOLD))
    notes = [
        f"{COVARIATES[name]} was left out: it was the same for everyone, or it repeated the others." for name in dropped
    ]
    if frame.missing_decile:
        notes.append("Some people had no deprivation decile; they were given the middle decile.")
    if frame.comparison_sampled:
        notes.append("The comparison group was an evenly spread sample of the people who had no support.")
    if short_follow_up:
        notes.append("Some people have had less than 12 months since their support started.")
    return {
        "effect": estimate.to_dict(),
        "outcome_units": OUTCOME_UNITS[plan.outcome],
        "mean_before_treated": float(data.loc[data["treated"] == 1, before].mean()),
        "comparison_index": f"{frame.comparison_index:%Y-%m}" if frame.comparison_index else "",
        "covariates_used": covariates,
        "notes": notes,
    }


def usable_covariates(data: pd.DataFrame, chosen: list[str]) -> tuple[list[str], list[str]]:
    """The chosen characteristics that can be used, in order, and those left out.

    A characteristic that is the same for everyone, or that adds nothing to those before it (its
    column is a linear combination of theirs, so a model could not tell them apart), is left out.
    """
    usable: list[str] = []
    columns = [np.ones(len(data))]
    for name in chosen:
        values = data[name].to_numpy(dtype=np.float64)
        if data[name].nunique() <= 1:
            continue
        trial = np.column_stack([*columns, values])
        if np.linalg.matrix_rank(trial) == trial.shape[1]:
            usable.append(name)
            columns.append(values)
    return usable, [name for name in chosen if name not in usable]


def run_method(
    method: str, data: pd.DataFrame, before: str, after: str, covariates: list[str]
) -> evaluation.EffectEstimate:
    """Call the evaluation engine for one method on the analysis table."""
    if method == AnalysisMethod.PRE_POST:
        return evaluation.pre_post(data[data["treated"] == 1], before, after)
    if not covariates:
        raise evaluation.EvaluationError("At least one characteristic that differs between people is needed.")
    if method == AnalysisMethod.MATCHED:
        return evaluation.propensity_score_matching(data, "treated", after, covariates)
    if method == AnalysisMethod.IPW:
        return evaluation.inverse_probability_weighting(data, "treated", after, covariates)
    if method == AnalysisMethod.DID:
        matched = matched_sample(data, covariates)
        return evaluation.difference_in_differences(
            matched, "treated", before, after, [name for name in covariates if name != before]
        )
    raise evaluation.EvaluationError("Choose a method from the list.")


def matched_sample(data: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """The treated people and their nearest comparison people on the propensity score (1 to 1)."""
    from carehouse.evaluation.matching import match_nearest

    model = evaluation.fit_propensity(data, "treated", covariates)
    logit = model.logit
    treated = (data["treated"] == 1).to_numpy()
    pooled = float(((logit[treated].var(ddof=1) + logit[~treated].var(ddof=1)) / 2) ** 0.5)
    matches = match_nearest(logit[treated], logit[~treated], caliper=0.2 * pooled, ratio=1, replace=True)
    comparison_rows = data[~treated].index
    chosen = sorted({int(comparison_rows[i]) for found in matches for i in found})
    matched_treated = [int(data[treated].index[i]) for i, found in enumerate(matches) if len(found)]
    return data.loc[matched_treated + chosen].reset_index(drop=True)


__all__ = ["UTILISATION", "PlanData", "PlanError", "plan_evaluation", "run_evaluation"]
