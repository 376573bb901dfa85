"""Made-up history of past support for the demo, so the commissioner's pages have figures to show.

THIS IS MADE-UP DEMO DATA. Nothing here describes real people, real services or real effects of
personalised care: the numbers were chosen so the pages are worth looking at, not estimated.

The demo's own plans and referrals are recent, and the demo population extract ends on 31 March
2026, so without a history almost every figure would be hidden (groups of 1 to 7) and no one's 12
months after support would fit inside the extract. ``seed_history`` adds, for about 40% of the
demo's people who have no plan or referral yet (never the demo person):

- a completed care and support plan, agreed 13 to 30 months before the extract's as-at date, with
  needs (some SNOMED CT coded), goals and "what matters to me" in people's own words, drawn from
  a pool about loneliness, mobility, money worries, caring, low mood, housing, diet and weight,
  and managing diabetes or COPD, on the pathway that fits;
- for most of them a referral to a demo directory service (some two), with a spread of endings (got help,
  got some help, declined for no capacity, not eligible or out of area, no answer in time, and a
  few on a waiting list now), each with its history of events;
- hospital activity (replacing what the extract linked for these people and for the people with
  no support, the comparison group). People with more long-term conditions are more often
  supported and use hospitals more. Supported people were at a peak in the 12 months before their
  plan was agreed (about 1.6 A&E visits a person a year) and fell below their usual level after
  (about 0.95); about a third of the people with no support had a peak too, around the same
  calendar months, and all fell back to their usual level (about 1.1 to 1.05 on the whole:
  regression to the mean). Emergency admissions and outpatient appointments move alike; planned
  admissions do not change.

Rows are written directly (this is seed data, not a record of anyone's work), in bulk, so it takes
well under a second for 300 people. The questionnaires at the start of support and at review are
added afterwards by ``demo_data`` through the measures services, as for the other plans. The same
seed gives the same records.
"""

from __future__ import annotations

import datetime
import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from carehouse.careplans.models import (
    Achievement,
    AgreedWith,
    CarePlan,
    Goal,
    Need,
    NeedCategory,
    PlanStatus,
    WrittenBy,
)
from carehouse.casefinding.demo_data import AS_AT
from carehouse.commissioning.dimensions import add_months, month_start
from carehouse.commissioning.models import ActivitySetting, HospitalActivity, PersonProfile
from carehouse.core.models import Organisation
from carehouse.directory.models import Service, ServiceStatus
from carehouse.people.models import Person
from carehouse.referrals.models import EventKind, Referral, ReferralEvent, Source
from carehouse.referrals.states import Outcome, Party, Reason, ReferralState

#: The share of the people with no support yet who are given a past plan.
SHARE_SUPPORTED = 0.4
#: How long before the extract's as-at date the past plans were agreed, in months.
MONTHS_BEFORE = (13, 30)
#: The share of past plans with a referral to a directory service, and of those with a second one.
SHARE_REFERRED = 0.85
SHARE_SECOND_REFERRAL = 0.4
#: How much more often each topic's first wording is used than the others (people say it alike).
WORDING_WEIGHTS = (3, 1, 1)
ACTOR_LABEL = "Carehouse (demo history)"
#: Made-up yearly hospital use of a person of middling need (``level`` 1), by setting.
BASE_RATES: dict[str, float] = {
    ActivitySetting.AE: 1.05,
    ActivitySetting.EMERGENCY_ADMISSION: 0.4,
    ActivitySetting.ELECTIVE_ADMISSION: 0.25,
    ActivitySetting.OUTPATIENT: 3.0,
}
#: Planned care does not go up in a crisis nor down with support.
STEADY = frozenset({ActivitySetting.ELECTIVE_ADMISSION})
#: Made-up multipliers of that rate: supported people were at a peak before and fell below their
#: level after; about a third of unsupported people had a peak too and all fell back to their level.
SUPPORTED_BEFORE, SUPPORTED_AFTER = 1.5, 0.85
UNSUPPORTED_PEAK, SHARE_UNSUPPORTED_PEAK, UNSUPPORTED_AFTER = 1.4, 0.35, 1.05


