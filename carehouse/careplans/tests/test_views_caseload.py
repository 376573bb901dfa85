"""The caseload: overdue reviews, reviews due soon, drafts and people invited, mine or the organisation's."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carehouse.careplans.models import PlanStatus
from carehouse.careplans.presenters import format_date
from carehouse.careplans.tests.conftest import in_days
from carehouse.careplans.tests.factories import CarePlanFactory, PreparationPackFactory
from carehouse.core.models import AuditEvent
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, UserFactory
from carehouse.people.tests.factories import PersonFactory


def sections(response) -> dict[str, str]:
    """The page's tables by their heading id: overdue, due-soon, drafts, invited."""
    html = unescape(response.content.decode())
    parts = re.split(r'<h2 class="nhsuk-heading-m" id="([a-z-]+)">', html)
    return {parts[i]: parts[i + 1].split("<h2")[0] for i in range(1, len(parts) - 1, 2)}


def person_at(practice, name: str):
    given, family = name.split()
    return PersonFactory(registered_practice=practice, given_name=given, family_name=family)


@pytest.fixture
def colleague(practice):
    return MembershipFactory(
        user=UserFactory(email="colin@example.org", full_name="Colin Colleague"),
        organisation=practice,
        role=Role.PRACTITIONER,
    )


@pytest.fixture
def cases(practice, other_practice, priya, colleague):
    """One of each kind of case, some Priya's, one her colleague's, one she may not see."""
    mine = priya.user
    return {
        "overdue": CarePlanFactory(
            person=person_at(practice, "Olive Overdue"),
            lead=mine,
            status=PlanStatus.ACTIVE,
            next_review_due=in_days(-10),
        ),
        "due_soon": CarePlanFactory(
            person=person_at(practice, "Dora Duesoon"),
            lead=mine,
            status=PlanStatus.UNDER_REVIEW,
            next_review_due=in_days(5),
        ),
        "later": CarePlanFactory(
            person=person_at(practice, "Larry Later"),
            lead=mine,
            status=PlanStatus.ACTIVE,
            next_review_due=in_days(60),
        ),
        "draft": CarePlanFactory(person=person_at(practice, "Dan Draft"), lead=mine, status=PlanStatus.DRAFT),
        "completed": CarePlanFactory(
            person=person_at(practice, "Cath Completed"),
            lead=mine,
            status=PlanStatus.COMPLETED,
            next_review_due=in_days(-30),
        ),
        "colleagues": CarePlanFactory(
            person=person_at(practice, "Colette Colleagues"),
            lead=colleague.user,
            status=PlanStatus.ACTIVE,
            next_review_due=in_days(-3),
        ),
        # Held by Priya's practice but about someone it no longer cares for: not to be listed.
        "hidden": CarePlanFactory(
            person=person_at(other_practice, "Hilda Hidden"),
            organisation=practice,
            lead=mine,
            status=PlanStatus.ACTIVE,
            next_review_due=in_days(-5),
        ),
        "invited": PreparationPackFactory(
            person=person_at(practice, "Ivy Invited"),
            created_by=mine,
            sent_at=timezone.now(),
            conversation_on=in_days(7),
        ),
        # Invited, but already has an open plan: it is on the caseload as that plan instead.
        "invited_with_plan": PreparationPackFactory(
            person=person_at(practice, "Peter Planned"), created_by=mine, sent_at=timezone.now()
        ),
        "planned": None,
    }


@pytest.fixture
def with_plan_for_invited(cases, practice, priya):
    cases["planned"] = CarePlanFactory(
        person=cases["invited_with_plan"].person,
        lead=priya.user,
        status=PlanStatus.ACTIVE,
        next_review_due=in_days(200),
    )
    return cases


