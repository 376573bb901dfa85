"""What the incentive scheme pages show: each practice's or provider's achievement, payment and evidence.

Payments are worked out from the raw numerator and denominator (a contract pays on the real
figures). What is shown goes through disclosure control: counts rounded to 5 (1 to 7 as *), the
achievement from the rounded parts, and no result shown for a practice or provider with fewer
than 8 people in a denominator (the commissioner's data team can check those on request).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from carehouse.commissioning.board import BoardSection, BoardTable
from carehouse.commissioning.dimensions import Filters, month_start, practices_in
from carehouse.commissioning.incentives import IndicatorResult, result
from carehouse.commissioning.indicator_figures import Figure, figures, provider_figures
from carehouse.commissioning.indicators import BY_KEY
from carehouse.commissioning.models import IncentiveIndicator, IncentiveScheme
from carehouse.commissioning.services_measures import PAID_TO, schemes_for
from carehouse.core.actor import Actor
from carehouse.core.disclosure import SUPPRESSED, breakdown_allowed, safe_count, safe_rate
from carehouse.directory.models import DirectoryOrganization

WITHHELD = "Too few to show"


def percent(fraction: float | Decimal, places: int = 1) -> str:
    return f"{100 * float(fraction):.{places}f}%"


def money(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def scheme_filters(scheme: IncentiveScheme, actor: Actor) -> Filters:
    return Filters(start=month_start(scheme.period_start), end=month_start(scheme.period_end))


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator's result for one practice or provider, as shown."""

    name: str
    thresholds: str
    weight: str
    numerator: str
    denominator: str
    achievement: str
    interval: str
    fraction: str
    payment: str
    shown: bool


@dataclass(frozen=True)
class Payee:
    name: str
    lines: list[IndicatorLine]
    total: str
    shown: bool

    @property
    def rows(self) -> list[list[str]]:
        return [
            [
                line.name,
                line.numerator,
                line.denominator,
                line.achievement,
                line.interval,
                line.thresholds,
                line.fraction,
                line.weight,
                line.payment,
            ]
            for line in self.lines
        ]


@dataclass(frozen=True)
class SchemePage:
    scheme: IncentiveScheme
    paid_to: str
    period: str
    value: str
    indicators: list[list[str]]
    evidence: list[tuple[str, str, str, str, str]]
    payees: list[Payee]
    total: str


def _line(rule: IncentiveIndicator, outcome: IndicatorResult) -> IndicatorLine:
    indicator = BY_KEY[rule.measure_key]
    allowed = breakdown_allowed(outcome.denominator)
    rate = safe_rate(outcome.numerator, outcome.denominator)
    interval = (
        f"{percent(outcome.interval[0])} to {percent(outcome.interval[1])}"
        if allowed and outcome.interval is not None
        else WITHHELD
    )
    return IndicatorLine(
        name=indicator.name,
        thresholds=f"{percent(rule.lower)} to {percent(rule.upper)}",
        weight=percent(rule.weight, 0),
        numerator=str(safe_count(outcome.numerator)),
        denominator=str(safe_count(outcome.denominator)),
        achievement=(SUPPRESSED if rate is None else percent(rate)) if outcome.denominator else "No data",
        interval=interval,
        fraction=percent(outcome.fraction, 0) if allowed else WITHHELD,
        payment=money(outcome.payment) if allowed else WITHHELD,
        shown=allowed,
    )


def results(actor: Actor, scheme: IncentiveScheme) -> dict[str, list[tuple[IncentiveIndicator, IndicatorResult]]]:
    """Raw results by payee name: each indicator's numerator, denominator, achievement and payment."""
    filters = scheme_filters(scheme, actor)
    rules = list(scheme.indicators.all())
    payees: dict[str, list[tuple[IncentiveIndicator, IndicatorResult]]] = {}
    if scheme.paid_to == "provider":
        raw = {rule.pk: provider_figures(actor, BY_KEY[rule.measure_key], filters) for rule in rules}
        ids = sorted({provider for found in raw.values() for provider in found})
        names = {
            str(pk): name for pk, name in DirectoryOrganization.objects.filter(pk__in=ids).values_list("pk", "name")
        }
        places: list[tuple[object, str]] = [(provider, names.get(provider, "Not known")) for provider in ids]
        lookup: dict[int, dict[tuple[object, ...], Figure]] = {
            rule.pk: {(key,): value for key, value in raw[rule.pk].items()} for rule in rules
        }
    else:
        places = [(org.pk, org.name) for org in practices_in(actor)]
        lookup = {
            rule.pk: dict(figures(actor, BY_KEY[rule.measure_key], filters, ["practice"]).items()) for rule in rules
        }
    for place, name in sorted(places, key=lambda item: item[1]):
        payees[name] = [
            (
                rule,
                result(
                    rule.measure_key,
                    lookup[rule.pk].get((place,), Figure(0, 0)).numerator,
                    lookup[rule.pk].get((place,), Figure(0, 0)).denominator,
                    lower=float(rule.lower),
                    upper=float(rule.upper),
                    weight=rule.weight,
                    value=scheme.value_gbp,
                ),
            )
            for rule in rules
        ]
    return payees


def scheme_page(actor: Actor, scheme: IncentiveScheme) -> SchemePage:
    rules = list(scheme.indicators.all())
    payees: list[Payee] = []
    grand = Decimal(0)
    for name, found in results(actor, scheme).items():
        lines = [_line(rule, outcome) for rule, outcome in found]
        shown = all(line.shown for line in lines)
        total = sum((outcome.payment for _rule, outcome in found), Decimal(0))
        grand += total
        payees.append(Payee(name, lines, money(total) if shown else WITHHELD, shown))
    period = f"{scheme.period_start:%-d %B %Y} to {scheme.period_end:%-d %B %Y}"
    return SchemePage(
        scheme=scheme,
        paid_to=dict(PAID_TO).get(scheme.paid_to, scheme.paid_to),
        period=period,
        value=money(scheme.value_gbp),
        indicators=[
            [BY_KEY[rule.measure_key].name, percent(rule.lower), percent(rule.upper), percent(rule.weight, 0)]
            for rule in rules
        ],
        evidence=[
            (
                BY_KEY[rule.measure_key].name,
                BY_KEY[rule.measure_key].numerator,
                BY_KEY[rule.measure_key].denominator,
                period,
                BY_KEY[rule.measure_key].data_source,
            )
            for rule in rules
        ],
        payees=payees,
        total=money(grand) if all(payee.shown for payee in payees) else WITHHELD,
    )


def board_section(actor: Actor, filters: Filters) -> BoardSection:
    """Incentive schemes, for the board paper: what each scheme would pay in all, and how many earned something."""
    rows: list[list[str]] = []
    paragraphs = ["Incentive schemes pay practices or services for reaching agreed levels."]
    for scheme in schemes_for(actor)[:5]:
        found = results(actor, scheme)
        total = sum((outcome.payment for pairs in found.values() for _r, outcome in pairs), Decimal(0))
        earning = sum(1 for pairs in found.values() if any(outcome.payment > 0 for _r, outcome in pairs))
        rows.append([scheme.name, money(scheme.value_gbp), str(len(found)), str(earning), money(total)])
    if not rows:
        paragraphs.append("No incentive schemes have been set up yet.")
    table = BoardTable(
        caption="Incentive schemes",
        head=["Scheme", "Most each can earn", "Paid to (number)", "Earned something", "Total to pay"],
        rows=rows,
    )
    return BoardSection("incentives", "Incentive schemes", paragraphs, [table] if rows else [], [])
