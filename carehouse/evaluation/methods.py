"""The evaluation methods, weakest evidence first: before and after, simple comparison, matching,
weighting, difference in differences.

Each returns an ``EffectEstimate``. Effects are "treated minus comparison" in the outcome's own
units: for an outcome such as A&E attendances, a negative estimate means fewer attendances.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from carehouse.evaluation.balance import IMBALANCE_THRESHOLD, balance_table
from carehouse.evaluation.data import (
    MIN_GROUP_SIZE,
    EvaluationError,
    as_float64,
    check_group_sizes,
    numeric_column,
    plain_covariates,
    require_columns,
    treatment_indicator,
)
from carehouse.evaluation.matching import match_nearest, matching_weights
from carehouse.evaluation.propensity import fit_propensity
from carehouse.evaluation.results import (
    CAVEAT_IMBALANCE,
    CAVEAT_NO_COMPARISON,
    CAVEAT_NOT_RANDOMISED,
    CAVEAT_PARALLEL_TRENDS,
    CAVEAT_REGRESSION_TO_THE_MEAN,
    CAVEAT_UNMEASURED_CONFOUNDING,
    BalanceRow,
    EffectEstimate,
    StrengthOfEvidence,
)

FEW_CLUSTERS = 30
"""Below this many clusters, cluster-robust standard errors tend to be too small."""


def pre_post(df: pd.DataFrame, before: str, after: str, *, treatment: str | None = None) -> EffectEstimate:
    """Mean change from before to after in the same people (a paired comparison).

    The 95% CI and p value come from the t distribution of the paired differences. If
    ``treatment`` is given, only people with treatment = 1 are used. The result always carries the
    regression-to-the-mean caveat.
    """
    require_columns(df, [before, after] + ([treatment] if treatment else []))
    if treatment:
        df = df[treatment_indicator_any(df, treatment) == 1]
    n = len(df)
    check_group_sizes(n, None)
    baseline = numeric_column(df, before, "outcome before")
    follow_up = numeric_column(df, after, "outcome after")
    change = (follow_up - baseline).to_numpy()
    mean_change = float(change.mean())
    se = float(change.std(ddof=1)) / math.sqrt(n)
    t_crit = float(stats.t.ppf(0.975, n - 1))
    p_value = _t_p_value(mean_change, se, n - 1)
    mean_before = float(baseline.mean())
    return EffectEstimate(
        method="pre_post",
        label="Before and after (no comparison group)",
        strength=StrengthOfEvidence.BEFORE_AND_AFTER,
        estimate=mean_change,
        standard_error=se,
        ci_low=mean_change - t_crit * se,
        ci_high=mean_change + t_crit * se,
        p_value=p_value,
        n_treated=n,
        n_comparison=0,
        relative_change_percent=_percent(mean_change, mean_before),
        caveats=(CAVEAT_REGRESSION_TO_THE_MEAN, CAVEAT_NO_COMPARISON),
        details={"mean_before": mean_before, "mean_after": float(follow_up.mean())},
    )


def difference_in_means(df: pd.DataFrame, treatment: str, outcome: str, *, randomised: bool = False) -> EffectEstimate:
    """Treated mean minus comparison mean, with the classical (OLS) standard error.

    This is the right analysis for a randomised trial (``randomised=True``) and a naive,
    unadjusted comparison otherwise.
    """
    require_columns(df, [treatment, outcome])
    frame = pd.DataFrame({"y": numeric_column(df, outcome, "outcome"), "d": treatment_indicator(df, treatment)})
    fitted = sm.OLS(frame["y"].to_numpy(), sm.add_constant(frame["d"].to_numpy())).fit()
    comparison_mean = float(frame.loc[frame["d"] == 0, "y"].mean())
    caveats = () if randomised else (CAVEAT_NOT_RANDOMISED, CAVEAT_UNMEASURED_CONFOUNDING)
    return _from_fit(
        fitted,
        1,
        method="difference_in_means",
        label="Randomised comparison" if randomised else "Simple comparison of group means",
        strength=(StrengthOfEvidence.RANDOMISED if randomised else StrengthOfEvidence.BEFORE_AND_AFTER),
        n_treated=int((frame["d"] == 1).sum()),
        n_comparison=int((frame["d"] == 0).sum()),
        expected=comparison_mean,
        caveats=caveats,
        details={
            "mean_treated": float(frame.loc[frame["d"] == 1, "y"].mean()),
            "mean_comparison": comparison_mean,
        },
    )


def propensity_score_matching(
    df: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates: Sequence[str],
    caliper: float | None = 0.2,
    ratio: int = 1,
    replace: bool = True,
) -> EffectEstimate:
    """Average effect on the treated (ATT) after nearest-neighbour propensity score matching.

    The propensity score is a logit model of treatment on ``covariates`` (column names or formula
    terms). Each treated person is matched to ``ratio`` comparison people nearest on the logit of
    the score, no further apart than ``caliper`` standard deviations of the logit (Austin 2011:
    0.2; the SD is pooled over the two groups); treated people with no match are left out and
    counted. Standard error: a weighted regression of the outcome on treatment using the matching
    weights, with HC1 robust standard errors. It treats the matches and the propensity score as
    fixed, so it does not allow for the uncertainty in estimating the score.
    """
    if ratio < 1:
        raise EvaluationError("Each treated person needs at least one match (ratio of 1 or more).")
    require_columns(df, [treatment, outcome])
    d = treatment_indicator(df, treatment).to_numpy()
    y = numeric_column(df, outcome, "outcome").to_numpy()
    model = fit_propensity(_with_indicator(df, treatment, d), treatment, covariates)
    logit = model.logit
    treated, comparison = d == 1, d == 0
    pooled_sd = math.sqrt((logit[treated].var(ddof=1) + logit[comparison].var(ddof=1)) / 2)
    width = None if caliper is None else caliper * pooled_sd
    matches = match_nearest(logit[treated], logit[comparison], caliper=width, ratio=ratio, replace=replace)
    w_treated, w_comparison = matching_weights(matches, int(comparison.sum()))
    weights = np.zeros(len(df), dtype=np.float64)
    weights[treated] = w_treated
    weights[comparison] = w_comparison
    n_matched = int((w_treated > 0).sum())
    n_unmatched = int(treated.sum()) - n_matched
    if n_matched == 0:
        raise EvaluationError(
            "No treated person had a comparison person close enough to match. "
            "The comparison group is too different from the people who received the service."
        )
    used = weights > 0
    check_group_sizes(n_matched, int((used & comparison).sum()))
    fitted = sm.WLS(y[used], sm.add_constant(d[used]), weights=weights[used]).fit(cov_type="HC1")
    balance = _balance(model.design, d, weights)
    caveats = [CAVEAT_UNMEASURED_CONFOUNDING]
    if n_unmatched:
        caveats.append(
            f"{n_unmatched} of {int(treated.sum())} treated people had nobody similar enough in "
            "the comparison group and were left out; the estimate applies to those matched."
        )
    caveats.extend(_imbalance_caveat(balance))
    mean_treated = float(np.average(y[treated], weights=w_treated))
    estimate = float(fitted.params[1])
    return _from_fit(
        fitted,
        1,
        method="propensity_score_matching",
        label="Compared with matched similar people (propensity score matching)",
        strength=StrengthOfEvidence.MATCHED_COMPARISON,
        n_treated=n_matched,
        n_comparison=int((used & comparison).sum()),
        expected=mean_treated - estimate,
        balance=balance,
        caveats=tuple(caveats),
        details={
            "estimand": "ATT",
            "n_treated_unmatched": n_unmatched,
            "n_comparison_available": int(comparison.sum()),
            "caliper_logit": width,
            "ratio": ratio,
            "replace": str(replace),
            "standard_error_method": "weighted regression, HC1 robust",
        },
    )


def inverse_probability_weighting(
    df: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates: Sequence[str],
    estimand: Literal["ATT", "ATE"] = "ATT",
    cov_type: Literal["HC0", "HC1"] = "HC0",
) -> EffectEstimate:
    """Effect after weighting by the inverse of the propensity score.

    ``estimand="ATT"`` (effect on the people who received the service) weighs treated people 1
    and comparison people p / (1 - p) (odds weights); ``"ATE"`` (effect across everyone) weighs
    treated people 1 / p and comparison people 1 / (1 - p). The effect is a weighted regression of
    the outcome on treatment with robust (``cov_type``) standard errors, treating the weights as
    fixed.
    """
    if estimand not in ("ATT", "ATE"):
        raise EvaluationError("The estimand must be 'ATT' (the treated) or 'ATE' (everyone).")
    require_columns(df, [treatment, outcome])
    d = treatment_indicator(df, treatment).to_numpy()
    y = numeric_column(df, outcome, "outcome").to_numpy()
    model = fit_propensity(_with_indicator(df, treatment, d), treatment, covariates)
    p = model.scores
    odds_weights = np.where(d == 1, 1.0, p / (1 - p))
    weights = odds_weights if estimand == "ATT" else np.where(d == 1, 1 / p, 1 / (1 - p))
    fitted = sm.WLS(y, sm.add_constant(d), weights=weights).fit(cov_type=cov_type)
    balance = _balance(model.design, d, weights)
    estimate = float(fitted.params[1])
    expected = float(np.average(y[d == 1], weights=weights[d == 1])) - estimate
    return _from_fit(
        fitted,
        1,
        method="inverse_probability_weighting",
        label=f"Compared with a weighted comparison group (inverse probability weighting, {estimand})",
        strength=StrengthOfEvidence.MATCHED_COMPARISON,
        n_treated=int((d == 1).sum()),
        n_comparison=int((d == 0).sum()),
        expected=expected,
        balance=balance,
        caveats=(CAVEAT_UNMEASURED_CONFOUNDING, *_imbalance_caveat(balance)),
        details={
            "estimand": estimand,
            "effective_n_treated": _effective_n(weights[d == 1]),
            "effective_n_comparison": _effective_n(weights[d == 0]),
            "largest_weight": float(weights.max()),
            "standard_error_method": f"weighted regression, {cov_type} robust",
        },
    )


def difference_in_differences(
    df: pd.DataFrame,
    treatment: str,
    before: str,
    after: str,
    covariates: Sequence[str] | None = None,
    cluster: str | None = None,
) -> EffectEstimate:
    """Change in the treated group minus change in the comparison group (2 x 2).

    ``df`` has one row per person with the outcome ``before`` and ``after``. It is reshaped to
    two rows per person and fitted as ``y ~ treated * post`` (plus any baseline ``covariates``) by
    OLS, with standard errors clustered by person, or by the ``cluster`` column (for example the
    GP practice) if given.
    """
    covariates = list(covariates or [])
    require_columns(df, [treatment, before, after] + ([cluster] if cluster else []))
    d = treatment_indicator(df, treatment).to_numpy()
    baseline = numeric_column(df, before, "outcome before").to_numpy()
    follow_up = numeric_column(df, after, "outcome after").to_numpy()
    plain_covariates(df, covariates)
    n = len(df)
    person = np.arange(n)
    groups = person if cluster is None else pd.factorize(df[cluster])[0]
    base = as_float64(df[_columns_in(df, covariates)]).reset_index(drop=True)
    long = pd.concat([base, base], ignore_index=True)
    long["evaluation_y"] = np.concatenate([baseline, follow_up])
    long["evaluation_treated"] = np.concatenate([d, d])
    long["evaluation_post"] = np.repeat([0.0, 1.0], n)
    formula = "evaluation_y ~ evaluation_treated * evaluation_post"
    if covariates:
        formula += " + " + " + ".join(covariates)
    cluster_codes = np.concatenate([groups, groups])
    try:
        fitted = smf.ols(formula, data=long).fit(cov_type="cluster", cov_kwds={"groups": cluster_codes})
    except Exception as error:
        raise EvaluationError(
            f"The covariates could not be read ({error}). Check the column names and formula terms."
        ) from error
    term = "evaluation_treated:evaluation_post"
    index = list(fitted.params.index).index(term)
    change_treated = float((follow_up - baseline)[d == 1].mean())
    change_comparison = float((follow_up - baseline)[d == 0].mean())
    estimate = float(fitted.params.iloc[index])
    expected = float(follow_up[d == 1].mean()) - estimate
    balance_frame = pd.DataFrame({before: baseline}).join(_numeric_design(df, covariates))
    balance = [
        BalanceRow(row.covariate, row.smd_before, None, row.imbalanced) for row in _balance(balance_frame, d, None)
    ]
    caveats = [CAVEAT_PARALLEL_TRENDS]
    if balance and balance[0].imbalanced:
        caveats.append(
            "The groups started from different levels of the outcome. If people were referred "
            "because their outcome was unusually high or low, regression to the mean can still "
            "bias this estimate; a matched comparison group reduces that risk."
        )
    n_clusters = len(np.unique(groups))
    caveats.extend(_few_clusters_caveat(n_clusters))
    return _from_fit(
        fitted,
        index,
        method="difference_in_differences",
        label="Change compared with the change in a comparison group (difference in differences)",
        strength=StrengthOfEvidence.DIFFERENCE_IN_DIFFERENCES,
        n_treated=int((d == 1).sum()),
        n_comparison=int((d == 0).sum()),
        expected=expected,
        balance=balance,
        caveats=tuple(caveats),
        details={
            "change_treated": change_treated,
            "change_comparison": change_comparison,
            "clusters": n_clusters,
            "standard_error_method": "cluster-robust by " + (cluster or "person"),
        },
    )


def twfe(
    df_long: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated_post: str,
    cluster: str | None = None,
) -> EffectEstimate:
    """Two-way fixed effects difference in differences on panel data (one row per unit and period).

    Fits ``outcome ~ treated_post + C(unit) + C(time)`` by OLS, where ``treated_post`` is 1 for a
    treated unit (a practice, a PCN, an area) in a period after the service started. Standard
    errors are clustered by ``cluster`` (usually the unit) if given, classical otherwise. For
    repeated cross-sections (different people each period) ``unit`` can be the group.
    """
    require_columns(df_long, [outcome, unit, time, treated_post] + ([cluster] if cluster else []))
    y = numeric_column(df_long, outcome, "outcome").to_numpy()
    exposed = numeric_column(df_long, treated_post, "treated-after column")
    if not exposed.isin([0.0, 1.0]).all():
        raise EvaluationError(f"The column '{treated_post}' must hold only 1 (treated unit, after the start) or 0.")
    frame = pd.DataFrame(
        {
            "y": y,
            "d": exposed.to_numpy(),
            "u": pd.factorize(df_long[unit])[0],
            "t": pd.factorize(df_long[time])[0],
        }
    )
    ever = frame.groupby("u")["d"].max()
    n_treated, n_comparison = int((ever == 1).sum()), int((ever == 0).sum())
    if n_treated == 0:
        raise EvaluationError(f"No unit is ever treated (the column '{treated_post}' is never 1).")
    if n_comparison == 0:
        raise EvaluationError("Every unit is treated at some point, so there is no comparison unit.")
    if frame["t"].nunique() < MIN_GROUP_SIZE:
        raise EvaluationError("At least two time periods are needed.")
    if cluster is None:
        kwargs: dict[str, Any] = {}
    else:
        kwargs = {"cov_type": "cluster", "cov_kwds": {"groups": pd.factorize(df_long[cluster])[0]}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fitted = smf.ols("y ~ d + C(u) + C(t)", data=frame).fit(**kwargs)
        index = list(fitted.params.index).index("d")
        estimate = float(fitted.params.iloc[index])
        treated_after = frame.loc[frame["d"] == 1, "y"]
        caveats = [CAVEAT_PARALLEL_TRENDS]
        if cluster is None:
            caveats.append(
                "Standard errors assume observations are independent; cluster by unit where there are enough units."
            )
        else:
            caveats.extend(_few_clusters_caveat(int(df_long[cluster].nunique())))
        result = _from_fit(
            fitted,
            index,
            method="twfe",
            label="Change compared with the change in comparison units (two-way fixed effects)",
            strength=StrengthOfEvidence.DIFFERENCE_IN_DIFFERENCES,
            n_treated=n_treated,
            n_comparison=n_comparison,
            expected=float(treated_after.mean()) - estimate,
            caveats=tuple(caveats),
            details={
                "periods": int(frame["t"].nunique()),
                "standard_error_method": ("classical" if cluster is None else f"cluster-robust by {cluster}"),
            },
        )
    if not math.isfinite(result.standard_error):
        caveats.append(
            "There are too few observations to estimate the uncertainty, so no confidence interval is given."
        )
        return _replace_caveats(result, caveats)
    return result


# --- helpers -----------------------------------------------------------------------------------


def treatment_indicator_any(df: pd.DataFrame, treatment: str) -> pd.Series:
    """The treatment column as 0.0/1.0 without requiring a comparison group."""
    values = numeric_column(df, treatment, "treatment column")
    if not values.isin([0.0, 1.0]).all():
        raise EvaluationError(
            f"The treatment column '{treatment}' must hold only 1 (received the service) or 0 (comparison group)."
        )
    return values


def _with_indicator(df: pd.DataFrame, treatment: str, d: np.ndarray[Any, Any]) -> pd.DataFrame:
    frame = df.copy()
    frame[treatment] = d
    return frame


def _columns_in(df: pd.DataFrame, covariates: Sequence[str]) -> list[str]:
    """Data columns that the covariate terms mention (for carrying them into the long data)."""
    return [c for c in df.columns if any(c in term for term in covariates)]


def _numeric_design(df: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    names = [c for c in covariates if c.isidentifier()]
    return df[names].astype("float64").reset_index(drop=True)


def _balance(design: pd.DataFrame, d: np.ndarray[Any, Any], weights: np.ndarray[Any, Any] | None) -> list[BalanceRow]:
    frame = design.reset_index(drop=True).copy()
    frame["evaluation_treated"] = d
    return balance_table(frame, "evaluation_treated", list(design.columns), weights)


def _imbalance_caveat(balance: Sequence[BalanceRow]) -> list[str]:
    names = [row.covariate for row in balance if row.imbalanced]
    return [CAVEAT_IMBALANCE.format(names=", ".join(names))] if names else []


def _few_clusters_caveat(n_clusters: int) -> list[str]:
    if n_clusters >= FEW_CLUSTERS:
        return []
    return [
        f"There are only {n_clusters} clusters; with fewer than {FEW_CLUSTERS} the confidence "
        "interval may be too narrow."
    ]


def _effective_n(weights: np.ndarray[Any, Any]) -> float:
    """Kish's effective sample size: how many equally weighted people the weights are worth."""
    return float(weights.sum() ** 2 / (weights**2).sum())


