"""A referral from a plan action to a closed loop, through both services and back to the person.

A link worker refers Ruth from an action in her care and support plan to Riverside Health Walks,
recording her consent to share. The walking group's provider declines: no places. The link worker
sends Ruth on to Therapeutic Gardening instead, whose organisation has no Carehouse accounts: it
answers from the link Carehouse emailed it, accepts, records that Ruth came to a session, and
completes the support with an outcome and an end-of-support ONS4. The link worker sees the loop
closed and the goal prompt, and records the goal as achieved. Ruth sees the outcome and says how
helpful it was.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Locator, expect

from carehouse.careplans.models import Achievement, AgreedWith, CarePlan, Goal
from carehouse.careplans.services import plans
from carehouse.core.actor import Actor
from carehouse.core.demo_data import DemoSummary
from carehouse.core.models import Membership
from carehouse.people.models import CareTeamMember, Person
from carehouse.referrals.models import EventKind, MessageToGP, Referral, ReferralFeedback
from carehouse.referrals.states import ReferralState
from tests.system.browser import Visitor
from tests.system.steps import person_with_a_sign_in, sign_in

pytestmark = pytest.mark.system

PERSON_EMAIL = "ruth@example.org"
GOAL = "Get out of the house and meet people"
ACTION = "Join a group activity outdoors"
FIRST_SERVICE = "Riverside Health Walks"
SECOND_SERVICE = "Therapeutic Gardening"
SECOND_SERVICE_EMAIL = "referrals@green.example.org"


def main(visitor: Visitor) -> Locator:
    return visitor.page.get_by_role("main")


def sign_out(visitor: Visitor) -> None:
    visitor.click_and_load(visitor.page.get_by_role("banner").get_by_role("button", name="Sign out"))


def nav(visitor: Visitor, text: str) -> None:
    visitor.click_and_load(visitor.page.get_by_role("navigation").get_by_role("link", name=text, exact=True))


def ruth_with_a_plan() -> tuple[Person, CarePlan, Goal]:
    """Ruth, in the link worker's network's care, with an agreed plan: one goal and one action."""
    ruth = person_with_a_sign_in(PERSON_EMAIL, "Ruth", "Ellis", datetime.date(1952, 3, 9))
    ruth.postcode = "S60 1AA"
    ruth.phone = "07700 900456"
    ruth.save(update_fields=["postcode", "phone"])
    membership = Membership.objects.get(user__email="linkworker@example.org")
    CareTeamMember.objects.create(
        person=ruth, organisation=membership.organisation, name="Sam Taylor", role_title="Link worker"
    )
    staff = Actor.for_membership(membership)
    plan = plans.start_plan(staff, ruth)
    goal = plans.save_item(staff, plan, "goal", {"text": GOAL}, expected_version=plan.version)
    plan.refresh_from_db()
    plans.save_item(
        staff, plan, "action", {"what": ACTION, "who": "service"}, parent=goal, expected_version=plan.version
    )
    plan.refresh_from_db()
    plans.agree_plan(
        staff,
        plan,
        agreed_with=AgreedWith.PERSON,
        next_review_due=timezone.localdate() + datetime.timedelta(days=90),
        expected_version=plan.version,
    )
    assert isinstance(goal, Goal)
    return ruth, plan, goal


def refer_to(visitor: Visitor, service: str, reason: str) -> None:
    """On "Which service …?": find the service by name, choose it, and send the referral with consent."""
    visitor.fill("Service name", service)
    visitor.submit("Find")
    visitor.click_and_load(main(visitor).locator("#found").get_by_role("link", name=service, exact=True))
    visitor.fill("What would Ruth Ellis like help with?", reason)
    visitor.choose("Yes")  # Ruth has agreed to share her details with the organisation


def press(visitor: Visitor, name: str) -> None:
    """A button that is a link to the next page (the service's actions on a referral)."""
    visitor.click_and_load(main(visitor).get_by_role("button", name=name, exact=True))


def open_referral(visitor: Visitor, referral: Referral) -> None:
    link = main(visitor).get_by_role("link", name=re.compile(rf"^{referral.reference}\b"))
    visitor.click_and_load(link.first)


def emailed_link(address: str) -> str:
    """The path of the newest referral link Carehouse emailed to ``address``."""
    for message in reversed(mail.outbox):
        if address in message.to:
            found = re.search(r"https?://[^/\s]+(/referrals/link/\S+)", message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"No referral link was emailed to {address}")


def test_a_referral_is_declined_sent_on_accepted_completed_and_the_loop_closes(
    visitor: Visitor, demo: DemoSummary
) -> None:
    page = visitor.page
    ruth, plan, goal = ruth_with_a_plan()

    # The link worker refers Ruth from the action in her plan, with her consent
    sign_in(visitor, "linkworker@example.org")
    visitor.visit(f"/careplans/{plan.pk}")
    visitor.click_and_load(main(visitor).get_by_role("link", name=f"Refer to a service for the action: {ACTION}"))
    expect(main(visitor)).to_contain_text(f"For the action in their plan: {ACTION}")
    refer_to(visitor, FIRST_SERVICE, "Ruth would like to walk with others and feel less alone")
    expect(main(visitor).locator("#passed")).to_contain_text("The person's age")
    visitor.submit("Send referral")
    first = Referral.objects.get(person=ruth, service__name=FIRST_SERVICE)
    assert first.status == ReferralState.SENT and first.plan_action is not None and first.goal_id == goal.pk
    assert first.consent is not None and first.consent.recipient_directory_organisations.count() == 1
    expect(main(visitor).get_by_role("heading", level=1)).to_contain_text(first.reference)
    sign_out(visitor)

    # The walking group's provider has no places: they decline, with the reason
    sign_in(visitor, "provider@example.org")
    nav(visitor, "Referrals")
    open_referral(visitor, first)
    expect(main(visitor)).to_contain_text("Ruth Ellis")
    expect(main(visitor)).to_contain_text("feel less alone")
    press(visitor, "Decline the referral")
    visitor.choose("No places or capacity")
    visitor.fill("Anything the referrer should know (optional)", "Our groups are full until the spring.")
    visitor.submit("Decline the referral")
    first.refresh_from_db()
    assert first.status == ReferralState.REJECTED and first.status_reason == "no-capacity"
    sign_out(visitor)

    # The link worker sees the decline and sends Ruth on to another service
    sign_in(visitor, "linkworker@example.org")
    nav(visitor, "Referrals")
    expect(main(visitor)).to_contain_text(first.reference)
    open_referral(visitor, first)
    expect(main(visitor)).to_contain_text("No places or capacity")
    visitor.follow("Send to another service")
    refer_to(visitor, SECOND_SERVICE, "Ruth would like to be outdoors with others; she enjoys gardening")
    visitor.submit("Send to this service")
    second = Referral.objects.get(person=ruth, service__name=SECOND_SERVICE)
    first.refresh_from_db()
    assert second.status == ReferralState.SENT and second.replaces_id == first.pk and second.goal_id == goal.pk
    assert first.followed_up_at is not None
    sign_out(visitor)

    # The gardening group has no Carehouse accounts: it answers from the emailed link
    link = emailed_link(SECOND_SERVICE_EMAIL)
    visitor.visit(link)
    expect(main(visitor)).to_contain_text("Ruth Ellis")
    press(visitor, "Accept the referral")
    visitor.submit("Accept the referral")
    visitor.follow("Record attendance at a session")
    today = timezone.localdate()
    visitor.fill_date("Date of the session", str(today.day), str(today.month), str(today.year))
    visitor.choose("Yes")
    visitor.submit("Save")
    second.refresh_from_db()
    assert second.sessions_attended == 1
    press(visitor, "Complete the support")
    visitor.choose("Got the help they needed")
    visitor.fill("What happened (optional)", "Ruth comes every Tuesday and has made friends.")
    page.get_by_role("checkbox", name="Record an end-of-support questionnaire or measure next").check()
    visitor.submit("Complete the support")
    second.refresh_from_db()
    assert second.status == ReferralState.COMPLETED and second.outcome == "got_help"

    # … and records an end-of-support ONS4 with Ruth
    visitor.choose("ONS4")
    visitor.submit("Continue")
    for question, answer in enumerate(["8", "8", "7", "3"]):
        main(visitor).get_by_role("group").nth(question).get_by_role("radio", name=answer, exact=True).check()
    visitor.submit("Save the answers")
    assert second.events.filter(kind=EventKind.NOTE, note__contains="End-of-support measure").exists()

    # The link worker sees the loop closed and updates the goal it served
    sign_in(visitor, "linkworker@example.org")
    nav(visitor, "Referrals")
    open_referral(visitor, second)
    expect(main(visitor)).to_contain_text("Got the help they needed")
    expect(main(visitor).locator("#goal")).to_contain_text(f"Update {GOAL}")
    visitor.choose(Achievement.ACHIEVED.label)
    visitor.submit("Save the goal")
    goal.refresh_from_db()
    second.refresh_from_db()
    assert goal.achievement == Achievement.ACHIEVED and not second.goal_update_due
    assert MessageToGP.objects.filter(referral=second, practice=ruth.registered_practice).exists()
    sign_out(visitor)

    # Ruth sees the outcome and says how it went
    sign_in(visitor, PERSON_EMAIL)
    nav(visitor, "My referrals")
    expect(main(visitor)).to_contain_text(SECOND_SERVICE)
    visitor.follow(f"Tell us how it went with {SECOND_SERVICE}")
    visitor.choose("Very helpful")
    visitor.choose("Yes")
    visitor.submit("Send")
    feedback = ReferralFeedback.objects.get(referral=second)
    assert feedback.helpfulness == "very" and feedback.would_recommend is True
    expect(page.get_by_role("main")).to_contain_text(SECOND_SERVICE)