@dataclass(frozen=True)
class Topic:
    """One kind of need, with the words people use about it."""

    key: str
    template: str
    code: str  # SNOMED CT code of the need, or "" when it is not coded
    needs: tuple[str, ...]
    goals: tuple[str, ...]
    matters: tuple[str, ...]
    reason: str


TOPICS: tuple[Topic, ...] = (
    Topic(
        "loneliness",
        "general",
        "422650009",  # Social isolation
        ("Feeling lonely since my wife died", "I don't see anyone most days", "Lonely and cut off from people"),
        ("I want to meet people who like the same things I do", "I'd like to go to a lunch club once a week"),
        ("Having someone to talk to", "Seeing my friends again", "Company, I'm on my own all day"),
        "Would like to meet people and get out of the house",
    ),
    Topic(
        "mobility",
        "frailty",
        "228158008",  # Walking disability
        ("Can't walk far without my knees hurting", "Had a fall and now I'm scared to go out", "Unsteady on my feet"),
        ("I want to walk to the shops on my own", "I want to feel steady on my feet again"),
        ("Staying in my own home", "Getting to church on a Sunday", "Being able to walk the dog"),
        "Help to get moving again after a fall",
    ),
    Topic(
        "money",
        "general",
        "",
        ("Worried about money and the bills", "Can't afford to heat the house", "Debts are getting on top of me"),
        ("I want to sort out my benefits", "I want to get on top of my debts"),
        ("Not having to worry about money", "Keeping the heating on this winter"),
        "Help with benefits and debts",
    ),
    Topic(
        "carer",
        "general",
        "",
        ("Worn out from looking after my husband", "Caring for my mum on my own", "No time for myself"),
        ("I want a break one afternoon a week", "I want some help with caring for my mum"),
        ("Being able to keep caring for my husband", "My family", "A bit of time for me"),
        "Support for a carer who is worn out",
    ),
    Topic(
        "low_mood",
        "mental_health_recovery",
        "366979004",  # Depressed mood
        ("Feeling low and fed up", "No energy and can't be bothered with anything", "Anxious and down a lot"),
        ("I want to feel more like myself", "I want to get back to doing things I enjoy"),
        ("Feeling happier in myself", "Getting back to my painting", "My grandchildren"),
        "Low mood, would like someone to talk to",
    ),
    Topic(
        "housing",
        "general",
        "",
        ("The flat is damp and cold", "Stairs at home are too much for me", "Worried I might lose my home"),
        ("I want to move somewhere without stairs", "I want the damp in my flat sorted"),
        ("Feeling safe in my home", "A warm, dry place to live"),
        "Help with damp housing and repairs",
    ),
    Topic(
        "diet",
        "general",
        "414916001",  # Obesity
        ("Put on a lot of weight", "I eat badly when I'm on my own", "Struggling to lose weight"),
        ("I want to lose a stone by the summer", "I want to eat more healthily"),
        ("Being fit enough to play with my grandchildren", "Feeling better about how I look"),
        "Would like help to eat well and lose weight",
    ),
    Topic(
        "diabetes",
        "diabetes",
        "44054006",  # Type 2 diabetes mellitus
        ("Blood sugar higher than I would like", "Don't understand my diabetes tablets", "Worried about my feet"),
        ("I want to get my sugar down without more tablets", "I want to understand my diabetes better"),
        ("Keeping my job", "Not losing my sight like my dad did", "Looking after my grandchildren"),
        "Would like to learn to manage diabetes",
    ),
    Topic(
        "copd",
        "copd",
        "13645005",  # Chronic obstructive lung disease
        ("Out of breath on the stairs", "Chest gets bad every winter", "Breathless when I walk to the bus"),
        ("I want to walk to the corner shop without stopping", "I want to keep my allotment going"),
        ("Getting out to the shops and seeing people", "My allotment", "Staying out of hospital"),
        "Breathless, would like to be more active",
    ),
)
#: How each past referral ended: (weight, status, reason, outcome).
ENDINGS: tuple[tuple[int, str, str, str], ...] = (
    (26, ReferralState.COMPLETED, "", Outcome.GOT_HELP),
    (13, ReferralState.COMPLETED, "", Outcome.PARTLY),
    (12, ReferralState.REJECTED, Reason.NO_CAPACITY, ""),
    (12, ReferralState.REJECTED, Reason.NOT_ELIGIBLE, ""),
    (12, ReferralState.REJECTED, Reason.OUT_OF_AREA, ""),
    (13, ReferralState.CANCELLED, Reason.EXPIRED, ""),
    (12, ReferralState.ON_HOLD, Reason.WAITLISTED, ""),
)


