"""A synthetic population extract for England, calibrated to published figures.

``generate`` writes the four tables of ``carehouse.population.schema`` (Parquet) and
``extract.json`` for any number of people, chunk by chunk, so that memory stays bounded.
Everything is drawn with numpy from a generator seeded by ``(seed, chunk index)``: the same
inputs give the same rows.

The model (research file §4.3-4.4):

* age and sex from the England population structure; IMD decile uniform, clustered by practice;
* a latent health ``h ~ N(0, 1)``; each of the 20 Cambridge Multimorbidity Score conditions is
  Bernoulli(logistic(age curve + deprivation + sex + λ·h)), see ``CONDITIONS``;
* frailty (65+) from age, ``h`` and the number of conditions, in the eFI's four bands;
* hospital and GP activity as Poisson counts rising with age, conditions, ``h`` and frailty;
* SNOMED CT codes for primary care, ICD-10 codes on hospital admissions, about 2% of the ICD-10
  codes written messily (``e119``, `` I10X``) to exercise normalisation;
* PAM and ONS4 measures.

Nothing here is real patient data. NHS numbers come from the range that is never issued.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from carehouse.population.schema import TABLES, Table

GENERATOR_NAME = "carehouse synthetic v1"
#: Rows per Parquet row group: readers such as DuckDB read row groups in parallel.
ROW_GROUP_ROWS = 122_880

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MAX_AGE = 104
_EPOCH = date(1970, 1, 1)

# --------------------------------------------------------------------------------------------
# Population structure (England, Census 2021 / ONS, approximate; research §4.3).
# Share of the population in each age band; spread evenly over single years inside a band,
# except 85+ where the share falls off geometrically with age.
# --------------------------------------------------------------------------------------------
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    # (first age, last age, share)
    (0, 17, 0.21),
    (18, 64, 0.60),
    (65, 74, 0.10),
    (75, 84, 0.065),
    (85, MAX_AGE, 0.025),
)
# Probability of "female" by age (more women at old ages), and of sex "unknown" at any age.
FEMALE_SHARE_KNOTS = ((0, 0.488), (40, 0.505), (65, 0.52), (80, 0.56), (90, 0.66), (MAX_AGE, 0.75))
UNKNOWN_SEX_SHARE = 0.001

# --------------------------------------------------------------------------------------------
# The 20 Cambridge Multimorbidity Score conditions (research §1.5).
#
# Each condition's log-odds for a person is
#     age_curve_c(age) + d_c · (5.5 - decile) / 9 + s_c · (female - ½) + λ_c · h
# where age_curve_c interpolates, on the logit scale, the target prevalence (%) at the knot ages
# below, widened by sqrt(1 + π/8 · Var(rest)) so that the prevalence averaged over h and
# deprivation stays near the target (the probit approximation). So, in the brief's terms,
# a_c + b_c·f(age) is the piecewise-linear logit age curve, d_c the deprivation term and λ_c the
# loading on h.
#
# The knots were tuned by simulation so that (checked by the tests on 200,000 people):
#   ≥2 conditions: 14.8% overall, ≤1% at 0-19, 68% at 80+ (Valabhji 2023, PMID 37905525);
#   most vs least deprived decile OR ≈ 2.3 (ibid. 2.26);
#   all-age prevalences near QOF (hypertension ~15%, depression ~13% of adults, diabetes ~7%,
#   asthma ~6.5%, CKD ~4%, AF ~2.2%, CHD ~3%, COPD ~1.9%, stroke ~1.9%, heart failure ~1.1%,
#   dementia ~0.8%, epilepsy ~0.8%, cancer ~3.6%, SMI ~1%).
# --------------------------------------------------------------------------------------------
CONDITION_AGE_KNOTS = (0, 10, 18, 30, 45, 55, 65, 75, 85, 95)


@dataclass(frozen=True)
class Condition:
    code: str
    name: str
    prevalence: tuple[float, ...]  # % at CONDITION_AGE_KNOTS
    deprivation: float  # d_c: log odds ratio, most vs least deprived decile
    female: float  # s_c: log odds ratio, female vs male
    loading: float  # λ_c: loading on the latent health h


CONDITIONS: tuple[Condition, ...] = (
    #         code      name                          prevalence % at ages 0 10 18 30 45 55 65 75 85 95           d_c   s_c   λ_c
    Condition("HYP", "Hypertension", (0.0, 0.1, 0.4, 1.8, 7.5, 17.0, 27.2, 46.5, 62.0, 64.0), 0.45, -0.10, 0.47),
    Condition(
        "ANXDEP", "Anxiety or depression", (0.2, 2.5, 10.0, 13.5, 13.5, 12.5, 11.0, 11.0, 11.0, 11.0), 1.10, 0.55, 0.47
    ),
    Condition("PNC", "Painful condition", (0.0, 0.2, 0.5, 0.9, 2.0, 3.5, 5.95, 11.16, 16.0, 17.0), 1.05, 0.30, 0.55),
    Condition("HEL", "Hearing loss", (0.2, 0.3, 0.3, 0.5, 1.0, 2.0, 3.4, 8.37, 19.0, 26.0), 0.30, -0.20, 0.26),
    Condition("IBS", "Irritable bowel syndrome", (0.0, 0.6, 1.8, 2.2, 2.2, 2.1, 2.0, 2.0, 1.8, 1.5), 0.25, 0.70, 0.34),
    Condition("AST", "Asthma", (2.5, 8.5, 7.5, 6.5, 6.0, 6.0, 6.5, 7.0, 6.5, 5.5), 0.50, 0.10, 0.42),
    Condition("DIA", "Diabetes", (0.05, 0.2, 0.5, 1.6, 5.5, 11.0, 14.03, 18.6, 18.0, 14.0), 1.10, -0.30, 0.55),
    Condition(
        "CHD", "Coronary heart disease", (0.0, 0.0, 0.0, 0.1, 1.0, 3.5, 6.8, 12.09, 17.0, 18.0), 0.90, -0.70, 0.59
    ),
    Condition(
        "CKD", "Chronic kidney disease", (0.0, 0.0, 0.05, 0.2, 0.7, 2.1, 5.1, 13.95, 30.0, 37.0), 0.60, 0.20, 0.55
    ),
    Condition("ATR", "Atrial fibrillation", (0.0, 0.0, 0.0, 0.1, 0.4, 1.3, 3.65, 9.3, 16.0, 18.0), 0.15, -0.30, 0.47),
    Condition("CON", "Constipation (treated)", (0.6, 0.6, 0.2, 0.3, 0.5, 0.8, 1.36, 3.72, 9.0, 12.0), 0.60, 0.30, 0.64),
    Condition("STR", "Stroke or TIA", (0.0, 0.0, 0.0, 0.1, 0.6, 1.6, 3.23, 6.98, 12.0, 13.0), 0.75, -0.10, 0.59),
    Condition("COPD", "COPD", (0.0, 0.0, 0.0, 0.1, 0.7, 2.5, 4.25, 7.44, 9.0, 7.0), 1.80, -0.10, 0.64),
    Condition(
        "RHE", "Connective tissue disorder", (0.0, 0.05, 0.1, 0.3, 0.8, 1.3, 1.7, 2.33, 2.5, 2.0), 0.45, 0.80, 0.47
    ),
    Condition("CAN", "Cancer", (0.05, 0.05, 0.1, 0.6, 1.9, 4.4, 7.22, 11.62, 15.0, 14.0), 0.15, 0.00, 0.42),
    Condition("ALC", "Alcohol problems", (0.0, 0.0, 0.3, 1.0, 1.4, 1.4, 1.1, 0.6, 0.3, 0.2), 1.35, -0.80, 0.51),
    Condition("HEF", "Heart failure", (0.0, 0.0, 0.0, 0.05, 0.2, 0.6, 1.53, 4.19, 9.0, 12.0), 0.90, -0.30, 0.68),
    Condition("DEM", "Dementia", (0.0, 0.0, 0.0, 0.0, 0.04, 0.15, 0.68, 2.98, 10.0, 18.0), 0.30, 0.20, 0.59),
    Condition("SCZ", "Schizophrenia or bipolar", (0.0, 0.0, 0.6, 1.5, 1.8, 1.8, 1.5, 1.2, 0.9, 0.7), 1.20, -0.10, 0.51),
    Condition("EPI", "Epilepsy (treated)", (0.3, 0.6, 0.8, 0.9, 0.9, 0.9, 1.0, 1.1, 1.1, 1.0), 0.75, 0.00, 0.42),
)
CONDITION_INDEX = {condition.code: index for index, condition in enumerate(CONDITIONS)}

# --------------------------------------------------------------------------------------------
# Codes. SNOMED CT concept ids (primary care) and WHO ICD-10 codes (hospital diagnoses). A code
# may carry a whole-number weight (how often it is chosen relative to the others in its list).
# --------------------------------------------------------------------------------------------
Weighted = tuple[str, int]

CONDITION_CODES: dict[str, tuple[list[Weighted], list[Weighted]]] = {
    "HYP": ([("38341003", 3), ("59621000", 1)], [("I10", 4), ("I11.9", 1)]),
    "ANXDEP": (
        [("35489007", 3), ("197480006", 2), ("370143000", 1)],
        [("F32.9", 3), ("F33.9", 1), ("F41.1", 1), ("F41.9", 1), ("F41.2", 1)],
    ),
    "PNC": ([("82423001", 2), ("279039007", 1)], [("R52.2", 2), ("M54.5", 1), ("M25.5", 1)]),
    "HEL": ([("15188001", 1)], [("H91.9", 2), ("H90.3", 1)]),
    "IBS": ([("10743008", 1)], [("K58.9", 2), ("K58.0", 1)]),
    "AST": ([("195967001", 1)], [("J45.9", 3), ("J45.0", 1)]),
    "DIA": (
        [("44054006", 6), ("73211009", 2), ("46635009", 1)],
        [("E11.9", 4), ("E11.2", 1), ("E11.6", 1), ("E10.9", 1)],
    ),
    "CHD": (
        [("414545008", 3), ("22298006", 1), ("194828000", 1)],
        [("I25.1", 3), ("I25.9", 1), ("I21.9", 1), ("I20.9", 1)],
    ),
    "CKD": ([("709044004", 1)], [("N18.3", 4), ("N18.4", 1), ("N18.9", 1)]),
    "ATR": ([("49436004", 1)], [("I48.9", 3), ("I48.0", 1)]),
    "CON": ([("14760008", 1)], [("K59.0", 1)]),
    "STR": (
        [("230690007", 3), ("266257000", 1)],
        [("I63.9", 3), ("I64", 1), ("G45.9", 2)],
    ),
    "COPD": ([("13645005", 1)], [("J44.9", 3), ("J44.1", 1)]),
    "RHE": ([("69896004", 3), ("55464009", 1)], [("M06.9", 3), ("M05.9", 1), ("M32.9", 1)]),
    "CAN": (
        [("363346000", 2), ("254837009", 1), ("399068003", 1), ("363406005", 1), ("93880001", 1)],
        [("C34.9", 2), ("C50.9", 2), ("C18.9", 2), ("C61", 2), ("C78.0", 1)],
    ),
    "ALC": ([("7200002", 1)], [("F10.2", 3), ("F10.1", 1)]),
    "HEF": ([("84114007", 1)], [("I50.0", 3), ("I50.9", 2), ("I50.1", 1)]),
    "DEM": (
        [("52448006", 3), ("26929004", 1)],
        [("F03", 3), ("G30.9", 2), ("F01.9", 1), ("F00.9", 1)],
    ),
    "SCZ": ([("58214004", 1), ("13746004", 1)], [("F20.9", 1), ("F31.9", 1)]),
    "EPI": ([("84757009", 1)], [("G40.9", 1)]),
}

# eFI-style deficits coded in primary care for older people, and the eFI category codes.
FRAILTY_CODES: dict[str, str] = {
    "161898004": "Falls",
    "165232002": "Urinary incontinence",
    "397540003": "Visual impairment",
    "160689007": "Housebound",
    "301438001": "Reduced mobility",
    "404640003": "Dizziness",
    "267036007": "Dyspnoea",
    "64859006": "Osteoporosis",
    "49049000": "Parkinson's disease",
    "89362005": "Weight loss",
    "271737000": "Anaemia",
    "40930008": "Hypothyroidism",
    "386807006": "Memory impairment",
    "193462001": "Insomnia",
    "271594007": "Syncope",
}
FRAILTY_CATEGORY_CODES: dict[str, str] = {
    "925791000000100": "Mild frailty",
    "925831000000107": "Moderate frailty",
    "925861000000102": "Severe frailty",
}

# Frailty-related hospital codes (Hospital Frailty Risk Score categories, research §1.3).
HOSPITAL_FRAILTY_CODES: list[Weighted] = [
    ("W19", 4),
    ("R29.6", 3),
    ("N39.0", 3),
    ("R41.0", 3),
    ("F05.9", 2),
    ("S72.0", 2),
    ("E86", 2),
    ("R26.8", 2),
    ("L89.9", 1),
    ("Z74.0", 1),
    ("R54", 2),
    ("E87.1", 1),
    ("R55", 2),
    ("I95.9", 1),
    ("S06.0", 1),
    ("S42.2", 1),
]
# Reasons for emergency admission.
ACUTE_CODES: list[Weighted] = [
    ("J18.9", 4),
    ("N39.0", 3),
    ("R07.4", 3),
    ("A41.9", 2),
    ("J22", 3),
    ("R10.4", 3),
    ("N17.9", 1),
    ("K35.8", 1),
    ("L03.1", 1),
    ("S52.5", 1),
    ("J06.9", 1),
]
# Reasons for planned (elective) admission.
ELECTIVE_CODES: list[Weighted] = [
    ("H25.9", 3),
    ("M17.1", 2),
    ("M16.1", 1),
    ("K80.2", 2),
    ("K40.9", 2),
    ("N40", 1),
    ("K57.3", 1),
    ("D12.6", 1),
]
CHEMOTHERAPY_CODE = "Z51.1"
HIV_ICD10: list[Weighted] = [("B24", 2), ("B20.9", 1), ("B23.8", 1)]
HIV_SNOMED = "86406008"
HIV_SHARE = 0.0015  # of adults

# Common minor problems coded in general practice (SNOMED CT), filling most primary-care rows.
MINOR_PRIMARY_CODES: list[Weighted] = [
    ("54150009", 6),  # Upper respiratory infection
    ("68566005", 3),  # Urinary tract infection
    ("25064002", 2),  # Headache
    ("9826008", 2),  # Conjunctivitis
    ("65363002", 2),  # Otitis media
    ("17741008", 2),  # Tonsillitis
    ("49727002", 3),  # Cough
    ("43116000", 2),  # Eczema
    ("11381005", 1),  # Acne
    ("44465007", 1),  # Sprain of ankle
    ("25374005", 2),  # Gastroenteritis
    ("128045006", 1),  # Cellulitis
    ("6142004", 1),  # Influenza
    ("271807003", 2),  # Rash
    ("84229001", 2),  # Fatigue
    ("61582004", 2),  # Allergic rhinitis
    ("414916001", 2),  # Obesity
    ("77176002", 2),  # Smoker
]
MESSY_SHARE = 0.02  # of ICD-10 codes, written as 'e119', ' I10X', 'I10X', 'E11.9 ' and so on

# --------------------------------------------------------------------------------------------
# Frailty (65+): latent = 0.06·(age - 65) + 0.55·h + 0.35·conditions + N(0, 0.6²); cut points
# tuned by simulation to give about 50% fit, 35% mild, 12% moderate, 3% severe (research §1.4).
# --------------------------------------------------------------------------------------------
FRAILTY_CUTS = (1.18, 2.57, 3.86)
# eFI deficits (of 36) a person in each band has in all, drawn uniformly from the band's range
# (fit 0-4, mild 5-8, moderate 9-13, severe 14+, research §1.4). Conditions that are themselves
# eFI deficits count towards them; FRAILTY_CODES make up the rest, each at most once.
FRAILTY_DEFICIT_RANGES = ((0, 4), (5, 8), (9, 13), (14, 18))
# The conditions that are eFI deficits (asthma and COPD are one: respiratory disease).
EFI_CONDITION_DEFICITS = ("HYP", "DIA", "ATR", "STR", "CKD", "HEF", "CHD", "RHE", "HEL", "DEM", ("AST", "COPD"))
MEMORY_CODE = "386807006"  # the same eFI deficit as dementia

# --------------------------------------------------------------------------------------------
# Activity over the last 3 years: Poisson with yearly rate
#     exp(base + age_c · max(age - 50, 0)/10 + child · (age < 5) + b · conditions + g · h + f · frailty band)
# England, roughly: 0.4 A&E attendances, 0.11 emergency admissions, 0.14 elective admissions
# (day cases included), 1.7 outpatient attendances and ~5 GP appointments per person a year; the
# GP and outpatient rates are kept lower here to bound the file sizes.
# --------------------------------------------------------------------------------------------
ACTIVITY_YEARS = 3
ACTIVITY_RATES: dict[str, tuple[float, float, float, float, float, float]] = {
    #                      base   age_c  child  b     g     f
    "ae": (-1.35, 0.10, 0.6, 0.22, 0.20, 0.25),
    "emergency_admission": (-3.02, 0.22, 0.5, 0.30, 0.30, 0.35),
    "elective_admission": (-2.30, 0.15, 0.0, 0.22, 0.15, 0.05),
    "outpatient": (-0.90, 0.12, 0.0, 0.25, 0.15, 0.05),
    "gp": (0.40, 0.08, 0.6, 0.22, 0.15, 0.15),
}
# Length of stay (days): log-normal, log mean rising with age; elective admissions are day cases
# (0 days) 70% of the time, emergency admissions 25%.
LOS_LOG_MEAN = {"emergency_admission": (0.9, 0.012), "elective_admission": (0.6, 0.008)}  # (at 50, per year)
LOS_SIGMA = 0.85
DAY_CASE_SHARE = {"emergency_admission": 0.25, "elective_admission": 0.70}

# Measures: PAM for ~8% of people with 2+ conditions; ONS4 life satisfaction for ~3% of adults.
PAM_SHARE = 0.08
ONS4_SHARE = 0.03
PAM_LEVEL_CUTS = (47.0, 55.1, 67.0)  # level 1 ≤ 47.0 < level 2 ≤ 55.1 < level 3 ≤ 67.0 < level 4

SETTINGS_INDEX = {setting: index for index, setting in enumerate(ACTIVITY_RATES)}
DEATH_SHARE_TARGET = 0.008
LEFT_SHARE = 0.01
LSOAS_IN_ENGLAND = 35_000
PRACTICE_DECILE_PULL = 0.25
PEOPLE_PER_PRACTICE = 8_000
_PRACTICE_LETTERS = "ABCDEFGHJKLMNPY"


# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationSummary:
    """What ``generate`` wrote: rows per table."""

    out_dir: Path
    people: int
    persons: int
    diagnoses: int
    activity: int
    measures: int
    practices: int


# Every integer column of the schema holds small numbers (ages, years, deciles, days, levels).
ARROW_TYPES = {"string": pa.string(), "integer": pa.int32(), "double": pa.float64(), "date": pa.date32()}


def arrow_schema(table: Table) -> pa.Schema:
    """The Arrow schema the generator writes for a table of ``carehouse.population.schema``."""
    return pa.schema([pa.field(column.name, ARROW_TYPES[column.type]) for column in table.columns])


def nhs_check_digits(bodies: IntArray) -> IntArray:
    """Modulus 11 check digits for 9-digit bodies; -1 where the check digit would be 10 (invalid)."""
    total = np.zeros(bodies.shape, dtype=np.int64)
    rest = bodies.copy()
    for weight in range(2, 11):  # the last digit has weight 2, the first weight 10
        total += (rest % 10) * weight
        rest //= 10
    check = 11 - total % 11
    check[check == 11] = 0
    check[check == 10] = -1
    return check


def nhs_number_is_valid(number: str) -> bool:
    """Whether a 10-digit string passes the NHS number Modulus 11 check."""
    if len(number) != 10 or not number.isdigit():
        return False
    check = nhs_check_digits(np.array([int(number[:9])], dtype=np.int64))[0]
    return bool(check == int(number[9]))


class _NhsNumbers:
    """Unique checksum-valid NHS numbers from the never-issued range, in a scrambled order.

    Up to 880,000 people the numbers start 999 (the usual test range, which holds about 909,000
    valid numbers); beyond that they use the whole never-issued 9 range (about 91 million).
    """

    def __init__(self, people: int, offset: int) -> None:
        if people <= 880_000:
            self.base, self.space, self.step = 999_000_000, 10**6, 618_033
        else:
            self.base, self.space, self.step = 900_000_000, 10**8, 61_803_399
        self.offset = offset % self.space
        self.cursor = 0

    def take(self, count: int) -> npt.NDArray[np.str_]:
        found: list[IntArray] = []
        need = count
        while need:
            end = min(self.cursor + need + need // 8 + 16, self.space)
            if end <= self.cursor:
                raise ValueError("Too many people for the synthetic NHS number range")
            candidates = np.arange(self.cursor, end, dtype=np.int64)
            # An affine map with a step coprime to the space visits every body once, scrambled.
            bodies = self.base + (candidates * self.step + self.offset) % self.space
            checks = nhs_check_digits(bodies)
            valid = np.flatnonzero(checks >= 0)[:need]
            found.append(bodies[valid] * 10 + checks[valid])
            self.cursor = int(candidates[valid[-1]]) + 1 if valid.size else int(candidates[-1]) + 1
            need -= valid.size
        return np.concatenate(found).astype("U10")


@dataclass(frozen=True)
class _CodeBook:
    """Every code the generator writes, as one vocabulary; rows hold indices into it."""

    codes: list[str]
    systems: list[int]  # 0 = icd10, 1 = snomed (index into schema CODE_SYSTEMS)
    index: dict[tuple[str, str], int]
    messy: IntArray  # for each ICD-10 code index, 4 messy variants' indices (-1 for SNOMED)


def _build_codebook() -> _CodeBook:
    codes: list[str] = []
    systems: list[int] = []
    index: dict[tuple[str, str], int] = {}

    def add(code: str, system: str) -> int:
        key = (system, code)
        if key not in index:
            index[key] = len(codes)
            codes.append(code)
            systems.append(0 if system == "icd10" else 1)
        return index[key]

    icd: list[str] = []
    for snomed, icd10 in CONDITION_CODES.values():
        for code, _ in snomed:
            add(code, "snomed")
        icd.extend(code for code, _ in icd10)
    for code in [*FRAILTY_CODES, *FRAILTY_CATEGORY_CODES, HIV_SNOMED]:
        add(code, "snomed")
    for code, _ in MINOR_PRIMARY_CODES:
        add(code, "snomed")
    for group in (HOSPITAL_FRAILTY_CODES, ACUTE_CODES, ELECTIVE_CODES, HIV_ICD10):
        icd.extend(code for code, _ in group)
    icd.append(CHEMOTHERAPY_CODE)
    clean = [add(code, "icd10") for code in dict.fromkeys(icd)]
    messy = np.full((len(codes), 4), -1, dtype=np.int64)
    for position in clean:
        code = codes[position]
        bare = code.replace(".", "")
        if len(bare) == 3:
            variants = [f"{code}X", f" {code}X", code.lower(), f"{code} "]
        else:
            variants = [bare.lower(), f" {code}", bare, f"{code.lower()} "]
        messy[position] = [add(variant, "icd10-messy") for variant in variants]
    for (system, _code), position in index.items():
        if system == "icd10-messy":
            systems[position] = 0
    return _CodeBook(codes, systems, index, messy)


_CODEBOOK = _build_codebook()


class _Picker:
    """Weighted choice from several lists of codes, vectorised: one slot table per list."""

    def __init__(self, lists: list[list[Weighted]], system: str, slots: int = 24) -> None:
        table = np.zeros((len(lists), slots), dtype=np.int64)
        for row, weighted in enumerate(lists):
            expanded = [_CODEBOOK.index[(system, code)] for code, weight in weighted for _ in range(weight)]
            if len(expanded) > slots:
                raise ValueError(f"The weights of {weighted} need more than {slots} slots")
            table[row] = [expanded[int(i * len(expanded) / slots)] for i in range(slots)]
        self.table = table
        self.slots = slots

    def pick(self, rng: np.random.Generator, groups: IntArray | int, size: int) -> IntArray:
        column = rng.integers(0, self.slots, size)
        picked: IntArray = self.table[groups, column]
        return picked


_CONDITION_SNOMED = _Picker([CONDITION_CODES[c.code][0] for c in CONDITIONS], "snomed")
_CONDITION_ICD = _Picker([CONDITION_CODES[c.code][1] for c in CONDITIONS], "icd10")
_FRAILTY_DEFICIT_CODES = np.array([_CODEBOOK.index[("snomed", code)] for code in FRAILTY_CODES])
_MEMORY_POSITION = list(FRAILTY_CODES).index(MEMORY_CODE)
_FRAILTY_CATEGORY = np.array([_CODEBOOK.index[("snomed", code)] for code in FRAILTY_CATEGORY_CODES])
_MINOR = _Picker([MINOR_PRIMARY_CODES], "snomed", slots=48)
_HOSPITAL_FRAILTY = _Picker([HOSPITAL_FRAILTY_CODES], "icd10", slots=32)
_ACUTE = _Picker([ACUTE_CODES], "icd10", slots=32)
_ELECTIVE = _Picker([ELECTIVE_CODES], "icd10", slots=16)
_HIV = _Picker([HIV_ICD10], "icd10", slots=8)
_HIV_SNOMED = _CODEBOOK.index[("snomed", HIV_SNOMED)]
_CHEMOTHERAPY = _CODEBOOK.index[("icd10", CHEMOTHERAPY_CODE)]


def _age_weights() -> FloatArray:
    weights = np.zeros(MAX_AGE + 1)
    for first, last, share in AGE_BANDS:
        ages = np.arange(first, last + 1)
        shape = 0.82 ** (ages - first) if first >= 85 else np.ones(ages.size)
        weights[first : last + 1] = share * shape / shape.sum()
    return weights / weights.sum()


def _logit(p: FloatArray) -> FloatArray:
    result: FloatArray = np.log(p / (1 - p))
    return result


def _expit(x: FloatArray) -> FloatArray:
    result: FloatArray = 1.0 / (1.0 + np.exp(-x))
    return result


def _condition_age_logits() -> FloatArray:
    """Per condition and single year of age: the age term of the log-odds, already widened."""
    ages = np.arange(MAX_AGE + 1)
    table = np.zeros((len(CONDITIONS), MAX_AGE + 1))
    for row, condition in enumerate(CONDITIONS):
        prevalence = np.clip(np.array(condition.prevalence) / 100.0, 1e-4, 0.95)
        curve = np.interp(ages, CONDITION_AGE_KNOTS, _logit(prevalence))
        variance = condition.loading**2 + condition.deprivation**2 * 0.0917 + condition.female**2 * 0.25
        table[row] = curve * np.sqrt(1 + np.pi / 8 * variance)
    return table


_AGE_WEIGHTS = _age_weights()
_AGE_LOGITS = _condition_age_logits()
_DEPRIVATION = np.array([c.deprivation for c in CONDITIONS])
_FEMALE = np.array([c.female for c in CONDITIONS])
_LOADING = np.array([c.loading for c in CONDITIONS])
_FEMALE_SHARE = np.interp(
    np.arange(MAX_AGE + 1), [age for age, _ in FEMALE_SHARE_KNOTS], [share for _, share in FEMALE_SHARE_KNOTS]
)


@dataclass(frozen=True)
class _Setup:
    practice_codes: npt.NDArray[np.str_]
    practice_weights: FloatArray
    practice_decile: IntArray  # the decile the practice's area leans to
    practice_block: IntArray  # the practice's area: a block of 100 neighbouring LSOAs
    block_lsoas: IntArray  # (block, decile - 1, 10): the LSOAs of each decile in each block
    nhs_offset: int


def _setup(seed: int, people: int, practices: int | None) -> _Setup:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1_000_003,)))
    count = max(1, round(people / PEOPLE_PER_PRACTICE)) if practices is None else max(1, practices)
    if count > 15 * 90_000:
        raise ValueError("Too many practices")
    numbers = rng.choice(90_000, size=count, replace=False) + 10_000
    letters = np.array(list(_PRACTICE_LETTERS))[rng.integers(0, len(_PRACTICE_LETTERS), count)]
    codes = np.char.add(letters, numbers.astype("U5"))
    # Practice list sizes: log-normal around 8,000, kept within 4,000-15,000.
    sizes = np.clip(rng.lognormal(np.log(7_500), 0.35, count), 4_000, 15_000)
    # Areas: each practice serves a block of 100 neighbouring LSOAs, ten of each IMD decile, in a
    # shuffled order. A person's decile is the practice's own decile PRACTICE_DECILE_PULL of the
    # time and otherwise uniform; practices' own deciles cycle through 1-10, so overall each
    # decile holds about a tenth of people. The person's LSOA is one of the block's ten of that decile.
    blocks = LSOAS_IN_ENGLAND // 100
    block_lsoas = np.zeros((blocks, 10, 10), dtype=np.int64)
    for block in range(blocks):
        order = rng.permutation(100)  # position k holds decile k // 10 + 1
        block_lsoas[block] = (block * 100 + order).reshape(10, 10)
    practice_block = rng.choice(blocks, size=count, replace=count > blocks)
    practice_decile = rng.permutation(np.arange(count) % 10 + 1).astype(np.int64)
    return _Setup(codes, sizes / sizes.sum(), practice_decile, practice_block, block_lsoas, int(rng.integers(0, 2**62)))


@dataclass
class _People:
    """One chunk of people, as numpy arrays (local index = position in the chunk)."""

    count: int
    age: IntArray
    female: BoolArray
    sex: IntArray  # index into SEXES
    decile: IntArray
    h: FloatArray
    # Filled in by _draw_conditions:
    conditions: BoolArray = field(default_factory=lambda: np.zeros((0, len(CONDITIONS)), dtype=np.bool_))
    n_conditions: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    frailty: IntArray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )  # -1 under 65, else 0 fit .. 3 severe
    hiv: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    # Filled in by _dates_and_registration (days since 1970-01-01):
    birth: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    start: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # first day records may fall on
    end: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # last: as-at, death or leaving


def _people(rng: np.random.Generator, count: int) -> _People:
    age = rng.choice(MAX_AGE + 1, size=count, p=_AGE_WEIGHTS).astype(np.int64)
    u = rng.random(count)
    female = u < _FEMALE_SHARE[age]
    sex = np.where(female, 0, 1)
    sex[rng.random(count) < UNKNOWN_SEX_SHARE] = 2
    decile = np.zeros(count, dtype=np.int64)  # set from the practice's area in _chunk_tables
    h = rng.standard_normal(count)
    return _People(count, age, female, sex, decile, h)


def _draw_conditions(rng: np.random.Generator, people: _People) -> None:
    depr = (5.5 - people.decile) / 9.0
    logits = (
        _AGE_LOGITS[:, people.age].T
        + depr[:, None] * _DEPRIVATION
        + (people.female - 0.5)[:, None] * _FEMALE
        + people.h[:, None] * _LOADING
    )
    people.conditions = rng.random(logits.shape) < _expit(logits)
    people.n_conditions = people.conditions.sum(axis=1).astype(np.int64)
    latent = 0.06 * (people.age - 65) + 0.55 * people.h + 0.35 * people.n_conditions + rng.normal(0, 0.6, people.count)
    frailty = np.searchsorted(np.array(FRAILTY_CUTS), latent).astype(np.int64)
    people.frailty = np.where(people.age >= 65, frailty, -1)
    people.hiv = (people.age >= 18) & (rng.random(people.count) < HIV_SHARE)


def _days(day: date) -> int:
    return (day - _EPOCH).days


def _dates_and_registration(rng: np.random.Generator, people: _People, as_at: date) -> dict[str, Any]:
    count = people.count
    as_at_days = _days(as_at)
    # Date of birth: within the year before the last birthday counted by ``age``.
    years = np.datetime64(as_at, "D").astype("datetime64[Y]").astype(np.int64) + 1970 - people.age
    day_of_year = as_at_days - _days(date(as_at.year, 1, 1))
    year_start = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    birth = year_start + day_of_year - rng.integers(0, 364, count)
    birth_d = birth.astype("datetime64[D]")
    year_of_birth = birth_d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth_d.astype("datetime64[M]")
    birth_md = (month.astype(np.int64) % 12 + 1) * 100 + (birth_d - month.astype("datetime64[D]")).astype(np.int64)
    as_at_md = as_at.month * 100 + as_at.day - 1
    age = as_at.year - year_of_birth - (birth_md > as_at_md)
    people.age = np.clip(age, 0, MAX_AGE)
    people.birth = birth
    # Registration: a spell with the practice of ~9 years on average, never before birth.
    registered_from = as_at_days - (rng.exponential(9.0, count) * 365.25).astype(np.int64)
    registered_from = np.maximum(registered_from, birth + rng.integers(5, 60, count))
    registered_from = np.minimum(registered_from, as_at_days - 1)
    registered_to = np.full(count, -1, dtype=np.int64)
    left = rng.random(count) < LEFT_SHARE
    span = as_at_days - registered_from
    registered_to[left] = registered_from[left] + 1 + (rng.random(int(left.sum())) * (span[left] - 1)).astype(np.int64)
    # Deaths: ~0.8%, far likelier with age, poor health, conditions and frailty.
    logit = -11.9 + 0.085 * people.age + 0.45 * people.h + 0.25 * people.n_conditions + 0.5 * (people.frailty + 1)
    dead = (rng.random(count) < _expit(logit)) & ~left
    deceased = np.full(count, -1, dtype=np.int64)
    deceased[dead] = np.maximum(as_at_days - rng.integers(0, 730, int(dead.sum())), registered_from[dead] + 1)
    end = np.full(count, as_at_days, dtype=np.int64)
    end = np.where(left, registered_to, end)
    end = np.where(dead, deceased, end)
    people.start = birth
    people.end = end
    return {
        "year_of_birth": year_of_birth,
        "registered_from": registered_from,
        "registered_to": registered_to,
        "deceased": deceased,
    }


def _date_array(days: IntArray, missing: BoolArray | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.int32(), mask=missing).cast(pa.date32())


def _uniform_dates(rng: np.random.Generator, low: IntArray, high: IntArray) -> IntArray:
    """A day between low and high inclusive (high wins where low > high)."""
    low = np.minimum(low, high)
    result: IntArray = low + (rng.random(low.size) * (high - low + 1)).astype(np.int64)
    return result


def _activity(
    rng: np.random.Generator, people: _People, as_at: int
) -> tuple[IntArray, IntArray, IntArray, IntArray, dict[str, int]]:
    """Activity rows: person index, setting index, date, length of stay (-1 for none)."""
    window_start = np.maximum(as_at - 365 * ACTIVITY_YEARS, people.start)
    exposure = np.clip((people.end - window_start + 1) / 365.25, 0, ACTIVITY_YEARS)
    older = np.maximum(people.age - 50, 0) / 10.0
    child = (people.age < 5).astype(np.float64)
    band = np.maximum(people.frailty, 0).astype(np.float64)
    persons, settings, dates, stays = [], [], [], []
    counts: dict[str, int] = {}
    for setting_index, (setting, (base, age_c, child_c, beta, gamma, phi)) in enumerate(ACTIVITY_RATES.items()):
        rate = np.exp(
            base + age_c * older + child_c * child + beta * people.n_conditions + gamma * people.h + phi * band
        )
        n = rng.poisson(rate * exposure)
        who = np.repeat(np.arange(people.count), n)
        day = _uniform_dates(rng, window_start[who], people.end[who])
        stay = np.full(who.size, -1, dtype=np.int64)
        if setting in LOS_LOG_MEAN:
            at_50, per_year = LOS_LOG_MEAN[setting]
            mu = at_50 + per_year * (people.age[who] - 50)
            stay = np.floor(np.exp(mu + LOS_SIGMA * rng.standard_normal(who.size))).astype(np.int64)
            stay[rng.random(who.size) < DAY_CASE_SHARE[setting]] = 0
            stay = np.minimum(stay, 365)
        persons.append(who)
        settings.append(np.full(who.size, setting_index, dtype=np.int64))
        dates.append(day)
        stays.append(stay)
        counts[setting] = int(who.size)
    return np.concatenate(persons), np.concatenate(settings), np.concatenate(dates), np.concatenate(stays), counts


def _condition_deficits(conditions: BoolArray) -> IntArray:
    """How many eFI deficits each person's long-term conditions already are."""
    total = np.zeros(conditions.shape[0], dtype=np.int64)
    for deficit in EFI_CONDITION_DEFICITS:
        codes = (deficit,) if isinstance(deficit, str) else deficit
        total += conditions[:, [CONDITION_INDEX[code] for code in codes]].any(axis=1)
    return total


