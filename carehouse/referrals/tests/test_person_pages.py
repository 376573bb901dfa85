"""The person's own referral pages: their referrals in plain words, one referral, referring themselves, withdrawing.

Mary (``as_mary``) sees only her own referrals, and of their history only what is shared with
the service. She refers herself where a service takes self-referrals, ticking her own consent;
and withdraws a referral she no longer wants, which tells the referrer and the service.
"""

from __future__ import annotations

from html import unescape

import pytest
from django.db import transaction

from carehouse.conftest import sign_in
from carehouse.core.models import AuditEvent, Notification
from carehouse.core.roles import Role
from carehouse.core.tests.factories import UserFactory
from carehouse.directory.tests.factories import make_service
from carehouse.people.models import Consent, ConsentGivenBy, ConsentPurpose, ConsentScope
from carehouse.people.tests.factories import CareTeamMemberFactory, ConsentFactory, PersonFactory
from carehouse.referrals.models import EventKind, Referral, ReferralEvent, Source
from carehouse.referrals.services import referrals as services
from carehouse.referrals.states import Party, Reason, ReferralState


def page(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def other_referral(lena_actor, pcn, walks, lena):
    """Another person in Lena's care, with their own account, referred to Riverside Walks."""
    other = PersonFactory(user=UserFactory(email="olive@example.org"), postcode="S60 1AA")
    CareTeamMemberFactory(person=other, organisation=pcn, name="Lena Linkworker", role_title="Link worker")
    ConsentFactory(
        person=other,
        purpose=ConsentPurpose.SOCIAL_PRESCRIBING,
        scope=ConsentScope.REFERRAL_MINIMUM,
        recipient_directory_organisations=[walks.organization],
    )
    return services.create_referral(lena_actor, other, walks, reason_for_referral="Olive would like company")


@pytest.fixture
def mary_with_postcode(mary):
    mary.postcode = "S60 1AA"
    mary.phone = "07700 900123"
    mary.save()
    return mary


# My referrals ----------------------------------------------------------------------------------------


def test_my_referrals_shows_only_mine_in_plain_words(as_mary, make_referral, move, vic_actor, other_referral):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    response = as_mary.get("/referrals/mine")
    assert response.status_code == 200
    html = page(response)
    assert "<title>My referrals - Carehouse</title>" in html
    assert "Riverside Walks has accepted the referral" in html
    assert "Riverside Walks will contact you to arrange how you start." in html
    assert "If you have not heard from them by" in html
    assert f'href="/referrals/{referral.pk}"' in html
    assert f'href="/referrals/{other_referral.pk}"' not in html
    assert "Olive" not in html
    # The person's navigation leads here.
    assert 'href="/referrals/mine"' in html and "My referrals" in html


def test_a_sent_referral_says_when_the_service_should_reply(as_mary, make_referral):
    referral = make_referral()
    html = page(as_mary.get("/referrals/mine"))
    assert "Sent to Riverside Walks: waiting for them to reply" in html
    day = referral.respond_by
    assert f"They should reply by {day.day} {day:%B %Y}." in html


def test_an_ended_referral_says_how_it_ended_and_asks_how_it_went(as_mary, make_referral, move, vic_actor):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    referral = move(referral, vic_actor, ReferralState.COMPLETED, outcome="got_help")
    html = page(as_mary.get("/referrals/mine"))
    assert "Past referrals" in html
    assert "Ended: you got the help you needed" in html
    assert f'href="/referrals/{referral.pk}/feedback"' in html
    assert "Tell us how it went" in html


def test_the_prompt_goes_once_feedback_is_given(as_mary, mary_actor, make_referral, move, vic_actor):
    from carehouse.referrals.services import person as person_services

    referral = move(make_referral(), vic_actor, ReferralState.REJECTED, reason=Reason.NO_CAPACITY)
    person_services.give_feedback(mary_actor, referral, helpfulness="not_very", would_recommend=None)
    html = page(as_mary.get("/referrals/mine"))
    assert "Riverside Walks could not take the referral: they have no places at the moment" in html
    assert f'href="/referrals/{referral.pk}/feedback"' not in html


def test_staff_do_not_have_my_referrals(client, lena, signed_in):
    assert signed_in(client, lena).get("/referrals/mine").status_code == 403


# One referral ----------------------------------------------------------------------------------------


def test_the_person_sees_their_referral_with_the_service_and_the_shared_history(
    as_mary, make_referral, move, vic_actor, lena_actor
):
    referral = make_referral()
    with transaction.atomic():
        services.append_event(
            lena_actor,
            referral,
            Party.REFERRER,
            EventKind.NOTE,
            note="Internal: worried about her money",
            shared_with_service=False,
        )
    referral = move(referral, vic_actor, ReferralState.ACCEPTED, note="See you on Tuesday")
    response = as_mary.get(f"/referrals/{referral.pk}")
    assert response.status_code == 200
    html = page(response)
    assert "Your referral to Riverside Walks" in html
    assert "Riverside Walks has accepted the referral" in html
    assert "Riverside Walkers" in html  # who runs it
    assert "hello@walkers.example.org" in html
    assert "Mary would like to walk with others and feel less lonely" in html
    assert "Lena Linkworker, Link worker at Test Network started a referral to Riverside Walks for you." in html
    assert "Riverside Walks accepted the referral. “See you on Tuesday”" in html
    assert "worried about her money" not in html
    assert "added a note" not in html
    assert "I no longer want this referral" in html
    read = AuditEvent.objects.filter(action="read", object_id=str(referral.pk)).order_by("-sequence").first()
    assert read is not None and read.actor_email == "mary@example.org"


def test_another_persons_referral_is_not_found(as_mary, mary, other_referral):
    assert as_mary.get(f"/referrals/{other_referral.pk}").status_code == 404
    response = as_mary.post(f"/referrals/{other_referral.pk}/withdraw", {"expected_status": "sent"})
    assert response.status_code == 404
    assert as_mary.get(f"/referrals/{other_referral.pk}/feedback").status_code == 404
    other_referral.refresh_from_db()
    assert other_referral.status == ReferralState.SENT


# Withdrawing -----------------------------------------------------------------------------------------


def test_the_person_withdraws_a_referral_and_the_referrer_and_service_are_told(as_mary, make_referral, lena, vic):
    referral = make_referral()
    response = as_mary.post(
        f"/referrals/{referral.pk}/withdraw", {"expected_status": "sent", "note": "I found a group near me"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}"
    referral.refresh_from_db()
    assert referral.status == ReferralState.CANCELLED
    assert referral.status_reason == Reason.PERSON_DECLINED
    event = ReferralEvent.objects.filter(referral=referral).last()
    assert event is not None and event.party == Party.PERSON and event.note == "I found a group near me"
    assert Notification.objects.filter(user=lena.user, kind="referral_closed").exists()
    assert Notification.objects.filter(user=vic.user, title__contains="has been cancelled").exists()
    html = page(as_mary.get(f"/referrals/{referral.pk}"))
    assert "You have withdrawn your referral to Riverside Walks" in html
    assert "Cancelled: you said you no longer wanted it" in html
    assert "You withdrew the referral." in html
    assert "I no longer want this referral" not in html


def test_withdrawing_after_someone_else_changed_it_keeps_the_typing(as_mary, make_referral, move, vic_actor):
    referral = make_referral()
    move(referral, vic_actor, ReferralState.ACCEPTED)
    response = as_mary.post(
        f"/referrals/{referral.pk}/withdraw", {"expected_status": "sent", "note": "Too far for me to walk"}
    )
    assert response.status_code == 409
    html = page(response)
    assert "Someone else has just changed this referral" in html
    assert "Too far for me to walk" in html
    assert 'name="expected_status" value="accepted"' in html
    referral.refresh_from_db()
    assert referral.status == ReferralState.ACCEPTED
    # Sending again, against the state now stored, works.
    again = as_mary.post(f"/referrals/{referral.pk}/withdraw", {"expected_status": "accepted", "note": "Too far"})
    assert again.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralState.CANCELLED


def test_an_ended_referral_cannot_be_withdrawn(as_mary, make_referral, move, vic_actor):
    referral = move(make_referral(), vic_actor, ReferralState.REJECTED, reason=Reason.OUT_OF_AREA)
    assert "I no longer want this referral" not in page(as_mary.get(f"/referrals/{referral.pk}"))
    response = as_mary.post(f"/referrals/{referral.pk}/withdraw", {"expected_status": "rejected"})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == ReferralState.REJECTED


# Referring yourself ----------------------------------------------------------------------------------


def test_a_person_refers_themselves_with_their_own_consent(as_mary, mary_with_postcode, walks, vic):
    url = f"/referrals/self/{walks.id}"
    response = as_mary.get(url)
    assert response.status_code == 200
    html = page(response)
    assert "Refer yourself to Riverside Walks" in html
    assert "Riverside Walks takes referrals from people themselves" in html
    assert "I agree to share my name, contact details and this request with Riverside Walkers" in html
    assert "07700 900123" in html  # what will be shared

    response = as_mary.post(url, {"reason_for_referral": "I would like to get out more"})
    assert response.status_code == 400
    assert "Confirm that you agree to share your details with Riverside Walkers" in page(response)
    assert not Referral.objects.exists() and not Consent.objects.exists()

    response = as_mary.post(
        url,
        {"reason_for_referral": "I would like to get out more", "information_for_service": "Mornings", "agree": "on"},
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}"
    assert referral.source == Source.SELF_REFERRAL
    assert referral.status == ReferralState.SENT
    assert referral.referring_organisation is None
    consent = referral.consent
    assert consent is not None
    assert list(consent.recipient_directory_organisations.all()) == [walks.organization]
    assert consent.purpose == ConsentPurpose.SOCIAL_PRESCRIBING
    assert consent.scope == ConsentScope.REFERRAL_MINIMUM
    assert consent.given_by == ConsentGivenBy.PERSON
    assert AuditEvent.objects.filter(object_type="people.Consent", object_id=str(consent.pk), action="create").exists()
    assert Notification.objects.filter(user=vic.user, kind="referral_for_service").exists()
    # A second self-referral to the same service is refused while this one is open.
    html = page(as_mary.get(url))
    assert "You already have an open referral to Riverside Walks" in html
    assert f'href="/referrals/{referral.pk}"' in html


def test_an_existing_consent_is_used_without_asking_again(as_mary, mary_consent, walks):
    response = as_mary.get(f"/referrals/self/{walks.id}")
    assert "I agree to share" not in page(response)
    assert "You agreed on" in page(response)
    response = as_mary.post(f"/referrals/self/{walks.id}", {"reason_for_referral": "Walking with others"})
    assert response.status_code == 302
    assert Referral.objects.get().consent == mary_consent
    assert Consent.objects.count() == 1


def test_no_self_referral_where_the_service_does_not_take_them(as_mary, mary_with_postcode, walkers):
    service = make_service(
        "Professional Walks", organization=walkers, districts="S60 S61", referral_routes=("link_workers",)
    )
    response = as_mary.get(f"/referrals/self/{service.id}")
    assert response.status_code == 200
    html = page(response)
    assert "Professional Walks does not take referrals from people themselves" in html
    assert "Send referral" not in html
    response = as_mary.post(f"/referrals/self/{service.id}", {"reason_for_referral": "Please", "agree": "on"})
    assert response.status_code == 400
    assert not Referral.objects.exists() and not Consent.objects.exists()
    # The directory page offers the button only where the person may use it.
    assert "Refer yourself" not in page(as_mary.get(f"/directory/services/{service.id}"))


def test_the_directory_page_offers_self_referral_to_the_person_only(as_mary, walks, client, lena, signed_in):
    assert f'href="/referrals/self/{walks.id}"' in page(as_mary.get(f"/directory/services/{walks.id}"))
    staff = sign_in(client, lena.user, role=Role.LINK_WORKER, membership=lena)
    assert f'href="/referrals/self/{walks.id}"' not in page(staff.get(f"/directory/services/{walks.id}"))
    assert staff.get(f"/referrals/self/{walks.id}").status_code == 403


def test_only_the_person_gives_their_own_consent(lena_actor, mary, walks):
    from django.core.exceptions import PermissionDenied

    from carehouse.referrals.services import person as person_services

    with pytest.raises(PermissionDenied):
        person_services.give_own_consent(lena_actor, mary, walks.organization)
    assert not Consent.objects.exists()
