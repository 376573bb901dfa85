"""Synthetic care and support plans for the demo, built through the same services as the pages.

Every plan here is written by a demo practitioner or link worker acting through
``carehouse.careplans.services``, so each one has real revisions (with readable changes) and
audit events, exactly as if someone had typed it. Plans agreed in the past are built while
travelling back in time (``time_machine``): ``agree_plan`` rightly refuses a review date in
the past, so an overdue review has to have been agreed a year or so ago.

What it builds, with dates relative to today:

- the demo person (``person@example.org``): an answered diabetes preparation pack with results,
  then an agreed plan with About me, strengths, needs, two goals with actions (one done), a
  contingency plan, a named key worker, a review date and a personal health budget with
  allocations and spending. Their carer (``carer@example.org``) can see it too;
- Priya Shah's caseload at Riverside Medical Centre: reviews overdue, reviews due within 28
  days, later reviews, drafts, one plan under review, one completed, and people sent a
  preparation pack who have no plan yet;
- Sam Taylor (link worker): a mental health recovery plan in three stages, and a few others;
- Dr Tom Okafor at Bridge Street Surgery: a few plans, so the organisation view is not empty.

The same seed builds the same plans. It is quick: a few dozen plans on top of the people.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import models
from django.utils import timezone

from carehouse.careplans.models import (
    Achievement,
    Action,
    ActionStatus,
    AgreedWith,
    BudgetManagement,
    CarePlan,
    Goal,
    NeedCategory,
    PlanStatus,
    PreparationPack,
    WhoActs,
)
from carehouse.careplans.services import budget as budget_services
from carehouse.careplans.services import plans as plan_services
from carehouse.careplans.services import preparation as preparation_services
from carehouse.core.actor import Actor
from carehouse.core.models import Membership
from carehouse.core.roles import Role
from carehouse.people.models import CareTeamMember, Person, PersonalContact

PRACTITIONER_EMAIL = "practitioner@example.org"
LINK_WORKER_EMAIL = "linkworker@example.org"
GP_EMAIL = "gp@example.org"
PURPOSE = "demo data"


class Stage(StrEnum):
    """Where a demo plan has got to, which decides when it was agreed and when it is reviewed."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    LATER = "later"
    DRAFT = "draft"
    UNDER_REVIEW = "under_review"
    COMPLETED = "completed"
    INVITED = "invited"


#: Priya's caseload, most important first: with few people (as in the tests) the first ones are
#: still built, so the caseload always has an overdue review, one due soon, a draft and an invitation.
PRACTITIONER_STAGES = (
    Stage.OVERDUE,
    Stage.DUE_SOON,
    Stage.DRAFT,
    Stage.INVITED,
    Stage.UNDER_REVIEW,
    Stage.COMPLETED,
    Stage.DRAFT,
    Stage.INVITED,
    Stage.OVERDUE,
    Stage.DUE_SOON,
    Stage.LATER,
    Stage.INVITED,
    Stage.OVERDUE,
    Stage.DUE_SOON,
    Stage.LATER,
    Stage.DUE_SOON,
    Stage.LATER,
    Stage.LATER,
)
LINK_WORKER_STAGES = (Stage.LATER, Stage.DUE_SOON, Stage.DRAFT, Stage.OVERDUE)
GP_STAGES = (Stage.LATER, Stage.OVERDUE, Stage.DUE_SOON, Stage.DRAFT)


@dataclass(frozen=True)
class PlannedAction:
    what: str
    who: WhoActs = WhoActs.PERSON
    who_name: str = ""
    when: str = ""
    confidence: int | None = None


@dataclass(frozen=True)
class Story:
    """The words of one made-up plan: what matters, a strength, a need, a goal and its actions."""

    template: str
    most_important: str
    strengths: tuple[str, ...]
    need: str
    need_code: str
    goal: str
    why: str
    actions: tuple[PlannedAction, ...]
    triggers: tuple[str, ...] = ()
    what_to_do: str = ""


