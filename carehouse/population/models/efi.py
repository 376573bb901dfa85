"""Electronic Frailty Index: deficits present out of 36, for people aged 65 and over.

Source: Clegg A et al., Age Ageing 2016;45(3):353-60 (36 deficits, unweighted, validated at ages
65 to 95). Version: ``clegg2016``. Look-back: a deficit counts if ever recorded. Under 65 every
output is NULL; over 95 it is still computed.

Categories, from whole deficit counts (frailtytoolkit.org and the eFI guidance notes give them as
scores 0-0.12, 0.13-0.24, 0.25-0.36, over 0.36, that is on scores rounded to two decimals):
fit 0-4 (up to 4/36 = 0.111), mild 5-8 (0.139-0.222), moderate 9-13 (0.250-0.361),
severe 14 or more (0.389 and over). 13/36 = 0.361 rounds to 0.36, so it is moderate.

A recorded NHS frailty category code, moderate (925831000000107) or severe (925861000000102),
ever recorded, raises the category when it is more severe than the computed one; ``efi`` and
``efi_deficits`` stay as computed.

The published code list (2,171 Read/CTV3 codes) is not shipped: the deploying organisation
supplies it as a CSV (category, code_system, prefix) named by the environment variable
``CAREHOUSE_EFI_CODELIST``. ``codelists/efi.csv`` holds only a short ILLUSTRATIVE list of
well-known SNOMED CT ids so that the demonstration and tests run; scores from it are not eFI
scores. The deficit names are from the research notes and not yet checked against Clegg 2016
Table 1. Polypharmacy (5 or more drugs) needs prescribing data an extract does not hold; it
counts only if the organisation's list maps codes to it.
"""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

from carehouse.population.codes import normalise_code
from carehouse.population.config import Settings, sql_date
from carehouse.population.engine import Engine
from carehouse.population.models.base import (
    Category,
    ModelInfo,
    category_bits,
    count_sql,
    create_person_masks,
    has,
)
from carehouse.population.schema import CODE_SYSTEMS

EFI_CODELIST_ENV = "CAREHOUSE_EFI_CODELIST"
SHIPPED_CODELIST = Path(__file__).resolve().parent.parent / "codelists" / "efi.csv"

# Unverified against Clegg 2016 Table 1 (research §1.4).
EFI_DEFICITS = (
    Category("activity_limitation", "Activity limitation"),
    Category("anaemia", "Anaemia and haematinic deficiency"),
    Category("arthritis", "Arthritis"),
    Category("atrial_fibrillation", "Atrial fibrillation"),
    Category("cerebrovascular_disease", "Cerebrovascular disease"),
    Category("chronic_kidney_disease", "Chronic kidney disease"),
    Category("diabetes", "Diabetes"),
    Category("dizziness", "Dizziness"),
    Category("dyspnoea", "Dyspnoea"),
    Category("falls", "Falls"),
    Category("foot_problems", "Foot problems"),
    Category("fragility_fracture", "Fragility fracture"),
    Category("hearing_impairment", "Hearing impairment"),
    Category("heart_failure", "Heart failure"),
    Category("heart_valve_disease", "Heart valve disease"),
    Category("housebound", "Housebound"),
    Category("hypertension", "Hypertension"),
    Category("hypotension_syncope", "Hypotension or syncope"),
    Category("ischaemic_heart_disease", "Ischaemic heart disease"),
    Category("memory_cognitive_problems", "Memory and cognitive problems"),
    Category("mobility_transfer_problems", "Mobility and transfer problems"),
    Category("osteoporosis", "Osteoporosis"),
    Category("parkinsonism_tremor", "Parkinsonism and tremor"),
    Category("peptic_ulcer", "Peptic ulcer"),
    Category("peripheral_vascular_disease", "Peripheral vascular disease"),
    Category("polypharmacy", "Polypharmacy (5 or more drugs)"),
    Category("requirement_for_care", "Requirement for care"),
    Category("respiratory_disease", "Respiratory disease"),
    Category("skin_ulcer", "Skin ulcer"),
    Category("sleep_disturbance", "Sleep disturbance"),
    Category("social_vulnerability", "Social vulnerability"),
    Category("thyroid_disease", "Thyroid disease"),
    Category("urinary_incontinence", "Urinary incontinence"),
    Category("urinary_system_disease", "Urinary system disease"),
    Category("visual_impairment", "Visual impairment"),
    Category("weight_loss_anorexia", "Weight loss and anorexia"),
)
RECORDED_CATEGORIES = (
    Category("recorded_moderate", "Moderate frailty recorded"),
    Category("recorded_severe", "Severe frailty recorded"),
)
CATEGORIES = EFI_DEFICITS + RECORDED_CATEGORIES
# NHS frailty category codes (research §1.4), matched whatever code list is in force.
RECORDED_CATEGORY_CODES = (
    ("recorded_moderate", "snomed", "925831000000107"),
    ("recorded_severe", "snomed", "925861000000102"),
)
# Whole deficit counts at which each category starts.
MILD_FROM, MODERATE_FROM, SEVERE_FROM = 5, 9, 14

