"""Our Charlson is comorbidipy 0.8.0's, person for person, except its AIDS/HIV weight (2, not Quan 2011's 4)."""

from __future__ import annotations

import polars as pl
import pytest
from comorbidipy import comorbidity

from carehouse.population.generate import generate
from carehouse.population.models import charlson
from carehouse.population.tests.helpers import AS_AT, loaded


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    path = tmp_path_factory.mktemp("extract")
    generate(path, 20_000, seed=7, as_at=AS_AT)
    engine, settings = loaded(path, ["charlson"])
    charlson.build(engine, settings)
    # comorbidipy gets the same ICD-10 rows: in the look-back, codes as we normalised them
    # (it does no normalisation of its own: 'E11.2' would silently score 0 there).
    rows = engine.fetch(
        f"""
        SELECT p.person_id AS id, c.normalised AS code
        FROM diagnoses AS d JOIN persons AS p ON d.pid = p.pid JOIN codes AS c ON d.code_id = c.code_id
        WHERE c.code_system = 'icd10' AND d.date >= {settings.since_sql(settings.charlson_lookback_months)}
          AND d.date <= {settings.as_at_sql}
        """
    )
    theirs = comorbidity(
        pl.from_arrow(rows),
        id_col="id",
        code_col="code",
        score="charlson",
        icd="icd10",
        variant="quan",
        weighting="quan",
    )
    ours = pl.from_arrow(engine.fetch("SELECT person_id AS id, charlson, charlson_mask FROM model_charlson"))
    engine.close()
    return ours.join(theirs, on="id", how="left").with_columns(pl.col("comorbidity_score").fill_null(0))


def test_every_score_matches_except_where_aids_weighs_differently(scored):
    aids_bit = 1 << [c.key for c in charlson.CATEGORIES].index("aids")
    compared = scored.with_columns(has_aids=(pl.col("charlson_mask") & aids_bit) != 0)
    assert compared.height > 19_000  # everyone loaded (a few have died or left)
    assert compared.filter(pl.col("charlson") > 0).height > 1_000  # the comparison is not of zeros
    without_aids = compared.filter(~pl.col("has_aids"))
    assert (without_aids["charlson"] == without_aids["comorbidity_score"]).all()
    with_aids = compared.filter(pl.col("has_aids"))
    assert with_aids.height > 0
    # Quan 2011 weighs AIDS/HIV 4; comorbidipy 0.8.0 ships 2: every such person is 2 higher with us.
    assert ((with_aids["charlson"] - with_aids["comorbidity_score"]) == 2).all()