STORIES = (
    Story(
        template="diabetes",
        most_important="Being well enough to look after my grandchildren after school.",
        strengths=("Walks the dog every day", "Good friends at church"),
        need="Blood sugar higher than I would like",
        need_code="44054006",  # Type 2 diabetes mellitus
        goal="I want to get my sugar down without going onto more tablets",
        why="My dad lost his sight to diabetes and I don't want that",
        actions=(
            PlannedAction("Go to the DESMOND course at the health centre", WhoActs.SERVICE, "Diabetes education team"),
            PlannedAction("Have a smaller portion of potatoes and more vegetables at tea", when="Every evening"),
        ),
        triggers=("Feeling shaky, sweaty or muddled (a hypo)",),
        what_to_do="Have a sugary drink, then a biscuit; ring the practice if it happens again.",
    ),
    Story(
        template="diabetes",
        most_important="Keeping my job as a bus driver.",
        strengths=("Keen cook", "My wife is very supportive"),
        need="Worried about my feet",
        need_code="",
        goal="I want to understand what my results mean for my driving",
        why="Driving is my living",
        actions=(PlannedAction("Book a foot check with the podiatrist", WhoActs.PROFESSIONAL, "Practice podiatry"),),
    ),
    Story(
        template="copd",
        most_important="Getting out to the shops and seeing people.",
        strengths=("Gave up smoking last year", "Neighbours keep an eye on me"),
        need="Out of breath on the stairs",
        need_code="13645005",  # Chronic obstructive lung disease
        goal="I want to walk to the corner shop without stopping",
        why="I hate asking my neighbour to fetch my paper",
        actions=(
            PlannedAction("Go to pulmonary rehab at the community hospital", WhoActs.SERVICE, "Pulmonary rehab"),
            PlannedAction("Practise the breathing exercises", when="Every morning", confidence=6),
        ),
        triggers=("A chest infection", "Green or yellow phlegm and more breathless than usual"),
        what_to_do="Start the rescue pack and ring the practice the same day.",
    ),
    Story(
        template="copd",
        most_important="My allotment.",
        strengths=("Knows his inhalers well",),
        need="Breathless when digging",
        need_code="",
        goal="I want to keep my allotment going this summer",
        why="It is where I feel most like myself",
        actions=(PlannedAction("Ask the allotment society about a raised bed", when="Before April", confidence=8),),
        triggers=("Cold, damp weather",),
        what_to_do="Stay indoors, use the blue inhaler and start the rescue pack if it does not settle.",
    ),
    Story(
        template="frailty",
        most_important="Staying in my own home.",
        strengths=("Still does her own cooking", "Daughter visits every day"),
        need="Had two falls this year",
        need_code="",
        goal="I want to feel steady on my feet again",
        why="I am frightened to go out on my own",
        actions=(
            PlannedAction("Strength and balance classes", WhoActs.SERVICE, "Falls prevention service", "Thursdays"),
            PlannedAction("Fit a second stair rail", WhoActs.SERVICE, "Home improvement agency"),
        ),
        triggers=("A fall at home", "A urine infection (gets confused)"),
        what_to_do="Press the pendant alarm; the response service will call her daughter.",
    ),
    Story(
        template="general",
        most_important="Seeing my friends and getting out of the house.",
        strengths=("Good sense of humour", "Likes talking to people"),
        need="Feeling lonely since moving here",
        need_code="",
        goal="I want to meet people who like the same things I do",
        why="I spend most days on my own",
        actions=(
            PlannedAction("Try the Tuesday walking group", WhoActs.SERVICE, "Riverside Walking Friends", "Tuesdays"),
            PlannedAction("Ask at the library about the book club", confidence=7),
        ),
    ),
    Story(
        template="general",
        most_important="My health, so I can keep caring for my husband.",
        strengths=("Organised and determined",),
        need="Tired all the time from caring",
        need_code="",
        goal="I want a break one afternoon a week",
        why="I have not had time to myself for two years",
        actions=(
            PlannedAction("Ask for a carer's assessment", WhoActs.SERVICE, "Carers Together Riverside"),
            PlannedAction("Ask my son to sit with Dad on Wednesdays", confidence=5),
        ),
        triggers=("If I become ill and cannot look after my husband",),
        what_to_do="Ring Carers Together Riverside's emergency carer line; my son is the back-up.",
    ),
)

#: The mental health recovery plan, in the three stages of the Stockport case study.
RECOVERY_STAGES = (
    ("Emotional support", "Talk to someone I trust every week about how I am feeling"),
    ("Aspirations", "Start volunteering at the community café one morning a week"),
    ("Barriers", "Sort out my debts so that I stop lying awake worrying about money"),
)

DIABETES_RESULTS = [
    {"name": "HbA1c", "value": "58", "unit": "mmol/mol", "note": "Up from 53 last year"},
    {"name": "Blood pressure", "value": "138/84", "unit": "mmHg"},
    {"name": "Cholesterol", "value": "4.6", "unit": "mmol/L"},
    {"name": "eGFR (kidney function)", "value": "72", "unit": "mL/min/1.73m2", "note": "Normal for your age"},
    {"name": "Weight", "value": "84", "unit": "kg"},
    {"name": "Foot risk", "value": "Low", "unit": ""},
]


