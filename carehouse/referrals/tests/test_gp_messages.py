"""Messages back to the GP: the practice sees its own, reads, downloads and files them; no one else does."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent
from carehouse.referrals import selectors_gp
from carehouse.referrals.models import MessageToGP
from carehouse.referrals.services import gp as gp_services
from carehouse.referrals.states import ReferralState

pytestmark = pytest.mark.django_db

CODE = "871731000000106"


@pytest.fixture
def accepted_message(make_referral, move, vic_actor) -> MessageToGP:
    """Vic accepts Lena's referral of Mary: the message goes to Mary's practice (Priya's)."""
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    return MessageToGP.objects.get(referral=referral)


@pytest.fixture
def closed_message(make_referral, move, vic_actor, accepted_message) -> MessageToGP:
    referral = accepted_message.referral
    move(referral, vic_actor, ReferralState.COMPLETED, outcome="got_help", note="Walks every week")
    return MessageToGP.objects.filter(referral=referral).order_by("-pk").first()


def test_the_practice_lists_its_messages(client, signed_in, priya, accepted_message):
    signed_in(client, priya)
    response = client.get("/referrals/gp-messages")
    assert response.status_code == 200
    page = response.content.decode()
    assert accepted_message.referral.reference in page
    assert "Mary Seacole" in page
    assert "Referral accepted" in page
    assert f"Referral to social prescribing service ({CODE})" in page
    assert 'href="/referrals/gp-messages"' in page  # "Messages to GP" in the navigation


def test_unfiled_messages_come_first(priya, accepted_message, closed_message):
    actor = Actor.for_membership(priya)
    gp_services.mark_filed(actor, closed_message)
    listed = list(selectors_gp.messages_for_practice(actor))
    assert [m.pk for m in listed] == [accepted_message.pk, closed_message.pk]


def test_another_practice_sees_nothing(client, signed_in, omar, accepted_message):
    signed_in(client, omar)
    assert accepted_message.referral.reference not in client.get("/referrals/gp-messages").content.decode()
    assert client.get(f"/referrals/gp-messages/{accepted_message.pk}").status_code == 404
    assert client.post(f"/referrals/gp-messages/{accepted_message.pk}").status_code == 404
    accepted_message.refresh_from_db()
    assert accepted_message.filed_at is None


def test_a_link_worker_at_the_network_does_not_see_a_practice_message(client, signed_in, lena, accepted_message):
    signed_in(client, lena)
    assert client.get(f"/referrals/gp-messages/{accepted_message.pk}").status_code == 404


def test_provider_staff_may_not_open_the_pages(client, signed_in, vic, accepted_message):
    signed_in(client, vic)
    assert client.get("/referrals/gp-messages").status_code == 403
    assert client.get(f"/referrals/gp-messages/{accepted_message.pk}").status_code == 403


def test_the_message_shows_its_text_and_codes_and_is_audited(client, signed_in, priya, accepted_message):
    signed_in(client, priya)
    response = client.get(f"/referrals/gp-messages/{accepted_message.pk}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Message back to GP and referrer" in page
    assert "Reason for referral: Mary would like to walk with others" in page
    assert f'<td class="nhsuk-table__cell">{CODE}</td>' in page
    assert "Mark as filed in the GP record" in page
    assert AuditEvent.objects.filter(
        actor_user_id=priya.user.pk, action="read", summary__startswith="Read the message to GP"
    ).exists()


def test_mark_as_filed(client, signed_in, priya, accepted_message):
    signed_in(client, priya)
    response = client.post(f"/referrals/gp-messages/{accepted_message.pk}")
    assert response.status_code == 302
    accepted_message.refresh_from_db()
    assert accepted_message.filed_at is not None
    filed_at = accepted_message.filed_at
    page = client.get(response["Location"]).content.decode()
    assert "Filed " in page and "Mark as filed in the GP record" not in page
    client.post(f"/referrals/gp-messages/{accepted_message.pk}")  # again: nothing changes
    accepted_message.refresh_from_db()
    assert accepted_message.filed_at == filed_at
    assert AuditEvent.objects.filter(summary__startswith="Filed the message to GP").count() == 1


def test_only_the_practice_may_file_a_message(omar, accepted_message):
    with pytest.raises(PermissionDenied):
        gp_services.mark_filed(Actor.for_membership(omar), accepted_message)


def test_download_as_text(client, signed_in, priya, accepted_message):
    signed_in(client, priya)
    response = client.get(f"/referrals/gp-messages/{accepted_message.pk}?download=text")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    reference = accepted_message.referral.reference
    assert response["Content-Disposition"] == f'attachment; filename="{reference}-message-to-gp.txt"'
    text = response.content.decode()
    assert text.startswith("Message back to GP and referrer\n")
    assert "Reason for referral: Mary would like to walk with others" in text
    assert f"{CODE}  Referral to social prescribing service" in text


def test_codes_only_shows_only_the_codes(client, signed_in, priya, accepted_message):
    MessageToGP.objects.filter(pk=accepted_message.pk).update(codes_only=True)
    signed_in(client, priya)
    page = client.get(f"/referrals/gp-messages/{accepted_message.pk}").content.decode()
    assert "Reason for referral" not in page
    assert "only the codes" in page
    assert CODE in page
    text = client.get(f"/referrals/gp-messages/{accepted_message.pk}?download=text").content.decode()
    assert "Reason for referral" not in text and CODE in text