@dataclass
class HistorySummary:
    plans: int = 0
    referrals: int = 0
    activity_rows: int = 0
    supported: list[int] = field(default_factory=list)


def _moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    limit, product, found = math.exp(-mean), rng.random(), 0
    while product > limit:
        found += 1
        product *= rng.random()
    return found


def candidates(people: Sequence[Person]) -> list[Person]:
    """The demo's people with no plan or referral yet, leaving out the demo person (the first)."""
    ids = [p.pk for p in people[1:]]
    busy = set(CarePlan.objects.filter(person_id__in=ids).values_list("person_id", flat=True))
    busy |= set(Referral.objects.filter(person_id__in=ids).values_list("person_id", flat=True))
    return [p for p in people[1:] if p.pk not in busy]


def _writer(person: Person, orgs: dict[str, Organisation]) -> Organisation:
    """Who wrote the plan: the practice for Riverside and Bridge Street, otherwise the PCN's link worker."""
    practice = person.registered_practice
    if practice is not None and practice.ods_code in ("Y99001", "Y99002"):
        return practice
    return orgs["U99001"]


def seed_history(people: Sequence[Person], *, seed_value: int) -> HistorySummary:
    """Write the past plans, referrals and hospital activity described in the module's docstring."""
    summary = HistorySummary()
    rng = random.Random(f"commissioning history {seed_value}")  # noqa: S311 (repeatable made-up data)
    orgs = {o.ods_code: o for o in Organisation.objects.filter(ods_code__in=["Y99001", "Y99002", "U99001"])}
    if len(orgs) < 3:
        return summary
    pool = candidates(people)
    # People with more long-term conditions are more in need: more often supported, more hospital use.
    conditions = dict(PersonProfile.objects.filter(person__in=pool).values_list("person_id", "ltc_count"))
    ranked = sorted(pool, key=lambda p: (conditions.get(p.pk, 0), rng.random()))
    need = {p.pk: index / max(1, len(ranked) - 1) for index, p in enumerate(ranked)}
    chosen = [p for p in pool if rng.random() < SHARE_SUPPORTED + 0.4 * (need[p.pk] - 0.5)]
    unsupported = [p for p in pool if p not in chosen]
    services = list(
        Service.objects.filter(status=ServiceStatus.ACTIVE, organization__isnull=False).order_by("name", "pk")
    )
    today = timezone.localdate()
    starts: dict[int, datetime.date] = {}
    with transaction.atomic():
        for person in chosen:
            starts[person.pk] = _past_plan(rng, person, _writer(person, orgs))
            summary.plans += 1
            if services and rng.random() < SHARE_REFERRED:
                count = 2 if len(services) > 1 and rng.random() < SHARE_SECOND_REFERRAL else 1
                for service in rng.sample(services, count):
                    _past_referral(rng, person, service, _writer(person, orgs), starts[person.pk], today)
                    summary.referrals += 1
        summary.activity_rows = _activity(rng, starts, [p.pk for p in unsupported], need)
    summary.supported = sorted(starts)
    return summary


