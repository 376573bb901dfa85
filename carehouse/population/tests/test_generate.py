"""The synthetic population generator: schema, determinism and calibration to English figures."""

from __future__ import annotations

import json
import re
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from nhs_number import is_valid

from carehouse.population import generate as gen
from carehouse.population.codes import normalise_code
from carehouse.population.schema import CODE_SYSTEMS, DIAGNOSIS_SOURCES, SETTINGS, SEXES, TABLES

PEOPLE = 200_000
AS_AT = date(2026, 3, 31)
TABLE_NAMES = [table.name for table in TABLES]


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    calls: list[int] = []
    summary = gen.generate(out, PEOPLE, seed=7, as_at=AS_AT, chunk_size=80_000, progress=calls.append)
    return out, summary, calls


@pytest.fixture(scope="module")
def db(extract):
    out, _, _ = extract
    con = duckdb.connect()
    for name in TABLE_NAMES:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{out / name}.parquet')")
    # Long-term conditions per person, from the primary-care SNOMED CT codes as written.
    rows = [(c, code) for c, (snomed, _) in gen.CONDITION_CODES.items() for code, _ in snomed]
    con.execute("CREATE TABLE condition_map (condition VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO condition_map VALUES (?, ?)", rows)
    con.execute(
        """
        CREATE TABLE people AS
        SELECT p.*, coalesce(c.n, 0) AS n_conditions, coalesce(c.conditions, []) AS conditions
        FROM persons p LEFT JOIN (
            SELECT person_id, count(DISTINCT condition) AS n, list(DISTINCT condition) AS conditions
            FROM diagnoses JOIN condition_map USING (code)
            WHERE source = 'primary' GROUP BY person_id
        ) c USING (person_id)
        """
    )
    yield con
    con.close()


def one(con, query):
    return con.execute(query).fetchone()[0]


def verhoeff_valid(number: str) -> bool:
    """The Verhoeff check that every SNOMED CT identifier carries in its last digit."""
    d = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ]
    p = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ]
    check = 0
    for i, digit in enumerate(reversed(number)):
        check = d[check][p[i % 8][int(digit)]]
    return check == 0


def test_writes_every_table_and_the_extract_file(extract):
    out, summary, calls = extract
    assert json.loads((out / "extract.json").read_text()) == {
        "as_at": "2026-03-31",
        "seed": 7,
        "people": PEOPLE,
        "generator": "carehouse synthetic v1",
    }
    for name in TABLE_NAMES:
        assert pq.ParquetFile(out / f"{name}.parquet").metadata.num_rows == getattr(summary, name)
    assert summary.persons == PEOPLE
    assert summary.practices == PEOPLE // 8000
    # Written in chunks of 80,000: three row groups, progress after each.
    assert calls == [80_000, 160_000, 200_000]
    assert pq.ParquetFile(out / "persons.parquet").metadata.num_row_groups == 3


def test_columns_and_types_follow_the_schema(extract):
    out, _, _ = extract
    expected_types = {
        "string": {pa.string()},
        "integer": {pa.int32(), pa.int64()},
        "double": {pa.float64()},
        "date": {pa.date32()},
    }
    for table in TABLES:
        schema = pq.read_schema(out / f"{table.name}.parquet")
        assert tuple(schema.names) == table.column_names
        for column in table.columns:
            assert schema.field(column.name).type in expected_types[column.type], (table.name, column.name)


def test_value_sets(db):
    assert {r[0] for r in db.execute("SELECT DISTINCT sex FROM persons").fetchall()} == set(SEXES)
    assert {r[0] for r in db.execute("SELECT DISTINCT code_system FROM diagnoses").fetchall()} == set(CODE_SYSTEMS)
    assert {r[0] for r in db.execute("SELECT DISTINCT source FROM diagnoses").fetchall()} == set(DIAGNOSIS_SOURCES)
    assert {r[0] for r in db.execute("SELECT DISTINCT setting FROM activity").fetchall()} == set(SETTINGS)
    assert {r[0] for r in db.execute("SELECT DISTINCT instrument FROM measures").fetchall()} == {"PAM", "ONS4"}
    # Every row belongs to a person in the persons table; person ids are unique.
    assert one(db, "SELECT count(DISTINCT person_id) FROM persons") == PEOPLE
    for name in ("diagnoses", "activity", "measures"):
        orphans = one(db, f"SELECT count(*) FROM {name} WHERE person_id NOT IN (SELECT person_id FROM persons)")
        assert orphans == 0, name
    # Secondary care is coded in ICD-10, primary care in SNOMED CT.
    assert one(db, "SELECT count(*) FROM diagnoses WHERE (source = 'secondary') <> (code_system = 'icd10')") == 0


