"""Balance between the treated and comparison groups: standardised mean differences (SMD).

The SMD is the difference in means divided by the pooled standard deviation of the two groups as
they were before any matching or weighting, ``sqrt((s_t**2 + s_c**2) / 2)`` (Austin 2009; Imbens
and Rubin call it the normalised difference). Using the same denominator before and after
adjustment means the two figures can be compared directly. An absolute SMD above 0.1 is flagged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from carehouse.evaluation.results import BalanceRow

IMBALANCE_THRESHOLD = 0.1
"""Absolute SMD above which a characteristic is reported as still different between groups."""

FloatArray = npt.NDArray[np.float64]


def standardised_mean_difference(
    x_treated: npt.ArrayLike,
    x_comparison: npt.ArrayLike,
    weights: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
) -> float:
    """The SMD of one characteristic: treated minus comparison, over the pooled SD.

    ``weights`` is an optional pair (weights for the treated, weights for the comparison group),
    for example matching or inverse probability weights; the means are then weighted but the
    denominator stays that of the unweighted groups. Returns 0.0 when both groups have the same
    constant value and NaN when the groups differ but neither varies.
    """
    treated = np.asarray(x_treated, dtype=np.float64)
    comparison = np.asarray(x_comparison, dtype=np.float64)
    if weights is None:
        mean_t, mean_c = float(treated.mean()), float(comparison.mean())
    else:
        w_t = np.asarray(weights[0], dtype=np.float64)
        w_c = np.asarray(weights[1], dtype=np.float64)
        mean_t = float(np.average(treated, weights=w_t))
        mean_c = float(np.average(comparison, weights=w_c))
    var_t = float(treated.var(ddof=1)) if treated.size > 1 else 0.0
    var_c = float(comparison.var(ddof=1)) if comparison.size > 1 else 0.0
    pooled = math.sqrt((var_t + var_c) / 2)
    difference = mean_t - mean_c
    if pooled == 0:
        return 0.0 if difference == 0 else math.nan
    return difference / pooled


def balance_table(
    df: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    weights_or_matches: npt.ArrayLike | None = None,
) -> list[BalanceRow]:
    """SMD before and after adjustment for each covariate column.

    ``weights_or_matches`` is one weight per row of ``df`` (matching weights, where 0 means a
    person was not used, or inverse probability weights); ``None`` reports balance before
    adjustment only.
    """
    treated_mask = df[treatment].to_numpy(dtype=np.float64) == 1
    weights = None if weights_or_matches is None else np.asarray(weights_or_matches, dtype=np.float64)
    rows: list[BalanceRow] = []
    for covariate in covariates:
        values = df[covariate].to_numpy(dtype=np.float64)
        before = standardised_mean_difference(values[treated_mask], values[~treated_mask])
        after: float | None = None
        if weights is not None:
            after = standardised_mean_difference(
                values[treated_mask],
                values[~treated_mask],
                weights=(weights[treated_mask], weights[~treated_mask]),
            )
        applies = before if after is None else after
        rows.append(
            BalanceRow(
                covariate=covariate,
                smd_before=before,
                smd_after=after,
                imbalanced=bool(math.isnan(applies) or abs(applies) > IMBALANCE_THRESHOLD),
            )
        )
    return rows