def _pick_conditions(rng: np.random.Generator, conditions: BoolArray) -> IntArray:
    """For each row of a (rows, 20) boolean matrix, one true column at random (0 where none)."""
    keys = rng.random(conditions.shape) * conditions
    result: IntArray = keys.argmax(axis=1).astype(np.int64)
    return result


def _diagnoses(
    rng: np.random.Generator,
    people: _People,
    as_at: int,
    admissions: tuple[IntArray, IntArray, IntArray],
) -> tuple[IntArray, IntArray, IntArray, BoolArray]:
    """Diagnosis rows: person index, code index, date, secondary (hospital) or not."""
    persons: list[IntArray] = []
    codes: list[IntArray] = []
    dates: list[IntArray] = []
    secondary: list[BoolArray] = []
    ten_years = np.maximum(as_at - 3652, people.start)

    def add(who: IntArray, code: IntArray, day: IntArray, hospital: bool) -> None:
        persons.append(who)
        codes.append(code)
        dates.append(day)
        secondary.append(np.full(who.size, hospital))

    # Long-term conditions: 1-3 primary-care rows each (diagnosis, then reviews).
    who, condition = np.nonzero(people.conditions)
    repeats = rng.integers(1, 4, who.size)
    who, condition = np.repeat(who, repeats), np.repeat(condition, repeats)
    add(
        who,
        _CONDITION_SNOMED.pick(rng, condition, who.size),
        _uniform_dates(rng, ten_years[who], people.end[who]),
        False,
    )
    # HIV, rarely.
    who = np.flatnonzero(people.hiv)
    add(who, np.full(who.size, _HIV_SNOMED), _uniform_dates(rng, ten_years[who], people.end[who]), False)
    # Frailty (65+): eFI deficits, and the eFI category for most of the mildly frail or worse.
    older = np.flatnonzero(people.frailty >= 0)
    band = people.frailty[older]
    ranges = np.array(FRAILTY_DEFICIT_RANGES)
    target = rng.integers(ranges[band, 0], ranges[band, 1] + 1)
    extra = np.clip(target - _condition_deficits(people.conditions[older]), 0, len(FRAILTY_CODES))
    # Distinct deficit codes: the first `extra` of a random order (memory last for people with dementia).
    keys = rng.random((older.size, len(FRAILTY_CODES)))
    keys[people.conditions[older, CONDITION_INDEX["DEM"]], _MEMORY_POSITION] = 2.0
    ranked = np.argsort(keys, axis=1)
    chosen = np.arange(len(FRAILTY_CODES)) < extra[:, None]
    who = np.repeat(older, extra)
    code = _FRAILTY_DEFICIT_CODES[ranked[chosen]]
    add(who, code, _uniform_dates(rng, ten_years[who], people.end[who]), False)
    coded = older[(band >= 1) & (rng.random(older.size) < 0.6)]
    low = np.maximum(people.end[coded] - 730, people.start[coded])
    add(coded, _FRAILTY_CATEGORY[people.frailty[coded] - 1], _uniform_dates(rng, low, people.end[coded]), False)
    # Minor problems seen in general practice over ten years.
    mean = 5.0 + 0.03 * people.age + 0.8 * people.n_conditions + 0.5 * people.h
    n = rng.poisson(np.clip(mean, 0.5, None))
    who = np.repeat(np.arange(people.count), n)
    add(who, _MINOR.pick(rng, 0, who.size), _uniform_dates(rng, ten_years[who], people.end[who]), False)

    # Hospital diagnoses: 1-5 per admission, dated on the admission.
    adm_person, adm_setting, adm_date = admissions
    if adm_person.size:
        extra_p = np.clip(0.15 + 0.08 * people.n_conditions + 0.08 * np.maximum(people.frailty, 0), 0, 0.85)
        k = 1 + rng.binomial(4, extra_p[adm_person])
        row_adm = np.repeat(np.arange(adm_person.size), k)
        position = np.arange(row_adm.size) - np.repeat(np.cumsum(k) - k, k)
        who = adm_person[row_adm]
        emergency = adm_setting[row_adm] == SETTINGS_INDEX["emergency_admission"]
        has_conditions = people.n_conditions[who] > 0
        frail = np.maximum(people.frailty[who], 0)
        u = rng.random(who.size)
        code = np.where(emergency, _ACUTE.pick(rng, 0, who.size), _ELECTIVE.pick(rng, 0, who.size))
        condition_code = _CONDITION_ICD.pick(rng, _pick_conditions(rng, people.conditions[who]), who.size)
        frailty_code = _HOSPITAL_FRAILTY.pick(rng, 0, who.size)
        # First position: the reason for admission; sometimes a long-term condition (a stroke, an
        # exacerbation of COPD), for frail people often a fall or delirium; chemotherapy for cancer.
        first = position == 0
        use_condition = has_conditions & (u < np.where(first, 0.3, 0.7))
        code = np.where(use_condition, condition_code, code)
        frailty_p = np.array([0.05, 0.2, 0.4, 0.6])[frail] * (people.age[who] >= 65)
        use_frailty = ~use_condition & (rng.random(who.size) < frailty_p)
        use_frailty |= ~first & ~use_condition & (people.age[who] >= 75) & (rng.random(who.size) < 0.1)
        code = np.where(use_frailty, frailty_code, code)
        cancer = people.conditions[who, CONDITION_INDEX["CAN"]]
        chemo = first & ~emergency & cancer & (rng.random(who.size) < 0.4)
        code = np.where(chemo, _CHEMOTHERAPY, code)
        hiv = (position == 1) & people.hiv[who]
        code = np.where(hiv, _HIV.pick(rng, 0, who.size), code)
        add(who, code, adm_date[row_adm], True)

    all_persons = np.concatenate(persons)
    all_codes = np.concatenate(codes)
    all_secondary = np.concatenate(secondary)
    # Messy ICD-10 codes.
    icd_rows = np.flatnonzero(_CODEBOOK.messy[all_codes, 0] >= 0)
    messy_rows = icd_rows[rng.random(icd_rows.size) < MESSY_SHARE]
    all_codes[messy_rows] = _CODEBOOK.messy[all_codes[messy_rows], rng.integers(0, 4, messy_rows.size)]
    return all_persons, all_codes, np.concatenate(dates), all_secondary


