"""The person's start page says how many questionnaires are waiting for them, beside "Your questionnaires"."""

from __future__ import annotations

import html
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from carehouse.core.actor import Actor
from carehouse.core.models import Organisation
from carehouse.core.roles import Role
from carehouse.core.tests.factories import UserFactory
from carehouse.measures import selectors
from carehouse.measures.models import Instrument, MeasureResponse, Timepoint
from carehouse.measures.services import responses
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

GetInstrument = Callable[[str], Instrument]
PHQ9_ANSWERS = {str(n): 0 for n in range(1, 10)}


def start_page(client: Client) -> str:
    response = client.get(reverse("core:start"))
    assert response.status_code == 200
    return " ".join(html.unescape(response.content.decode()).split())


def test_with_nothing_waiting_the_start_page_says_nothing_about_it(as_mary: Client, mary_actor: Actor) -> None:
    page = start_page(as_mary)
    assert "Your questionnaires" in page
    assert "to answer" not in page
    assert selectors.count_waiting_for_me(mary_actor) == 0


def test_one_waiting_questionnaire_is_counted_beside_the_link(
    as_mary: Client, mary_actor: Actor, phq9_sent: MeasureResponse
) -> None:
    page = start_page(as_mary)
    # Just before the "Your questionnaires" link.
    assert (
        '<p class="nhsuk-u-margin-bottom-2" id="questionnaires-waiting">You have 1 questionnaire to answer.</p> '
        f'<a class="nhsuk-action-link" href="{reverse("measures:mine")}"'
    ) in page
    assert selectors.count_waiting_for_me(mary_actor) == 1


def test_saved_answers_still_wait_and_sent_answers_do_not(
    as_mary: Client,
    staff: Actor,
    mary: Person,
    mary_actor: Actor,
    phq9_sent: MeasureResponse,
    instrument: GetInstrument,
) -> None:
    gad7 = responses.send_questionnaire(staff, mary, instrument("gad7"), timepoint=Timepoint.BASELINE)
    responses.save_draft(mary_actor, gad7, {"1": 2}, expected_version=gad7.version)
    assert "You have 2 questionnaires to answer." in start_page(as_mary)

    responses.submit(mary_actor, phq9_sent, PHQ9_ANSWERS, expected_version=phq9_sent.version)
    assert "You have 1 questionnaire to answer." in start_page(as_mary)

    gad7.refresh_from_db()
    responses.withdraw_request(staff, gad7, reason="Sent by mistake")
    page = start_page(as_mary)
    assert "to answer" not in page
    assert selectors.count_waiting_for_me(mary_actor) == len(selectors.waiting_for_me(mary_actor)) == 0


def test_only_the_persons_own_questionnaires_are_counted(
    as_mary: Client, staff: Actor, practice: Organisation, phq9_sent: MeasureResponse, instrument: GetInstrument
) -> None:
    someone_else = PersonFactory(registered_practice=practice, user=UserFactory())
    for key in ("phq9", "gad7"):
        responses.send_questionnaire(staff, someone_else, instrument(key), timepoint=Timepoint.BASELINE)
    assert "You have 1 questionnaire to answer." in start_page(as_mary)
    assert selectors.count_waiting_for_me(Actor(user=someone_else.user, role=Role.PERSON)) == 2


def test_staff_have_no_questionnaires_to_answer(staff: Actor, phq9_sent: MeasureResponse) -> None:
    assert selectors.count_waiting_for_me(staff) == 0
