"""Electronic Frailty Index (Clegg 2016) with the illustrative code list, against hand-worked counts."""

from __future__ import annotations

from datetime import date

import pytest

from carehouse.population import generate
from carehouse.population.models import efi
from carehouse.population.tests.helpers import loaded, person, write_extract

# One illustrative SNOMED CT id per deficit (codelists/efi.csv).
FALLS, INCONTINENCE, HEARING, VISION, HOUSEBOUND = "161898004", "165232002", "15188001", "397540003", "160689007"
HEART_FAILURE, AF, DIABETES, HYPERTENSION, CKD = "84114007", "49436004", "73211009", "38341003", "709044004"
OSTEOPOROSIS, PARKINSONS, DEMENTIA, COPD, IHD, STROKE = (
    "64859006",
    "49049000",
    "52448006",
    "13645005",
    "414545008",
    "230690007",
)
SEVERE_CODE, MODERATE_CODE = "925861000000102", "925831000000107"
ALL_FOURTEEN = [FALLS, INCONTINENCE, HEARING, VISION, HOUSEBOUND, HEART_FAILURE, AF]
ALL_FOURTEEN += [DIABETES, HYPERTENSION, CKD, OSTEOPOROSIS, PARKINSONS, DEMENTIA, COPD]


def scores(tmp_path, diagnoses, persons=None):
    extract = write_extract(tmp_path, persons=persons or [person("p1", age=80)], diagnoses=diagnoses)
    engine, settings = loaded(extract, ["efi"])
    efi.build(engine, settings)
    rows = engine.fetch("SELECT * EXCLUDE (pid) FROM model_efi ORDER BY person_id").to_pylist()
    return {row["person_id"]: row for row in rows}


def dx(code, person_id="p1", when="2019-05-01"):
    return {"person_id": person_id, "code": code, "code_system": "snomed", "date": date.fromisoformat(when)}


def test_thirty_six_deficits():
    assert len(efi.EFI_DEFICITS) == 36
    assert len({deficit.key for deficit in efi.EFI_DEFICITS}) == 36


def test_five_deficits_is_mild_and_the_same_deficit_twice_counts_once(tmp_path):
    # Falls (twice, years apart), incontinence, hearing, vision, housebound: 5 deficits, 5/36 = 0.139.
    codes = [FALLS, INCONTINENCE, HEARING, VISION, HOUSEBOUND]
    result = scores(tmp_path, [dx(code) for code in codes] + [dx(FALLS, when="2025-12-01")])
    assert result["p1"] == {"person_id": "p1", "efi_deficits": 5, "efi": 0.139, "efi_category": "mild"}


def test_under_65_is_null_and_65_is_scored(tmp_path):
    persons = [person("young", age=64), person("old", age=65)]
    diagnoses = [dx(code, person_id=who) for who in ("young", "old") for code in (FALLS, AF, DIABETES)]
    result = scores(tmp_path, diagnoses, persons=persons)
    assert result["young"] == {"person_id": "young", "efi_deficits": None, "efi": None, "efi_category": None}
    # 3 deficits: 3/36 = 0.083, fit.
    assert result["old"] == {"person_id": "old", "efi_deficits": 3, "efi": 0.083, "efi_category": "fit"}


@pytest.mark.parametrize(
    ("count", "score", "category"),
    [
        (0, 0.0, "fit"),
        (4, 0.111, "fit"),  # 4/36
        (8, 0.222, "mild"),  # 8/36
        (9, 0.25, "moderate"),  # 9/36
        (13, 0.361, "moderate"),  # 13/36, 0.36 to two decimals
        (14, 0.389, "severe"),  # 14/36
    ],
)
def test_category_boundaries(tmp_path, count, score, category):
    codes = ALL_FOURTEEN
    assert len(codes) == 14
    result = scores(tmp_path, [dx(code) for code in codes[:count]])
    assert (result["p1"]["efi_deficits"], result["p1"]["efi"], result["p1"]["efi_category"]) == (
        count,
        score,
        category,
    )


def test_a_recorded_category_wins_only_when_more_severe(tmp_path):
    persons = [person("p1", age=80), person("p2", age=80), person("p3", age=80)]
    diagnoses = [
        # p1: 2 deficits (fit) but severe frailty recorded: severe; the score stays 2/36 = 0.056.
        dx(FALLS),
        dx(AF),
        dx(SEVERE_CODE),
        # p2: 6 deficits (mild) and moderate frailty recorded: moderate.
        *(dx(code, person_id="p2") for code in (FALLS, AF, DIABETES, CKD, IHD, STROKE)),
        dx(MODERATE_CODE, person_id="p2"),
        # p3: 14 deficits (severe) and moderate recorded: stays severe.
        *(dx(code, person_id="p3") for code in ALL_FOURTEEN),
        dx(MODERATE_CODE, person_id="p3"),
    ]
    result = scores(tmp_path, diagnoses, persons=persons)
    assert (result["p1"]["efi_deficits"], result["p1"]["efi"], result["p1"]["efi_category"]) == (2, 0.056, "severe")
    assert (result["p2"]["efi_deficits"], result["p2"]["efi_category"]) == (6, "moderate")
    assert (result["p3"]["efi_deficits"], result["p3"]["efi_category"]) == (14, "severe")


def test_an_organisations_code_list_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(efi.EFI_CODELIST_ENV, raising=False)
    assert efi.efi_codelist_path() == efi.SHIPPED_CODELIST
    own = tmp_path / "our-efi.csv"
    own.write_text(
        "category,code_system,prefix\nFalls,SNOMED,161898004\nfalls,icd10,W19\nhousebound,snomed,160689007\n"
    )
    monkeypatch.setenv(efi.EFI_CODELIST_ENV, str(own))
    assert efi.efi_codelist_path() == own
    assert not efi.efi_codelist_is_illustrative()
    # Normalised, and the recorded frailty category codes added.
    assert efi.efi_codelist_rows() == (
        ("falls", "snomed", "161898004"),
        ("falls", "icd10", "W19"),
        ("housebound", "snomed", "160689007"),
        ("recorded_moderate", "snomed", MODERATE_CODE),
        ("recorded_severe", "snomed", SEVERE_CODE),
    )
    monkeypatch.delenv(efi.EFI_CODELIST_ENV)
    assert efi.efi_codelist_is_illustrative()


def test_a_bad_organisation_code_list_is_refused(tmp_path):
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("category,code_system,prefix\nfrailty,snomed,1\n")
    with pytest.raises(ValueError, match="not an eFI deficit"):
        efi.efi_codelist_rows(unknown)
    no_column = tmp_path / "no-column.csv"
    no_column.write_text("category,code\nfalls,1\n")
    with pytest.raises(ValueError, match="code_system, prefix"):
        efi.efi_codelist_rows(no_column)


def test_the_shipped_list_reads_cleanly_and_covers_the_generators_frailty_codes():
    rows = efi.efi_codelist_rows(efi.SHIPPED_CODELIST)
    codes = {code for _, system, code in rows if system == "snomed"}
    assert set(generate.FRAILTY_CODES) <= codes
    assert {MODERATE_CODE, SEVERE_CODE} <= codes