def _past_plan(rng: random.Random, person: Person, organisation: Organisation) -> datetime.date:
    """One completed plan; returns the day it was agreed."""
    month = add_months(month_start(AS_AT), -rng.randint(*MONTHS_BEFORE))
    agreed = month + datetime.timedelta(days=rng.randint(0, 27))
    count = rng.choices((1, 2, 3), weights=(4, 4, 2))[0]
    topics = rng.sample(TOPICS, count)
    main = topics[0]
    plan = CarePlan.objects.create(
        person=person,
        organisation=organisation,
        template=main.template,
        status=PlanStatus.COMPLETED,
        about_most_important=rng.choice(main.matters),
        agreed_with=AgreedWith.PERSON if rng.random() < 0.85 else AgreedWith.CARER,
        agreed_at=_moment(agreed, 11),
        next_review_due=agreed + datetime.timedelta(days=182),
        shared_with_person_at=_moment(agreed, 15),
        involved_person=rng.random() < 0.9,
        shared_with_person=rng.random() < 0.85,
        goals_in_own_words=rng.random() < 0.8,
        actions_agreed=rng.random() < 0.85,
        review_date_set=rng.random() < 0.9,
    )
    started = agreed - datetime.timedelta(days=rng.randint(7, 28))
    CarePlan.objects.filter(pk=plan.pk).update(
        created_at=_moment(started, 9), updated_at=_moment(agreed + datetime.timedelta(days=rng.randint(180, 300)))
    )
    Need.objects.bulk_create(
        Need(
            plan=plan,
            text=rng.choices(topic.needs, weights=WORDING_WEIGHTS[: len(topic.needs)])[0],
            snomed_code=topic.code,
            category=NeedCategory.PROBLEM if topic.code else NeedCategory.HEALTH_CONCERN,
            position=position,
        )
        for position, topic in enumerate(topics)
    )
    Goal.objects.bulk_create(
        Goal(
            plan=plan,
            text=rng.choice(topic.goals),
            in_own_words=True,
            written_by=WrittenBy.PERSON,
            importance=rng.randint(6, 10),
            achievement=rng.choice(
                (Achievement.ACHIEVED, Achievement.ACHIEVED, Achievement.SUSTAINING, Achievement.NOT_ACHIEVED)
            ),
            position=position,
        )
        for position, topic in enumerate(topics[:2])
    )
    return agreed


