"""A service without Carehouse accounts answers a referral from the signed link in its email."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carehouse.core.models.audit import AuditEvent
from carehouse.referrals import links
from carehouse.referrals.models import EventKind, Referral, ReferralEvent
from carehouse.referrals.services import referrals as services
from carehouse.referrals.states import Reason, ReferralState
from carehouse.referrals.tests.conftest import GREEN_SPACES_EMAIL


@pytest.fixture
def green_referral(make_referral, green_spaces) -> Referral:
    return make_referral(service=green_spaces)


def link_url(referral: Referral) -> str:
    return links.link_path(referral, GREEN_SPACES_EMAIL)


def test_the_service_opens_the_referral_from_its_email_without_an_account(client, green_referral):
    response = client.get(link_url(green_referral))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mary Seacole" in page and "07700 900123" in page and "Green Spaces Volunteering" in page
    assert "Accept the referral" in page
    green_referral.refresh_from_db()
    assert green_referral.viewed_at is not None
    viewed = ReferralEvent.objects.get(referral=green_referral, kind=EventKind.VIEWED)
    assert GREEN_SPACES_EMAIL in viewed.actor_label
    assert AuditEvent.objects.filter(
        action="read", object_id=str(green_referral.pk), purpose__contains=GREEN_SPACES_EMAIL
    ).exists()


def test_the_service_accepts_by_the_link_with_csrf_checked(green_referral):
    client = Client(enforce_csrf_checks=True)
    url = link_url(green_referral)
    form = client.get(url + "?action=status&to=accepted")
    assert form.status_code == 200
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    refused = client.post(url, {"action": "status", "to": "accepted", "expected_status": "sent"})
    assert refused.status_code == 403
    response = client.post(
        url, {"action": "status", "to": "accepted", "expected_status": "sent", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"] == url
    green_referral.refresh_from_db()
    assert green_referral.status == ReferralState.ACCEPTED
    accepted = ReferralEvent.objects.get(referral=green_referral, to_status=ReferralState.ACCEPTED)
    assert accepted.party == "provider" and "emailed link" in accepted.actor_label
    page = client.get(url).content.decode()
    assert "You have accepted referral" in page and "Start support" in page


def test_declining_by_the_link_needs_a_reason(client, green_referral):
    url = link_url(green_referral)
    response = client.post(url, {"action": "status", "to": "rejected", "expected_status": "sent"})
    assert response.status_code == 400 and "Select a reason" in response.content.decode()
    response = client.post(
        url, {"action": "status", "to": "rejected", "expected_status": "sent", "reason": Reason.OUT_OF_AREA}
    )
    assert response.status_code == 302
    green_referral.refresh_from_db()
    assert green_referral.status == ReferralState.REJECTED


def test_contacts_can_be_recorded_by_the_link(client, green_referral, move):
    url = link_url(green_referral)
    client.post(url, {"action": "status", "to": "accepted", "expected_status": "sent"})
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "action": "contact",
            "kind": "contact",
            "contact_on_day": today.day,
            "contact_on_month": today.month,
            "contact_on_year": today.year,
            "method": "email",
            "result": "wrote",
        },
    )
    assert response.status_code == 302
    assert ReferralEvent.objects.filter(referral=green_referral, kind=EventKind.CONTACT).count() == 1
    assert "recorded contact with the person (email" in client.get(url).content.decode()


def test_an_expired_link_is_refused(client, green_referral):
    url = link_url(green_referral)
    later = timezone.now() + datetime.timedelta(days=settings.REFERRAL_LINK_MAX_AGE_DAYS + 1)
    with time_machine.travel(later, tick=False):
        response = client.get(url)
        assert response.status_code == 400
        page = response.content.decode()
        assert "This link has expired" in page and "Mary" not in page
        posted = client.post(url, {"action": "status", "to": "accepted", "expected_status": "sent"})
        assert posted.status_code == 400
    green_referral.refresh_from_db()
    assert green_referral.status == ReferralState.SENT


def test_a_tampered_link_is_refused(client, green_referral):
    token = links.make_token(green_referral, GREEN_SPACES_EMAIL)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = client.get(reverse("referrals:link", kwargs={"token": tampered}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This link is not valid" in page and "Mary" not in page


def test_a_revoked_link_is_refused(client, green_referral):
    url = link_url(green_referral)
    Referral.objects.filter(pk=green_referral.pk).update(provider_link_nonce="replaced")
    response = client.get(url)
    assert response.status_code == 400 and "no longer works" in response.content.decode()


def test_a_link_for_one_referral_cannot_act_on_another(client, green_referral, make_referral, lena_actor, mary):
    other = make_referral()  # Mary to Riverside Walks
    url = link_url(green_referral)
    # The link's actor is the service for its own referral only.
    actor = links.actor_for_link(green_referral, GREEN_SPACES_EMAIL)
    with pytest.raises(PermissionDenied):
        services.transition(actor, other, ReferralState.ACCEPTED, expected_status=ReferralState.SENT)
    # Nothing in the request can point the link at another referral.
    response = client.post(
        url, {"action": "status", "to": "accepted", "expected_status": "sent", "referral_id": other.pk}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    green_referral.refresh_from_db()
    assert other.status == ReferralState.SENT and green_referral.status == ReferralState.ACCEPTED
    # And holding a link gives no way into the inbox.
    inbox = client.get(reverse("referrals:inbox_detail", args=[other.pk]))
    assert inbox.status_code == 302 and inbox["Location"].startswith("/login")
    # A link made for the other referral does not open this one's page with the other's details.
    other_page = Client().get(links.link_path(other, "x@example.org")).content.decode()
    assert other.reference in other_page and green_referral.reference not in other_page


def test_internal_notes_are_not_shown_on_the_link_page(client, green_referral, lena_actor):
    from carehouse.referrals.services import activity

    activity.add_note(lena_actor, green_referral, "Internal only: family worries", shared_with_service=False)
    page = client.get(link_url(green_referral)).content.decode()
    assert "family worries" not in page


def test_the_link_page_hides_the_person_once_consent_is_withdrawn(client, green_referral, mary_actor):
    from carehouse.people.services import withdraw_consent

    withdraw_consent(mary_actor, green_referral.consent, reason="No longer want to share")
    page = client.get(link_url(green_referral)).content.decode()
    assert "Mary" not in page and "07700 900123" not in page
    assert "The person has withdrawn their consent" in page and green_referral.reference in page