def _measures(
    rng: np.random.Generator, people: _People, as_at: int
) -> tuple[IntArray, IntArray, FloatArray, IntArray, IntArray]:
    """Measure rows: person index, instrument (0 PAM, 1 ONS4), score, level (-1 none), date."""
    depr = (5.5 - people.decile) / 9.0
    pam = np.flatnonzero((people.n_conditions >= 2) & (rng.random(people.count) < PAM_SHARE))
    pam = np.repeat(pam, 1 + (rng.random(pam.size) < 0.2))  # a fifth re-measured
    score = 58.0 - 6.0 * depr[pam] - 3.5 * people.h[pam] - 1.0 * people.n_conditions[pam]
    score = np.round(np.clip(score + rng.normal(0, 11.0, pam.size), 0, 100), 1)
    level = 1 + np.searchsorted(np.array(PAM_LEVEL_CUTS), score, side="left").astype(np.int64)
    pam_low = np.maximum(people.end[pam] - 730, people.start[pam])
    ons = np.flatnonzero((people.age >= 16) & (rng.random(people.count) < ONS4_SHARE))
    ons_score = np.clip(np.round(7.4 - 0.8 * depr[ons] - 0.7 * people.h[ons] + rng.normal(0, 1.6, ons.size)), 0, 10)
    ons_low = np.maximum(people.end[ons] - 730, people.start[ons])
    return (
        np.concatenate([pam, ons]),
        np.concatenate([np.zeros(pam.size, np.int64), np.ones(ons.size, np.int64)]),
        np.concatenate([score, ons_score]),
        np.concatenate([level, np.full(ons.size, -1, np.int64)]),
        np.concatenate([_uniform_dates(rng, pam_low, people.end[pam]), _uniform_dates(rng, ons_low, people.end[ons])]),
    )


