"""Settings for one stratification: the as-at date, look-back windows and priority weights."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

#: Age bands for counts: (label, first age of the next band); the last band is open.
AGE_BAND_LIMITS = (("0-17", 18), ("18-44", 45), ("45-64", 65), ("65-74", 75), ("75-84", 85))
LAST_AGE_BAND = "85+"
AGE_BANDS = (*(band for band, _ in AGE_BAND_LIMITS), LAST_AGE_BAND)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (clamped to the month's end: 31 May minus 3 months is 28 or 29 February)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(f"No date {months} months before {day}")


def sql_date(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


@dataclass(frozen=True)
class PriorityWeights:
    """How much each part counts in the priority score for personalised care and support planning.

    Each part is scaled to 0..1 first (see ``carehouse.population.priority``); the score is the
    weighted mean times 100. Change them per deployment, in the command line or the web page.
    """

    unplanned_admission: float = 0.30
    multimorbidity: float = 0.25
    frailty: float = 0.20
    low_activation: float = 0.15
    deprivation: float = 0.10

    def as_dict(self) -> dict[str, float]:
        return {
            "unplanned_admission": self.unplanned_admission,
            "multimorbidity": self.multimorbidity,
            "frailty": self.frailty,
            "low_activation": self.low_activation,
            "deprivation": self.deprivation,
        }


@dataclass(frozen=True)
class Settings:
    """One run's settings. Look-backs are counted back from ``as_at``."""

    as_at: date
    charlson_lookback_months: int = 60
    elixhauser_lookback_months: int = 60
    hfrs_lookback_months: int = 24
    cms_cancer_months: int = 60
    utilisation_months: int = 12
    lace_ae_months: int = 6
    activation_lookback_months: int = 24
    priority: PriorityWeights = field(default_factory=PriorityWeights)

    @property
    def as_at_sql(self) -> str:
        return sql_date(self.as_at)

    def since_sql(self, months: int) -> str:
        """The first day inside a look-back of ``months`` (a diagnosis on that day counts)."""
        return sql_date(months_before(self.as_at, months))


def read_as_at(extract: Path) -> date | None:
    """The as-at date an extract's ``extract.json`` gives, if it has one."""
    manifest = extract / "extract.json"
    if not manifest.exists():
        return None
    value = json.loads(manifest.read_text()).get("as_at")
    return date.fromisoformat(value) if value else None
