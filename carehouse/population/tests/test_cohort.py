"""Cohorts: parsing errors with their place, each criterion, group counts and invitation lists."""

from __future__ import annotations

from datetime import date

import pytest

from carehouse.population import cohort, priority, segmentation
from carehouse.population.config import Settings
from carehouse.population.tests.feature_rows import activity, duckdb_with, feature_row

SETTINGS = Settings(as_at=date(2026, 3, 31))

PEOPLE = [
    feature_row(
        "p1",
        ("cms.hyp", "cms.dia", "cms.chd"),
        age=72,
        sex="male",
        deprivation_decile=1,
        hfrs=7.5,
        hfrs_band="intermediate",
        efi_category="moderate",
        activation_level=1,
        emergency_admissions=2,
        charlson=2,
    ),
    feature_row(
        "p2", ("cms.dia", "cms.can", "charlson.metacanc"), age=58, deprivation_decile=3, activation_level=2, charlson=6
    ),
    feature_row("p3", ("cms.ast",), age=30, sex="unknown", deprivation_decile=None, practice_code="B82002"),
    feature_row(
        "p4",
        ("cms.hyp", "cms.copd"),
        age=88,
        deprivation_decile=9,
        hfrs=16.0,
        hfrs_band="high",
        efi_category=None,
        activation_level=4,
        practice_code="B82002",
        lace=11,
        lace_band="high",
        ae_attendances=5,
    ),
    feature_row("p5", age=8, deprivation_decile=10, practice_code="B82002"),
]

ACTIVITY = [
    activity("p1", "emergency_admission", "2025-11-02"),
    activity("p1", "emergency_admission", "2026-02-10"),
    activity("p2", "emergency_admission", "2024-06-01"),  # older than 12 months, inside 24
    activity("p4", "ae", "2026-03-01"),
    activity("p4", "emergency_admission", "2026-03-31"),  # on the as-at date: counts
]


@pytest.fixture(scope="module")
def engine():
    engine = duckdb_with(PEOPLE, ACTIVITY)
    segmentation.build(engine)
    priority.build(engine, SETTINGS)
    return engine


def members(engine, criteria, group="all"):
    parsed = cohort.parse_cohort({"key": "test", "name": "Test", group: criteria})
    cohort.run(engine, SETTINGS, parsed)
    return set(engine.fetch(f"SELECT person_id FROM {parsed.table}").column("person_id").to_pylist())


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ([{"conditions": {"any": ["cms.dia", "cms.copd"]}}], {"p1", "p2", "p4"}),
        ([{"conditions": {"all": ["cms.dia", "cms.hyp"]}}], {"p1"}),
        ([{"conditions": {"any": ["charlson.metacanc"]}}], {"p2"}),
        ([{"conditions": {"all": ["cms.hyp"], "any": ["cms.copd", "cms.ast"]}}], {"p4"}),
        ([{"age": {"min": 65}}], {"p1", "p4"}),
        ([{"age": {"min": 18, "max": 58}}], {"p2", "p3"}),
        ([{"sex": {"in": ["male", "unknown"]}}], {"p1", "p3"}),
        ([{"segment": {"in": ["incurable_cancer", "generally_well"]}}], {"p2", "p5"}),
        ([{"deprivation_decile": {"max": 3}}], {"p1", "p2"}),  # unknown decile never matches
        ([{"score": {"name": "hfrs", "min": 5, "max": 15.5}}], {"p1"}),
        ([{"score": {"name": "charlson", "min": 2}}], {"p1", "p2"}),
        ([{"score": {"name": "lace", "min": 10}}], {"p4"}),  # no LACE (NULL) never matches
        ([{"score": {"name": "priority_score", "min": 50}}], {"p1"}),
        ([{"band": {"name": "hfrs_band", "in": ["high"]}}], {"p4"}),
        ([{"band": {"name": "efi_category", "in": ["moderate", "severe"]}}], {"p1"}),
        ([{"activation": {"levels": [1, 2]}}], {"p1", "p2"}),
        ([{"activation": {"levels": [4], "unknown": True}}], {"p3", "p4", "p5"}),
        ([{"activity": {"setting": "emergency_admission", "within_months": 12}}], {"p1", "p4"}),
        ([{"activity": {"setting": "emergency_admission", "within_months": 24, "min": 1}}], {"p1", "p2", "p4"}),
        ([{"activity": {"setting": "emergency_admission", "within_months": 12, "min": 2}}], {"p1"}),
        ([{"activity": {"setting": "emergency_admission", "within_months": 12, "max": 0}}], {"p2", "p3", "p5"}),
        ([{"utilisation": {"name": "ae_attendances", "min": 4}}], {"p4"}),
        ([{"practice": {"in": ["b82002"]}}], {"p3", "p4", "p5"}),
        ([{"ltc_count": {"min": 2}}], {"p1", "p2", "p4"}),
        ([{"ltc_count": {"max": 0}}], {"p5"}),
        # Two activity windows in one cohort: one join each.
        (
            [
                {"activity": {"setting": "emergency_admission", "within_months": 24, "min": 1}},
                {"activity": {"setting": "ae", "within_months": 12, "min": 1}},
            ],
            {"p4"},
        ),
        # Nested groups: 65 and over with (COPD or an emergency admission), but not decile 1.
        (
            [
                {"age": {"min": 65}},
                {
                    "any": [
                        {"conditions": {"any": ["cms.copd"]}},
                        {"utilisation": {"name": "emergency_admissions", "min": 1}},
                    ]
                },
                {"none": [{"deprivation_decile": {"max": 1}}]},
            ],
            {"p4"},
        ),
    ],
)
def test_each_criterion_filters(engine, criteria, expected):
    assert members(engine, criteria) == expected