EVER = sql_date(date(1900, 1, 1))


def efi_codelist_path() -> Path:
    """The eFI code list in force: ``$CAREHOUSE_EFI_CODELIST`` if set, else the shipped illustrative one."""
    given = os.environ.get(EFI_CODELIST_ENV, "").strip()
    return Path(given) if given else SHIPPED_CODELIST


def efi_codelist_is_illustrative() -> bool:
    """True when no organisation code list is given, so scores come from the illustrative list."""
    return efi_codelist_path() == SHIPPED_CODELIST


def efi_codelist_rows(path: Path | None = None) -> tuple[tuple[str, str, str], ...]:
    """(category, code_system, prefix) rows of the eFI code list, checked and normalised.

    The recorded frailty category codes are added when the list lacks them. Raises ``ValueError``
    for a missing column, an unknown deficit or an unknown code system.
    """
    path = path or efi_codelist_path()
    known = {category.key for category in CATEGORIES}
    rows: list[tuple[str, str, str]] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"category", "code_system", "prefix"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path} has no {', '.join(sorted(missing))} column")
        for line, row in enumerate(reader, start=2):
            category = (row["category"] or "").strip().lower()
            system = (row["code_system"] or "").strip().lower()
            code = normalise_code(row["prefix"] or "", system)
            if not category and not code:
                continue
            if category not in known:
                raise ValueError(f"{path}, line {line}: {category!r} is not an eFI deficit")
            if system not in CODE_SYSTEMS:
                raise ValueError(f"{path}, line {line}: code_system {system!r} is not one of {', '.join(CODE_SYSTEMS)}")
            if not code:
                raise ValueError(f"{path}, line {line}: no code")
            rows.append((category, system, code))
    rows.extend(row for row in RECORDED_CATEGORY_CODES if row not in rows)
    return tuple(dict.fromkeys(rows))


def build(engine: Engine, settings: Settings) -> None:
    """``model_efi``: person_id, efi_deficits, efi, efi_category; NULL under 65."""
    bits = category_bits(CATEGORIES)
    create_person_masks(engine, "efi", CATEGORIES, EVER, settings.as_at_sql, "efi_people")
    severe = has("mask", bits["recorded_severe"])
    moderate = has("mask", bits["recorded_moderate"])
    engine.create(
        "model_efi",
        f"""
        SELECT person_id, pid,
               CASE WHEN age >= 65 THEN deficits END AS efi_deficits,
               CASE WHEN age >= 65 THEN CAST((deficits * 2000 + 36) // 72 AS DOUBLE) / 1000 END AS efi,
               CASE WHEN age < 65 THEN NULL
                    WHEN deficits >= {SEVERE_FROM} OR {severe} THEN 'severe'
                    WHEN deficits >= {MODERATE_FROM} OR {moderate} THEN 'moderate'
                    WHEN deficits >= {MILD_FROM} THEN 'mild'
                    ELSE 'fit' END AS efi_category
        FROM (
            SELECT person_id, pid, age, mask, CAST({count_sql("mask", EFI_DEFICITS)} AS INTEGER) AS deficits
            FROM (
                SELECT p.person_id, p.pid, p.age, coalesce(e.mask, CAST(0 AS BIGINT)) AS mask
                FROM persons AS p LEFT JOIN efi_people AS e ON p.pid = e.pid
            ) AS masked
        ) AS counted
        """,
    )


MODEL = ModelInfo(
    key="efi",
    name="Electronic Frailty Index",
    source="Clegg 2016 (Age Ageing 45:353), 36 deficits; code list supplied by the organisation",
    version="clegg2016" + ("-illustrative-codelist" if efi_codelist_is_illustrative() else ""),
    lookback="Deficits ever recorded; people aged 65 and over",
    inputs="diagnoses (snomed, icd10)",
    output_columns=("efi", "efi_deficits", "efi_category"),
    build=build,
)