def test_people_practices_and_areas(db):
    assert one(db, "SELECT min(age) FROM persons") == 0
    assert one(db, "SELECT max(age) FROM persons") <= 104
    # Age on the as-at date agrees with the year of birth.
    assert one(db, "SELECT count(*) FROM persons WHERE 2026 - year_of_birth - age NOT IN (0, 1)") == 0
    assert one(db, "SELECT count(*) FROM persons WHERE NOT regexp_full_match(practice_code, '[A-Z][0-9]{5}')") == 0
    assert one(db, "SELECT count(*) FROM persons WHERE NOT regexp_full_match(lsoa, 'E01[0-9]{6}')") == 0
    # Each LSOA has one IMD decile and each decile holds about a tenth of people.
    assert one(db, "SELECT max(n) FROM (SELECT count(DISTINCT deprivation_decile) n FROM persons GROUP BY lsoa)") == 1
    shares = db.execute(
        "SELECT deprivation_decile, count(*) / sum(count(*)) OVER () FROM persons GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [decile for decile, _ in shares] == list(range(1, 11))
    assert all(0.07 < share < 0.13 for _, share in shares)
    # Practice list sizes around 8,000 (the last practices of a small run may be smaller).
    sizes = [r[0] for r in db.execute("SELECT count(*) FROM persons GROUP BY practice_code").fetchall()]
    assert 3_000 < np.median(sizes) < 12_000
    # Registration, leaving and death.
    assert one(db, "SELECT count(*) FROM persons WHERE registered_from >= DATE '2026-03-31'") == 0
    assert one(db, "SELECT count(*) FROM persons WHERE registered_to <= registered_from") == 0
    assert 0.007 < one(db, "SELECT avg((registered_to IS NOT NULL)::INT) FROM persons") < 0.013
    assert 0.005 < one(db, "SELECT avg((deceased_date IS NOT NULL)::INT) FROM persons") < 0.011
    dead_age, alive_age = db.execute(
        "SELECT avg(age) FILTER (deceased_date IS NOT NULL), avg(age) FILTER (deceased_date IS NULL) FROM persons"
    ).fetchone()
    assert dead_age > alive_age + 25


def test_age_and_sex_structure(db):
    shares = dict(
        db.execute(
            """
            SELECT CASE WHEN age < 18 THEN '0-17' WHEN age < 65 THEN '18-64' WHEN age < 75 THEN '65-74'
                        WHEN age < 85 THEN '75-84' ELSE '85+' END, count(*) / sum(count(*)) OVER ()
            FROM persons GROUP BY 1
            """
        ).fetchall()
    )
    expected = {"0-17": 0.21, "18-64": 0.60, "65-74": 0.10, "75-84": 0.065, "85+": 0.025}
    for band, share in expected.items():
        assert shares[band] == pytest.approx(share, abs=0.02), band
    female_all, female_85 = db.execute(
        "SELECT avg((sex = 'female')::INT), avg((sex = 'female')::INT) FILTER (age >= 85) FROM persons"
    ).fetchone()
    assert 0.48 < female_all < 0.53
    assert female_85 > 0.58


def test_nhs_numbers_are_valid_unique_and_synthetic(db):
    numbers = [r[0] for r in db.execute("SELECT nhs_number FROM persons").fetchall()]
    assert len(set(numbers)) == PEOPLE
    assert all(len(n) == 10 and n.startswith("999") for n in numbers)
    bodies = np.array([int(n[:9]) for n in numbers], dtype=np.int64)
    checks = np.array([int(n[9]) for n in numbers], dtype=np.int64)
    assert (gen.nhs_check_digits(bodies) == checks).all()
    # Cross-check a sample with the nhs-number package.
    assert all(is_valid(n) for n in numbers[::1000])


def test_nhs_numbers_for_big_populations_use_the_whole_never_issued_range():
    numbers = gen._NhsNumbers(10_000_000, offset=12345)
    first, second = numbers.take(60_000), numbers.take(60_000)
    both = np.concatenate([first, second])
    assert len(set(both.tolist())) == 120_000
    assert all(n[0] == "9" and len(n) == 10 for n in both[:1000])
    assert len({n[:3] for n in both[:1000]}) > 50  # spread over the range, not only 999
    bodies = both.astype(np.int64) // 10
    assert (gen.nhs_check_digits(bodies) == both.astype(np.int64) % 10).all()
    # The 999 range holds about 909,000 valid numbers and no more.
    small = gen._NhsNumbers(100, offset=0)
    assert small.take(900_000).size == 900_000
    with pytest.raises(ValueError, match="synthetic NHS number range"):
        small.take(20_000)


def test_nhs_check_digit_by_hand():
    # 943 476 5919: 9·10 + 4·9 + 3·8 + 4·7 + 7·6 + 6·5 + 5·4 + 9·3 + 1·2 = 299; 299 mod 11 = 2; 11 - 2 = 9.
    assert gen.nhs_number_is_valid("9434765919")
    assert not gen.nhs_number_is_valid("9434765918")
    assert not gen.nhs_number_is_valid("943476591")
    # Agrees with the nhs-number package; a body whose check digit would be 10 (-1) has no valid number.
    bodies = np.arange(999_000_000, 999_000_300, dtype=np.int64)
    checks = gen.nhs_check_digits(bodies)
    assert (checks == -1).any()
    for body, check in zip(bodies, checks, strict=True):
        valid_digits = [digit for digit in range(10) if is_valid(f"{body}{digit}")]
        assert valid_digits == ([check] if check >= 0 else [])


def test_multimorbidity_matches_england(db):
    overall, young, old = db.execute(
        """
        SELECT avg((n_conditions >= 2)::INT), avg((n_conditions >= 2)::INT) FILTER (age < 20),
               avg((n_conditions >= 2)::INT) FILTER (age >= 80)
        FROM people
        """
    ).fetchone()
    assert overall == pytest.approx(0.148, abs=0.015)
    assert young <= 0.02
    assert old == pytest.approx(0.68, abs=0.06)
    most, least = db.execute(
        """
        SELECT avg((n_conditions >= 2)::INT) FILTER (deprivation_decile = 1),
               avg((n_conditions >= 2)::INT) FILTER (deprivation_decile = 10)
        FROM people
        """
    ).fetchone()
    odds_ratio = (most / (1 - most)) / (least / (1 - least))
    assert 1.8 <= odds_ratio <= 2.8


@pytest.mark.parametrize(
    ("condition", "low", "high"),
    [
        ("HYP", 0.11, 0.18),
        ("DIA", 0.05, 0.085),
        ("AST", 0.05, 0.08),
        ("CKD", 0.025, 0.05),
        ("ATR", 0.015, 0.03),
        ("CHD", 0.022, 0.038),
        ("COPD", 0.013, 0.026),
        ("STR", 0.013, 0.026),
        ("HEF", 0.007, 0.015),
        ("DEM", 0.005, 0.012),
        ("EPI", 0.005, 0.011),
        ("CAN", 0.025, 0.045),
        ("SCZ", 0.007, 0.013),
    ],
)
def test_all_age_prevalence_near_qof(db, condition, low, high):
    prevalence = one(db, f"SELECT avg(list_contains(conditions, '{condition}')::INT) FROM people")
    assert low <= prevalence <= high


def test_depression_or_anxiety_among_adults(db):
    adults = one(db, "SELECT avg(list_contains(conditions, 'ANXDEP')::INT) FILTER (age >= 18) FROM people")
    assert 0.10 <= adults <= 0.16


def test_frailty_bands_among_older_people():
    rng = np.random.default_rng(3)
    people = gen._people(rng, 150_000)
    people.decile = rng.integers(1, 11, people.count)
    gen._draw_conditions(rng, people)
    bands = people.frailty[people.age >= 65]
    shares = np.bincount(bands, minlength=4) / bands.size
    for share, expected in zip(shares, (0.50, 0.35, 0.12, 0.03), strict=True):
        assert share == pytest.approx(expected, abs=0.03)
    assert (people.frailty[people.age < 65] == -1).all()


def test_efi_bands_from_the_codes(db):
    # Count each older person's distinct eFI deficits as written (conditions that are deficits, and
    # the deficit codes), then band them as the eFI does: fit 0-4, mild 5-8, moderate 9-13, severe 14+.
    deficits = [(code, code) for code in gen.FRAILTY_CODES]
    for deficit in gen.EFI_CONDITION_DEFICITS:
        conditions = (deficit,) if isinstance(deficit, str) else deficit
        name = "+".join(conditions)
        deficits += [(code, name) for c in conditions for code, _ in gen.CONDITION_CODES[c][0]]
    deficits = [(code, "DEM" if code == gen.MEMORY_CODE else name) for code, name in deficits]
    db.execute("CREATE OR REPLACE TABLE efi_map (code VARCHAR, deficit VARCHAR)")
    db.executemany("INSERT INTO efi_map VALUES (?, ?)", deficits)
    shares = dict(
        db.execute(
            """
            SELECT CASE WHEN n >= 14 THEN 'severe' WHEN n >= 9 THEN 'moderate' WHEN n >= 5 THEN 'mild' ELSE 'fit' END,
                   count(*) / sum(count(*)) OVER ()
            FROM (
                SELECT p.person_id, count(DISTINCT m.deficit) AS n
                FROM persons p LEFT JOIN diagnoses d ON d.person_id = p.person_id
                LEFT JOIN efi_map m ON m.code = d.code
                WHERE p.age >= 65 GROUP BY p.person_id
            ) GROUP BY 1
            """
        ).fetchall()
    )
    for band, expected in {"fit": 0.50, "mild": 0.35, "moderate": 0.12, "severe": 0.03}.items():
        assert shares[band] == pytest.approx(expected, abs=0.04), band


def test_frailty_shows_in_the_codes(db):
    frailty_codes = "'" + "','".join([*gen.FRAILTY_CODES, *gen.FRAILTY_CATEGORY_CODES]) + "'"
    by_age = dict(
        db.execute(
            f"""
            SELECT CASE WHEN age < 65 THEN 'under 65' WHEN age < 80 THEN '65-79' ELSE '80+' END,
                   count(d.code) / count(DISTINCT p.person_id)
            FROM persons p LEFT JOIN diagnoses d ON d.person_id = p.person_id AND d.code IN ({frailty_codes})
            GROUP BY 1
            """
        ).fetchall()
    )
    assert by_age["under 65"] == 0
    assert 0 < by_age["65-79"] < by_age["80+"]
    hospital = "'" + "','".join(code for code, _ in gen.HOSPITAL_FRAILTY_CODES) + "'"
    older, younger = db.execute(
        f"""
        SELECT count(*) FILTER (p.age >= 75) / (SELECT count(*) FROM persons WHERE age >= 75),
               count(*) FILTER (p.age < 65) / (SELECT count(*) FROM persons WHERE age < 65)
        FROM diagnoses d JOIN persons p USING (person_id) WHERE d.code IN ({hospital})
        """
    ).fetchone()
    assert older > 10 * younger


def test_diagnosis_rows_per_person(db, extract):
    _, summary, _ = extract
    assert 8 <= summary.diagnoses / PEOPLE <= 12
    # Most rows are primary care; every condition gets one to three rows.
    assert 0.05 < one(db, "SELECT avg((source = 'secondary')::INT) FROM diagnoses") < 0.3
    assert (
        one(db, "SELECT max(n) FROM (SELECT count(*) n FROM diagnoses WHERE code = '38341003' GROUP BY person_id)") <= 3
    )


def test_codes_are_well_formed(db):
    snomed = [r[0] for r in db.execute("SELECT DISTINCT code FROM diagnoses WHERE code_system = 'snomed'").fetchall()]
    assert snomed
    assert all(code.isdigit() and verhoeff_valid(code) for code in snomed), [c for c in snomed if not verhoeff_valid(c)]
    icd = [r[0] for r in db.execute("SELECT DISTINCT code FROM diagnoses WHERE code_system = 'icd10'").fetchall()]
    normalised = {normalise_code(code, "icd10") for code in icd}
    assert all(re.fullmatch(r"[A-Z][0-9]{2}[0-9]?", code) for code in normalised)
    # Codes from the right chapters.
    for condition, letters in {"DIA": "E", "CHD": "I", "COPD": "J", "DEM": "FG", "CAN": "C", "EPI": "G"}.items():
        assert all(code[0] in letters for code, _ in gen.CONDITION_CODES[condition][1])
    for condition, (snomed_codes, icd_codes) in gen.CONDITION_CODES.items():
        assert snomed_codes and icd_codes, condition
        assert all(re.fullmatch(r"[A-Z][0-9]{2}(\.[0-9])?", code) for code, _ in icd_codes), condition
    assert {"B24", "B20.9", "B23.8"} & set(icd)


def test_messy_icd10_codes(db):
    total, messy = db.execute(
        """
        SELECT count(*), count(*) FILTER (NOT regexp_full_match(code, '[A-Z][0-9]{2}(\\.[0-9])?'))
        FROM diagnoses WHERE code_system = 'icd10'
        """
    ).fetchone()
    assert 0.015 < messy / total < 0.025
    examples = {r[0] for r in db.execute("SELECT DISTINCT code FROM diagnoses WHERE code_system = 'icd10'").fetchall()}
    assert {"I10X", " I10X", "e119"} <= examples


def test_admissions_carry_hospital_diagnoses(db):
    # Every hospital diagnosis falls on an admission date; every admission day has 1-5 per admission.
    unmatched = one(
        db,
        """
        SELECT count(*) FROM diagnoses d WHERE source = 'secondary' AND NOT EXISTS (
            SELECT 1 FROM activity a WHERE a.person_id = d.person_id AND a.date = d.date
            AND a.setting IN ('emergency_admission', 'elective_admission'))
        """,
    )
    assert unmatched == 0
    low, high = db.execute(
        """
        WITH a AS (SELECT person_id, date, count(*) n FROM activity
                   WHERE setting IN ('emergency_admission', 'elective_admission') GROUP BY 1, 2),
             d AS (SELECT person_id, date, count(*) k FROM diagnoses WHERE source = 'secondary' GROUP BY 1, 2)
        SELECT count(*) FILTER (coalesce(k, 0) < n), count(*) FILTER (k > 5 * n) FROM a LEFT JOIN d USING (person_id, date)
        """
    ).fetchone()
    assert (low, high) == (0, 0)


def test_activity_rises_with_conditions_and_age(db):
    rates = [
        r[1]
        for r in db.execute(
            """
            WITH e AS (SELECT person_id, count(*) k FROM activity WHERE setting = 'emergency_admission' GROUP BY 1)
            SELECT least(n_conditions, 4), avg(coalesce(k, 0)) FROM people LEFT JOIN e USING (person_id)
            GROUP BY 1 ORDER BY 1
            """
        ).fetchall()
    ]
    assert rates == sorted(rates)
    assert rates[-1] > 4 * rates[0]
    yearly = dict(db.execute(f"SELECT setting, count(*) / {PEOPLE} / 3 FROM activity GROUP BY 1").fetchall())
    assert 0.07 < yearly["emergency_admission"] < 0.16
    assert 0.25 < yearly["ae"] < 0.6
    # Dates within the last three years; length of stay only for admissions, longer when older.
    assert one(db, "SELECT min(date) FROM activity") >= date(2023, 3, 31)
    assert one(db, "SELECT max(date) FROM activity") <= AS_AT
    assert one(db, "SELECT count(length_of_stay) FROM activity WHERE setting NOT LIKE '%admission'") == 0
    assert one(db, "SELECT count(*) FROM activity WHERE setting LIKE '%admission' AND length_of_stay IS NULL") == 0
    old, young = db.execute(
        """
        SELECT avg(length_of_stay) FILTER (age >= 75), avg(length_of_stay) FILTER (age < 50)
        FROM activity JOIN persons USING (person_id) WHERE setting = 'emergency_admission'
        """
    ).fetchone()
    assert old > young
    assert one(db, "SELECT min(length_of_stay) FROM activity WHERE setting = 'elective_admission'") == 0


def test_no_records_after_death_or_before_birth(db):
    for name in ("diagnoses", "activity", "measures"):
        late = one(
            db,
            f"""
            SELECT count(*) FROM {name} t JOIN persons p USING (person_id)
            WHERE t.date > coalesce(p.deceased_date, p.registered_to, DATE '2026-03-31')
               OR year(t.date) < p.year_of_birth
            """,
        )
        assert late == 0, name


def test_measures(db):
    assert (
        one(
            db,
            "SELECT count(*) FROM measures m JOIN people p USING (person_id) WHERE instrument = 'PAM' AND n_conditions < 2",
        )
        == 0
    )
    share = one(
        db,
        "SELECT avg((person_id IN (SELECT person_id FROM measures WHERE instrument = 'PAM'))::INT) FROM people WHERE n_conditions >= 2",
    )
    assert 0.06 < share < 0.10
    wrong_level = one(
        db,
        """
        SELECT count(*) FROM measures WHERE instrument = 'PAM' AND level <> CASE
            WHEN score <= 47.0 THEN 1 WHEN score <= 55.1 THEN 2 WHEN score <= 67.0 THEN 3 ELSE 4 END
        """,
    )
    assert wrong_level == 0
    assert one(db, "SELECT count(*) FROM measures WHERE instrument = 'PAM' AND (score < 0 OR score > 100)") == 0
    assert one(db, "SELECT count(level) FROM measures WHERE instrument = 'ONS4'") == 0
    assert one(db, "SELECT max(score) FROM measures WHERE instrument = 'ONS4'") <= 10
    # Lower activation in the most deprived areas.
    most, least = db.execute(
        """
        SELECT avg(score) FILTER (deprivation_decile <= 2), avg(score) FILTER (deprivation_decile >= 9)
        FROM measures JOIN persons USING (person_id) WHERE instrument = 'PAM'
        """
    ).fetchone()
    assert most < least


def test_same_seed_same_rows_other_seed_other_rows(tmp_path):
    first = gen.generate(tmp_path / "a", 20_000, seed=11, chunk_size=6_000)
    second = gen.generate(tmp_path / "b", 20_000, seed=11, chunk_size=6_000)
    third = gen.generate(tmp_path / "c", 20_000, seed=12, chunk_size=6_000)
    assert (first.diagnoses, first.activity) == (second.diagnoses, second.activity)
    for name in TABLE_NAMES:
        a = pq.read_table(tmp_path / "a" / f"{name}.parquet")
        b = pq.read_table(tmp_path / "b" / f"{name}.parquet")
        c = pq.read_table(tmp_path / "c" / f"{name}.parquet")
        assert a.equals(b), name
        assert not a.equals(c), name
        assert (tmp_path / "a" / f"{name}.parquet").read_bytes() == (tmp_path / "b" / f"{name}.parquet").read_bytes()
    assert third.persons == 20_000


def test_small_chunks_and_practice_count(tmp_path):
    calls: list[int] = []
    summary = gen.generate(tmp_path, 10_001, chunk_size=2_500, practices=3, progress=calls.append)
    assert calls == [2_500, 5_000, 7_500, 10_000, 10_001]
    persons = pq.ParquetFile(tmp_path / "persons.parquet")
    assert persons.metadata.num_rows == summary.persons == 10_001
    assert persons.metadata.num_row_groups == 5
    assert pq.ParquetFile(tmp_path / "diagnoses.parquet").metadata.num_row_groups == 5
    ids = pq.read_table(tmp_path / "persons.parquet", columns=["person_id", "practice_code"])
    assert len(set(ids.column("person_id").to_pylist())) == 10_001
    assert len(set(ids.column("practice_code").to_pylist())) == summary.practices == 3


def test_one_person(tmp_path):
    summary = gen.generate(tmp_path, 1)
    assert summary.persons == 1
    assert summary.practices == 1
    with pytest.raises(ValueError):
        gen.generate(tmp_path, 0)
