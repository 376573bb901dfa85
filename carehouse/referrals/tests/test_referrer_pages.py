"""The referrer's referral page and its actions: cancel, entered in error, notes, re-route, follow-up, goal."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from carehouse.careplans.models import Achievement, Action, Goal
from carehouse.referrals.models import EventKind, Referral, ReferralEvent, Source
from carehouse.referrals.services import referrer as referrer_services
from carehouse.referrals.states import Reason, ReferralState


@pytest.fixture
def as_lena(client: Client, signed_in, lena, mary_in_network) -> Client:
    return signed_in(client, lena)


def _url(name: str, referral: Referral) -> str:
    return reverse(f"referrals:{name}", args=[referral.pk])


def test_the_page_shows_status_shared_details_history_and_gp_messages(
    as_lena, make_referral, move, vic_actor, lena_actor
):
    referral = make_referral()
    referrer_services.add_referrer_note(lena_actor, referral, "Daughter may ring instead", shared_with_service=False)
    move(referral, vic_actor, ReferralState.ACCEPTED)
    text = as_lena.get(_url("detail", referral)).content.decode()
    assert f"Referral {referral.reference} to Riverside Walks" in text
    assert "Accepted" in text
    assert "07700 900123" in text  # what was shared with the service
    assert "Daughter may ring instead" in text and "Internal" in text
    assert "Referral to social prescribing service (SNOMED CT 871731000000106)" in text
    assert "Send to another service" in text


def test_cancel_with_a_reason(as_lena, make_referral):
    referral = make_referral()
    missing = as_lena.post(_url("change_status", referral), {"to": "cancelled", "cancel-expected_status": "sent"})
    assert missing.status_code == 400 and "Select a reason" in missing.content.decode()
    response = as_lena.post(
        _url("change_status", referral),
        {"to": "cancelled", "cancel-reason": Reason.PERSON_DECLINED, "cancel-expected_status": "sent"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralState.CANCELLED and referral.status_reason == Reason.PERSON_DECLINED


def test_a_stale_page_gets_a_conflict_and_changes_nothing(as_lena, make_referral, move, vic_actor):
    referral = make_referral()
    move(referral, vic_actor, ReferralState.ACCEPTED)
    response = as_lena.post(
        _url("change_status", referral),
        {"to": "cancelled", "cancel-reason": Reason.WITHDRAWN_BY_REFERRER, "cancel-expected_status": "sent"},
    )
    assert response.status_code == 409 and "Someone else has just changed this referral" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralState.ACCEPTED


def test_entered_in_error_needs_a_note(as_lena, make_referral):
    referral = make_referral()
    missing = as_lena.post(_url("change_status", referral), {"to": "entered_in_error", "error-note": ""})
    assert missing.status_code == 400 and "Say why this referral was entered in error" in missing.content.decode()
    response = as_lena.post(
        _url("change_status", referral), {"to": "entered_in_error", "error-note": "Referred the wrong Mary"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralState.ENTERED_IN_ERROR


def test_notes_internal_and_shared(as_lena, make_referral):
    referral = make_referral()
    as_lena.post(_url("add_note", referral), {"note-note": "Only for us", "note-shared": "internal"})
    as_lena.post(_url("add_note", referral), {"note-note": "Please ring after 10", "note-shared": "shared"})
    notes = {e.note: e.shared_with_service for e in ReferralEvent.objects.filter(referral=referral, kind="note")}
    assert notes == {"Only for us": False, "Please ring after 10": True}
    empty = as_lena.post(_url("add_note", referral), {"note-note": "", "note-shared": "internal"})
    assert empty.status_code == 400 and "Enter your note" in empty.content.decode()


def test_reroute_after_a_decline_from_the_pages(as_lena, make_referral, move, vic_actor, green_spaces):
    old = make_referral()
    move(old, vic_actor, ReferralState.REJECTED, reason=Reason.NO_CAPACITY)
    chooser = as_lena.get(_url("reroute", old), {"q": "green"}).content.decode()
    target = f"{_url('reroute', old)}?service={green_spaces.id}"
    assert target in chooser
    form = as_lena.get(target).content.decode()
    assert "Mary would like to walk with others" in form  # the old referral's words, to edit
    response = as_lena.post(target, {"reason_for_referral": "Volunteering outdoors", "priority": "routine"})
    new = Referral.objects.get(replaces=old)
    assert response.status_code == 302 and response["Location"] == _url("detail", new)
    old.refresh_from_db()
    assert new.source == Source.REROUTE and old.followed_up_at is not None
    assert f"referral {old.reference}" in as_lena.get(_url("detail", new)).content.decode()
    assert f"referral {new.reference}" in as_lena.get(_url("detail", old)).content.decode()


def test_mark_as_followed_up(as_lena, make_referral, move, vic_actor):
    referral = make_referral()
    move(referral, vic_actor, ReferralState.REJECTED, reason=Reason.NOT_ELIGIBLE)
    assert "Mark as followed up" in as_lena.get(_url("detail", referral)).content.decode()
    response = as_lena.post(_url("follow_up", referral), {"follow-note": "Will try the library group"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.followed_up_at is not None
    assert ReferralEvent.objects.filter(referral=referral, kind=EventKind.FOLLOWED_UP).exists()


def test_the_goal_prompt_updates_the_goal(as_priya, staff, agreed_plan, mary_consent, walks, move, vic_actor):
    action = Action.objects.get(goal__plan=agreed_plan)
    referral = referrer_services.refer(
        staff, agreed_plan.person, walks, reason_for_referral="Walks", source=Source.PLAN_ACTION, plan_action=action
    )
    move(referral, vic_actor, ReferralState.ACCEPTED)
    move(referral, vic_actor, ReferralState.COMPLETED, outcome="got_help")
    page = as_priya.get(_url("detail", referral)).content.decode()
    assert f"Update {action.goal.text}" in page
    missing = as_priya.post(_url("update_goal", referral), {})
    assert missing.status_code == 400 and "Select how the goal is going" in missing.content.decode()
    response = as_priya.post(_url("update_goal", referral), {"goal-achievement": Achievement.IMPROVING})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert not referral.goal_update_due
    assert Goal.objects.get(pk=action.goal_id).achievement == Achievement.IMPROVING
    assert f"Update {action.goal.text}" not in as_priya.get(_url("detail", referral)).content.decode()


def test_other_organisations_staff_get_not_found(client, signed_in, omar, make_referral):
    referral = make_referral()
    as_omar = signed_in(client, omar)
    assert as_omar.get(_url("detail", referral)).status_code == 404
    for name, data in [
        ("change_status", {"to": "cancelled", "cancel-reason": Reason.WITHDRAWN_BY_REFERRER}),
        ("add_note", {"note-note": "x", "note-shared": "internal"}),
        ("follow_up", {}),
        ("update_goal", {"goal-achievement": "achieved"}),
    ]:
        assert as_omar.post(_url(name, referral), data).status_code == 404
    assert as_omar.get(_url("reroute", referral)).status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralState.SENT


def test_the_receiving_service_is_sent_to_its_inbox(client, signed_in, vic, make_referral):
    referral = make_referral()
    response = signed_in(client, vic).get(_url("detail", referral))
    assert response.status_code == 302 and response["Location"] == _url("inbox_detail", referral)


def test_actions_are_csrf_protected(lena, mary_in_network, make_referral):
    from carehouse.conftest import sign_in
    from carehouse.core.roles import Role

    referral = make_referral()
    client = sign_in(Client(enforce_csrf_checks=True), lena.user, role=Role.LINK_WORKER, membership=lena)
    response = client.post(
        _url("change_status", referral), {"to": "cancelled", "cancel-reason": Reason.WITHDRAWN_BY_REFERRER}
    )
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralState.SENT