def test_any_and_none_lists(engine):
    assert members(engine, [{"age": {"max": 17}}, {"sex": {"in": ["male"]}}], "any") == {"p1", "p5"}
    # An exclusion on deprivation does not drop people with no decile (p3).
    assert members(engine, [{"deprivation_decile": {"max": 3}}], "none") == {"p3", "p4", "p5"}


def test_the_shipped_cohorts(engine):
    shipped = {item.key: item for item in cohort.shipped_cohorts()}
    assert set(shipped) == {"mltc-and-emergency-admission", "frail-65-and-over", "low-activation-mltc"}
    found = {}
    for key, item in shipped.items():
        cohort.run(engine, SETTINGS, item)
        found[key] = set(engine.fetch(f"SELECT person_id FROM {item.table}").column("person_id").to_pylist())
    assert found == {
        "mltc-and-emergency-admission": {"p1", "p4"},
        "frail-65-and-over": {"p1", "p4"},
        "low-activation-mltc": {"p1", "p2"},
    }


def test_counts_by_group_add_up(engine):
    everyone = cohort.parse_cohort({"key": "everyone", "name": "Everyone", "all": [{"age": {"min": 0}}]})
    result = cohort.run(engine, SETTINGS, everyone)
    assert result.people == 5
    assert result.by_practice == [{"practice_code": "A81001", "people": 2}, {"practice_code": "B82002", "people": 3}]
    assert result.by_age_band == [
        {"age_band": "0-17", "people": 1},
        {"age_band": "18-44", "people": 1},
        {"age_band": "45-64", "people": 1},
        {"age_band": "65-74", "people": 1},
        {"age_band": "85+", "people": 1},
    ]
    assert result.by_deprivation_decile[-1] == {"deprivation_decile": None, "people": 1}
    for groups in (result.by_practice, result.by_segment, result.by_age_band, result.by_deprivation_decile):
        assert sum(row["people"] for row in groups) == result.people
    frail = cohort.run(engine, SETTINGS, cohort.load_cohort(cohort.COHORT_DIR / "frail-65-and-over.yaml"))
    assert frail.people == 2
    assert frail.by_segment == [{"segment": "frailty_dementia", "people": 2}]
    assert frail.as_dict()["by_practice"] == [
        {"practice_code": "A81001", "people": 1},
        {"practice_code": "B82002", "people": 1},
    ]


def test_invitations_are_ranked_within_practice(engine):
    adults = cohort.parse_cohort({"key": "adults", "name": "Adults", "all": [{"age": {"min": 18}}]})
    cohort.run(engine, SETTINGS, adults)
    table = cohort.invitations(engine, adults)
    assert table.column_names == list(cohort.INVITATION_COLUMNS)
    rows = table.to_pylist()
    scores = {row["person_id"]: row["priority_score"] for row in engine.fetch("SELECT * FROM strata").to_pylist()}
    assert [(row["practice_code"], row["priority_rank"], row["person_id"]) for row in rows] == [
        ("A81001", 1, "p1"),
        ("A81001", 2, "p2"),
        ("B82002", 1, "p4"),
        ("B82002", 2, "p3"),
    ]
    assert scores["p4"] > scores["p3"]
    assert rows[0]["priority_score"] == scores["p1"]
    assert rows[0]["segment"] == "frailty_dementia"
    assert rows[0]["priority_reasons"].startswith("2 emergency admissions in 12 months")


