"""Hospital Frailty Risk Score (HFRS): Gilbert T et al., Lancet 2018;391(10132):1775-82.

Each of 109 ICD-10 three-character categories carries points (from the paper's supplementary
appendix; the same as comorbidipy 0.8.0's ``hfrs_mapping``). A person's score is the sum of the
points of the DISTINCT categories recorded in hospital (``source = 'secondary'``) ICD-10
diagnoses in the last 24 months (configurable); GP diagnoses and rows without a source do not
count. Points are kept as integer tenths and divided by 10 once, so every engine gives the same
number; the maximum is 173.2. Bands: low < 5, intermediate 5 to 15, high > 15. The score was
derived in people aged 75 and over; it is computed for everyone, and segmentation applies it at 65+.
Version: gilbert2018.
"""

from __future__ import annotations

from carehouse.population.config import Settings
from carehouse.population.engine import Engine
from carehouse.population.models.base import Category, ModelInfo, diagnosis_categories_sql

# Points in tenths (F00 7.1 points = 71), in the paper's order.
CATEGORIES = (
    Category("F00", "Dementia in Alzheimer's disease", 71),
    Category("G81", "Hemiplegia", 44),
    Category("G30", "Alzheimer's disease", 40),
    Category("I69", "Sequelae of cerebrovascular disease", 37),
    Category("R29", "Other symptoms and signs involving the nervous and musculoskeletal systems", 36),
    Category("N39", "Other disorders of urinary system", 32),
    Category("F05", "Delirium, not induced by alcohol and other psychoactive substances", 32),
    Category("W19", "Unspecified fall", 32),
    Category("S00", "Superficial injury of head", 32),
    Category("R31", "Unspecified haematuria", 30),
    Category("B96", "Other bacterial agents as the cause of diseases classified to other chapters", 29),
    Category("R41", "Other symptoms and signs involving cognitive functions and awareness", 27),
    Category("R26", "Abnormalities of gait and mobility", 26),
    Category("I67", "Other cerebrovascular diseases", 26),
    Category("R56", "Convulsions, not elsewhere classified", 26),
    Category("R40", "Somnolence, stupor and coma", 25),
    Category("T83", "Complications of genitourinary prosthetic devices, implants and grafts", 24),
    Category("S06", "Intracranial injury", 24),
    Category("S42", "Fracture of shoulder and upper arm", 23),
    Category("E87", "Other disorders of fluid, electrolyte and acid-base balance", 23),
    Category("M25", "Other joint disorders, not elsewhere classified", 23),
    Category("E86", "Volume depletion", 23),
    Category("R54", "Senility", 22),
    Category("Z50", "Care involving use of rehabilitation procedures", 21),
    Category("F03", "Unspecified dementia", 21),
    Category("W18", "Other fall on same level", 21),
    Category("Z75", "Problems related to medical facilities and other health care", 20),
    Category("F01", "Vascular dementia", 20),
    Category("S80", "Superficial injury of lower leg", 20),
    Category("L03", "Cellulitis", 20),
    Category("H54", "Visual impairment including blindness", 19),
    Category("E53", "Deficiency of other B group vitamins", 19),
    Category("Z60", "Problems related to social environment", 18),
    Category("G20", "Parkinson's disease", 18),
    Category("R55", "Syncope and collapse", 18),
    Category("S22", "Fracture of rib(s), sternum and thoracic spine", 18),
    Category("K59", "Other functional intestinal disorders", 18),
    Category("N17", "Acute renal failure", 18),
    Category("L89", "Pressure ulcer", 17),
    Category("Z22", "Carrier of infectious disease", 17),
    Category("B95", "Streptococcus and staphylococcus as the cause of diseases classified to other chapters", 17),
    Category("L97", "Ulcer of lower limb, not elsewhere classified", 16),
    Category("R44", "Other symptoms and signs involving general sensations and perceptions", 16),
    Category("K26", "Duodenal ulcer", 16),
    Category("I95", "Hypotension", 16),
    Category("N19", "Unspecified renal failure", 16),
    Category("A41", "Other sepsis", 16),
    Category("Z87", "Personal history of other diseases and conditions", 15),
    Category("J96", "Respiratory failure, not elsewhere classified", 15),
    Category("X59", "Exposure to unspecified factor", 15),
    Category("M19", "Other arthrosis", 15),
    Category("G40", "Epilepsy", 15),
    Category("M81", "Osteoporosis without pathological fracture", 14),
    Category("S72", "Fracture of femur", 14),
    Category("S32", "Fracture of lumbar spine and pelvis", 14),
    Category("E16", "Other disorders of pancreatic internal secretion", 14),
    Category("R94", "Abnormal results of function studies", 14),
    Category("N18", "Chronic kidney disease", 14),
    Category("R33", "Retention of urine", 13),
    Category("R69", "Unknown and unspecified causes of morbidity", 13),
    Category("N28", "Other disorders of kidney and ureter, not elsewhere classified", 13),
    Category("R32", "Unspecified urinary incontinence", 12),
    Category("G31", "Other degenerative diseases of nervous system, not elsewhere classified", 12),
    Category("Y95", "Nosocomial condition", 12),
    Category("S09", "Other and unspecified injuries of head", 12),
    Category("R45", "Symptoms and signs involving emotional state", 12),
    Category("G45", "Transient cerebral ischaemic attacks and related syndromes", 12),
    Category("Z74", "Problems related to care-provider dependency", 11),
    Category("M79", "Other soft tissue disorders, not elsewhere classified", 11),
    Category("W06", "Fall involving bed", 11),
    Category("S01", "Open wound of head", 11),
    Category("A04", "Other bacterial intestinal infections", 11),
    Category("A09", "Other gastroenteritis and colitis of infectious and unspecified origin", 11),
    Category("J18", "Pneumonia, organism unspecified", 11),
    Category("J69", "Pneumonitis due to solids and liquids", 10),
    Category("R47", "Speech disturbances, not elsewhere classified", 10),
    Category("E55", "Vitamin D deficiency", 10),
    Category("Z93", "Artificial opening status", 10),
    Category("R02", "Gangrene, not elsewhere classified", 10),
    Category("R63", "Symptoms and signs concerning food and fluid intake", 9),
    Category("H91", "Other hearing loss", 9),
    Category("W10", "Fall on and from stairs and steps", 9),
    Category("W01", "Fall on same level from slipping, tripping and stumbling", 9),
    Category("E05", "Thyrotoxicosis (hyperthyroidism)", 9),
    Category("M41", "Scoliosis", 9),
    Category("R13", "Dysphagia", 8),
    Category("Z99", "Dependence on enabling machines and devices, not elsewhere classified", 8),
    Category("U80", "Agent resistant to penicillin and related antibiotics", 8),
    Category("M80", "Osteoporosis with pathological fracture", 8),
    Category("K92", "Other diseases of digestive system", 8),
    Category("I63", "Cerebral infarction", 8),
    Category("N20", "Calculus of kidney and ureter", 7),
    Category("F10", "Mental and behavioural disorders due to use of alcohol", 7),
    Category("Y84", "Other medical procedures as the cause of abnormal reaction or later complication", 7),
    Category("R00", "Abnormalities of heart beat", 7),
    Category("J22", "Unspecified acute lower respiratory infection", 7),
    Category("Z73", "Problems related to life-management difficulty", 6),
    Category("R79", "Other abnormal findings of blood chemistry", 6),
    Category("Z91", "Personal history of risk-factors, not elsewhere classified", 5),
    Category("S51", "Open wound of forearm", 5),
    Category("F32", "Depressive episode", 5),
    Category("M48", "Other spondylopathies", 5),
    Category("E83", "Disorders of mineral metabolism", 4),
    Category("M15", "Polyarthrosis", 4),
    Category("D64", "Other anaemias", 4),
    Category("L08", "Other local infections of skin and subcutaneous tissue", 4),
    Category("R11", "Nausea and vomiting", 3),
    Category("K52", "Other non-infective gastroenteritis and colitis", 3),
    Category("R50", "Fever of other and unknown origin", 1),
)

