"""Activation-tailored guidance, and the measures panel on the staff plan page.

The Patient Activation Measure (PAM) places someone at one of four levels of knowledge, skill
and confidence to manage their own health. Support works best when it suits the level: a
person at level 1 needs confidence and one small step of their own choosing; a person at level
4 needs help keeping going when life gets in the way. ``guidance_for(level)`` says what tends to
help at each level, in our own words, after the tailoring approach of Hibbard and colleagues and
NHS England's guidance on tailoring support to activation. It is a prompt for the conversation,
not a rule: the person decides what they want to work on.

``plan_panel(actor, person, plan)`` is what the practitioner sees on the plan page (never the
person's own view): the latest PAM level with the guidance for it, the latest headline score of
each other measure, any alerts still to act on, and prompts to measure at the points in support
where outcomes are most often not recorded: the start (baseline), the review and the end of
support. It reads only through the selectors, in a fixed handful of queries however many measures
the person has.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from carehouse.careplans import selectors as plan_selectors
from carehouse.careplans.models import REVIEWABLE_STATUSES, CarePlan, PlanStatus
from carehouse.careplans.presenters import format_date
from carehouse.careplans.selectors import DUE_SOON_DAYS
from carehouse.core.actor import Actor
from carehouse.core.roles import CARE_ROLES
from carehouse.core.rules import has_permission
from carehouse.measures import selectors
from carehouse.measures.definitions import Category, InstrumentDefinition
from carehouse.measures.models import Instrument, MeasureScore, Timepoint
from carehouse.people.models import Person

LEVELS = (1, 2, 3, 4)
PAM_KEY = "pam"
SOURCE = (
    "Written for Carehouse after the approach to tailoring support to activation level described by "
    "Judith Hibbard and colleagues and by NHS England. The PAM and its levels belong to Insignia Health (Phreesia)."
)


@dataclass(frozen=True)
class ActivationGuidance:
    """What support tends to suit someone at one PAM level."""

    level: int
    heading: str
    describes: str
    helps: tuple[str, ...]
    avoid: tuple[str, ...]
    goal_size: str
    source: str = SOURCE


_GUIDANCE = {
    1: ActivationGuidance(
        level=1,
        heading="Level 1: building confidence to take part",
        describes=(
            "People who may feel overwhelmed by their health and unsure that anything they do will make a "
            "difference. They often leave decisions to professionals."
        ),
        helps=(
            "Start with how they feel about their health and what worries them most, before any information.",
            "Agree one small step that they choose themselves and feel sure they can do.",
            "Keep information to the basics, a little at a time.",
            "Check what has made sense by asking them to say it back in their own words (teach-back).",
            "Think about peer support or health coaching, so someone can walk alongside them.",
        ),
        avoid=(
            "Long lists of advice, several goals at once, or a leaflet in place of a conversation.",
            "Goals set for them rather than with them.",
        ),
        goal_size="One very small step, chosen by them, that they are almost sure to manage in the next week or two.",
    ),
    2: ActivationGuidance(
        level=2,
        heading="Level 2: building knowledge and skills",
        describes=(
            "People who are starting to take part but may not yet have the knowledge or confidence to manage "
            "their health, or see how what they do affects it."
        ),
        helps=(
            "Explain how their condition works and what makes a difference, one topic at a time.",
            "Set small goals they can achieve, and build on each success.",
            "Suggest simple ways to keep track, such as a diary of walks, meals or symptoms.",
            "Offer structured education, such as a course for people with their condition.",
        ),
        avoid=(
            "Expecting big changes all at once.",
            "Leaving them to work out problems on their own.",
        ),
        goal_size="Small, concrete goals over a few weeks, such as a short walk three times a week.",
    ),
    3: ActivationGuidance(
        level=3,
        heading="Level 3: taking action",
        describes=(
            "People who have begun to make changes and have some knowledge and confidence, but may lack the "
            "skills to keep going when things get difficult."
        ),
        helps=(
            "Work through problems together: what gets in the way, and how to get round it.",
            "Set goals together, with clear steps and a date to look at how it is going.",
            "Plan for setbacks, so that a slip is something to learn from rather than the end.",
            "Offer self-management programmes and tools to track their progress.",
        ),
        avoid=(
            "Going back over basic information they already know.",
            "Taking over decisions they can make for themselves.",
        ),
        goal_size="Goals that stretch them a little, with a few steps each, over weeks to months.",
    ),
    4: ActivationGuidance(
        level=4,
        heading="Level 4: keeping it going",
        describes=(
            "People who manage their health well day to day and have made most of the changes they need, but "
            "may find them hard to keep up under stress or when their health or life changes."
        ),
        helps=(
            "Plan how to keep going under stress, in a crisis or when their health changes.",
            "Agree the early signs of slipping back and what they will do about them.",
            "Support more complex or longer-term goals that they lead.",
            "If they would like to, suggest roles supporting others, such as peer support or mutual aid groups.",
        ),
        avoid=(
            "Assuming they need no support at all.",
            "Repeating advice they already follow.",
        ),
        goal_size="Larger or longer-term goals that they lead, with a plan for keeping going when things change.",
    ),
}


def guidance_for(level: int) -> ActivationGuidance:
    """The guidance for PAM level 1, 2, 3 or 4; ``ValueError`` for anything else."""
    if isinstance(level, bool) or level not in _GUIDANCE:
        raise ValueError(f"A PAM level is 1, 2, 3 or 4, not {level!r}")
    return _GUIDANCE[level]


# -- the panel on the staff plan page ------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """The person's latest PAM result, as recorded from the licence holder's report."""

    level: int
    score: str
    assessed_on: str
    licence_holder: str
    guidance: ActivationGuidance

    @property
    def summary(self) -> str:
        """Activation: level 2 (PAM score 52.3, recorded on 5 March 2026 by Riverside Medical Centre)."""
        recorded = f"recorded on {self.assessed_on}" + (f" by {self.licence_holder}" if self.licence_holder else "")
        details = [f"PAM score {self.score}", recorded] if self.score else [recorded]
        return f"Activation: level {self.level} ({', '.join(details)})"


@dataclass(frozen=True)
class LatestScore:
    """The latest headline score of one measure."""

    measure: str
    value: str
    band: str
    measured_on: str


@dataclass(frozen=True)
class AlertLink:
    title: str
    raised_on: str
    href: str


@dataclass(frozen=True)
class MeasurePrompt:
    """A reminder to measure at one point in the person's support, with where to do it."""

    id: str
    heading: str
    text: str
    send_href: str
    complete_href: str


