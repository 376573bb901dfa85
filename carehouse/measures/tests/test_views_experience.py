"""The CollaboRATE experience page: group figures only, none below 25 appointments, and for commissioners
only disclosure-controlled rows for the organisations in their integrated care board."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation, OrganisationType
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from carehouse.measures import aggregates
from carehouse.measures.models import Instrument, MeasureResponse, Timepoint
from carehouse.measures.services import responses
from carehouse.people.models import Person

URL = reverse("measures:experience")
TOP = {"1": 9, "2": 9, "3": 9}
NOT_TOP = {"1": 9, "2": 7, "3": 9}


@pytest.fixture
def appointments(staff: Actor, mary: Person, collaborate: Instrument) -> Callable[[int, int], None]:
    """Record ``total`` CollaboRATE answers about Priya's appointments with Mary, ``top`` of them all 9s."""

    def record(total: int, top: int) -> None:
        assert staff.user is not None
        for n in range(total):
            responses.record_response(
                staff,
                mary,
                collaborate,
                TOP if n < top else NOT_TOP,
                timepoint=Timepoint.SESSION,
                about_user=staff.user,
            )

    return record


def page(client: Client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


# Staff ---------------------------------------------------------------------------------------------


def test_without_the_content_pack_the_page_says_how_to_switch_it_on(as_priya: Client) -> None:
    shown = page(as_priya)
    assert "CollaboRATE is not switched on" in shown
    assert "an administrator loads the CollaboRATE wording" in shown
    assert "%" not in shown


def test_under_25_appointments_no_figure_is_shown(as_priya: Client, appointments: Callable[[int, int], None]) -> None:
    appointments(24, 20)
    shown = page(as_priya)
    assert shown.count("Not enough answers yet: 24 of the 25 needed before a figure is shown") == 2
    assert "%" not in shown and "83.3" not in shown


def test_from_25_appointments_the_top_score_is_shown(
    as_priya: Client, appointments: Callable[[int, int], None]
) -> None:
    appointments(25, 16)
    shown = page(as_priya)
    # Priya's practice, and Priya's own appointments.
    assert shown.count("64.0% of 25 appointments: every answer was the highest") == 2
    assert "Test Medical Centre" in shown


def test_a_corrected_answer_replaces_the_one_it_corrects(
    as_priya: Client, staff: Actor, appointments: Callable[[int, int], None]
) -> None:
    appointments(25, 16)
    wrong = MeasureResponse.objects.filter(answers=NOT_TOP).first()
    assert wrong is not None
    responses.correct_response(staff, wrong, TOP, reason="Typed 7 for 9 by mistake")
    assert "68.0% of 25 appointments" in page(as_priya)


def test_other_staff_see_only_their_own_figures(
    client: Client,
    signed_in: Callable[[Client, Membership], Client],
    omar: Membership,
    appointments: Callable[[int, int], None],
) -> None:
    appointments(30, 30)
    shown = page(signed_in(client, omar))
    assert "Other Surgery" in shown
    assert shown.count("Not enough answers yet: 0 of the 25 needed") == 2
    assert "100.0%" not in shown


# Commissioners --------------------------------------------------------------------------------------


def test_commissioners_see_rounded_figures_per_organisation_and_no_people(
    client: Client,
    signed_in: Callable[[Client, Membership], Client],
    cora: Membership,
    other_practice: Organisation,
    mary: Person,
    appointments: Callable[[int, int], None],
) -> None:
    appointments(27, 16)
    shown = page(signed_in(client, cora))
    # 27 rounds to 25 and 16 to 15: the percentage is worked out from the rounded figures.
    assert '<th scope="row" class="nhsuk-table__header">Test Medical Centre</th>' in shown
    assert "60% of appointments: every answer was the highest" in shown
    assert ">25</td>" in shown and ">27</td>" not in shown
    assert "Other Surgery" in shown and "Fewer than 25 appointments: no figure yet" in shown
    # Never a person, a member of staff, or an exact figure.
    for detail in (mary.given_name, mary.family_name, "Priya", "59.3", "64.0"):
        assert detail not in shown


def test_commissioners_see_small_numbers_hidden(
    client: Client,
    signed_in: Callable[[Client, Membership], Client],
    cora: Membership,
    appointments: Callable[[int, int], None],
) -> None:
    appointments(30, 5)
    shown = page(signed_in(client, cora))
    assert "Hidden: too few appointments with every answer the highest" in shown
    assert "16.7" not in shown and "17%" not in shown


def test_commissioners_see_nothing_from_another_integrated_care_board(
    client: Client, signed_in: Callable[[Client, Membership], Client], appointments: Callable[[int, int], None]
) -> None:
    appointments(30, 30)
    elsewhere = OrganisationFactory(
        ods_code="QT9", name="NHS Elsewhere ICB", type=OrganisationType.INTEGRATED_CARE_BOARD
    )
    commissioner = MembershipFactory(
        user=UserFactory(email="elsewhere@example.org"), organisation=elsewhere, role=Role.COMMISSIONER
    )
    shown = page(signed_in(client, commissioner))
    assert "Test Medical Centre" not in shown and "100%" not in shown
    instrument = aggregates.collaborate()
    assert instrument is not None
    figures = aggregates.for_commissioner(Actor.for_membership(commissioner), instrument.parsed)
    assert figures.organisations == [] and figures.total.appointments.value == 0


# Who may not see it -------------------------------------------------------------------------------------


def test_people_and_carers_may_not_see_it(as_mary: Client) -> None:
    assert as_mary.get(URL).status_code == 403


def test_carers_may_not_see_it(as_carer: Client) -> None:
    assert as_carer.get(URL).status_code == 403


@pytest.mark.parametrize("who", ["vic", "ada"])
def test_provider_staff_and_administrators_may_not_see_it(
    client: Client, signed_in: Callable[[Client, Membership], Client], who: str, request: pytest.FixtureRequest
) -> None:
    membership = request.getfixturevalue(who)
    assert signed_in(client, membership).get(URL).status_code == 403