def _order(persons: IntArray, dates: IntArray) -> IntArray:
    """Rows ordered by person, then date."""
    order: IntArray = np.argsort(persons * 100_000 + (dates - dates.min(initial=0)), kind="stable")
    return order


def _chunk_tables(
    rng: np.random.Generator,
    start: int,
    count: int,
    as_at: date,
    setup: _Setup,
    nhs: _NhsNumbers,
    schemas: dict[str, pa.Schema],
) -> dict[str, pa.Table]:
    as_at_days = _days(as_at)
    people = _people(rng, count)
    practice = rng.choice(setup.practice_codes.size, size=count, p=setup.practice_weights)
    own = rng.random(count) < PRACTICE_DECILE_PULL
    people.decile = np.where(own, setup.practice_decile[practice], rng.integers(1, 11, count))
    lsoa = setup.block_lsoas[setup.practice_block[practice], people.decile - 1, rng.integers(0, 10, count)]
    _draw_conditions(rng, people)
    registration = _dates_and_registration(rng, people, as_at)

    ids = pc.binary_join_element_wise(
        "P", pc.utf8_lpad(pa.array(np.arange(start + 1, start + count + 1)).cast(pa.string()), 9, "0"), ""
    )
    lsoa_codes = pc.binary_join_element_wise("E01", pc.utf8_lpad(pa.array(lsoa + 1).cast(pa.string()), 6, "0"), "")
    persons = pa.table(
        {
            "person_id": ids,
            "nhs_number": pa.array(nhs.take(count)),
            "year_of_birth": pa.array(registration["year_of_birth"].astype(np.int32)),
            "age": pa.array(people.age.astype(np.int32)),
            "sex": pc.take(pa.array(["female", "male", "unknown"]), pa.array(people.sex)),
            "lsoa": lsoa_codes,
            "deprivation_decile": pa.array(people.decile.astype(np.int32)),
            "practice_code": pc.take(pa.array(setup.practice_codes), pa.array(practice)),
            "registered_from": _date_array(registration["registered_from"]),
            "registered_to": _date_array(registration["registered_to"], registration["registered_to"] < 0),
            "deceased_date": _date_array(registration["deceased"], registration["deceased"] < 0),
        },
        schema=schemas["persons"],
    )

    who, setting, day, stay, _ = _activity(rng, people, as_at_days)
    admitted = np.isin(setting, [SETTINGS_INDEX["emergency_admission"], SETTINGS_INDEX["elective_admission"]])
    d_person, d_code, d_date, d_secondary = _diagnoses(
        rng, people, as_at_days, (who[admitted], setting[admitted], day[admitted])
    )

    order = _order(who, day)
    activity = pa.table(
        {
            "person_id": pc.take(ids, pa.array(who[order])),
            "setting": pc.take(pa.array(list(ACTIVITY_RATES)), pa.array(setting[order])),
            "date": _date_array(day[order]),
            "length_of_stay": pa.array(stay[order].astype(np.int32), mask=stay[order] < 0),
        },
        schema=schemas["activity"],
    )
    order = _order(d_person, d_date)
    code_index = pa.array(d_code[order])
    diagnoses = pa.table(
        {
            "person_id": pc.take(ids, pa.array(d_person[order])),
            "code": pc.take(_VOCABULARY, code_index),
            "code_system": pc.take(_CODE_SYSTEM_NAMES, pc.take(_VOCABULARY_SYSTEMS, code_index)),
            "date": _date_array(d_date[order]),
            "source": pc.take(pa.array(["primary", "secondary"]), pa.array(d_secondary[order].astype(np.int64))),
        },
        schema=schemas["diagnoses"],
    )
    m_person, m_instrument, m_score, m_level, m_date = _measures(rng, people, as_at_days)
    order = _order(m_person, m_date)
    measures = pa.table(
        {
            "person_id": pc.take(ids, pa.array(m_person[order])),
            "instrument": pc.take(pa.array(["PAM", "ONS4"]), pa.array(m_instrument[order])),
            "score": pa.array(m_score[order]),
            "level": pa.array(m_level[order].astype(np.int32), mask=m_level[order] < 0),
            "date": _date_array(m_date[order]),
        },
        schema=schemas["measures"],
    )
    return {"persons": persons, "diagnoses": diagnoses, "activity": activity, "measures": measures}


