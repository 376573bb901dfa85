"""Segmentation: first matching segment wins, everyone gets exactly one, the YAML order decides."""

from __future__ import annotations

import pytest

from carehouse.population import segmentation
from carehouse.population.cohort import CMS_CONDITION_KEYS, CohortError, cms_condition_keys
from carehouse.population.tests.feature_rows import duckdb_with, feature_row

PEOPLE = [
    # Dementia, metastatic cancer and COPD: frailty and dementia comes first.
    feature_row("p01", ("charlson.dementia", "charlson.metacanc", "charlson.copd"), age=80),
    # Metastatic cancer and COPD: incurable cancer before organ failure.
    feature_row("p02", ("charlson.metacanc", "cms.copd")),
    # Heart failure (primary care) and hemiplegia: organ failure before disability.
    feature_row("p03", ("cms.hef", "charlson.hp")),
    feature_row("p04", ("charlson.hp",)),
    feature_row("p05", ("cms.hyp",)),
    feature_row("p06", charlson=1),  # a Charlson condition (weight 1) but no CMS condition
    feature_row("p07"),
    feature_row("p08", age=70, hfrs_band="intermediate"),
    feature_row("p09", age=50, hfrs_band="high"),  # HFRS counts only at 65 and over
    feature_row("p10", age=66, efi_category="mild"),  # mild frailty is not enough
    feature_row("p11", age=66, efi_category="moderate"),
    feature_row("p12", ("cms.dem",), age=40),  # dementia at any age
    feature_row("p13", ("charlson.rend", "cms.ckd")),
    feature_row("p14", ("charlson.msld",)),
    feature_row("p15", age=90, efi_category=None, hfrs_band="low"),  # no eFI: not frail on HFRS
]

EXPECTED = {
    "p01": "frailty_dementia",
    "p02": "incurable_cancer",
    "p03": "organ_failure",
    "p04": "disability",
    "p05": "long_term_conditions",
    "p06": "long_term_conditions",
    "p07": "generally_well",
    "p08": "frailty_dementia",
    "p09": "generally_well",
    "p10": "generally_well",
    "p11": "frailty_dementia",
    "p12": "frailty_dementia",
    "p13": "organ_failure",
    "p14": "organ_failure",
    "p15": "generally_well",
}


def segments(engine):
    rows = engine.fetch("SELECT person_id, segment, segment_label FROM segmented").to_pylist()
    return {row["person_id"]: (row["segment"], row["segment_label"]) for row in rows}


def test_the_first_matching_segment_wins():
    engine = duckdb_with(PEOPLE)
    config = segmentation.build(engine)
    result = segments(engine)
    assert {person: segment for person, (segment, _) in result.items()} == EXPECTED
    assert result["p02"][1] == "Incurable cancer"
    assert result["p07"][1] == "Generally well"
    assert config.keys == (
        "frailty_dementia",
        "incurable_cancer",
        "organ_failure",
        "disability",
        "long_term_conditions",
        "generally_well",
    )


def test_everyone_gets_exactly_one_segment_and_keeps_their_features():
    engine = duckdb_with(PEOPLE)
    config = segmentation.build(engine)
    counts = engine.fetch(
        "SELECT count(*) AS n, count(DISTINCT person_id) AS people, count(segment) AS segmented FROM segmented"
    ).to_pylist()[0]
    assert counts == {"n": len(PEOPLE), "people": len(PEOPLE), "segmented": len(PEOPLE)}
    assert set(engine.fetch("SELECT DISTINCT segment FROM segmented").column("segment").to_pylist()) <= set(config.keys)
    columns = list(engine.columns("segmented"))
    assert columns == [*engine.columns("features"), "segment", "segment_label"]


def test_a_custom_order_changes_the_result(tmp_path):
    # Organ failure moved above frailty and dementia: p01 (dementia and COPD) moves with it.
    custom = tmp_path / "organ_first.yaml"
    custom.write_text(
        """
name: Organ failure first
segments:
  - key: organ_failure
    label: Organ failure
    all:
      - conditions: {any: [charlson.copd, cms.copd, cms.hef]}
  - key: frailty_dementia
    label: Frailty and dementia
    all:
      - conditions: {any: [charlson.dementia, cms.dem]}
  - key: everyone_else
    label: Everyone else
"""
    )
    engine = duckdb_with(PEOPLE)
    segmentation.build(engine, custom)
    result = {person: segment for person, (segment, _) in segments(engine).items()}
    assert result["p01"] == "organ_failure"
    assert result["p02"] == "organ_failure"
    assert result["p12"] == "frailty_dementia"
    assert result["p07"] == "everyone_else"
    assert result["p08"] == "everyone_else"


def test_the_snee_style_example_assigns_its_own_segments():
    engine = duckdb_with(
        [
            feature_row("s1", ("charlson.metacanc",)),
            feature_row("s2", ("cms.ast",), age=19, emergency_admissions=1),
            feature_row("s3", ("cms.ast",), age=19),
            feature_row("s4", ("cms.hyp", "cms.dia", "cms.chd", "cms.ckd")),
            feature_row("s5", ("cms.copd",), emergency_admissions=2),
            feature_row("s6"),
        ]
    )
    segmentation.build(engine, segmentation.SEGMENT_DIR / "snee_style.yaml")
    result = {person: segment for person, (segment, _) in segments(engine).items()}
    assert result == {
        "s1": "die_well",
        "s2": "start_well",
        "s3": "stay_well",
        "s4": "age_well",
        "s5": "die_well",
        "s6": "live_well",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "segments: [{key: a, label: A, all: [{age: {min: 65}}]}, {key: b, label: B, all: [{age: {max: 5}}]}]",
            "bad.yaml: segments[1]: the last segment is the catch-all and has no rule",
        ),
        (
            "segments: [{key: a, label: A}, {key: b, label: B}]",
            "bad.yaml: segments[0]: only the last segment may have no rule",
        ),
        (
            "segments: [{key: a, label: A, all: [{activity: {setting: ae}}]}, {key: b, label: B}]",
            "bad.yaml: segments[0].all[0].activity: segment rules cannot use 'activity'",
        ),
        (
            "segments: [{key: a, label: A, all: [{segment: {in: [b]}}]}, {key: b, label: B}]",
            "bad.yaml: segments[0].all[0].segment: segment rules cannot use 'segment'",
        ),
        (
            "segments: [{key: a, label: A, all: [{score: {name: priority_score, min: 50}}]}, {key: b, label: B}]",
            "bad.yaml: segments[0].all[0].score.name: segment rules cannot use 'priority_score'",
        ),
        (
            "segments: [{key: a, label: A, all: [{age: {min: 1}}]}, {key: a, label: B}]",
            "bad.yaml: segments[1].key: 'a' is used twice",
        ),
        (
            "segments: [{key: a, label: A, rule: {}}, {key: b, label: B}]",
            "bad.yaml: segments[0]: unknown key 'rule'",
        ),
    ],
)
def test_bad_segmentations_say_what_and_where(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CohortError) as error:
        segmentation.load_config(path)
    assert str(error.value).startswith(message)


def test_our_cms_condition_order_is_the_cms_models():
    from carehouse.population.models import cms

    assert tuple(str(getattr(item, "key", item)) for item in cms.CMS_CONDITIONS) == CMS_CONDITION_KEYS
    assert cms_condition_keys() == CMS_CONDITION_KEYS
