"""The referrer's services: consent at the point of referral, re-routing, follow-up, the goal, notes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carehouse.careplans.models import Achievement, Action, Goal
from carehouse.directory.tests.conftest import LEEDS
from carehouse.directory.tests.factories import make_service
from carehouse.people.models import Consent
from carehouse.referrals import selectors
from carehouse.referrals.models import EventKind, Referral, ReferralEvent, Source
from carehouse.referrals.services import flags
from carehouse.referrals.services import referrer as referrer_services
from carehouse.referrals.services.referrals import covering_consent
from carehouse.referrals.states import Reason, ReferralState

ASK = "Mary would like to walk with others"


@pytest.fixture
def mary_in_s60(mary):
    mary.postcode = "S60 1AA"
    mary.save()
    return mary


def test_saying_yes_records_a_consent_that_covers_the_service_and_sends(lena_actor, mary_in_s60, walks):
    assert covering_consent(mary_in_s60, walks) is None
    referral = referrer_services.refer(lena_actor, mary_in_s60, walks, reason_for_referral=ASK, consent_given=True)
    consent = covering_consent(mary_in_s60, walks)
    assert consent is not None
    assert list(consent.recipient_directory_organisations.all()) == [walks.organization]
    assert referral.status == ReferralState.SENT and referral.consent == consent


def test_saying_no_means_nothing_is_sent_and_no_consent_is_recorded(lena_actor, mary_in_s60, walks):
    with pytest.raises(ValidationError) as error:
        referrer_services.refer(lena_actor, mary_in_s60, walks, reason_for_referral=ASK, consent_given=False)
    assert error.value.message_dict["consent"] == ["You need Mary Seacole's consent to send this referral"]
    assert not Referral.objects.exists()
    assert not Consent.objects.filter(person=mary_in_s60).exists()


def test_a_consent_recorded_for_a_referral_that_fails_is_rolled_back(lena_actor, mary_in_s60):
    leeds = make_service("Leeds Walking Club", at=[LEEDS], districts="LS1", referral_routes=("link_workers",))
    with pytest.raises(ValidationError):
        referrer_services.refer(lena_actor, mary_in_s60, leeds, reason_for_referral=ASK, consent_given=True)
    assert not Consent.objects.filter(person=mary_in_s60).exists()


def test_reroute_after_a_decline_makes_a_linked_referral_and_follows_up_the_old(
    make_referral, move, vic_actor, lena_actor, green_spaces
):
    old = make_referral()
    old = move(old, vic_actor, ReferralState.REJECTED, reason=Reason.NO_CAPACITY)
    assert flags.needs_follow_up(old)
    new = referrer_services.reroute(lena_actor, old, green_spaces, reason_for_referral=ASK)
    old.refresh_from_db()
    assert new.replaces == old and new.source == Source.REROUTE and new.status == ReferralState.SENT
    assert new.service == green_spaces and new.person == old.person
    assert old.status == ReferralState.REJECTED and old.followed_up_at is not None
    assert not flags.needs_follow_up(old)
    assert ReferralEvent.objects.filter(referral=old, kind=EventKind.FOLLOWED_UP).count() == 1
    assert selectors.rerouted_to(old) == [new]


def test_reroute_of_an_open_referral_cancels_it_as_referred_elsewhere(make_referral, lena_actor, green_spaces):
    old = make_referral()
    new = referrer_services.reroute(lena_actor, old, green_spaces, reason_for_referral=ASK)
    old.refresh_from_db()
    assert old.status == ReferralState.CANCELLED and old.status_reason == Reason.REFERRED_ELSEWHERE
    assert new.replaces_id == old.pk


def test_reroute_that_cannot_be_made_changes_nothing(make_referral, lena_actor):
    old = make_referral()
    leeds = make_service("Leeds Walking Club", at=[LEEDS], districts="LS1", referral_routes=("link_workers",))
    with pytest.raises(ValidationError):
        referrer_services.reroute(lena_actor, old, leeds, reason_for_referral=ASK, consent_given=True)
    old.refresh_from_db()
    assert old.status == ReferralState.SENT and old.followed_up_at is None
    assert Referral.objects.count() == 1


def test_a_completed_referral_cannot_be_sent_on(make_referral, move, vic_actor, lena_actor, green_spaces):
    old = make_referral()
    move(old, vic_actor, ReferralState.ACCEPTED)
    old = move(old, vic_actor, ReferralState.COMPLETED, outcome="got_help")
    with pytest.raises(ValidationError):
        referrer_services.reroute(lena_actor, old, green_spaces, reason_for_referral=ASK)


def test_follow_up_only_for_closed_referrals_and_only_by_the_referrer(make_referral, move, vic_actor, lena_actor):
    referral = make_referral()
    with pytest.raises(ValidationError):
        referrer_services.follow_up(lena_actor, referral, "Called Mary")
    referral = move(referral, vic_actor, ReferralState.REJECTED, reason=Reason.NOT_ELIGIBLE)
    with pytest.raises(PermissionDenied):
        referrer_services.follow_up(vic_actor, referral, "")
    referral = referrer_services.follow_up(lena_actor, referral, "Called Mary: she will try the library group")
    assert referral.followed_up_at is not None
    event = ReferralEvent.objects.filter(referral=referral).last()
    assert event is not None and event.kind == EventKind.FOLLOWED_UP and not event.shared_with_service
    with pytest.raises(ValidationError):
        referrer_services.follow_up(lena_actor, referral, "")


def test_update_goal_records_progress_and_clears_the_prompt(staff, agreed_plan, mary_consent, walks, move, vic_actor):
    action = Action.objects.get(goal__plan=agreed_plan)
    referral = referrer_services.refer(
        staff, agreed_plan.person, walks, reason_for_referral=ASK, source=Source.PLAN_ACTION, plan_action=action
    )
    assert referral.plan_action == action and referral.goal == action.goal
    move(referral, vic_actor, ReferralState.ACCEPTED)
    referral = move(referral, vic_actor, ReferralState.COMPLETED, outcome="got_help")
    assert referral.goal_update_due
    referral = referrer_services.update_goal(staff, referral, Achievement.ACHIEVED)
    assert not referral.goal_update_due
    assert Goal.objects.get(pk=action.goal_id).achievement == Achievement.ACHIEVED
    assert ReferralEvent.objects.filter(referral=referral, kind=EventKind.GOAL_UPDATED).exists()
    with pytest.raises(ValidationError):
        referrer_services.update_goal(staff, referral, "splendid")


def test_internal_notes_stay_with_the_referrer(make_referral, lena_actor):
    referral = make_referral()
    referrer_services.add_referrer_note(lena_actor, referral, "Mary's daughter may call", shared_with_service=False)
    referrer_services.add_referrer_note(lena_actor, referral, "Mornings are best", shared_with_service=True)
    seen_by_service = [e.note for e in selectors.events_for(referral, for_service=True)]
    seen_by_referrer = [e.note for e in selectors.events_for(referral, for_service=False)]
    assert "Mornings are best" in seen_by_service and "Mary's daughter may call" not in seen_by_service
    assert "Mary's daughter may call" in seen_by_referrer
    with pytest.raises(ValidationError):
        referrer_services.add_referrer_note(lena_actor, referral, "  ", shared_with_service=False)


def test_entered_in_error_needs_a_reason(make_referral, lena_actor):
    referral = make_referral()
    with pytest.raises(ValidationError):
        referrer_services.mark_entered_in_error(lena_actor, referral, note="")
    referral = referrer_services.mark_entered_in_error(lena_actor, referral, note="Wrong Mary")
    assert referral.status == ReferralState.ENTERED_IN_ERROR
