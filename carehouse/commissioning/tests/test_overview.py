"""The commissioning overview: only commissioners get in, and the refresh button rebuilds the figures."""

from __future__ import annotations

import pytest
from django.test import Client

from carehouse.commissioning import facts
from carehouse.commissioning.models import AggregateRefresh
from carehouse.conftest import sign_in
from carehouse.core.models import AuditEvent, OrganisationType
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_a_commissioner_sees_the_overview_with_no_figures_yet(commissioner_client: Client) -> None:
    page = commissioner_client.get("/commissioning/")
    assert page.status_code == 200
    assert "The figures have not been worked out yet" in page.content.decode()


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.LINK_WORKER, Role.PROVIDER_STAFF])
def test_nobody_else_sees_commissioning_pages(client: Client, role: Role) -> None:
    membership = MembershipFactory(role=role, organisation=OrganisationFactory(type=OrganisationType.GP_PRACTICE))
    sign_in(client, membership.user, role=role, membership=membership)
    assert client.get("/commissioning/").status_code == 403


def test_asking_for_a_refresh_is_audited_and_the_rebuild_says_when(commissioner_client: Client, board) -> None:
    response = commissioner_client.post("/commissioning/refresh")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(summary__contains="worked out again").exists()
    record = facts.refresh()
    assert AggregateRefresh.objects.get(pk=record.pk).finished_at is not None
    assert "Figures worked out on" in commissioner_client.get("/commissioning/").content.decode()


def test_each_figure_is_stored_for_everyone_and_once_for_each_split(board) -> None:
    # One agreed plan: its need counts once for everyone, once in its age band, deprivation fifth and condition
    import datetime

    from carehouse.careplans.models import PlanStatus
    from carehouse.careplans.tests.factories import CarePlanFactory, NeedFactory
    from carehouse.commissioning.models import AggregateCell, Grouping
    from carehouse.people.tests.factories import PersonFactory

    person = PersonFactory(registered_practice=board.north, date_of_birth=datetime.date(1950, 6, 1))
    plan = CarePlanFactory(
        person=person,
        template="diabetes",
        status=PlanStatus.ACTIVE,
        agreed_at=datetime.datetime(2026, 2, 3, tzinfo=datetime.UTC),
    )
    NeedFactory(plan=plan, text="Lonely at home")
    facts.refresh(datetime.date(2026, 3, 1))
    cells = AggregateCell.objects.filter(measure="need_plans")
    assert sorted((c.grouping, c.age_band, c.deprivation, c.condition, c.people) for c in cells) == [
        (Grouping.NONE, "", "", "", 1),
        (Grouping.AGE, "75-84", "", "", 1),
        (Grouping.CONDITION, "", "", "diabetes", 1),
        (Grouping.DEPRIVATION, "", "unknown", "", 1),
    ]
