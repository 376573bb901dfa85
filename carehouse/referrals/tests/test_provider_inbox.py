"""The receiving service's inbox and referral page: who sees what, and answering through the pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from carehouse.core.models import Notification
from carehouse.core.models.audit import AuditEvent
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from carehouse.directory.tests.factories import DirectoryOrganizationFactory
from carehouse.people.services import withdraw_consent
from carehouse.referrals.models import EventKind, Referral, ReferralEvent
from carehouse.referrals.services import activity
from carehouse.referrals.states import Outcome, Reason, ReferralState

INBOX = reverse("referrals:inbox")


def detail_url(referral: Referral) -> str:
    return reverse("referrals:inbox_detail", args=[referral.pk])


def status_url(referral: Referral) -> str:
    return reverse("referrals:inbox_change_status", args=[referral.pk])


def contact_url(referral: Referral) -> str:
    return reverse("referrals:inbox_contact", args=[referral.pk])


@pytest.fixture
def as_vic(client, signed_in, vic):
    return signed_in(client, vic)


@pytest.fixture
def referral(make_referral) -> Referral:
    return make_referral()


# -- who sees what ---------------------------------------------------------------------------------


def test_the_inbox_lists_referrals_to_the_services_the_organisation_runs(
    as_vic, make_referral, green_spaces, lena_actor, mary
):
    sent = make_referral()
    to_others = make_referral(service=green_spaces)
    response = as_vic.get(INBOX)
    assert response.status_code == 200
    page = response.content.decode()
    assert sent.reference in page and "Mary Seacole" in page and "Riverside Walks" in page
    assert to_others.reference not in page
    assert "New (1)" in page and "Active (0)" in page
    assert AuditEvent.objects.filter(action="search", summary__startswith="Listed referrals").exists()
    assert 'href="/referrals/inbox"' in page  # the navigation has "Referrals" for provider staff


def test_drafts_are_never_shown_to_the_service(as_vic, make_referral):
    draft = make_referral(send=False)
    assert draft.status == ReferralState.DRAFT
    assert draft.reference not in as_vic.get(INBOX).content.decode()
    assert as_vic.get(detail_url(draft)).status_code == 404


def test_staff_of_another_organisation_see_nothing(client, signed_in, referral, db):
    elsewhere = OrganisationFactory(ods_code="V20002", name="Other Charity")
    DirectoryOrganizationFactory(name="Other Charity Services", claimed_by=elsewhere)
    olive = MembershipFactory(
        user=UserFactory(email="olive@example.org", full_name="Olive Other"),
        organisation=elsewhere,
        role=Role.PROVIDER_STAFF,
    )
    signed_in(client, olive)
    page = client.get(INBOX).content.decode()
    assert referral.reference not in page and "Mary" not in page
    assert client.get(detail_url(referral)).status_code == 404
    assert client.post(status_url(referral), {"to": "accepted", "expected_status": "sent"}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralState.SENT


@pytest.mark.parametrize("who", ["lena", "cora", "mary"])
def test_people_who_are_not_the_service_may_not_use_the_inbox(client, signed_in, sign_in_as, referral, who):
    sign_in_as(client, who)
    assert client.get(INBOX).status_code == 403
    assert client.get(detail_url(referral)).status_code == 403
    assert client.post(status_url(referral), {"to": "accepted", "expected_status": "sent"}).status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralState.SENT


@pytest.fixture
def sign_in_as(signed_in, lena, cora, mary_user):
    from carehouse.conftest import sign_in

    def _sign_in(client, who):
        if who == "mary":
            return sign_in(client, mary_user, role=Role.PERSON)
        return signed_in(client, {"lena": lena, "cora": cora}[who])

    return _sign_in


def test_the_referral_page_shows_what_the_person_agreed_to_share(as_vic, referral):
    response = as_vic.get(detail_url(referral))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Mary Seacole", "07700 900123", "walk with others and feel less lonely", "Prefers mornings"):
        assert text in page
    for action in ("Accept the referral", "Decline the referral", "Put on the waiting list"):
        assert action in page
    referral.refresh_from_db()
    assert referral.viewed_at is not None
    assert ReferralEvent.objects.filter(referral=referral, kind=EventKind.VIEWED).count() == 1
    assert AuditEvent.objects.filter(action="read", object_id=str(referral.pk)).exists()


def test_once_consent_is_withdrawn_the_service_no_longer_sees_the_person(as_vic, referral, mary_actor):
    withdraw_consent(mary_actor, referral.consent, reason="I do not want to share any more")
    page = as_vic.get(detail_url(referral)).content.decode()
    assert "Mary" not in page and "Seacole" not in page and "07700 900123" not in page
    assert "less lonely" not in page
    assert "The person has withdrawn their consent" in page
    assert referral.reference in page and "Riverside Walks" in page
    assert "Decline the referral" in page  # status changes are still possible
    assert "Record contact" not in page
    assert as_vic.get(contact_url(referral) + "?kind=contact").status_code == 302
    inbox = as_vic.get(INBOX).content.decode()
    assert "Details withdrawn (consent ended)" in inbox and "Mary" not in inbox


def test_internal_notes_are_not_shown_to_the_service(as_vic, referral, lena_actor):
    activity.add_note(lena_actor, referral, "Her daughter worries about falls", shared_with_service=False)
    activity.add_note(lena_actor, referral, "She uses a walking stick")
    page = as_vic.get(detail_url(referral)).content.decode()
    assert "She uses a walking stick" in page
    assert "daughter worries" not in page


def test_overdue_referrals_are_flagged(as_vic, referral):
    Referral.objects.filter(pk=referral.pk).update(respond_by=timezone.localdate() - datetime.timedelta(days=1))
    page = as_vic.get(INBOX).content.decode()
    assert "nhsuk-tag--red" in page and "Overdue" in page and "1 referral is overdue" in page


# -- answering -------------------------------------------------------------------------------------


def test_accepting_from_the_page(as_vic, referral, lena):
    form = as_vic.get(status_url(referral) + "?to=accepted")
    assert form.status_code == 200 and 'name="expected_status" value="sent"' in form.content.decode()
    response = as_vic.post(status_url(referral), {"to": "accepted", "expected_status": "sent"})
    assert response.status_code == 302 and response["Location"] == detail_url(referral)
    referral.refresh_from_db()
    assert referral.status == ReferralState.ACCEPTED and referral.accepted_at is not None
    assert Notification.objects.filter(user=lena.user, kind="referral_accepted").exists()
    page = as_vic.get(detail_url(referral)).content.decode()
    assert "You have accepted referral" in page
    assert "Start support" in page and "Record contact with the person" in page


def test_declining_needs_a_reason(as_vic, referral):
    response = as_vic.post(
        status_url(referral), {"to": "rejected", "expected_status": "sent", "note": "Sorry about this"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Select a reason" in page and "Sorry about this" in page
    response = as_vic.post(status_url(referral), {"to": "rejected", "expected_status": "sent", "reason": "other"})
    assert response.status_code == 400 and "Say what the reason is" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralState.SENT

    response = as_vic.post(
        status_url(referral),
        {"to": "rejected", "expected_status": "sent", "reason": Reason.NO_CAPACITY, "note": "Full until May"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralState.REJECTED and referral.status_reason == Reason.NO_CAPACITY
    page = as_vic.get(detail_url(referral)).content.decode()
    assert "declined: No places or capacity (Full until May)" in page


def test_putting_on_the_waiting_list_then_starting(as_vic, referral):
    response = as_vic.post(
        status_url(referral), {"to": "on_hold", "expected_status": "sent", "reason": Reason.WAITLISTED}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralState.ON_HOLD and referral.business_status == Reason.WAITLISTED
    page = as_vic.get(INBOX + "?tab=waiting").content.decode()
    assert referral.reference in page and "Waiting list (1)" in page
    response = as_vic.post(status_url(referral), {"to": "in_progress", "expected_status": "on_hold"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralState.IN_PROGRESS


def test_completing_with_an_outcome(as_vic, referral, move, vic_actor):
    move(referral, vic_actor, ReferralState.ACCEPTED)
    response = as_vic.post(status_url(referral), {"to": "completed", "expected_status": "accepted"})
    assert response.status_code == 400
    assert "Select whether the person got the help they needed" in response.content.decode()
    response = as_vic.post(
        status_url(referral),
        {
            "to": "completed",
            "expected_status": "accepted",
            "outcome": Outcome.GOT_HELP,
            "note": "Walks every week",
            "record_measure": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:inbox_measure", args=[referral.pk])
    referral.refresh_from_db()
    assert referral.status == ReferralState.COMPLETED and referral.outcome == Outcome.GOT_HELP
    assert referral.outcome_note == "Walks every week"
    page = as_vic.get(detail_url(referral)).content.decode()
    assert "Got the help they needed" in page
    assert reverse("referrals:inbox_measure", args=[referral.pk]) in page
    assert as_vic.get(INBOX + "?tab=closed").content.decode().count(referral.reference) == 1


def test_a_change_someone_else_made_first_gives_a_conflict_with_the_typing_kept(as_vic, referral, move, lena_actor):
    move(referral, lena_actor, ReferralState.CANCELLED, reason=Reason.WITHDRAWN_BY_REFERRER)
    response = as_vic.post(
        status_url(referral),
        {"to": "rejected", "expected_status": "sent", "reason": Reason.NOT_ELIGIBLE, "note": "Too far away for us"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else has just changed this referral" in page
    assert "Too far away for us" in page
    referral.refresh_from_db()
    assert referral.status == ReferralState.CANCELLED and referral.status_reason == Reason.WITHDRAWN_BY_REFERRER


def test_a_stale_form_that_could_still_apply_is_offered_again(as_vic, referral, move, vic_actor):
    move(referral, vic_actor, ReferralState.ON_HOLD, reason=Reason.WAITLISTED)
    response = as_vic.post(
        status_url(referral), {"to": "rejected", "expected_status": "sent", "reason": "other", "note": "Moved away"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'name="expected_status" value="on_hold"' in page and "Moved away" in page
    referral.refresh_from_db()
    assert referral.status == ReferralState.ON_HOLD


# -- contacts and attendance ----------------------------------------------------------------------


def _date(prefix: str, day: datetime.date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def test_recording_contacts_and_attendance(as_vic, referral, move, vic_actor):
    move(referral, vic_actor, ReferralState.ACCEPTED)
    today = timezone.localdate()
    assert as_vic.get(contact_url(referral) + "?kind=contact").status_code == 200
    response = as_vic.post(
        contact_url(referral),
        {"kind": "contact", **_date("contact_on", today), "contact_time": "", "method": "phone", "result": "spoke"},
    )
    assert response.status_code == 302
    response = as_vic.post(
        contact_url(referral),
        {"kind": "attendance", **_date("session_on", today), "attended": "yes", "note": "Enjoyed it"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.first_contact_at is not None and referral.sessions_attended == 1
    page = as_vic.get(detail_url(referral)).content.decode()
    assert "recorded contact with the person (phone call" in page and "Spoke to the person" in page
    assert "recorded that the person attended the session on" in page and "Enjoyed it" in page


def test_a_contact_form_with_problems_is_shown_again(as_vic, referral, move, vic_actor):
    move(referral, vic_actor, ReferralState.ACCEPTED)
    future = timezone.localdate() + datetime.timedelta(days=3)
    response = as_vic.post(
        contact_url(referral), {"kind": "contact", **_date("contact_on", future), "note": "Left a voicemail"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "must be today or in the past" in page
    assert "Select how you contacted the person" in page and "Left a voicemail" in page
    assert not ReferralEvent.objects.filter(referral=referral, kind=EventKind.CONTACT).exists()


@pytest.mark.parametrize(
    ("to", "reason"),
    [(ReferralState.FAILED, Reason.COULD_NOT_CONTACT), (ReferralState.CANCELLED, Reason.PERSON_DECLINED)],
)
def test_ending_an_accepted_referral_with_a_reason(as_vic, referral, move, vic_actor, to, reason):
    move(referral, vic_actor, ReferralState.ACCEPTED)
    page = as_vic.get(detail_url(referral)).content.decode()
    assert "End without support" in page and "Cancel the referral" in page
    form = as_vic.get(status_url(referral) + f"?to={to}").content.decode()
    assert f'value="{reason}"' in form and 'value="withdrawn-by-referrer"' not in form
    response = as_vic.post(status_url(referral), {"to": to, "expected_status": "accepted", "reason": reason})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == to and referral.status_reason == reason and referral.closed_at is not None


def test_a_change_the_service_may_not_make_is_refused(as_vic, referral):
    assert as_vic.get(status_url(referral) + "?to=completed").status_code == 302  # not offered from "sent"
    response = as_vic.post(
        status_url(referral), {"to": "completed", "expected_status": "sent", "outcome": Outcome.GOT_HELP}
    )
    assert response.status_code == 400
    assert "cannot become completed" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralState.SENT
