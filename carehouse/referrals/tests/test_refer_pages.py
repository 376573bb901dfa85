"""Making a referral from the pages: from a plan action, the directory and a shortlist; the checks; consent."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from carehouse.careplans.models import Action
from carehouse.directory.tests.conftest import ROTHERHAM
from carehouse.directory.tests.factories import make_service
from carehouse.people.models import Consent
from carehouse.people.tests.factories import PersonFactory
from carehouse.referrals.models import Referral, Source
from carehouse.referrals.services.referrals import covering_consent
from carehouse.referrals.states import ReferralState

ASK = "Mary would like to walk with others"


def _new(person, service=None, **params) -> str:
    url = reverse("referrals:new", args=[person.pk])
    query = {"service": str(service.id)} if service else {}
    query.update({k: str(v) for k, v in params.items()})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def as_lena(client: Client, signed_in, lena, mary_in_network) -> Client:
    return signed_in(client, lena)


@pytest.fixture
def mary_in_s60(mary):
    mary.postcode = "S60 1AA"
    mary.save()
    return mary


def test_refer_from_a_plan_action_links_the_action_and_goal(as_priya, agreed_plan, mary_consent, walks):
    action = Action.objects.get(goal__plan=agreed_plan)
    url = _new(agreed_plan.person, walks, action=action.pk)
    page = as_priya.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert action.what in text and "Has Mary Seacole agreed" not in text  # consent already covers Walkers
    response = as_priya.post(url, {"reason_for_referral": action.what, "priority": "routine"})
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert referral.plan_action == action and referral.goal == action.goal
    assert referral.source == Source.PLAN_ACTION and referral.status == ReferralState.SENT
    shown = as_priya.get(response["Location"]).content.decode()
    assert f"Referral {referral.reference} has been sent to Riverside Walks" in shown


def test_the_plan_page_offers_to_refer_each_action_and_lists_its_referrals(as_priya, agreed_plan, mary_consent, walks):
    action = Action.objects.get(goal__plan=agreed_plan)
    plan_page = reverse("careplans:plan", args=[agreed_plan.pk])
    text = as_priya.get(plan_page).content.decode()
    assert f"{reverse('referrals:new', args=[agreed_plan.person.pk])}?action={action.pk}" in text
    as_priya.post(
        _new(agreed_plan.person, walks, action=action.pk), {"reason_for_referral": ASK, "priority": "routine"}
    )
    referral = Referral.objects.get()
    text = as_priya.get(plan_page).content.decode()
    assert referral.reference in text and "Sent, waiting for the service" in text


def test_an_action_from_another_persons_plan_is_not_found(as_priya, agreed_plan, mary_consent, walks, practice):
    someone_else = PersonFactory(registered_practice=practice)
    action = Action.objects.get(goal__plan=agreed_plan)
    assert as_priya.get(_new(someone_else, walks, action=action.pk)).status_code == 404


def test_the_consent_question_records_consent_covering_the_organisation(as_lena, mary_in_s60, walks):
    url = _new(mary_in_s60, walks)
    text = as_lena.get(url).content.decode()
    assert (
        "Has Mary Seacole agreed to share their name, contact details and this referral with Riverside Walkers?" in text
    )
    response = as_lena.post(url, {"reason_for_referral": ASK, "priority": "routine", "consent": "yes"})
    assert response.status_code == 302
    consent = covering_consent(mary_in_s60, walks)
    assert consent is not None and walks.organization in consent.recipient_directory_organisations.all()
    assert Referral.objects.get().consent == consent


def test_without_consent_the_referral_cannot_be_sent(as_lena, mary_in_s60, walks):
    response = as_lena.post(
        _new(mary_in_s60, walks),
        {"reason_for_referral": ASK, "information_for_service": "Mornings", "priority": "routine", "consent": "no"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "You need Mary Seacole&#39;s consent to send this referral" in text
    assert "There is a problem" in text and "Mornings" in text  # the typing is kept
    assert not Referral.objects.exists() and not Consent.objects.filter(person=mary_in_s60).exists()


def test_a_missing_answer_to_the_consent_question_is_an_error(as_lena, mary_in_s60, walks):
    response = as_lena.post(_new(mary_in_s60, walks), {"reason_for_referral": ASK, "priority": "routine"})
    assert response.status_code == 400
    assert "Select yes if Mary Seacole has agreed" in response.content.decode()


def test_out_of_area_is_blocked_with_the_reason(as_lena, mary, walks, mary_consent):
    mary.postcode = "LS1 1AA"
    mary.save()
    url = _new(mary, walks)
    page = as_lena.get(url).content.decode()
    assert "You cannot send this referral" in page and "Riverside Walks does not cover LS1 1AA" in page
    response = as_lena.post(url, {"reason_for_referral": ASK, "priority": "routine"})
    assert response.status_code == 400 and "does not cover LS1 1AA" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize(("minimum", "maximum"), [(None, 25.0), (90.0, None)])
def test_too_young_or_too_old_is_blocked(as_lena, mary_in_s60, walkers, minimum, maximum):
    service = make_service(
        "Age Group",
        organization=walkers,
        at=[ROTHERHAM],
        districts="S60",
        referral_routes=("link_workers",),
        minimum_age=minimum,
        maximum_age=maximum,
    )
    url = _new(mary_in_s60, service)
    assert "Age Group is for people aged" in as_lena.get(url).content.decode()
    response = as_lena.post(url, {"reason_for_referral": ASK, "priority": "routine", "consent": "yes"})
    assert response.status_code == 400 and not Referral.objects.exists()
    assert not Consent.objects.filter(person=mary_in_s60).exists()


def test_a_duplicate_is_blocked_with_a_link_to_the_open_one(as_lena, make_referral, mary, walks):
    existing = make_referral()
    url = _new(mary, walks)
    page = as_lena.get(url).content.decode()
    assert f"already has an open referral to Riverside Walks ({existing.reference})" in page
    assert reverse("referrals:detail", args=[existing.pk]) in page
    response = as_lena.post(url, {"reason_for_referral": ASK, "priority": "routine"})
    assert response.status_code == 400 and Referral.objects.count() == 1


def test_an_empty_reason_keeps_the_typing(as_lena, mary, walks, mary_consent):
    response = as_lena.post(
        _new(mary, walks), {"reason_for_referral": "", "information_for_service": "Has a dog", "priority": "routine"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter what the person would like help with" in text and "Has a dog" in text


def test_without_a_service_the_page_offers_a_search(as_lena, mary, walks):
    page = as_lena.get(_new(mary) + "?q=riverside")
    assert page.status_code == 200
    text = page.content.decode()
    assert _new(mary, walks) in text and reverse("directory:search") in text


def test_the_directory_way_in_chooses_the_person_first(as_lena, mary, walks):
    service_page = as_lena.get(reverse("directory:service", args=[walks.id])).content.decode()
    assert f"{reverse('referrals:choose_person')}?service={walks.id}" in service_page
    text = as_lena.get(reverse("referrals:choose_person"), {"service": str(walks.id), "find": "Seacole"}).content
    assert _new(mary, walks).encode() in text


def test_a_shortlist_referral_is_recorded_as_from_the_shortlist(as_lena, mary, walks, mary_consent):
    url = _new(mary, walks, shortlist="current")
    response = as_lena.post(url, {"reason_for_referral": ASK, "priority": "routine"})
    assert response.status_code == 302
    assert Referral.objects.get().source == Source.SHORTLIST


def test_people_outside_the_users_care_are_not_found(client, signed_in, omar, mary, walks):
    as_omar = signed_in(client, omar)
    assert as_omar.get(_new(mary, walks)).status_code == 404


def test_provider_staff_cannot_refer(client, signed_in, vic, mary, walks):
    assert signed_in(client, vic).get(_new(mary, walks)).status_code == 403


def test_the_form_is_csrf_protected(lena, mary_in_network, mary, walks, mary_consent):
    from carehouse.conftest import sign_in
    from carehouse.core.roles import Role

    client = sign_in(Client(enforce_csrf_checks=True), lena.user, role=Role.LINK_WORKER, membership=lena)
    response = client.post(_new(mary, walks), {"reason_for_referral": ASK, "priority": "routine"})
    assert response.status_code == 403 and not Referral.objects.exists()
