"""The local measurement hierarchy: every indicator a commissioner can follow, in three tiers.

The Health Foundation's "Measuring what really matters" (Collins, 2014) asks for processes and
outcomes to be kept apart and measured with equal care, and for each measure's purpose to be
clear: improvement, judgement (accountability) or research. Handbook section 4.8 asks
commissioners and providers to agree such a hierarchy locally; section 4.9 uses it for incentives.

Each ``Indicator`` says what is counted (numerator and denominator in plain words), where the
figures come from, who usually owns it and how its monthly cells add up over a period
(``combine``). The figures are in ``AggregateCell`` rows with measure ``"indicator"`` (built by
``carehouse.commissioning.facts.indicators``) or, for the person-reported tier, in the outcome
cells built by the outcomes helper.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    PROCESS = "process"
    PERSON_OUTCOME = "person_outcome"
    SYSTEM_OUTCOME = "system_outcome"

    @property
    def label(self) -> str:
        return TIER_LABELS[self]


TIER_LABELS = {
    Tier.PROCESS: "Process: how care is delivered",
    Tier.PERSON_OUTCOME: "Person-reported outcomes: what changed for people",
    Tier.SYSTEM_OUTCOME: "System outcomes: use of services and cost",
}

#: What a measure is for (Collins 2014): the page lets commissioners set this locally.
PURPOSES: tuple[tuple[str, str], ...] = (
    ("improvement", "Improvement: for teams to learn and get better"),
    ("judgement", "Judgement: for holding services to account and paying for results"),
    ("research", "Research: for finding out what works"),
)
PURPOSE_LABELS = {key: label.split(":")[0] for key, label in PURPOSES}


class Combine(StrEnum):
    """How monthly cells add up over a period.

    - ``flow``: numerator and denominator are both summed over the months (events in the period).
    - ``stock``: the figures of the last month in the period that has any (a count at a point in time).
    - ``rate``: the numerator is summed over the months; the denominator is a list size, taken from
      its latest cell whatever the period.
    """

    FLOW = "flow"
    STOCK = "stock"
    RATE = "rate"


@dataclass(frozen=True)
class Indicator:
    """One indicator of the measurement hierarchy."""

    key: str
    name: str
    definition: str
    numerator: str
    denominator: str
    tier: Tier
    owner: str
    data_source: str
    purpose: str
    higher_is_better: bool = True
    measure: str = "indicator"
    combine: Combine = Combine.FLOW
    #: A mean (``value_sum / people``) rather than a percentage, with its unit.
    mean_unit: str = ""
    #: Whether the figure can be worked out for each receiving service (for schemes paid to providers).
    by_provider: bool = False
    #: Which cells' key holds the denominator for ``Combine.RATE``.
    denominator_key: str = ""

    @property
    def is_mean(self) -> bool:
        return bool(self.mean_unit)


REGISTERED_LIST = "registered_list"

PROCESS: tuple[Indicator, ...] = (
    Indicator(
        key="plan_coverage",
        name="People eligible who have an agreed plan",
        definition=(
            "How many people have an agreed care and support plan, compared with how many people case "
            "finding says should be offered one."
        ),
        numerator="People registered at the practice with an agreed plan at the end of the month",
        denominator=(
            "People the latest finished case finding run found at the practice (the largest of its cohorts, "
            "because one person can be in more than one)"
        ),
        tier=Tier.PROCESS,
        owner="ICB personalised care lead",
        data_source="Care and support plans; case finding runs",
        purpose="judgement",
        combine=Combine.STOCK,
    ),
    Indicator(
        key="five_criteria",
        name="Plans meeting all five criteria",
        definition=(
            "NHS England's five criteria for a good plan: the person was involved, has a copy, goals are in "
            "their own words, actions are agreed and a review date is set."
        ),
        numerator="Agreed plans that meet all five criteria",
        denominator="Plans agreed or reviewed in the month that are still agreed",
        tier=Tier.PROCESS,
        owner="Practice or service lead for care planning",
        data_source="Care and support plans",
        purpose="improvement",
    ),
    Indicator(
        key="reviews_on_time",
        name="Reviews done on time",
        definition="Plans whose review was done by the date the person and their practitioner agreed.",
        numerator="Reviews due in the month that were done on or before the due date",
        denominator="Reviews that fell due in the month (a plan's first review date is counted until it is done)",
        tier=Tier.PROCESS,
        owner="Practice or service lead for care planning",
        data_source="Care and support plan reviews",
        purpose="improvement",
    ),
    Indicator(
        key="referral_accepted",
        name="Referrals accepted",
        definition="Of the referrals sent to a service, how many the service accepted.",
        numerator="Referrals sent in the month that the service accepted",
        denominator="Referrals sent in the month",
        tier=Tier.PROCESS,
        owner="Social prescribing and community services lead",
        data_source="Referrals",
        purpose="improvement",
        by_provider=True,
    ),
    Indicator(
        key="referral_contacted",
        name="Accepted referrals with a first contact",
        definition="Of the referrals a service accepted, how many led to a first contact with the person.",
        numerator="Referrals sent in the month that were accepted and had a first contact",
        denominator="Referrals sent in the month that were accepted",
        tier=Tier.PROCESS,
        owner="Social prescribing and community services lead",
        data_source="Referrals",
        purpose="improvement",
        by_provider=True,
    ),
    Indicator(
        key="referral_completed",
        name="Referrals completed after first contact",
        definition="Of the referrals with a first contact, how many the service completed.",
        numerator="Referrals sent in the month, with a first contact, that were completed",
        denominator="Referrals sent in the month that had a first contact",
        tier=Tier.PROCESS,
        owner="Social prescribing and community services lead",
        data_source="Referrals",
        purpose="improvement",
        by_provider=True,
    ),
    Indicator(
        key="time_to_first_contact",
        name="Days from referral to first contact",
        definition="The average number of days between a referral being sent and the service first contacting the person.",
        numerator="Days from sending to first contact, added up",
        denominator="Referrals sent in the month that had a first contact",
        tier=Tier.PROCESS,
        owner="Social prescribing and community services lead",
        data_source="Referrals",
        purpose="improvement",
        higher_is_better=False,
        mean_unit="days",
        by_provider=True,
    ),
    Indicator(
        key="outcome_recording",
        name="Completed referrals with an outcome questionnaire",
        definition=(
            "Of the people whose support was completed, how many answered an end-of-support or follow-up "
            "questionnaire, so that we can tell what changed for them."
        ),
        numerator="Completed referrals where the person completed an end-of-support or follow-up questionnaire",
        denominator="Referrals completed in the month",
        tier=Tier.PROCESS,
        owner="Outcomes and evaluation lead",
        data_source="Referrals; questionnaires",
        purpose="research",
        by_provider=True,
    ),
    Indicator(
        key="social_prescribing_referrals",
        name="Registered people referred for support (IIF PC-01 style)",
        definition=(
            "The share of people registered at the practice who were referred to a community or social "
            "prescribing service in the period, as in the Investment and Impact Fund indicator PC-01."
        ),
        numerator="People referred in the month (each person once a month)",
        denominator="People registered at the practice with a Carehouse record, now",
        tier=Tier.PROCESS,
        owner="Primary care network clinical director",
        data_source="Referrals; people registered at the practice",
        purpose="judgement",
        combine=Combine.RATE,
        denominator_key=REGISTERED_LIST,
    ),
)

PERSON_OUTCOMES: tuple[Indicator, ...] = (
    Indicator(
        key="any_wellbeing_improved",
        name="People better in at least one area of wellbeing",
        definition=(
            "Of the people who answered a wellbeing questionnaire before and after support, how many had a "
            "positive change in at least one area (as in the Rotherham evaluation)."
        ),
        numerator="People with a positive change in at least one wellbeing area",
        denominator="People with a questionnaire before and after support",
        tier=Tier.PERSON_OUTCOME,
        owner="Outcomes and evaluation lead",
        data_source="Questionnaires (ONS4, SWEMWBS, SEMCD-6)",
        purpose="judgement",
        measure="any_wellbeing_improved",
    ),
    Indicator(
        key="outcome_change",
        name="People whose score improved",
        definition="Of the people with a score before and after support, how many had a better score after.",
        numerator="People whose score improved",
        denominator="People with a score before and after support",
        tier=Tier.PERSON_OUTCOME,
        owner="Outcomes and evaluation lead",
        data_source="Questionnaires (activation, wellbeing, experience)",
        purpose="research",
        measure="outcome_change",
    ),
)

SYSTEM_OUTCOMES: tuple[Indicator, ...] = (
    Indicator(
        key="utilisation",
        name="Hospital use before and after support",
        definition=(
            "A&E attendances, emergency and planned admissions and outpatient appointments in the 12 months "
            "before and after support. Shown on the outcomes page, with the regression to the mean caveat."
        ),
        numerator="Hospital contacts in the 12 months after support",
        denominator="Hospital contacts in the 12 months before support",
        tier=Tier.SYSTEM_OUTCOME,
        owner="ICB finance and contracting lead",
        data_source="Population extract (hospital activity)",
        purpose="research",
        higher_is_better=False,
        measure="utilisation",
    ),
)

INDICATORS: tuple[Indicator, ...] = PROCESS + PERSON_OUTCOMES + SYSTEM_OUTCOMES
BY_KEY: dict[str, Indicator] = {indicator.key: indicator for indicator in INDICATORS}
#: Indicators a scheme can pay on: the process ones, worked out from Carehouse's own records.
PAYABLE: tuple[Indicator, ...] = PROCESS


def get(key: str) -> Indicator:
    return BY_KEY[key]
