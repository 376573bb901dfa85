"""Evaluation engine for commissioners: did personalised care or social prescribing make a difference?

A plain Python package (no Django) built on statsmodels, scipy, numpy and pandas. Each method
takes a pandas DataFrame with one row per person and returns an ``EffectEstimate``: the effect
with its 95% confidence interval, group sizes, a balance table, the strength of evidence and
plain-English caveats. Methods, weakest evidence first:

- ``pre_post``: before and after in the same people (always carries the regression-to-the-mean
  caveat);
- ``difference_in_means``: treated mean minus comparison mean (for randomised comparisons);
- ``propensity_score_matching`` and ``inverse_probability_weighting``: compared with similar
  people who did not receive the service;
- ``difference_in_differences`` (2 x 2 on people) and ``twfe`` (panels of practices or areas).

See ``docs/evaluation.md``.
"""

from carehouse.evaluation.balance import (
    IMBALANCE_THRESHOLD,
    balance_table,
    standardised_mean_difference,
)
from carehouse.evaluation.data import MIN_GROUP_SIZE, EvaluationError
from carehouse.evaluation.methods import (
    difference_in_differences,
    difference_in_means,
    inverse_probability_weighting,
    pre_post,
    propensity_score_matching,
    twfe,
)
from carehouse.evaluation.propensity import PropensityModel, fit_propensity
from carehouse.evaluation.results import (
    CAVEAT_REGRESSION_TO_THE_MEAN,
    CAVEAT_UNMEASURED_CONFOUNDING,
    BalanceRow,
    EffectEstimate,
    StrengthOfEvidence,
)

__all__ = [
    "CAVEAT_REGRESSION_TO_THE_MEAN",
    "CAVEAT_UNMEASURED_CONFOUNDING",
    "IMBALANCE_THRESHOLD",
    "MIN_GROUP_SIZE",
    "BalanceRow",
    "EffectEstimate",
    "EvaluationError",
    "PropensityModel",
    "StrengthOfEvidence",
    "balance_table",
    "difference_in_differences",
    "difference_in_means",
    "fit_propensity",
    "inverse_probability_weighting",
    "pre_post",
    "propensity_score_matching",
    "standardised_mean_difference",
    "twfe",
]
