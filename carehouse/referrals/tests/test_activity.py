"""Opening, contacts, attendance and notes on a referral (``services.activity``), and how the history reads."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carehouse.core.models.audit import AuditEvent
from carehouse.people.services import withdraw_consent
from carehouse.referrals import presenters, selectors
from carehouse.referrals.models import EventKind, ReferralEvent
from carehouse.referrals.services import activity
from carehouse.referrals.states import Reason, ReferralState


def _events(referral, kind):
    return list(ReferralEvent.objects.filter(referral=referral, kind=kind))


def test_the_first_open_by_the_service_is_recorded_once(make_referral, vic_actor, lena_actor):
    referral = make_referral()
    activity.mark_viewed(lena_actor, referral)  # the referrer opening it is not the service
    referral.refresh_from_db()
    assert referral.viewed_at is None

    activity.mark_viewed(vic_actor, referral)
    referral.refresh_from_db()
    assert referral.viewed_at is not None
    assert referral.business_status == "viewed"
    activity.mark_viewed(vic_actor, referral)
    referral.refresh_from_db()
    activity.mark_viewed(vic_actor, referral)
    assert len(_events(referral, EventKind.VIEWED)) == 1
    assert AuditEvent.objects.filter(summary__contains="opened by the service").count() == 1


def test_a_contact_is_recorded_and_the_first_real_contact_is_remembered(make_referral, move, vic_actor):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    earlier = timezone.now() - datetime.timedelta(hours=3)
    referral = activity.record_contact(
        vic_actor, referral, when=earlier, method="phone", result="no answer", note="Will try again"
    )
    assert referral.first_contact_at is None
    referral = activity.record_contact(vic_actor, referral, when=timezone.now(), method="phone", result="spoke")
    assert referral.first_contact_at is not None
    first = referral.first_contact_at
    referral = activity.record_contact(vic_actor, referral, when=timezone.now(), method="in person", result="spoke")
    assert referral.first_contact_at == first
    contacts = _events(referral, EventKind.CONTACT)
    assert [event.details["result"] for event in contacts] == ["no answer", "spoke", "spoke"]
    assert contacts[0].note == "Will try again"
    assert "recorded contact with the person (phone call" in presenters.event_summary(contacts[0])
    assert presenters.event_summary(contacts[0]).endswith("No answer (Will try again)")


def test_contacts_are_checked(make_referral, move, vic_actor, lena_actor):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    with pytest.raises(ValidationError) as problem:
        activity.record_contact(vic_actor, referral, when=timezone.now(), method="pigeon", result="spoke")
    assert "method" in problem.value.message_dict
    with pytest.raises(ValidationError) as problem:
        activity.record_contact(
            vic_actor, referral, when=timezone.now() + datetime.timedelta(days=2), method="phone", result="spoke"
        )
    assert "when" in problem.value.message_dict
    with pytest.raises(ValidationError) as problem:
        activity.record_contact(
            vic_actor, referral, when=timezone.now(), method="phone", result="spoke", note="x" * 5001
        )
    assert "note" in problem.value.message_dict
    with pytest.raises(PermissionDenied):
        activity.record_contact(lena_actor, referral, when=timezone.now(), method="phone", result="spoke")
    assert _events(referral, EventKind.CONTACT) == []


def test_no_contacts_once_the_referral_is_closed_or_consent_has_gone(make_referral, move, vic_actor, mary_actor):
    referral = move(make_referral(), vic_actor, ReferralState.REJECTED, reason=Reason.NO_CAPACITY)
    with pytest.raises(ValidationError):
        activity.record_contact(vic_actor, referral, when=timezone.now(), method="phone", result="spoke")
    with pytest.raises(ValidationError):
        activity.record_attendance(vic_actor, referral, session_on=timezone.localdate(), attended=True)

    other = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    withdraw_consent(mary_actor, other.consent, reason="Changed my mind")
    with pytest.raises(ValidationError):
        activity.record_contact(vic_actor, other, when=timezone.now(), method="phone", result="spoke")


def test_attendance_counts_sessions_attended(make_referral, move, vic_actor):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    today = timezone.localdate()
    activity.record_attendance(vic_actor, referral, session_on=today - datetime.timedelta(days=7), attended=True)
    activity.record_attendance(vic_actor, referral, session_on=today, attended=False, note="Unwell")
    referral = activity.record_attendance(vic_actor, referral, session_on=today, attended=True)
    assert referral.sessions_attended == 2
    assert referral.version > 2
    with pytest.raises(ValidationError):
        activity.record_attendance(vic_actor, referral, session_on=today + datetime.timedelta(days=1), attended=True)
    lines = [presenters.event_summary(event) for event in _events(referral, EventKind.ATTENDANCE)]
    assert "did not attend the session on" in lines[1] and lines[1].endswith("(Unwell)")


def test_only_the_referrer_may_keep_a_note_from_the_service(make_referral, vic_actor, lena_actor):
    referral = make_referral()
    activity.add_note(lena_actor, referral, "Mary's daughter is worried", shared_with_service=False)
    activity.add_note(vic_actor, referral, "We run walks on Tuesdays")
    with pytest.raises(ValidationError):
        activity.add_note(vic_actor, referral, "Secret", shared_with_service=False)
    with pytest.raises(ValidationError):
        activity.add_note(vic_actor, referral, "   ")
    seen_by_service = [event.note for event in selectors.events_for(referral, for_service=True)]
    assert "We run walks on Tuesdays" in seen_by_service
    assert "Mary's daughter is worried" not in seen_by_service
    everything = [event.note for event in selectors.events_for(referral, for_service=False)]
    assert "Mary's daughter is worried" in everything


def test_a_status_event_reads_as_a_sentence(make_referral, move, vic_actor):
    referral = move(make_referral(), vic_actor, ReferralState.REJECTED, reason=Reason.NO_CAPACITY, note="Full")
    event = ReferralEvent.objects.filter(referral=referral, to_status=ReferralState.REJECTED).get()
    assert presenters.event_summary(event) == (
        "Vic Provider, Provider staff at Test Walking Group declined: No places or capacity (Full)"
    )
    assert presenters.status_tag(referral) == {"text": "Declined by the service", "classes": "nhsuk-tag--red"}