def _percent(change: float, reference: float) -> float | None:
    if reference == 0 or not math.isfinite(reference):
        return None
    return 100 * change / reference


def _t_p_value(estimate: float, se: float, df: int) -> float:
    if se == 0:
        return 0.0 if estimate != 0 else 1.0
    return float(2 * stats.t.sf(abs(estimate / se), df))


def _from_fit(
    fitted: Any,
    index: int,
    *,
    method: str,
    label: str,
    strength: StrengthOfEvidence,
    n_treated: int,
    n_comparison: int,
    expected: float,
    caveats: tuple[str, ...],
    details: dict[str, float | int | str | None],
    balance: Sequence[BalanceRow] = (),
) -> EffectEstimate:
    """An estimate from a fitted statsmodels regression, taking coefficient ``index``."""
    params = np.asarray(fitted.params, dtype=np.float64)
    bse = np.asarray(fitted.bse, dtype=np.float64)
    pvalues = np.asarray(fitted.pvalues, dtype=np.float64)
    interval = np.asarray(fitted.conf_int(), dtype=np.float64)
    estimate = float(params[index])
    return EffectEstimate(
        method=method,
        label=label,
        strength=strength,
        estimate=estimate,
        standard_error=float(bse[index]),
        ci_low=float(interval[index, 0]),
        ci_high=float(interval[index, 1]),
        p_value=float(pvalues[index]),
        n_treated=n_treated,
        n_comparison=n_comparison,
        relative_change_percent=_percent(estimate, expected),
        balance=tuple(balance),
        caveats=caveats,
        details=details,
    )


def _replace_caveats(result: EffectEstimate, caveats: Sequence[str]) -> EffectEstimate:
    return replace(result, caveats=tuple(caveats))


__all__ = [
    "IMBALANCE_THRESHOLD",
    "difference_in_differences",
    "difference_in_means",
    "inverse_probability_weighting",
    "pre_post",
    "propensity_score_matching",
    "twfe",
]