def test_my_caseload_lists_each_kind_of_case(as_priya, with_plan_for_invited):
    cases = with_plan_for_invited
    response = as_priya.get("/careplans/caseload")
    assert response.status_code == 200
    found = sections(response)
    html = unescape(response.content.decode())
    assert "Overdue reviews (1)" in html
    assert "Reviews due in the next 28 days (1)" in html
    assert "Draft plans (1)" in html
    assert "Invited, without a plan yet (1)" in html

    assert "Olive Overdue" in found["overdue"]
    assert format_date(in_days(-10)) in found["overdue"]
    assert "10 days" in found["overdue"]
    assert f'href="/careplans/{cases["overdue"].pk}"' in found["overdue"]
    assert "Dora Duesoon" in found["due-soon"]
    assert "In 5 days" in found["due-soon"]
    assert "Dan Draft" in found["drafts"]
    assert "Ivy Invited" in found["invited"]
    assert f'href="/people/{cases["invited"].person_id}"' in found["invited"]
    assert f'href="/careplans/preparation/{cases["invited"].pk}"' in found["invited"]
    for absent in ("Larry Later", "Cath Completed", "Colette Colleagues", "Hilda Hidden", "Peter Planned"):
        assert absent not in html


def test_the_organisation_caseload_adds_colleagues_cases(as_priya, cases):
    response = as_priya.get("/careplans/caseload?scope=organisation")
    assert response.status_code == 200
    found = sections(response)
    html = unescape(response.content.decode())
    assert "Overdue reviews (2)" in html
    assert "Olive Overdue" in found["overdue"] and "Colette Colleagues" in found["overdue"]
    # Oldest first: the longest overdue at the top.
    assert found["overdue"].index("Olive Overdue") < found["overdue"].index("Colette Colleagues")
    assert "Hilda Hidden" not in html
    assert 'aria-current="page">Everyone at Test Medical Centre' in html


def test_the_caseload_is_audited_with_the_people_listed(as_priya, cases):
    as_priya.get("/careplans/caseload")
    event = AuditEvent.objects.filter(summary="Viewed caseload").get()
    assert event.action == "search"
    listed = {int(p) for p in event.changes["people_listed"]}
    assert cases["overdue"].person_id in listed
    assert cases["hidden"].person_id not in listed


def test_another_practice_sees_none_of_it(client, signed_in, omar, cases):
    signed_in(client, omar)
    html = unescape(client.get("/careplans/caseload?scope=organisation").content.decode())
    assert "Overdue reviews (0)" in html
    assert "Olive Overdue" not in html


def test_people_and_carers_have_no_caseload(client, practice):
    from carehouse.conftest import sign_in

    user = UserFactory(email="pat@example.org")
    PersonFactory(registered_practice=practice, user=user)
    sign_in(client, user, role=Role.PERSON)
    assert client.get("/careplans/caseload").status_code == 403


def test_the_navigation_offers_the_caseload_to_staff(as_priya):
    html = as_priya.get("/careplans/caseload").content.decode()
    assert 'href="/careplans/caseload"' in html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_caseload_reads_a_fixed_number_of_queries_however_many_cases(as_priya, practice, priya):
    """No query per row: the count must not grow with the caseload (it is benchmarked at 100,000 plans)."""
    mine = priya.user

    def add_cases(count: int, start: int) -> None:
        for n in range(start, start + count):
            CarePlanFactory(
                person=person_at(practice, f"Over Due{n}"),
                lead=mine,
                status=PlanStatus.ACTIVE,
                next_review_due=in_days(-1 - n),
            )
            CarePlanFactory(
                person=person_at(practice, f"Soon Due{n}"),
                lead=mine,
                status=PlanStatus.ACTIVE,
                next_review_due=in_days(1 + n % 20),
            )
            CarePlanFactory(person=person_at(practice, f"Draft Plan{n}"), lead=mine, status=PlanStatus.DRAFT)
            PreparationPackFactory(
                person=person_at(practice, f"Invited Person{n}"), created_by=mine, sent_at=timezone.now()
            )

    add_cases(2, 0)
    few = _queries(as_priya, "/careplans/caseload")
    add_cases(30, 2)  # more than a page of each
    many = _queries(as_priya, "/careplans/caseload")
    assert many <= few + 4  # at most one extra count query per table once a table is full
    assert many <= 25
    html = unescape(as_priya.get("/careplans/caseload").content.decode())
    assert "Overdue reviews (32)" in html
    assert "Showing the first 25 of 32." in html
