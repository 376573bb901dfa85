"""Fixtures and builders the care plan tests share.

Mary Seacole (``mary``, NHS number 943 476 5919) is registered at ``practice`` and signs in
as ``mary_user``; ``mary_actor`` is Mary acting for herself, and ``reviewer`` the nurse in her
care team who reviews her plan. ``staff`` is practitioner Priya as an actor;
``as_priya`` and ``as_mary`` are test clients signed in as each of them. Sam (``carer_user``) is
Mary's son (``carer_contact``); with ``carer_consent`` he may read her plans as her carer, and
``as_carer`` is a client signed in as him.

``plan`` is a draft Priya has started for Mary; ``agreed_plan`` a whole agreed plan, built the way
staff build one. The builders (``add_goal``, ``add_action``, ``add_item``, ``agree``, ``spend``)
write through the services, as the pages do, each against the plan's current version.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.utils import timezone

from carehouse.careplans.models import Action, AgreedWith, BudgetSpend, CarePlan, Goal
from carehouse.careplans.services import budget
from carehouse.careplans.services import plans as services
from carehouse.conftest import sign_in
from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation, User
from carehouse.core.roles import Role
from carehouse.core.tests.factories import UserFactory
from carehouse.people.models import CareTeamMember, Consent, ConsentPurpose, Person, PersonalContact
from carehouse.people.tests.factories import (
    CareTeamMemberFactory,
    ConsentFactory,
    PersonalContactFactory,
    PersonFactory,
)

GOAL = "Walk to the park with my grandson"
ACTION = "Walk to the end of the road every morning"


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


# Builders ------------------------------------------------------------------------------------------


def add_item(staff: Actor, plan: CarePlan, kind: str, data: dict[str, Any], **where: Any) -> models.Model:
    """Save a new item of ``kind`` (``services.plans.ITEM_KINDS``) against the plan's current version."""
    plan.refresh_from_db()
    return services.save_item(staff, plan, kind, data, expected_version=plan.version, **where)


def add_goal(staff: Actor, plan: CarePlan, text: str = GOAL, **extra: Any) -> Goal:
    goal = add_item(staff, plan, "goal", {"text": text, **extra})
    assert isinstance(goal, Goal)
    return goal


def add_action(staff: Actor, plan: CarePlan, goal: Goal, what: str = ACTION, **extra: Any) -> Action:
    action = add_item(staff, plan, "action", {"what": what, **extra}, parent=goal)
    assert isinstance(action, Action)
    return action


def agree(staff: Actor, plan: CarePlan, days: int = 90) -> CarePlan:
    """Agree the plan with the person, with the review ``days`` from today."""
    plan.refresh_from_db()
    return services.agree_plan(
        staff, plan, agreed_with=AgreedWith.PERSON, next_review_due=in_days(days), expected_version=plan.version
    )


def spend(
    actor: Actor,
    plan: CarePlan,
    amount: Any,
    *,
    payee: str = "Riverside Leisure",
    description: str = "Swimming",
    **extra: Any,
) -> BudgetSpend:
    """Record spending from the plan's personal health budget, today."""
    return budget.record_spend(
        actor, plan, spent_on=timezone.localdate(), payee=payee, description=description, amount=amount, **extra
    )


# Who -----------------------------------------------------------------------------------------------


@pytest.fixture
def staff(priya: Membership) -> Actor:
    return Actor.for_membership(priya)


@pytest.fixture
def as_priya(client: Client, signed_in: Any, priya: Membership) -> Client:
    return signed_in(client, priya)


@pytest.fixture
def mary_user(db: None) -> User:
    return UserFactory(email="mary@example.org", full_name="Mary Seacole")


@pytest.fixture
def mary(practice: Organisation, mary_user: User) -> Person:
    return PersonFactory(
        registered_practice=practice, given_name="Mary", family_name="Seacole", user=mary_user, nhs_number="9434765919"
    )


@pytest.fixture
def mary_actor(mary_user: User, mary: Person) -> Actor:
    return Actor(user=mary_user, role=Role.PERSON)


@pytest.fixture
def as_mary(client: Client, mary_user: User, mary: Person) -> Client:
    return sign_in(client, mary_user, role=Role.PERSON)


@pytest.fixture
def reviewer(mary: Person, practice: Organisation) -> CareTeamMember:
    return CareTeamMemberFactory(person=mary, organisation=practice, name="Priya Shah", role_title="Practice nurse")


@pytest.fixture
def carer_user(db: None) -> User:
    return UserFactory(email="sam@example.org", full_name="Sam Seacole")


@pytest.fixture
def carer_contact(mary: Person, carer_user: User) -> PersonalContact:
    return PersonalContactFactory(person=mary, name="Sam Seacole", relationship="son", user=carer_user)


@pytest.fixture
def carer_consent(mary: Person, carer_contact: PersonalContact) -> Consent:
    """Mary's consent for Sam, as her carer, to read her plans."""
    return ConsentFactory(person=mary, purpose=ConsentPurpose.CARER_ACCESS, recipient_contacts=[carer_contact])


@pytest.fixture
def as_carer(client: Client, carer_user: User, carer_consent: Consent) -> Client:
    return sign_in(client, carer_user, role=Role.CARER)


# Plans ---------------------------------------------------------------------------------------------


@pytest.fixture
def plan(staff: Actor, mary: Person) -> CarePlan:
    """A draft plan Priya has started for Mary, from no template."""
    return services.start_plan(staff, mary)


@pytest.fixture
def agreed_plan(staff: Actor, mary: Person, reviewer: CareTeamMember) -> CarePlan:
    """An agreed COPD plan: About me, a goal with an action, a contingency plan, and who reviews it."""
    plan = services.start_plan(staff, mary, template="copd")
    services.update_about_me(
        staff, plan, {"about_most_important": "My grandson Sam and my garden"}, expected_version=plan.version
    )
    goal = add_goal(staff, plan, why_it_matters="So I can see him play", importance=9)
    add_action(staff, plan, goal, who="person", when="Every morning")
    add_item(
        staff,
        plan,
        "contingency",
        {"triggers": "A chest infection", "what_to_do": "Start the rescue pack and call the practice"},
    )
    plan.refresh_from_db()
    services.update_plan_details(staff, plan, {"review_owner": reviewer.pk}, expected_version=plan.version)
    return agree(staff, plan, days=120)