@dataclass(frozen=True)
class MeasuresPanel:
    """What the plan page shows staff about a person's measures."""

    person_name: str
    activation: Activation | None
    record_pam_href: str
    scores: list[LatestScore] = field(default_factory=list)
    alerts: list[AlertLink] = field(default_factory=list)
    measures_href: str = ""
    prompts: list[MeasurePrompt] = field(default_factory=list)


def _number(value: Decimal, decimals: int) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-decimals)):f}"


def _activation(score: MeasureScore) -> Activation | None:
    level = int(score.value)
    if level not in _GUIDANCE:
        return None
    answers = score.response.answers
    pam_score = answers.get("score")
    holder = answers.get("licence_holder")
    return Activation(
        level=level,
        score=str(pam_score) if pam_score is not None else "",
        assessed_on=format_date(score.effective_at),
        licence_holder=holder if isinstance(holder, str) else "",
        guidance=guidance_for(level),
    )


def _newest_by_key() -> dict[str, Instrument]:
    """The newest version of every instrument (switched on or not: old answers still read)."""
    newest: dict[str, Instrument] = {}
    for instrument in sorted(selectors.instruments(), key=lambda i: (i.created_at, i.pk)):
        newest[instrument.key] = instrument
    return newest


def _latest_scores(scores: list[MeasureScore], instruments: dict[str, Instrument]) -> list[LatestScore]:
    """The latest headline score of each measure but the PAM and experience questionnaires."""
    latest: dict[str, MeasureScore] = {}
    definitions: dict[str, InstrumentDefinition] = {}
    for score in scores:  # oldest first, so the last one kept is the latest
        instrument = instruments.get(score.instrument_key)
        if instrument is None or score.instrument_key == PAM_KEY:
            continue
        definition = definitions.setdefault(score.instrument_key, instrument.parsed)
        headline = definition.headline
        if definition.category == Category.EXPERIENCE or headline is None or score.code != headline.code:
            continue
        latest[score.instrument_key] = score
    rows = []
    for key, score in latest.items():
        definition = definitions[key]
        score_definition = definition.score(score.code)
        decimals = score_definition.decimals if score_definition is not None else 0
        measure = definition.title if len(definition.scores) == 1 else f"{definition.title}: {score.label.lower()}"
        rows.append(LatestScore(measure, _number(score.value, decimals), score.band, format_date(score.effective_at)))
    return sorted(rows, key=lambda row: row.measure)


def _review_is_coming(plan: CarePlan) -> bool:
    """Under review, or its review is due within the next 28 days (or overdue)."""
    if plan.status == PlanStatus.UNDER_REVIEW:
        return True
    soon = timezone.localdate() + datetime.timedelta(days=DUE_SOON_DAYS)
    return plan.status == PlanStatus.ACTIVE and plan.next_review_due is not None and plan.next_review_due <= soon


