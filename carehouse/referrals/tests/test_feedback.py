"""The person says how it went: once, only for a referral that has ended, and only the person themselves."""

from __future__ import annotations

from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carehouse.core.models import AuditEvent
from carehouse.referrals.models import EventKind, ReferralEvent, ReferralFeedback
from carehouse.referrals.services import person as person_services
from carehouse.referrals.states import ReferralState


@pytest.fixture
def completed(make_referral, move, vic_actor):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    return move(referral, vic_actor, ReferralState.COMPLETED, outcome="got_help")


def test_feedback_is_recorded_once_with_an_event_shared_with_the_service(mary_actor, completed):
    feedback = person_services.give_feedback(
        mary_actor, completed, helpfulness="very", would_recommend=True, comments="Lovely people"
    )
    assert feedback.referral == completed and feedback.submitted_by == mary_actor.user
    event = ReferralEvent.objects.filter(referral=completed, kind=EventKind.FEEDBACK).get()
    assert event.shared_with_service is True
    assert event.details == {"helpfulness": "very", "would_recommend": True}
    assert AuditEvent.objects.filter(object_type="referrals.ReferralFeedback", object_id=str(feedback.pk)).exists()
    with pytest.raises(ValidationError, match="You have already told us"):
        person_services.give_feedback(mary_actor, completed, helpfulness="quite", would_recommend=False)
    assert ReferralFeedback.objects.count() == 1
    assert ReferralEvent.objects.filter(referral=completed, kind=EventKind.FEEDBACK).count() == 1


def test_no_feedback_while_the_referral_is_open(mary_actor, make_referral):
    referral = make_referral()
    with pytest.raises(ValidationError, match="once the referral has ended"):
        person_services.give_feedback(mary_actor, referral, helpfulness="very", would_recommend=True)
    assert not ReferralFeedback.objects.exists()


def test_only_the_person_gives_feedback(lena_actor, vic_actor, completed):
    for actor in (lena_actor, vic_actor):
        with pytest.raises(PermissionDenied):
            person_services.give_feedback(actor, completed, helpfulness="very", would_recommend=True)
    assert not ReferralFeedback.objects.exists()


def test_the_feedback_page(as_mary, completed):
    url = f"/referrals/{completed.pk}/feedback"
    response = as_mary.get(url)
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "How helpful was Riverside Walks?" in html
    assert "Would you recommend Riverside Walks to someone like you?" in html

    response = as_mary.post(url, {"comments": "Nice"})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "Select how helpful the service was" in html and "Select yes, no or not sure" in html
    assert "Nice" in html

    response = as_mary.post(url, {"helpfulness": "quite", "would_recommend": "not_sure", "comments": "Nice"})
    assert response.status_code == 302 and response["Location"] == f"/referrals/{completed.pk}"
    feedback = ReferralFeedback.objects.get(referral=completed)
    assert (feedback.helpfulness, feedback.would_recommend, feedback.comments) == ("quite", None, "Nice")
    detail = unescape(as_mary.get(f"/referrals/{completed.pk}").content.decode())
    assert "What you told us" in detail and "Quite helpful" in detail and "You told us how it went." in detail

    response = as_mary.post(url, {"helpfulness": "very", "would_recommend": "yes"})
    assert response.status_code == 400
    assert "You have already told us how this referral went" in unescape(response.content.decode())
    assert ReferralFeedback.objects.get(referral=completed).helpfulness == "quite"


def test_the_feedback_page_waits_for_the_referral_to_end(as_mary, make_referral):
    referral = make_referral()
    response = as_mary.get(f"/referrals/{referral.pk}/feedback")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "once the referral has ended" in html and 'name="helpfulness"' not in html
    response = as_mary.post(f"/referrals/{referral.pk}/feedback", {"helpfulness": "very", "would_recommend": "yes"})
    assert response.status_code == 400
    assert not ReferralFeedback.objects.exists()


def test_staff_cannot_give_feedback(client, lena, signed_in, completed):
    response = signed_in(client, lena).post(
        f"/referrals/{completed.pk}/feedback", {"helpfulness": "very", "would_recommend": "yes"}
    )
    assert response.status_code == 403
    assert not ReferralFeedback.objects.exists()