LOW_BELOW = 50  # tenths: under 5 points is low risk
HIGH_ABOVE = 150  # tenths: over 15 points is high risk


def points_sql(category: str) -> str:
    """A category's points in tenths."""
    cases = " ".join(f"WHEN '{c.key}' THEN {c.weight}" for c in CATEGORIES)
    return f"CASE {category} {cases} ELSE 0 END"


def build(engine: Engine, settings: Settings) -> None:
    """``model_hfrs``: person_id, hfrs (points, one decimal), hfrs_band, for every person."""
    since = settings.since_sql(settings.hfrs_lookback_months)
    recorded = diagnosis_categories_sql("hfrs", since, settings.as_at_sql, extra_where="AND d.source = 'secondary'")
    engine.create(
        "hfrs_people",
        f"""
        SELECT person_id, CAST(sum({points_sql("category")}) AS INTEGER) AS tenths
        FROM (SELECT DISTINCT person_id, category FROM ({recorded}) AS r) AS distinct_categories
        GROUP BY person_id
        """,
    )
    engine.create(
        "model_hfrs",
        f"""
        SELECT person_id, pid, CAST(tenths AS DOUBLE) / 10 AS hfrs,
               CASE WHEN tenths < {LOW_BELOW} THEN 'low'
                    WHEN tenths <= {HIGH_ABOVE} THEN 'intermediate'
                    ELSE 'high' END AS hfrs_band
        FROM (
            SELECT p.person_id, p.pid, coalesce(h.tenths, 0) AS tenths
            FROM persons AS p LEFT JOIN hfrs_people AS h ON p.person_id = h.person_id
        ) AS scored
        """,
    )


MODEL = ModelInfo(
    key="hfrs",
    name="Hospital Frailty Risk Score",
    source="Gilbert 2018 (Lancet): 109 ICD-10 categories with points",
    version="gilbert2018",
    lookback="Hospital (secondary care) ICD-10 diagnoses in the last 24 months (configurable)",
    inputs="diagnoses (icd10, source secondary)",
    output_columns=("hfrs", "hfrs_band"),
    build=build,
)
