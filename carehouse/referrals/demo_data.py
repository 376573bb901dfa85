"""Demo referrals: about 25, from the demo link worker and practitioners to the demo directory's services.

Called at the end of the core demo seeding, after the directory. Every referral is made and moved
through the referral services by the demo staff, as if they had used the pages, with the moments
passed as ``now=`` so that histories, answer-by days and flags look lived-in:

- Jo Evans's inbox (``provider@example.org``, Riverside Walking Friends) has new referrals waiting,
  one accepted with no contact yet (overdue), one on the waiting list, some under way and
  completed (one with an end-of-support ONS4);
- Sam Taylor's caseload (``linkworker@example.org``) has referrals in every state: a draft, sent,
  one overdue for an answer, accepted, getting support, one quiet for weeks, on hold, declined
  then sent on to another service (a rerouted pair), ended without support, cancelled because
  the person said no, one expired by Carehouse, completed with feedback and followed up;
- Priya Shah (``practitioner@example.org``) referred the demo person (``person@example.org``)
  from an action in their plan: completed, waiting for the person's feedback; an older one has
  feedback; one of hers was entered in error; one GP message is filed;
- Dr Tom Okafor (``gp@example.org``) has a few at Bridge Street Surgery.

Services without Carehouse accounts answer from their emailed link (``links.actor_for_link``).
Feedback from people without accounts came on paper and is typed in as such. The same seed
builds the same referrals.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from carehouse.careplans.models import Action
from carehouse.core.actor import Actor
from carehouse.core.models import Membership
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.directory.demo_data import demo_id
from carehouse.directory.models import Service
from carehouse.people.models import Consent, ConsentDecision, ConsentPurpose, ConsentScope, Person
from carehouse.people.services import record_consent
from carehouse.referrals import links
from carehouse.referrals.models import (
    EventKind,
    Helpfulness,
    MessageToGP,
    Referral,
    ReferralFeedback,
    Source,
)
from carehouse.referrals.services import activity, loop, referrer
from carehouse.referrals.services import gp as gp_services
from carehouse.referrals.services import person as person_services
from carehouse.referrals.services.referrals import append_event, create_referral, lock, transition
from carehouse.referrals.states import Outcome, Party, Reason, ReferralState

PURPOSE = "demo data"
PRACTITIONER_EMAIL = "practitioner@example.org"
GP_EMAIL = "gp@example.org"
LINK_WORKER_EMAIL = "linkworker@example.org"
PROVIDER_EMAIL = "provider@example.org"
PERSON_EMAIL = "person@example.org"

#: Some people answered the feedback question on a paper form: typed in by the referrer.
PAPER_FEEDBACK = "Given on a paper form and typed in by the referrer"


@dataclass
class ReferralsSummary:
    referrals: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


# -- the stories ------------------------------------------------------------------------------------

# Steps, each (days after sending, what happens):
#   "view"                 the service opens it
#   "accept", "start"      accepted; support starts (in progress)
#   "hold:<reason>"        on hold
#   "reject:<reason>"      declined by the service
#   "fail:<reason>"        ended without support
#   "complete:<outcome>"   completed, with the outcome
#   "cancel:<reason>"      cancelled by the referrer
#   "error"                the referrer marks it entered in error
#   "expire"               Carehouse cancels it: never answered
#   "contact", "no-answer" the service reached the person, or tried
#   "attend"               a session attended
#   "feedback:<level>"     the person's feedback (on paper unless they use Carehouse)
#   "follow-up"            the referrer has dealt with the closed referral
#   "reroute:<services>"   the referrer sends the person on to another service instead (the first that fits)
#   "file"                 the practice files the newest GP message
#   "measure"              the service records an end-of-support ONS4 with the person
Step = tuple[int, str]


@dataclass(frozen=True)
class Story:
    referrer: str  # whose: "link_worker", "practitioner", "gp" or "me" (Priya, for the demo person)
    services: tuple[str, ...]  # directory demo keys, first that fits
    days_ago: int  # when it was sent (or started, for a draft)
    reason: str
    steps: tuple[Step, ...] = ()
    draft: bool = False
    from_plan: bool = False
    urgent: bool = False


WALK = "I would like to get out more and meet people; my nurse suggested walking"
STORIES: tuple[Story, ...] = (
    # The demo person: from an action in their plan, completed, the feedback still to give.
    Story(
        "me",
        ("health-walks",),
        60,
        WALK,
        (
            (1, "view"),
            (2, "accept"),
            (4, "contact"),
            (5, "start"),
            (10, "attend"),
            (50, "complete:got_help"),
            (50, "measure"),
        ),
        from_plan=True,
    ),
    Story(
        "me",
        ("shared-reading", "knit-and-natter"),
        200,
        "Feeling low and lonely since moving; loves books",
        (
            (3, "accept"),
            (6, "contact"),
            (7, "start"),
            (60, "complete:got_help"),
            (62, "feedback:very"),
            (65, "follow-up"),
        ),
    ),
    Story("me", ("benefits-advice",), 3, "Help to check which benefits they can claim now they have stopped work"),
    # New in Jo's inbox.
    Story("link_worker", ("health-walks",), 1, WALK),
    Story("link_worker", ("nordic-walking",), 2, "Wants to build strength and balance after a fall"),
    Story("practitioner", ("health-walks",), 0, "Gentle activity to help with blood sugar and mood", urgent=True),
    Story("gp", ("health-walks",), 4, "Recovering from a heart attack: cleared for gentle walking", ((1, "view"),)),
    # Jo's other referrals.
    Story("link_worker", ("health-walks",), 30, WALK, ((2, "accept"),)),  # no contact yet: overdue
    Story("link_worker", ("nordic-walking",), 20, "Wants to get fitter with others", ((2, "hold:waitlisted"),)),
    Story(
        "link_worker",
        ("health-walks",),
        25,
        "Lonely since bereavement; used to walk a lot",
        ((1, "accept"), (2, "contact"), (5, "start"), (7, "attend")),
    ),
    Story(
        "practitioner",
        ("health-walks",),
        120,
        WALK,
        (
            (1, "accept"),
            (2, "contact"),
            (3, "start"),
            (50, "complete:got_help"),
            (50, "measure"),
            (55, "feedback:quite"),
            (58, "follow-up"),
            (58, "file"),
        ),
    ),
    # Sam's caseload, in every state.
    Story(
        "link_worker", ("arts-on-prescription", "knit-and-natter"), 1, "Enjoyed painting; anxious in groups", draft=True
    ),
    Story("link_worker", ("green-gym", "therapeutic-gardening"), 25, "Wants to be outdoors and useful"),  # overdue
    Story(
        "link_worker",
        ("mens-shed",),
        40,
        "Retired joiner, isolated since his wife died",
        ((2, "accept"), (3, "contact"), (5, "start"), (12, "attend")),
    ),
    Story(
        "link_worker",
        ("telephone-befriending",),
        70,
        "Housebound; would like someone to talk to",
        ((5, "accept"), (6, "contact"), (10, "start")),  # quiet since: needs a follow-up
    ),
    Story(
        "link_worker",
        ("cook-and-eat",),
        50,
        "Lives alone, not eating well; would like to learn simple meals",
        ((3, "reject:no-capacity"), (4, "reroute:lunch-club,healthy-weight,green-gym")),
    ),
    Story(
        "link_worker",
        ("debt-advice",),
        90,
        "Worried about rent arrears and bills",
        (
            (5, "accept"),
            (6, "contact"),
            (10, "start"),
            (60, "complete:partly"),
            (62, "feedback:quite"),
            (65, "follow-up"),
        ),
    ),
    Story(
        "link_worker",
        ("singing-lungs",),
        80,
        "COPD; breathless and low in mood",
        ((2, "accept"), (3, "no-answer"), (10, "no-answer"), (20, "fail:could-not-contact"), (24, "follow-up")),
    ),
    Story(
        "link_worker",
        ("wellbeing-cafe", "mindfulness"),
        15,
        "Low mood; would like somewhere to go",
        ((3, "cancel:person-declined"),),
    ),
    Story(
        "link_worker",
        ("memory-cafe", "carers-cafe"),
        40,
        "Early memory problems; wife is their carer",
        ((0, "expire"),),
    ),
    Story(
        "link_worker",
        ("carers-cafe", "carers-breaks"),
        55,
        "Cares for her husband full time and needs a break",
        ((3, "accept"), (4, "contact"), (6, "start"), (40, "complete:got_help"), (42, "feedback:very")),
    ),
    Story(
        "link_worker",
        ("stroke-peers", "pain-peers"),
        12,
        "Had a stroke last year; wants to meet others",
        ((2, "accept"), (3, "contact"), (6, "start")),
    ),
    # Priya's and Dr Okafor's.
    Story("practitioner", ("self-management", "diabetes-education"), 6, "Sent by mistake", ((0, "error"),)),
    Story(
        "practitioner",
        ("diabetes-education", "self-management"),
        100,
        "Newly diagnosed type 2 diabetes, wants to understand it",
        ((4, "accept"), (5, "contact"), (10, "start"), (50, "complete:not_helped"), (55, "follow-up"), (55, "file")),
    ),
    Story(
        "gp",
        ("diabetes-education", "self-management"),
        20,
        "Type 2 diabetes, struggling with diet",
        ((5, "accept"), (6, "contact"), (10, "start")),
    ),
    Story(
        "gp", ("advocacy", "housing-options"), 30, "Needs help with a housing dispute", ((3, "reject:not-eligible"),)
    ),
    Story("gp", ("chair-exercise", "aqua-fit"), 45, "Arthritis; wants to stay mobile", ((3, "hold:paused-by-person"),)),
)

ONS4_ANSWERS = {"satisfaction": 7, "worthwhile": 8, "happiness": 7, "anxiety": 3}


# -- building ---------------------------------------------------------------------------------------


def _actor(email: str, role: Role) -> Actor | None:
    membership = Membership.objects.select_related("user", "organisation").filter(user__email=email, role=role).first()
    return None if membership is None else dataclasses.replace(Actor.for_membership(membership), purpose=PURPOSE)


def _service(key: str) -> Service | None:
    return Service.objects.select_related("organization").filter(id=demo_id("service", key)).first()


class _Builder:
    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self.actors = {
            "practitioner": _actor(PRACTITIONER_EMAIL, Role.PRACTITIONER),
            "gp": _actor(GP_EMAIL, Role.PRACTITIONER),
            "link_worker": _actor(LINK_WORKER_EMAIL, Role.LINK_WORKER),
        }
        self.actors["me"] = self.actors["practitioner"]
        self.provider = _actor(PROVIDER_EMAIL, Role.PROVIDER_STAFF)
        self.me = Person.objects.filter(user__email=PERSON_EMAIL).first()
        self.pools: dict[str, list[Person]] = {}
        self.turn: dict[str, int] = {}
        #: (person, service) of the referrals made here: the demo never refers someone to one service twice.
        self.open: set[tuple[int, object]] = set()
        self.summary = ReferralsSummary()

    def at(self, sent: datetime.datetime, days: int) -> datetime.datetime:
        """``days`` after ``sent``, never later than a few minutes ago."""
        return min(sent + datetime.timedelta(days=days, hours=1), self.now - datetime.timedelta(minutes=5))

    def pool(self, who: str, actor: Actor) -> list[Person]:
        if who == "me":
            return [self.me] if self.me is not None else []
        if who not in self.pools:
            assert actor.organisation is not None
            people = Person.objects.in_care_of(actor.organisation).order_by("pk")
            if self.me is not None:
                people = people.exclude(pk=self.me.pk)
            self.pools[who] = list(people[:40])
        return self.pools[who]

    def people_for(self, who: str, actor: Actor) -> list[Person]:
        """The referrer's people, starting from the next in turn (round robin, so each gets a share)."""
        pool = self.pool(who, actor)
        if not pool:
            return []
        start = self.turn.get(who, 0) % len(pool)
        self.turn[who] = start + 1
        return pool[start:] + pool[:start]

    def consent(self, actor: Actor, person: Person, service: Service, when: datetime.datetime) -> None:
        assert service.organization is not None
        existing = Consent.objects.active().filter(
            person=person,
            purpose=ConsentPurpose.SOCIAL_PRESCRIBING,
            recipient_directory_organisations=service.organization,
        )
        if existing.exists():
            return
        record_consent(
            actor,
            person,
            {
                "purpose": ConsentPurpose.SOCIAL_PRESCRIBING,
                "scope": ConsentScope.REFERRAL_MINIMUM,
                "decision": ConsentDecision.GIVEN,
                "given_at": when,
            },
            recipient_directory_organisations=[service.organization],
        )

    def fits(self, person: Person, service: Service, sent: datetime.datetime) -> bool:
        """A quick look before trying (``create_referral`` checks everything): right age, none open already."""
        age = person.age_on(sent.date())
        if service.minimum_age is not None and age < service.minimum_age:
            return False
        if service.maximum_age is not None and age > service.maximum_age:
            return False
        return (person.pk, service.pk) not in self.open

    def plan_action(self, person: Person) -> Action | None:
        return Action.objects.filter(goal__plan__person=person).select_related("goal__plan").order_by("pk").first()

    def make(self, story: Story) -> Referral | None:
        actor = self.actors.get(story.referrer)
        if actor is None:
            return None
        sent = self.now - datetime.timedelta(days=story.days_ago, hours=2)
        for person in self.people_for(story.referrer, actor):
            for key in story.services:
                service = _service(key)
                if service is None or not self.fits(person, service, sent):
                    continue
                action = self.plan_action(person) if story.from_plan else None
                try:
                    with transaction.atomic():
                        self.consent(actor, person, service, sent - datetime.timedelta(days=1))
                        referral = create_referral(
                            actor,
                            person,
                            service,
                            reason_for_referral=story.reason,
                            information_for_service="Best to phone in the morning",
                            priority="urgent" if story.urgent else "routine",
                            source=Source.PLAN_ACTION if action is not None else Source.DIRECTORY,
                            plan_action=action,
                            send=not story.draft,
                            now=sent,
                        )
                except ValidationError:
                    continue  # not a fit (age, an open referral already ...): try the next
                Referral.objects.filter(pk=referral.pk).update(created_at=sent)
                self.open.add((person.pk, service.pk))
                return referral
        return None

    def service_actor(self, referral: Referral) -> Actor:
        if referral.receiving_organization.claimed_by_id is not None and self.provider is not None:
            return self.provider
        return links.actor_for_link(referral, loop.service_email(referral) or "the service")

    def step(self, story: Story, referral: Referral, sent: datetime.datetime, step: Step) -> Referral:
        days, what = step
        verb, _, detail = what.partition(":")
        if verb == "expire":
            assert referral.respond_by is not None
            when = timezone.make_aware(
                datetime.datetime.combine(referral.respond_by + datetime.timedelta(days=1), datetime.time(1, 5))
            )
            return transition(
                Actor.system("referral timers"),
                referral,
                ReferralState.CANCELLED,
                reason=Reason.EXPIRED,
                expected_status=ReferralState.SENT,
                note=f"The service did not answer by {referral.respond_by.day} {referral.respond_by:%B %Y}",
                now=when,
            )
        when = self.at(sent, days)
        actor = self.actors[story.referrer]
        assert actor is not None
        service = self.service_actor(referral)
        moves: dict[str, Callable[[], Referral]] = {
            "view": lambda: activity.mark_viewed(service, referral, now=when),
            "accept": lambda: self.move(service, referral, ReferralState.ACCEPTED, when),
            "start": lambda: self.move(service, referral, ReferralState.IN_PROGRESS, when),
            "hold": lambda: self.move(service, referral, ReferralState.ON_HOLD, when, reason=detail),
            "reject": lambda: self.move(service, referral, ReferralState.REJECTED, when, reason=detail),
            "fail": lambda: self.move(service, referral, ReferralState.FAILED, when, reason=detail),
            "complete": lambda: self.move(
                service, referral, ReferralState.COMPLETED, when, outcome=detail, note=OUTCOME_NOTES[detail]
            ),
            "cancel": lambda: self.move(actor, referral, ReferralState.CANCELLED, when, reason=detail),
            "error": lambda: self.move(
                actor, referral, ReferralState.ENTERED_IN_ERROR, when, note="Referred the wrong person"
            ),
            "contact": lambda: activity.record_contact(
                service, referral, when=when, method="phone", result="spoke", note="Arranged to meet", now=when
            ),
            "no-answer": lambda: activity.record_contact(
                service, referral, when=when, method="phone", result="no answer", now=when
            ),
            "attend": lambda: activity.record_attendance(
                service, referral, session_on=when.date(), attended=True, now=when
            ),
            "follow-up": lambda: referrer.follow_up(actor, referral, "Talked it through with the person", now=when),
            "feedback": lambda: self.feedback(actor, referral, detail, when),
            "reroute": lambda: self.reroute(actor, referral, detail, when),
            "file": lambda: self.file(referral, when),
            "measure": lambda: self.measure(service, referral, when),
        }
        result = moves[verb]()
        MessageToGP.objects.filter(referral=referral, created_at__gt=when + datetime.timedelta(minutes=1)).update(
            created_at=when
        )
        return result

    def move(
        self,
        actor: Actor,
        referral: Referral,
        to: str,
        when: datetime.datetime,
        *,
        reason: str = "",
        note: str = "",
        outcome: str = "",
    ) -> Referral:
        current = Referral.objects.get(pk=referral.pk)
        return transition(
            actor, current, to, expected_status=current.status, reason=reason, note=note, outcome=outcome, now=when
        )

    def feedback(self, actor: Actor, referral: Referral, level: str, when: datetime.datetime) -> Referral:
        person = referral.person
        if person.user is not None and person.user.is_active:
            person_actor = Actor(user=person.user, role=Role.PERSON, purpose=PURPOSE)
            person_services.give_feedback(
                person_actor,
                referral,
                helpfulness=level,
                would_recommend=level != Helpfulness.NOT_AT_ALL,
                comments=FEEDBACK_COMMENTS[level],
                now=when,
            )
            return referral
        # No account: the person filled in the paper form the referrer gave them.
        with transaction.atomic():
            current = lock(referral)
            ReferralFeedback.objects.create(
                referral=current,
                helpfulness=level,
                would_recommend=level != Helpfulness.NOT_AT_ALL,
                comments=FEEDBACK_COMMENTS[level],
                submitted_by=actor.user,
                submitted_at=when,
            )
            append_event(
                actor,
                current,
                Party.REFERRER,
                EventKind.FEEDBACK,
                note=FEEDBACK_COMMENTS[level],
                details={"helpfulness": level, "on_paper": True},
                now=when,
            )
            audit.record(
                actor,
                AuditAction.CREATE,
                obj=current,
                person_id=current.person_id,
                summary=f"Typed in the person's feedback on referral {current.reference} ({PAPER_FEEDBACK.lower()})",
            )
        return referral

    def reroute(self, actor: Actor, referral: Referral, keys: str, when: datetime.datetime) -> Referral:
        for key in keys.split(","):
            service = _service(key)
            if service is None or not self.fits(referral.person, service, when):
                continue
            try:
                with transaction.atomic():
                    self.consent(actor, referral.person, service, when - datetime.timedelta(hours=1))
                    new = referrer.reroute(
                        actor,
                        Referral.objects.get(pk=referral.pk),
                        service,
                        reason_for_referral=f"{referral.reason_for_referral} ({referral.service.name} had no places)",
                        consent_given=True,
                        now=when,
                    )
            except ValidationError:
                continue  # not a fit for this person: try the next
            Referral.objects.filter(pk=new.pk).update(created_at=when)
            self.open.add((referral.person_id, service.pk))
            for step in ((2, "accept"), (3, "contact"), (6, "start"), (13, "attend")):
                self.step(Story("link_worker", (key,), 0, ""), new, when, step)
            break
        return referral

    def file(self, referral: Referral, when: datetime.datetime) -> Referral:
        message = MessageToGP.objects.filter(referral=referral).order_by("-pk").first()
        practice = referral.person.registered_practice
        filer = next(
            (a for a in self.actors.values() if a and practice and a.organisation and a.organisation.pk == practice.pk),
            None,
        )
        if message is not None and filer is not None:
            gp_services.mark_filed(filer, message, now=when)
        return referral

    def measure(self, service: Actor, referral: Referral, when: datetime.datetime) -> Referral:
        from carehouse.measures.models import Instrument
        from carehouse.referrals.services import measures as measure_services

        ons4 = Instrument.objects.filter(key="ons4", enabled=True).order_by("-created_at").first()
        if ons4 is None:
            return referral
        answers: dict[str, object] = {key: str(value) for key, value in ONS4_ANSWERS.items()}
        measure_services.record_end_measure(service, Referral.objects.get(pk=referral.pk), ons4, answers, now=when)
        return referral


