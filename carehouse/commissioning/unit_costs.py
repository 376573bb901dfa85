"""NHS unit costs for valuing a change in hospital use: shipped defaults, and local costs that replace them.

The defaults are data (``data/unit_costs.csv``): each with its currency (attendance, episode,
consultation), price year, source, table and how sure we are of it. They come from the NHS
reference costs and National Cost Collection, uprated to 2023/24 prices by the NHS Cost Inflation
Index (pay and prices) from the Unit Costs of Health and Social Care manual. Replace them with
figures from the latest National Cost Collection workbook, or with local prices, where known.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from carehouse.commissioning.models import UnitCost
from carehouse.core.models import Organisation

DEFAULTS_FILE = Path(__file__).parent / "data" / "unit_costs.csv"
#: NHS Cost Inflation Index, pay and prices, % change in each financial year (UCHSC 2024 manual).
NHSCII: dict[str, Decimal] = {
    "2015/16": Decimal("0.40"),
    "2016/17": Decimal("2.09"),
    "2017/18": Decimal("1.24"),
    "2018/19": Decimal("1.60"),
    "2019/20": Decimal("2.14"),
    "2020/21": Decimal("2.49"),
    "2021/22": Decimal("2.58"),
    "2022/23": Decimal("7.32"),
    "2023/24": Decimal("4.31"),
}
PRICE_YEAR = "2023/24"


@dataclass(frozen=True)
class Cost:
    """One unit cost: what it prices, in what currency, how much, from when and where."""

    activity: str
    currency: str
    unit_cost_gbp: Decimal
    price_year: str
    source: str
    table_ref: str = ""
    confidence: str = ""
    local: bool = False
    version: int = 0


def uprating_factor(from_year: str, to_year: str = PRICE_YEAR) -> Decimal:
    """How much prices rose from one financial year to a later one, by the NHS Cost Inflation Index."""
    years = list(NHSCII)
    if from_year not in years or to_year not in years or years.index(to_year) < years.index(from_year):
        raise ValueError(f"No uprating from {from_year} to {to_year}")
    factor = Decimal(1)
    for year in years[years.index(from_year) + 1 : years.index(to_year) + 1]:
        factor *= 1 + NHSCII[year] / 100
    return factor


def uprate(value: Decimal, from_year: str, to_year: str = PRICE_YEAR) -> Decimal:
    """A cost in one year's prices, in a later year's prices, to the penny."""
    return (value * uprating_factor(from_year, to_year)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@cache
def defaults() -> dict[str, Cost]:
    """The shipped unit costs, by activity."""
    with DEFAULTS_FILE.open(newline="", encoding="utf-8") as handle:
        return {
            row["activity"]: Cost(
                activity=row["activity"],
                currency=row["currency"],
                unit_cost_gbp=Decimal(row["unit_cost_gbp"]),
                price_year=row["price_year"],
                source=row["source"],
                table_ref=row["table_ref"],
                confidence=row["confidence"],
            )
            for row in csv.DictReader(handle)
        }


def costs_for(organisation: Organisation) -> dict[str, Cost]:
    """The unit costs an organisation uses: its local costs where set, the defaults otherwise."""
    found = dict(defaults())
    for local in UnitCost.objects.filter(organisation=organisation):
        found[local.activity] = Cost(
            activity=local.activity,
            currency=local.currency,
            unit_cost_gbp=local.unit_cost_gbp,
            price_year=local.price_year,
            source=local.source,
            confidence="local",
            local=True,
            version=local.version,
        )
    return found
