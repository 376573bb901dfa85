"""The receiving service records an end-of-support measure with the person, while consent lasts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from carehouse.core.actor import Actor
from carehouse.measures import selectors as measure_selectors
from carehouse.measures.models import CompletedBy, MeasureResponse, ResponseStatus, Timepoint
from carehouse.measures.services import responses as measure_responses
from carehouse.people.services import withdraw_consent
from carehouse.referrals import links
from carehouse.referrals.models import EventKind, Referral, ReferralEvent
from carehouse.referrals.services import measures as measure_services
from carehouse.referrals.states import ReferralState
from carehouse.referrals.tests.conftest import GREEN_SPACES_EMAIL

pytestmark = pytest.mark.django_db

ONS4 = {"satisfaction": "7", "worthwhile": "8", "happiness": "6", "anxiety": "3"}


@pytest.fixture
def supported(make_referral, move, vic_actor) -> Referral:
    """Lena's referral of Mary to Riverside Walks, accepted by Vic and under way."""
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    return move(referral, vic_actor, ReferralState.IN_PROGRESS)


def _url(referral: Referral) -> str:
    return f"/referrals/inbox/{referral.pk}/measure"


def test_the_service_chooses_from_questionnaires_it_can_complete(client, signed_in, vic, supported):
    signed_in(client, vic)
    page = client.get(_url(supported)).content.decode()
    assert "ONS4" in page and "SEMCD-6" in page
    assert "PHQ-9" not in page  # raises alerts a community service cannot act on
    assert "CollaboRATE" not in page  # about one appointment; and its wording is not loaded
    keys = [instrument.key for instrument in measure_services.end_of_support_instruments()]
    assert "ons4" in keys and "semcd6" in keys and "phq9" not in keys


def test_the_service_records_an_end_of_support_measure(client, signed_in, vic, voluntary, supported, staff, mary):
    measure_responses.record_response(
        staff,
        mary,
        measure_selectors.get_instrument("semcd6"),
        dict.fromkeys([i.id for i in measure_selectors.get_instrument("semcd6").parsed.items], "5"),
        timepoint=Timepoint.BASELINE,
    )
    signed_in(client, vic)
    form = client.get(_url(supported), {"instrument": "ons4"})
    assert form.status_code == 200
    page = form.content.decode()
    assert "Complete ONS4 with Mary Seacole" in page
    assert 'name="satisfaction"' in page and 'name="anxiety"' in page
    assert "Baseline" not in page  # nothing of Mary's other measures

    response = client.post(_url(supported), {"instrument": "ons4", **ONS4})
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/inbox/{supported.pk}"
    recorded = MeasureResponse.objects.get(referral_reference=supported.reference)
    assert recorded.status == ResponseStatus.COMPLETED
    assert recorded.timepoint == Timepoint.END_OF_SUPPORT
    assert recorded.instrument.key == "ons4"
    assert recorded.organisation == voluntary
    assert recorded.completed_mode == CompletedBy.STAFF
    assert recorded.completed_by == vic.user
    assert recorded.answers["satisfaction"] == 7
    note = ReferralEvent.objects.filter(referral=supported, kind=EventKind.NOTE).get()
    assert note.note.startswith("End-of-support measure recorded: ONS4")
    assert "Life satisfaction 7" in note.note
    assert note.shared_with_service


def test_every_question_must_be_answered(client, signed_in, vic, supported):
    signed_in(client, vic)
    response = client.post(_url(supported), {"instrument": "ons4", "satisfaction": "7"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not MeasureResponse.objects.filter(referral_reference=supported.reference).exists()


def test_no_questionnaire_chosen(client, signed_in, vic, supported):
    signed_in(client, vic)
    response = client.get(_url(supported), {"chosen": "yes"})
    assert response.status_code == 400
    assert "Select a questionnaire" in response.content.decode()


def test_the_referral_goal_is_linked(make_referral, move, vic_actor, agreed_plan):
    goal = agreed_plan.goals.first()
    referral = move(make_referral(goal=goal), vic_actor, ReferralState.ACCEPTED)
    referral = move(referral, vic_actor, ReferralState.COMPLETED, outcome="got_help")
    ons4 = measure_selectors.get_instrument("ons4")
    recorded = measure_services.record_end_measure(vic_actor, referral, ons4, dict(ONS4))
    assert recorded.goal == goal and recorded.plan == agreed_plan


def test_refused_once_consent_is_withdrawn(client, signed_in, vic, supported, mary_consent, mary_actor):
    withdraw_consent(mary_actor, mary_consent, reason="I changed my mind")
    signed_in(client, vic)
    page = client.get(_url(supported), {"instrument": "ons4"})
    assert "You cannot record an end-of-support measure" in page.content.decode()
    assert 'name="satisfaction"' not in page.content.decode()
    response = client.post(_url(supported), {"instrument": "ons4", **ONS4})
    assert response.status_code == 400
    assert not MeasureResponse.objects.filter(referral_reference=supported.reference).exists()
    with pytest.raises(ValidationError, match="consent"):
        measure_services.record_end_measure(
            Actor.for_membership(vic), supported, measure_selectors.get_instrument("ons4"), dict(ONS4)
        )


def test_not_before_support_has_started(make_referral, vic_actor):
    referral = make_referral()
    with pytest.raises(ValidationError, match="once the person's support has started"):
        measure_services.record_end_measure(vic_actor, referral, measure_selectors.get_instrument("ons4"), dict(ONS4))


def test_the_referrer_cannot_use_the_service_page(client, signed_in, lena, supported):
    signed_in(client, lena)
    assert client.get(_url(supported)).status_code == 403


def test_a_service_with_only_an_emailed_link_records_for_the_referrer(client, make_referral, move, green_spaces, pcn):
    referral = make_referral(service=green_spaces)
    token = links.make_token(referral, GREEN_SPACES_EMAIL)
    holder = links.actor_for_link(referral, GREEN_SPACES_EMAIL)
    referral = move(referral, holder, ReferralState.ACCEPTED)
    move(referral, holder, ReferralState.IN_PROGRESS)

    url = f"/referrals/link/{token}/measure"
    assert "Complete ONS4 with Mary Seacole" in client.get(url, {"instrument": "ons4"}).content.decode()
    response = client.post(url, {"instrument": "ons4", **ONS4})
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/link/{token}"
    recorded = MeasureResponse.objects.get(referral_reference=referral.reference)
    assert recorded.organisation == pcn  # the referring organisation: the service has none here
    assert recorded.timepoint == Timepoint.END_OF_SUPPORT
    assert GREEN_SPACES_EMAIL in recorded.completed_by_label
    note = ReferralEvent.objects.filter(referral=referral, kind=EventKind.NOTE).get()
    assert "recorded for Test Network" in note.note


def test_a_bad_or_revoked_link_does_not_work(client, make_referral, green_spaces):
    referral = make_referral(service=green_spaces)
    token = links.make_token(referral, GREEN_SPACES_EMAIL)
    assert client.get(f"/referrals/link/{token}x/measure").status_code == 403
    Referral.objects.filter(pk=referral.pk).update(provider_link_nonce="revoked")
    assert client.get(f"/referrals/link/{token}/measure").status_code == 404