OUTCOME_NOTES: dict[str, str] = {
    Outcome.GOT_HELP: "Came every week and now walks with friends from the group",
    Outcome.PARTLY: "Some of the help they needed; more to do",
    Outcome.NOT_HELPED: "The course did not suit them; talk about other options",
}
FEEDBACK_COMMENTS: dict[str, str] = {
    Helpfulness.VERY: "The people were so friendly. I look forward to it every week.",
    Helpfulness.QUITE: "It helped, though the times were hard to fit around work.",
    Helpfulness.NOT_VERY: "It was not really for me.",
    Helpfulness.NOT_AT_ALL: "Nobody got back to me.",
}


def seed_referrals(seed_value: int, *, now: datetime.datetime | None = None) -> ReferralsSummary:
    """Build the demo referrals (see the module's docstring), through the referral services.

    The stories are fixed and each referrer's people are taken in order, so the same seeded people
    (``seed_value`` built them) give the same referrals; ``seed_value`` is taken for symmetry with
    the other demo builders.
    """
    builder = _Builder(now or timezone.now())
    with transaction.atomic():
        for story in STORIES:
            referral = builder.make(story)
            if referral is None:
                continue
            sent = referral.sent_at or builder.now - datetime.timedelta(days=story.days_ago)
            for step in story.steps:
                referral = builder.step(story, referral, sent, step)
            builder.summary.referrals += 1
    counts: dict[str, int] = {}
    for status in Referral.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    builder.summary.by_status = counts
    builder.summary.referrals = sum(counts.values())
    return builder.summary
