"""Propensity scores: each person's modelled chance of receiving the service, from a logit model.

Covariates may be column names or formula terms (``"I(age**2)"``, ``"C(education)"``,
``"educ:re74"``). The design matrix is standardised before fitting (the fitted probabilities are
the same, but the fit is far better conditioned when, say, earnings run to tens of thousands).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from carehouse.evaluation.data import EvaluationError, as_float64, plain_covariates

FloatArray = npt.NDArray[np.float64]

EXTREME_SCORE = 1e-8
"""A treated person whose score is this close to 1 has nobody comparable: the covariates decide."""


@dataclass(frozen=True)
class PropensityModel:
    """Fitted propensity scores and the covariate columns the model used.

    ``design`` holds the model's covariate columns (one per term or category, no intercept), with
    the same row index as the data, so balance can be reported on exactly what was modelled.
    """

    scores: FloatArray
    design: pd.DataFrame

    @property
    def logit(self) -> FloatArray:
        """The log-odds of the propensity score (the scale matching is done on)."""
        return np.log(self.scores / (1 - self.scores))


def fit_propensity(df: pd.DataFrame, treatment: str, covariates: Sequence[str]) -> PropensityModel:
    """Fit a logit model of treatment on the covariates; explain plainly if it cannot be fitted."""
    if not covariates:
        raise EvaluationError("At least one covariate is needed to model who received the service.")
    plain_covariates(df, covariates)
    df = as_float64(df)
    formula = f"{treatment} ~ " + " + ".join(covariates)
    try:
        built = smf.logit(formula, data=df, missing="drop")
    except Exception as error:  # the formula engine raises many kinds of error
        raise EvaluationError(
            f"The covariates could not be read ({error}). Check the column names and formula terms."
        ) from error
    if len(built.endog) != len(df):
        gaps = len(df) - len(built.endog)
        raise EvaluationError(
            f"{gaps} people have a missing value in the covariates. Remove them or fill the gaps before evaluating."
        )
    names = [name for name in built.exog_names if name != "Intercept"]
    exog = np.asarray(built.exog, dtype=np.float64)
    keep = [i for i, name in enumerate(built.exog_names) if name != "Intercept"]
    design = pd.DataFrame(exog[:, keep], columns=names, index=df.index)
    if len(df) <= len(names) + 1:
        raise EvaluationError(
            f"There are {len(df)} people but the model has {len(names)} covariate terms; "
            "more people than terms are needed."
        )
    spread = design.std(ddof=0).to_numpy()
    constant = [name for name, sd in zip(names, spread, strict=True) if sd == 0]
    if constant:
        raise EvaluationError(
            "These covariates have the same value for everyone, so they cannot be used: " + ", ".join(constant) + "."
        )
    standardised = (design - design.mean()) / design.std(ddof=0)
    x = sm.add_constant(standardised.to_numpy(dtype=np.float64), has_constant="add")
    y = np.asarray(built.endog, dtype=np.float64)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            warnings.simplefilter("error", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            fitted = sm.Logit(y, x).fit(disp=0, maxiter=200, method="newton")
    except (PerfectSeparationError, PerfectSeparationWarning) as error:
        raise _separation_error() from error
    except ConvergenceWarning as error:
        raise _separation_error() from error
    except np.linalg.LinAlgError as error:
        raise EvaluationError(
            "The model could not be fitted: some covariates repeat the information in others (for "
            "example, a category and its opposite both included), or nearly separate the two groups "
            "(for example, nobody who received support had a hospital stay before). Remove or coarsen them."
        ) from error
    scores = np.asarray(fitted.predict(x), dtype=np.float64)
    if not np.all(np.isfinite(scores)) or np.any(scores[y == 1] > 1 - EXTREME_SCORE):
        raise _separation_error()
    scores = np.clip(scores, EXTREME_SCORE**2, 1 - EXTREME_SCORE**2)
    return PropensityModel(scores=scores, design=design)


def _separation_error() -> EvaluationError:
    return EvaluationError(
        "The covariates separate the two groups completely: for some people the model is certain "
        "whether they received the service, so there is nobody comparable to compare them with. "
        "Use fewer or coarser covariates, or a comparison group more like the people referred."
    )
