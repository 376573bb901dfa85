"""The result every evaluation method returns: one effect estimate with its evidence and caveats."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class StrengthOfEvidence(IntEnum):
    """How much a commissioner can trust an estimate, from weakest (1) to strongest.

    The ladder follows the NHS England Improvement Analytics Unit's toolkit: before-and-after with
    no comparison group, then a matched or weighted comparison group, then difference in
    differences. A randomised comparison sits above all of them.
    """

    BEFORE_AND_AFTER = 1
    MATCHED_COMPARISON = 2
    DIFFERENCE_IN_DIFFERENCES = 3
    RANDOMISED = 5


STRENGTH_LABELS: dict[StrengthOfEvidence, str] = {
    StrengthOfEvidence.BEFORE_AND_AFTER: "Weak: before and after, no comparison group",
    StrengthOfEvidence.MATCHED_COMPARISON: "Moderate: compared with similar people who were not referred",
    StrengthOfEvidence.DIFFERENCE_IN_DIFFERENCES: (
        "Stronger: change over time compared with the change in a comparison group"
    ),
    StrengthOfEvidence.RANDOMISED: "Strongest: people were allocated at random",
}

CAVEAT_REGRESSION_TO_THE_MEAN = (
    "Regression to the mean: people are often referred when things are at their worst, and many "
    "would have improved anyway. A before-and-after change is not, on its own, evidence that the "
    "service caused the improvement."
)
CAVEAT_NO_COMPARISON = (
    "There is no comparison group, so changes that would have happened anyway (seasons, other "
    "services, ageing) cannot be separated from the effect of the service."
)
CAVEAT_UNMEASURED_CONFOUNDING = (
    "Unmeasured differences: the comparison group was made similar only on the characteristics we "
    "measured. Differences we could not measure (such as motivation or family support) may still "
    "explain part of the result."
)
CAVEAT_PARALLEL_TRENDS = (
    "This method assumes that, without the service, the outcome would have changed by the same "
    "amount in both groups. It cannot remove differences that change over time."
)
CAVEAT_NOT_RANDOMISED = (
    "This is a simple comparison of two groups with no adjustment. It is only a fair estimate of "
    "the effect if people were allocated to the service at random."
)
CAVEAT_IMBALANCE = (
    "Some characteristics still differ between the groups after adjustment (standardised "
    "difference above 0.1): {names}. Treat the estimate with extra caution."
)


@dataclass(frozen=True)
class BalanceRow:
    """How different the two groups are on one characteristic, before and after adjustment.

    ``smd_before`` and ``smd_after`` are standardised mean differences (treated minus
    comparison, divided by the pooled standard deviation). ``imbalanced`` is true when the
    difference that applies to the estimate (after, or before where there was no adjustment) is
    larger than 0.1 either way.
    """

    covariate: str
    smd_before: float
    smd_after: float | None
    imbalanced: bool

    def to_dict(self) -> dict[str, Any]:
        """This row as JSON-safe values."""
        return {
            "covariate": self.covariate,
            "smd_before": _json_number(self.smd_before),
            "smd_after": _json_number(self.smd_after),
            "imbalanced": self.imbalanced,
        }


@dataclass(frozen=True)
class EffectEstimate:
    """The estimated effect of a service on an outcome, with what a commissioner needs to judge it.

    ``estimate`` is the absolute effect in the outcome's own units (for example, A&E attendances
    per person per year), ``relative_change_percent`` the same as a percentage of what would
    have been expected without the service (``None`` where that is not defined), ``ci_low`` and
    ``ci_high`` the 95% confidence interval. ``details`` holds method-specific figures (means,
    number of people left unmatched, the caliper used).
    """

    method: str
    label: str
    strength: StrengthOfEvidence
    estimate: float
    standard_error: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int
    n_comparison: int
    relative_change_percent: float | None = None
    balance: tuple[BalanceRow, ...] = ()
    caveats: tuple[str, ...] = ()
    details: dict[str, float | int | str | None] = field(default_factory=dict)

    @property
    def strength_label(self) -> str:
        """The strength of evidence in plain English."""
        return STRENGTH_LABELS[self.strength]

    @property
    def imbalanced_covariates(self) -> list[str]:
        """The characteristics whose standardised difference is still above 0.1."""
        return [row.covariate for row in self.balance if row.imbalanced]

    def to_dict(self) -> dict[str, Any]:
        """The estimate as JSON-safe values (no NaN or infinity: those become ``None``)."""
        return {
            "method": self.method,
            "label": self.label,
            "strength": int(self.strength),
            "strength_label": self.strength_label,
            "estimate": _json_number(self.estimate),
            "relative_change_percent": _json_number(self.relative_change_percent),
            "ci_low": _json_number(self.ci_low),
            "ci_high": _json_number(self.ci_high),
            "standard_error": _json_number(self.standard_error),
            "p_value": _json_number(self.p_value),
            "n_treated": int(self.n_treated),
            "n_comparison": int(self.n_comparison),
            "balance": [row.to_dict() for row in self.balance],
            "caveats": list(self.caveats),
            "details": {
                key: _json_number(value) if isinstance(value, float) else value for key, value in self.details.items()
            },
        }


def _json_number(value: float | None) -> float | None:
    """A float that JSON can hold: NaN and infinity become ``None``."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None