def test_a_practice_gets_only_its_own_rows(engine):
    adults = cohort.parse_cohort({"key": "adults-b", "name": "Adults", "all": [{"age": {"min": 18}}]})
    with pytest.raises(cohort.CohortError, match="Run the cohort 'adults-b' first"):
        cohort.invitations_for_practice(engine, adults, "B82002")
    table = cohort.invitations(engine, adults, "b82002", settings=SETTINGS)
    assert set(table.column("practice_code").to_pylist()) == {"B82002"}
    assert table.column("person_id").to_pylist() == ["p4", "p3"]
    assert table.column("priority_rank").to_pylist() == [1, 2]
    assert cohort.invitations_for_practice(engine, adults, "A81001").column("person_id").to_pylist() == ["p1", "p2"]
    assert cohort.invitations_for_practice(engine, adults, "Z99999").num_rows == 0
    with pytest.raises(cohort.CohortError, match="not a valid practice code"):
        cohort.invitations_for_practice(engine, adults, "A81001' OR '1'='1")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": "x", "name": "X", "all": [{"age": {"min": 1}}], "colour": "red"}, "test.yaml: unknown key 'colour'"),
        ({"key": "x", "name": "X", "all": [{"height": {"min": 1}}]}, "test.yaml: all[0].height: unknown criterion"),
        (
            {"key": "x", "name": "X", "all": [{"age": {"min": "sixty"}}]},
            "test.yaml: all[0].age.min: expected a whole number, got 'sixty'",
        ),
        (
            {"key": "x", "name": "X", "all": [{"age": {"min": True}}]},
            "test.yaml: all[0].age.min: expected a whole number, got True",
        ),
        ({"key": "x", "name": "X", "all": [{"age": {"min": 70, "max": 60}}]}, "min (70) is more than max (60)"),
        (
            {"key": "x", "name": "X", "all": [{"age": {"min": 1}}], "none": [{"conditions": {"any": ["cms.gout"]}}]},
            "test.yaml: none[0].conditions.any: unknown condition 'cms.gout'",
        ),
        (
            {"key": "x", "name": "X", "all": [{"conditions": {"any": ["dia"]}}]},
            "test.yaml: all[0].conditions.any: unknown condition 'dia'; write cms.<key>",
        ),
        (
            {"key": "x", "name": "X", "all": [{"band": {"name": "hfrs_band", "in": ["severe"]}}]},
            "test.yaml: all[0].band.in: unknown value 'severe'; expected one of low, intermediate, high",
        ),
        (
            {"key": "x", "name": "X", "all": [{"activity": {"setting": "a&e"}}]},
            "test.yaml: all[0].activity.setting: expected one of ae, emergency_admission",
        ),
        ({"key": "x", "name": "X", "all": {"age": {"min": 1}}}, "test.yaml: all: expected a list of criteria"),
        (
            {"key": "x", "name": "X", "all": [{"age": {"min": 1}, "sex": {"in": ["male"]}}]},
            "test.yaml: all[0]: each criterion is a mapping with one key",
        ),
        ({"key": "x", "name": "X", "all": [{"score": {"name": "qrisk", "min": 1}}]}, "all[0].score.name: expected one"),
        (
            {"key": "x", "name": "X", "all": [{"activation": {"levels": [5]}}]},
            "all[0].activation.levels: expected 1 to 4",
        ),
        ({"key": "x", "name": "X", "all": [{"any": []}]}, "all[0].any: a nested group needs at least one criterion"),
        ({"key": "Bad Key", "name": "X", "all": [{"age": {"min": 1}}]}, "test.yaml: key: expected lower-case"),
        ({"key": "x", "name": "X"}, "test.yaml: give at least one criterion"),
        ({"key": "x", "all": [{"age": {"min": 1}}]}, "test.yaml: name: give the cohort a name"),
        ({"key": "x", "name": "X", "all": [{"sex": {"in": ["f"]}}]}, "all[0].sex.in: unknown value 'f'"),
    ],
)
def test_parsing_errors_name_the_bad_key_and_where(data, message):
    with pytest.raises(cohort.CohortError) as error:
        cohort.parse_cohort(data, "test.yaml")
    assert message in str(error.value)


def test_file_errors_are_messages_not_stack_traces(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("key: x\nall: [\n")
    with pytest.raises(cohort.CohortError, match=r"broken.yaml: not valid YAML or JSON at line \d+"):
        cohort.load_cohort(broken)
    with pytest.raises(cohort.CohortError, match="cannot read the file"):
        cohort.load_cohort(tmp_path / "missing.yaml")
    as_json = tmp_path / "ok.json"
    as_json.write_text('{"key": "j", "name": "JSON", "all": [{"ltc_count": {"min": 2}}]}')
    assert cohort.load_cohort(as_json).key == "j"