def _past_referral(
    rng: random.Random,
    person: Person,
    service: Service,
    referrer: Organisation,
    agreed: datetime.date,
    today: datetime.date,
) -> Referral:
    """One referral made after the plan was agreed, ended one of the ``ENDINGS`` ways, with its events."""
    _weight, status, reason, outcome = rng.choices(ENDINGS, weights=[e[0] for e in ENDINGS])[0]
    if status == ReferralState.ON_HOLD:  # on a waiting list now: sent in the last few months
        sent_day = today - datetime.timedelta(days=rng.randint(20, 150))
    else:
        sent_day = agreed + datetime.timedelta(days=rng.randint(3, 30))
    sent = _moment(sent_day)
    answered = sent + datetime.timedelta(days=rng.randint(1, 9))
    events: list[tuple[str, str, str, str, datetime.datetime, str]] = [
        (EventKind.CREATED, "", ReferralState.DRAFT, Party.REFERRER, sent, ""),
        (EventKind.STATUS, ReferralState.DRAFT, ReferralState.SENT, Party.REFERRER, sent, ""),
    ]
    fields: dict[str, object] = {}
    if status in (ReferralState.COMPLETED, ReferralState.ON_HOLD):
        contact = answered + datetime.timedelta(days=rng.randint(1, 10))
        fields.update(accepted_at=answered, first_contact_at=contact, last_activity_at=contact)
        events.append((EventKind.STATUS, ReferralState.SENT, ReferralState.ACCEPTED, Party.PROVIDER, answered, ""))
        if status == ReferralState.ON_HOLD:
            fields.update(business_status=str(Reason.WAITLISTED))
            events.append(
                (EventKind.STATUS, ReferralState.ACCEPTED, ReferralState.ON_HOLD, Party.PROVIDER, contact, reason)
            )
        else:
            closed = contact + datetime.timedelta(days=rng.randint(30, 120))
            fields.update(
                closed_at=closed, last_activity_at=closed, outcome=outcome, sessions_attended=rng.randint(2, 10)
            )
            events.append(
                (EventKind.STATUS, ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, Party.PROVIDER, contact, "")
            )
            events.append(
                (EventKind.STATUS, ReferralState.IN_PROGRESS, ReferralState.COMPLETED, Party.PROVIDER, closed, "")
            )
    elif status == ReferralState.REJECTED:
        fields.update(closed_at=answered, last_activity_at=answered)
        events.append((EventKind.STATUS, ReferralState.SENT, ReferralState.REJECTED, Party.PROVIDER, answered, reason))
    else:  # no answer in time: Carehouse's timer cancelled it
        expired = sent + datetime.timedelta(days=15)
        fields.update(closed_at=expired, last_activity_at=expired)
        events.append((EventKind.STATUS, ReferralState.SENT, ReferralState.CANCELLED, Party.SYSTEM, expired, reason))
    assert service.organization is not None
    referral = Referral.objects.create(
        person=person,
        service=service,
        receiving_organization=service.organization,
        referring_organisation=referrer,
        source=Source.DIRECTORY,
        reason_for_referral="Support agreed in the person's care and support plan",
        status=status,
        status_reason=reason,
        sent_at=sent,
        respond_by=sent_day + datetime.timedelta(days=14),
        **fields,
    )
    Referral.objects.filter(pk=referral.pk).update(created_at=sent)
    ReferralEvent.objects.bulk_create(
        ReferralEvent(
            referral=referral,
            sequence=number,
            kind=kind,
            from_status=before,
            to_status=after,
            party=party,
            actor_label=ACTOR_LABEL,
            occurred_at=when,
            reason=why,
        )
        for number, (kind, before, after, party, when, why) in enumerate(events, start=1)
    )
    return referral


def _activity(
    rng: random.Random, starts: dict[int, datetime.date], unsupported: list[int], need: dict[int, float]
) -> int:
    """Replace the linked hospital activity of supported and unsupported people with made-up months."""
    profiled = set(
        PersonProfile.objects.filter(person_id__in=[*starts, *unsupported]).values_list("person_id", flat=True)
    )
    if not starts or not profiled:
        return 0
    last = month_start(AS_AT)
    calendar = month_start(
        datetime.date.fromordinal(int(statistics.median(month_start(d).toordinal() for d in starts.values())))
    )
    people = [(pk, month_start(starts[pk]), True) for pk in sorted(starts) if pk in profiled]
    people += [(pk, calendar, False) for pk in unsupported if pk in profiled]
    HospitalActivity.objects.filter(person_id__in=[pk for pk, _start, _supported in people]).delete()
    rows: list[HospitalActivity] = []
    for pk, index, supported in people:
        level = (0.7 + 0.6 * need.get(pk, 0.5)) * rng.gammavariate(8.0, 1 / 8.0)
        if supported:
            before, after = SUPPORTED_BEFORE, SUPPORTED_AFTER
        else:
            before = UNSUPPORTED_PEAK if rng.random() < SHARE_UNSUPPORTED_PEAK else 1.0
            after = UNSUPPORTED_AFTER
        for setting, rate in BASE_RATES.items():
            for step in range(-12, 13):
                month = add_months(index, step)
                if month > last:
                    break
                factor = 1.0 if setting in STEADY else (before if step <= 0 else after)
                count = _poisson(rng, level * rate * factor / 12)
                if count:
                    bed_days = (
                        sum(rng.randint(1, 8) for _ in range(count))
                        if setting == ActivitySetting.EMERGENCY_ADMISSION
                        else 0
                    )
                    rows.append(
                        HospitalActivity(person_id=pk, setting=setting, month=month, count=count, bed_days=bed_days)
                    )
    HospitalActivity.objects.bulk_create(rows, batch_size=2_000)
    return len(rows)