def _review_measures_count_from(plan: CarePlan) -> datetime.datetime | None:
    """From when a questionnaire at the review timepoint counts for the coming (or open) review.

    The review cycle starts when the plan was last agreed (agreeing it again completes a review),
    and a questionnaire counts from 28 days before the review date, or from when the open review
    started if that was earlier. So a measure taken for the last review never counts for this one.
    """
    start = plan.agreed_at
    if plan.next_review_due is not None:
        window = plan.next_review_due - datetime.timedelta(days=DUE_SOON_DAYS)
        window_start = timezone.make_aware(datetime.datetime.combine(window, datetime.time.min))
        start = window_start if start is None else max(start, window_start)
    if plan.status == PlanStatus.UNDER_REVIEW:
        review = plan_selectors.open_review(plan)
        if review is not None and (start is None or review.started_at < start):
            start = review.started_at
    return start


def _prompt(actor: Actor, person: Person, plan: CarePlan, timepoint: str, heading: str, text: str) -> MeasurePrompt:
    send = ""
    if person.user_id is not None and has_permission(actor, "measures.send_questionnaire"):
        query = urlencode({"plan": plan.pk, "timepoint": timepoint})
        send = f"{reverse('measures:send', kwargs={'person_id': person.pk})}?{query}"
    complete = ""
    if has_permission(actor, "measures.record_on_behalf"):
        complete = reverse("measures:person", kwargs={"person_id": person.pk})
    return MeasurePrompt(f"measure-{timepoint.replace('_', '-')}", heading, text, send, complete)


def measure_prompts(actor: Actor, person: Person, plan: CarePlan) -> list[MeasurePrompt]:
    """Prompts to measure at the start of support, for the review and at the end, where none is linked to the plan.

    Only about half of outcomes get recorded in practice; a prompt at the moments that matter helps.
    Agreed plans (active or under review) want a baseline, and a measure for a review that is open
    or due within 28 days; a completed plan wants an end of support measure.
    """
    if plan.status not in (*REVIEWABLE_STATUSES, PlanStatus.COMPLETED):
        return []
    measured = selectors.plan_measure_times(actor, plan)
    timepoints = {timepoint for timepoint, _ in measured}
    prompts = []
    if plan.status == PlanStatus.COMPLETED:
        if Timepoint.END_OF_SUPPORT not in timepoints:
            prompts.append(
                _prompt(
                    actor,
                    person,
                    plan,
                    Timepoint.END_OF_SUPPORT,
                    "No end of support measure for this plan yet",
                    "A questionnaire at the end of support shows what has changed since the start.",
                )
            )
        return prompts
    if Timepoint.BASELINE not in timepoints:
        prompts.append(
            _prompt(
                actor,
                person,
                plan,
                Timepoint.BASELINE,
                "No baseline measure for this plan yet",
                "A questionnaire near the start of support shows, at each review, what has changed.",
            )
        )
    if _review_is_coming(plan):
        since = _review_measures_count_from(plan)
        measured_for_review = any(
            timepoint == Timepoint.REVIEW and completed_at is not None and (since is None or completed_at >= since)
            for timepoint, completed_at in measured
        )
        if not measured_for_review:
            prompts.append(
                _prompt(
                    actor,
                    person,
                    plan,
                    Timepoint.REVIEW,
                    "Measure again for the review",
                    "No questionnaire has been completed for this review yet. "
                    "Use the same questionnaire as at the start, so that you can see what has changed.",
                )
            )
    return prompts


def plan_panel(actor: Actor, person: Person, plan: CarePlan | None = None) -> MeasuresPanel | None:
    """The measures panel for a person's plan page, or None when the actor does not see measures.

    With the ``plan`` (already read through the care plan selectors), it also prompts to measure
    at the baseline, the review and the end of support.
    """
    if actor.role not in CARE_ROLES or not has_permission(actor, "measures.view_scores"):
        return None
    scores = selectors.scores_for_person(actor, person)
    latest_pam = next((s for s in reversed(scores) if s.instrument_key == PAM_KEY and s.code == "level"), None)
    activation = _activation(latest_pam) if latest_pam is not None else None
    record_pam = ""
    if has_permission(actor, "measures.record_on_behalf"):
        record_pam = reverse("measures:record", kwargs={"person_id": person.pk, "key": PAM_KEY})
    alerts = [
        AlertLink(alert.title, format_date(alert.raised_at), reverse("measures:alert", kwargs={"alert_id": alert.pk}))
        for alert in selectors.alerts_for_person(actor, person)
        if alert.is_open
    ]
    return MeasuresPanel(
        person_name=person.preferred_name or person.given_name,
        activation=activation,
        record_pam_href=record_pam,
        scores=_latest_scores(scores, _newest_by_key()) if scores else [],
        alerts=alerts,
        measures_href=reverse("measures:person", kwargs={"person_id": person.pk}),
        prompts=measure_prompts(actor, person, plan) if plan is not None else [],
    )