@dataclass
class CarePlanSummary:
    plans: int = 0
    packs: int = 0


@contextmanager
def _on(day: datetime.date, hour: int = 10) -> Iterator[None]:
    """Act on ``day`` (today stays today): the clock moves on from ``hour`` o'clock as usual."""
    if day == timezone.localdate():
        yield
        return
    import time_machine  # a development dependency: imported only when the demo is being built

    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    with time_machine.travel(moment, tick=True):
        yield


def _version(plan: CarePlan) -> int:
    return CarePlan.objects.values_list("version", flat=True).get(pk=plan.pk)


def _add(actor: Actor, plan: CarePlan, kind: str, data: dict[str, Any], parent: Goal | None = None) -> models.Model:
    return plan_services.save_item(actor, plan, kind, data, expected_version=_version(plan), parent=parent)


def _actor(email: str, role: Role) -> Actor | None:
    membership = Membership.objects.select_related("user", "organisation").filter(user__email=email, role=role).first()
    return None if membership is None else dataclasses.replace(Actor.for_membership(membership), purpose=PURPOSE)


class _Builder:
    """Builds the demo plans for one seed, so that the random choices are repeatable."""

    def __init__(self, rng: random.Random, today: datetime.date) -> None:
        self.rng = rng
        self.today = today
        self.summary = CarePlanSummary()

    def days(self, n: int) -> datetime.date:
        return self.today + datetime.timedelta(days=n)

    # One plan, from start to agreement ------------------------------------------------------

    def draft(
        self, actor: Actor, person: Person, story: Story, *, pack: PreparationPack | None = None, full: bool = True
    ) -> CarePlan:
        plan = plan_services.start_plan(actor, person, template=story.template, preparation_pack=pack)
        self.summary.plans += 1
        plan_services.update_about_me(
            actor, plan, {"about_most_important": story.most_important}, expected_version=_version(plan)
        )
        for text in story.strengths:
            _add(actor, plan, "strength", {"text": text})
        need = _add(
            actor,
            plan,
            "need",
            {
                "text": story.need,
                "snomed_code": story.need_code,
                "category": NeedCategory.PROBLEM if story.need_code else NeedCategory.HEALTH_CONCERN,
            },
        )
        if not full:
            return plan
        goal = _add(
            actor,
            plan,
            "goal",
            {
                "text": story.goal,
                "why_it_matters": story.why,
                "importance": self.rng.randint(6, 10),
                "needs": [need.pk],
            },
        )
        assert isinstance(goal, Goal)
        for planned in story.actions:
            _add(actor, plan, "action", dataclasses.asdict(planned), parent=goal)
        if story.triggers:
            _add(actor, plan, "contingency", {"triggers": list(story.triggers), "what_to_do": story.what_to_do})
        return plan

    def agree(self, actor: Actor, plan: CarePlan, review_due: datetime.date) -> CarePlan:
        return plan_services.agree_plan(
            actor,
            plan,
            agreed_with=AgreedWith.PERSON,
            next_review_due=review_due,
            expected_version=_version(plan),
        )

    def build(self, actor: Actor, person: Person, stage: Stage, story: Story) -> None:
        """One plan (or invitation) at ``stage``, with dates relative to today."""
        rng = self.rng
        if stage == Stage.INVITED:
            sent = self.days(-rng.randint(2, 12))
            with _on(sent):
                preparation_services.send_preparation_pack(
                    actor,
                    person,
                    template=story.template,
                    conversation_on=self.days(rng.randint(5, 21)),
                    message="Please have a look at this before we meet, and jot down anything you want to talk about.",
                    results=DIABETES_RESULTS[:3] if story.template == "diabetes" else [],
                )
            self.summary.packs += 1
            return
        if stage == Stage.DRAFT:
            with _on(self.days(-rng.randint(0, 10))):
                self.draft(actor, person, story, full=rng.random() < 0.5)
            return
        # Agreed plans: when they were agreed decides when the review falls due.
        if stage == Stage.OVERDUE:
            review_due = self.days(-rng.randint(3, 60))
            agreed_on = review_due - datetime.timedelta(days=rng.choice([182, 365]))
        elif stage == Stage.DUE_SOON:
            review_due = self.days(rng.randint(1, 27))
            agreed_on = review_due - datetime.timedelta(days=rng.choice([90, 182, 365]))
        elif stage == Stage.LATER:
            review_due = self.days(rng.randint(40, 300))
            agreed_on = self.days(-rng.randint(1, 60))
        elif stage == Stage.UNDER_REVIEW:
            review_due = self.days(-rng.randint(1, 10))
            agreed_on = review_due - datetime.timedelta(days=365)
        else:  # completed
            review_due = self.days(-rng.randint(20, 40))
            agreed_on = review_due - datetime.timedelta(days=182)
        with _on(agreed_on):
            plan = self.draft(actor, person, story)
            plan = self.agree(actor, plan, review_due)
            if person.user_id is None and rng.random() < 0.6:
                plan = plan_services.record_shared(actor, plan, how="printed copy", expected_version=_version(plan))
        if stage == Stage.UNDER_REVIEW:
            with _on(self.days(-1)):
                plan_services.start_review(
                    actor, plan, attendees=f"{person.full_name} and {actor.label}", expected_version=_version(plan)
                )
        elif stage == Stage.COMPLETED:
            with _on(review_due):
                plan_services.end_plan(
                    actor,
                    plan,
                    PlanStatus.COMPLETED,
                    reason="Goals achieved; we agreed a plan is not needed for now",
                    expected_version=_version(plan),
                )

    # The mental health recovery plan ---------------------------------------------------------

    def recovery_plan(self, actor: Actor, person: Person) -> None:
        agreed_on = self.days(-self.rng.randint(14, 40))
        with _on(agreed_on):
            plan = plan_services.start_plan(actor, person, template="mental_health_recovery")
            self.summary.plans += 1
            plan_services.update_about_me(
                actor,
                plan,
                {
                    "about_most_important": "Getting back to feeling like me, and back to work one day.",
                    "about_wellness": "I have been low since I lost my job. Mornings are the hardest.",
                    "about_support": "Text me first; phone calls out of the blue make me anxious.",
                },
                expected_version=_version(plan),
            )
            _add(actor, plan, "strength", {"text": "Good with people; used to run a café"})
            need = _add(
                actor,
                plan,
                "need",
                {"text": "Low mood and worry about money", "category": NeedCategory.HEALTH_CONCERN},
            )
            goal = _add(
                actor,
                plan,
                "goal",
                {
                    "text": "I want to feel like myself again and get back to work",
                    "why_it_matters": "Work gave my days a shape",
                    "importance": 9,
                    "needs": [need.pk],
                },
            )
            assert isinstance(goal, Goal)
            for stage, text in RECOVERY_STAGES:
                _add(actor, plan, "stage_goal", {"stage": stage, "text": text}, parent=goal)
            _add(
                actor,
                plan,
                "action",
                {
                    "what": "Appointment with a debt adviser",
                    "who": WhoActs.SERVICE,
                    "who_name": "Riverside Citizens Advice",
                    "confidence": 6,
                },
                parent=goal,
            )
            _add(
                actor,
                plan,
                "contingency",
                {
                    "name": "My crisis plan",
                    "triggers": ["Not sleeping for several nights", "A letter about debt"],
                    "early_warning_signs": "I stop answering the phone and stay in bed.",
                    "what_to_do": "Ring my sister; if I feel unsafe, ring NHS 111 and choose option 2.",
                    "who_to_contact": "My sister; NHS 111 option 2 (mental health crisis line)",
                    "coping_strategies": "A walk by the river; music; writing things down.",
                },
            )
            self.agree(actor, plan, self.days(self.rng.randint(30, 90)))

    # The demo person's own plan -------------------------------------------------------------

    def person_plan(self, practitioner: Actor, me: Person) -> CarePlan:
        """An answered pack, then an agreed plan with everything in it, and a budget being spent."""
        assert me.user is not None
        person = Actor(user=me.user, role=Role.PERSON, purpose=PURPOSE)
        carer = PersonalContact.objects.filter(person=me, is_carer=True).exclude(user=None).first()
        carer_words = f"My daughter {carer.name}, who comes to appointments with me" if carer else "My family"
        with _on(self.days(-24)):
            pack = preparation_services.send_preparation_pack(
                practitioner,
                me,
                template="diabetes",
                conversation_on=self.days(-14),
                message="Here are your latest results. Have a think about what you would like to talk about.",
                results=DIABETES_RESULTS,
            )
            self.summary.packs += 1
        with _on(self.days(-21), hour=19):
            preparation_services.mark_viewed(person, pack)
            answers = [
                "My sugar results, and my sore feet",
                "I have been going to my allotment most days",
                "My HbA1c has gone up and I don't want to go onto insulin",
                "I'd like to try swimming again",
                "What does 58 mean? Is that bad?",
                "I forget my evening tablets sometimes",
            ]
            pack = preparation_services.answer_preparation_pack(
                person, pack, answers[: len(pack.prompts)], expected_version=pack.version
            )
        with _on(self.days(-14)):
            plan = plan_services.start_plan(practitioner, me, template="diabetes", preparation_pack=pack)
            self.summary.plans += 1
            plan_services.update_about_me(
                practitioner,
                plan,
                {
                    "about_most_important": "My grandchildren, and getting back to my allotment.",
                    "about_people": carer_words + ". My neighbour Jean.",
                    "about_communication": "Please speak plainly and give me time to ask questions. "
                    "I like things written down.",
                    "about_wellness": "I feel best after a morning at the allotment. I get tired in the afternoons.",
                    "about_do_and_dont": "Please do ask me what I think. Please don't lecture me about my weight.",
                    "about_support": "Ring in the mornings. My daughter can come to appointments with me.",
                    "about_also_worth_knowing": "My mother had to inject insulin and I saw how hard it was.",
                    "about_supported_by": "Priya Shah, practice nurse",
                },
                expected_version=_version(plan),
            )
            for text in ("Keen gardener with an allotment", "Good support from my daughter", "Cooks from scratch"):
                _add(practitioner, plan, "strength", {"text": text})
            sugar = _add(
                practitioner,
                plan,
                "need",
                {
                    "text": "Blood sugar higher than I would like (HbA1c 58)",
                    "snomed_code": "44054006",  # Type 2 diabetes mellitus
                    "category": NeedCategory.PROBLEM,
                },
            )
            feet = _add(practitioner, plan, "need", {"text": "Sore feet after walking"})
            goal_sugar = _add(
                practitioner,
                plan,
                "goal",
                {
                    "text": "I want to get my sugar down so I don't need more tablets",
                    "why_it_matters": "I saw my mum struggle with insulin",
                    "importance": 8,
                    "target_date": self.days(170),
                    "needs": [sugar.pk],
                },
            )
            goal_walk = _add(
                practitioner,
                plan,
                "goal",
                {
                    "text": "I want to walk to my allotment and back without my feet hurting",
                    "why_it_matters": "The allotment is where I feel most like myself",
                    "importance": 9,
                    "needs": [feet.pk],
                },
            )
            assert isinstance(goal_sugar, Goal) and isinstance(goal_walk, Goal)
            biscuits = _add(
                practitioner,
                plan,
                "action",
                {"what": "Swap the biscuits at tea time for fruit", "when": "Every afternoon", "confidence": 8},
                parent=goal_sugar,
            )
            swimming = _add(
                practitioner,
                plan,
                "action",
                {
                    "what": "Go swimming at the leisure centre twice a week",
                    "who_name": "Riverside Leisure Centre",
                    "when": "Monday and Thursday mornings",
                    "barriers_and_strategies": "Cold changing rooms. Go with Jean, and take a flask.",
                    "confidence": 6,
                },
                parent=goal_sugar,
            )
            _add(
                practitioner,
                plan,
                "action",
                {
                    "what": "See the podiatrist about my feet",
                    "who": WhoActs.PROFESSIONAL,
                    "who_name": "Practice podiatry clinic",
                    "due_date": self.days(10),
                },
                parent=goal_walk,
            )
            boots = _add(
                practitioner,
                plan,
                "action",
                {"what": "Buy proper walking boots with insoles", "who": WhoActs.PERSON, "confidence": 9},
                parent=goal_walk,
            )
            _add(
                practitioner,
                plan,
                "contingency",
                {
                    "name": "If my sugar goes too low or too high",
                    "triggers": ["Shaky, sweaty or muddled (a hypo)", "Very thirsty and passing a lot of water"],
                    "early_warning_signs": "Headaches and feeling tired in the afternoon.",
                    "what_to_do": "For a hypo: a sugary drink, then a biscuit. If it keeps happening, ring the "
                    "practice. If I am unwell and cannot keep food down, follow the sick day rules.",
                    "who_to_contact": "Riverside Medical Centre 01632 960 000; out of hours, NHS 111",
                    "coping_strategies": "Keep jelly babies in my bag and in the shed at the allotment.",
                },
            )
            key_worker = (
                CareTeamMember.objects.filter(person=me, ended_on=None).order_by("-is_key_worker", "pk").first()
            )
            plan_services.update_plan_details(
                practitioner,
                plan,
                {"key_worker": key_worker, "review_owner": key_worker, "funding_source": "NHS personal health budget"},
                expected_version=_version(plan),
            )
            plan = self.agree(practitioner, plan, self.days(168))
            budget_services.set_budget(
                practitioner,
                plan,
                {
                    "managed_as": BudgetManagement.DIRECT_PAYMENT,
                    "indicative_amount": Decimal("600.00"),
                    "agreed_amount": Decimal("500.00"),
                    "agreed_on": self.days(-14),
                    "period_start": self.days(-14),
                    "period_end": self.days(351),
                    "not_to_be_spent_on": "Alcohol, tobacco, gambling or debt, or anything the NHS already provides",
                },
                expected_version=_version(plan),
            )
            assert isinstance(swimming, Action) and isinstance(boots, Action)
            pool = budget_services.add_allocation(
                practitioner,
                plan,
                description="Swimming sessions at Riverside Leisure Centre",
                amount=Decimal("240.00"),
                action=swimming,
                expected_version=_version(plan),
            )
            kit = budget_services.add_allocation(
                practitioner,
                plan,
                description="Walking boots and insoles",
                amount=Decimal("120.00"),
                action=boots,
                expected_version=_version(plan),
            )
        with _on(self.days(-9), hour=15):
            budget_services.record_spend(
                practitioner,
                plan,
                spent_on=self.days(-10),
                payee="Riverside Leisure Centre",
                description="Ten swims (pass)",
                amount=Decimal("45.00"),
                allocation=pool,
            )
            budget_services.record_spend(
                practitioner,
                plan,
                spent_on=self.days(-9),
                payee="Riverside Outdoor Shop",
                description="Walking boots and insoles",
                amount=Decimal("104.99"),
                allocation=kit,
            )
        with _on(self.days(-3), hour=18):
            assert isinstance(biscuits, Action)
            plan_services.record_action_progress(person, biscuits, ActionStatus.COMPLETED)
            plan_services.record_goal_progress(person, goal_sugar, Achievement.IMPROVING)
            plan_services.add_note(
                person,
                plan,
                "Two weeks without biscuits. I have not missed them as much as I thought.",
                action=biscuits,
            )
        return plan


