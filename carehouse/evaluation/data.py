"""What an evaluation needs as input, and the checks that explain plainly what is wrong with it.

Every method takes a pandas ``DataFrame`` with one row per person (or, for ``twfe``, one row per
unit and period): a treatment column holding 1 for people who received the service (for example,
were referred to social prescribing) and 0 for the comparison group, outcome columns (before and
after, or one follow-up outcome) and covariates (age, deprivation, prior A&E use). Numbers are
copied to float64 before any calculation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

MIN_GROUP_SIZE = 2
"""The fewest people a group can have: with fewer, no spread (and so no uncertainty) exists."""


class EvaluationError(ValueError):
    """The data cannot support the evaluation asked for; the message says why in plain English."""


def require_columns(df: pd.DataFrame, columns: Iterable[str]) -> None:
    """Fail unless every named column is in the data."""
    if not isinstance(df, pd.DataFrame):
        raise EvaluationError("The data must be a table (a pandas DataFrame).")
    missing = [column for column in columns if column not in df.columns]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        raise EvaluationError(f"The data has no column called {names}.")


def numeric_column(df: pd.DataFrame, column: str, role: str) -> pd.Series:
    """One column as float64, failing if it is not numbers or has gaps."""
    series = df[column]
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        raise EvaluationError(
            f"The {role} '{column}' must be numbers, but it holds text or categories."
            + (" To use categories as a covariate, write it as C(" + column + ")." if role == "covariate" else "")
        )
    values = series.astype("float64")
    gaps = int(values.isna().sum())
    if gaps:
        raise EvaluationError(
            f"{gaps} {_people(gaps)} {'has' if gaps == 1 else 'have'} no value for the {role} "
            f"'{column}'. Remove them or fill the gaps before evaluating."
        )
    return values


def treatment_indicator(df: pd.DataFrame, treatment: str) -> pd.Series:
    """The treatment column as 0.0/1.0, failing unless both groups are big enough."""
    values = numeric_column(df, treatment, "treatment column")
    if not values.isin([0.0, 1.0]).all():
        raise EvaluationError(
            f"The treatment column '{treatment}' must hold only 1 (received the service) or 0 (comparison group)."
        )
    check_group_sizes(int((values == 1).sum()), int((values == 0).sum()))
    return values


def check_group_sizes(n_treated: int, n_comparison: int | None) -> None:
    """Fail if there is nobody, or too few people, in either group."""
    if n_treated == 0:
        raise EvaluationError("There is nobody in the treated group (treatment = 1).")
    if n_treated < MIN_GROUP_SIZE:
        raise EvaluationError(
            f"There is only {n_treated} person in the treated group; "
            f"at least {MIN_GROUP_SIZE} are needed to estimate an effect."
        )
    if n_comparison is None:
        return
    if n_comparison == 0:
        raise EvaluationError("There is nobody in the comparison group (treatment = 0).")
    if n_comparison < MIN_GROUP_SIZE:
        raise EvaluationError(
            f"There is only {n_comparison} person in the comparison group; "
            f"at least {MIN_GROUP_SIZE} are needed to estimate an effect."
        )


def plain_covariates(df: pd.DataFrame, covariates: Sequence[str]) -> list[str]:
    """Check covariates that name a column directly (not formula terms) and return their names.

    A covariate may be a column name (``"age"``) or a formula term (``"I(age**2)"``,
    ``"C(education)"``, ``"educ:re74"``). Plain names must exist and be numbers; formula terms are
    checked when the model is built.
    """
    names: list[str] = []
    for covariate in covariates:
        if covariate.isidentifier():
            require_columns(df, [covariate])
            numeric_column(df, covariate, "covariate")
            names.append(covariate)
    return names


def _people(n: int) -> str:
    return "person" if n == 1 else "people"


def as_float64(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with every numeric column as float64.

    Formula terms such as ``I(age**3)`` are computed in the column's own type; on small integer
    types (``int8``, as some published data sets load) they silently overflow.
    """
    numeric = [
        column
        for column in df.columns
        if pd.api.types.is_numeric_dtype(df[column]) or pd.api.types.is_bool_dtype(df[column])
    ]
    return df.astype(dict.fromkeys(numeric, "float64"))