_VOCABULARY = pa.array(_CODEBOOK.codes, type=pa.string())
_VOCABULARY_SYSTEMS = pa.array(_CODEBOOK.systems, type=pa.int64())
_CODE_SYSTEM_NAMES = pa.array(["icd10", "snomed"])


def generate(
    out_dir: Path,
    people: int,
    *,
    seed: int = 42,
    as_at: date = date(2026, 3, 31),
    chunk_size: int = 250_000,
    practices: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerationSummary:
    """Write a synthetic extract of ``people`` people into ``out_dir``; return the row counts."""
    if people < 1:
        raise ValueError("people must be at least 1")
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    setup = _setup(seed, people, practices)
    nhs = _NhsNumbers(people, setup.nhs_offset)
    schemas = {table.name: arrow_schema(table) for table in TABLES}
    rows = dict.fromkeys(schemas, 0)
    writers = {name: pq.ParquetWriter(out_dir / f"{name}.parquet", schema) for name, schema in schemas.items()}
    try:
        written = 0
        chunk = 0
        while written < people:
            count = min(chunk_size, people - written)
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))
            tables = _chunk_tables(rng, written, count, as_at, setup, nhs, schemas)
            for name, table in tables.items():
                writers[name].write_table(table, row_group_size=ROW_GROUP_ROWS)
                rows[name] += table.num_rows
            del tables
            written += count
            chunk += 1
            if progress is not None:
                progress(written)
    finally:
        for writer in writers.values():
            writer.close()
    extract = {"as_at": as_at.isoformat(), "seed": seed, "people": people, "generator": GENERATOR_NAME}
    (out_dir / "extract.json").write_text(json.dumps(extract, indent=2) + "\n", encoding="utf-8")
    return GenerationSummary(
        out_dir=out_dir,
        people=people,
        persons=rows["persons"],
        diagnoses=rows["diagnoses"],
        activity=rows["activity"],
        measures=rows["measures"],
        practices=int(setup.practice_codes.size),
    )