def seed_care_plans(people: Sequence[Person], *, seed_value: int) -> CarePlanSummary:
    """Build the demo plans for ``people`` (the first is the demo person). Called at the end of ``seed``.

    Each demo member of staff takes plans for people they may see (registered with their practice
    or, for the link worker, sharing their record with the network), never the same person twice.
    """
    rng = random.Random(f"care plans {seed_value}")  # noqa: S311 (repeatable made-up data, not secrets)
    builder = _Builder(rng, timezone.localdate())
    practitioner = _actor(PRACTITIONER_EMAIL, Role.PRACTITIONER)
    link_worker = _actor(LINK_WORKER_EMAIL, Role.LINK_WORKER)
    gp = _actor(GP_EMAIL, Role.PRACTITIONER)
    if practitioner is None or not people:
        return builder.summary
    me, *others = people
    if me.user_id is not None:
        builder.person_plan(practitioner, me)
    used = {me.pk}

    def plans_for(actor: Actor | None, stages: Sequence[Stage], candidates: Sequence[Person]) -> None:
        if actor is None:
            return
        free = [p for p in candidates if p.pk not in used]
        for stage, person in zip(stages, free, strict=False):
            used.add(person.pk)
            builder.build(actor, person, stage, rng.choice(STORIES))

    def at(actor: Actor | None) -> list[Person]:
        where = actor.organisation if actor is not None else None
        return [p for p in others if where is not None and p.registered_practice_id == where.pk]

    plans_for(practitioner, PRACTITIONER_STAGES, at(practitioner))
    if link_worker is not None and link_worker.organisation is not None:
        sharing = set(Person.objects.with_active_consent_for(link_worker.organisation).values_list("pk", flat=True))
        shared = [p for p in others if p.pk in sharing and p.pk not in used]
        if shared:
            used.add(shared[0].pk)
            builder.recovery_plan(link_worker, shared[0])
        plans_for(link_worker, LINK_WORKER_STAGES, shared[1:])
    plans_for(gp, GP_STAGES, at(gp))
    return builder.summary
