"""What must be true before a referral is written or sent: consent, eligibility, area, capacity, no duplicate."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation
from carehouse.directory.models import DirectoryOrganization, Service, ServiceCapacity, ServiceStatus, Unit
from carehouse.directory.tests.conftest import ROTHERHAM
from carehouse.directory.tests.factories import make_service
from carehouse.people.models import Consent, ConsentPurpose, ConsentScope, Person
from carehouse.people.services import withdraw_consent
from carehouse.people.tests.factories import ConsentFactory
from carehouse.referrals import selectors
from carehouse.referrals.models import Referral
from carehouse.referrals.services import referrals as services
from carehouse.referrals.states import Reason, ReferralState

REASON = "Mary would like to walk with others"
CONSENT_MESSAGE = (
    "Record Mary Seacole's consent to share their details with Riverside Walkers before sending the referral"
)


@pytest.fixture
def mary_at_home(mary: Person) -> Person:
    """Mary, living in S60, with no consent recorded yet."""
    mary.postcode = "S60 1AA"
    mary.phone = "07700 900123"
    mary.save()
    return mary


def refer(actor: Actor, person: Person, service: Service, *, send: bool = True) -> Referral:
    return services.create_referral(actor, person, service, reason_for_referral=REASON, send=send)


def consent(person: Person, **fields: object) -> Consent:
    fields.setdefault("purpose", ConsentPurpose.SOCIAL_PRESCRIBING)
    fields.setdefault("scope", ConsentScope.REFERRAL_MINIMUM)
    return ConsentFactory(person=person, **fields)


def send_refused(actor: Actor, person: Person, service: Service) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        refer(actor, person, service)
    assert not Referral.objects.filter(person=person, service=service).exists()
    draft = refer(actor, person, service, send=False)
    with pytest.raises(ValidationError) as raised_again:
        services.transition(actor, draft, ReferralState.SENT, expected_status=ReferralState.DRAFT)
    draft.refresh_from_db()
    assert draft.status == ReferralState.DRAFT and draft.consent is None and draft.sent_at is None
    assert raised_again.value.message_dict == raised.value.message_dict
    return raised.value.message_dict


# -- consent -------------------------------------------------------------------------------------------


def test_sending_without_consent_is_refused(lena_actor, mary_at_home, walks) -> None:
    assert send_refused(lena_actor, mary_at_home, walks) == {"consent": [CONSENT_MESSAGE]}


def test_a_withdrawn_consent_does_not_cover(lena_actor, mary_at_home, walks) -> None:
    consent(mary_at_home, recipient_directory_organisations=[walks.organization], withdrawn_at=timezone.now())
    assert send_refused(lena_actor, mary_at_home, walks) == {"consent": [CONSENT_MESSAGE]}


def test_an_expired_consent_does_not_cover(lena_actor, mary_at_home, walks) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    consent(mary_at_home, recipient_directory_organisations=[walks.organization], expires_on=yesterday)
    assert send_refused(lena_actor, mary_at_home, walks) == {"consent": [CONSENT_MESSAGE]}


def test_a_consent_expiring_today_still_covers(lena_actor, mary_at_home, walks) -> None:
    given = consent(
        mary_at_home, recipient_directory_organisations=[walks.organization], expires_on=timezone.localdate()
    )
    assert refer(lena_actor, mary_at_home, walks).consent == given


def test_a_consent_for_another_purpose_does_not_cover(lena_actor, mary_at_home, walks) -> None:
    consent(mary_at_home, purpose=ConsentPurpose.RESEARCH, recipient_directory_organisations=[walks.organization])
    assert send_refused(lena_actor, mary_at_home, walks) == {"consent": [CONSENT_MESSAGE]}


def test_a_consent_for_another_organisation_does_not_cover(lena_actor, mary_at_home, walks, green_spaces) -> None:
    consent(mary_at_home, recipient_directory_organisations=[green_spaces.organization])
    assert send_refused(lena_actor, mary_at_home, walks) == {"consent": [CONSENT_MESSAGE]}
    # It does cover the organisation it names.
    assert refer(lena_actor, mary_at_home, green_spaces).status == ReferralState.SENT


def test_a_consent_naming_the_carehouse_organisation_that_claimed_the_entry_covers(
    lena_actor, mary_at_home, walks, voluntary: Organisation
) -> None:
    given = consent(mary_at_home, recipient_organisations=[voluntary])
    referral = refer(lena_actor, mary_at_home, walks)
    assert (referral.status, referral.consent) == (ReferralState.SENT, given)


def test_a_consent_naming_a_carehouse_organisation_does_not_cover_an_entry_it_has_not_claimed(
    lena_actor, mary_at_home, walks, voluntary: Organisation
) -> None:
    walkers = walks.organization
    DirectoryOrganization.objects.filter(pk=walkers.pk).update(claimed_by=None)
    walks.refresh_from_db()
    consent(mary_at_home, recipient_organisations=[voluntary])
    assert send_refused(lena_actor, mary_at_home, walks) == {"consent": [CONSENT_MESSAGE]}


def test_pre_flight_shows_the_covering_consent(lena_actor, mary, walks, mary_consent) -> None:
    assert services.pre_flight(lena_actor, mary, walks).consent == mary_consent


# -- eligibility, area, routes ----------------------------------------------------------------------


def problem_codes(actor: Actor, person: Person, service: Service) -> list[str]:
    check = services.pre_flight(actor, person, service)
    assert check.can_refer is (not check.problems)
    return [problem.code for problem in check.problems]


def assert_refused(actor: Actor, person: Person, service: Service, code: str) -> None:
    check = services.pre_flight(actor, person, service)
    assert [problem.code for problem in check.problems] == [code]
    assert not check.can_refer
    with pytest.raises(ValidationError) as raised:
        refer(actor, person, service)
    assert raised.value.message_dict == {"service": [check.problems[0].message]}
    assert not Referral.objects.filter(person=person, service=service).exists()


def test_a_service_for_older_people_refuses_a_younger_person(lena_actor, mary, mary_consent, walks) -> None:
    age = mary.age_on(timezone.localdate())
    Service.objects.filter(pk=walks.pk).update(minimum_age=age + 1)
    walks.refresh_from_db()
    assert_refused(lena_actor, mary, walks, "age")
    Service.objects.filter(pk=walks.pk).update(minimum_age=age, maximum_age=age)
    walks.refresh_from_db()
    assert problem_codes(lena_actor, mary, walks) == []


def test_a_service_for_younger_people_refuses_an_older_person(lena_actor, mary, mary_consent, walks) -> None:
    Service.objects.filter(pk=walks.pk).update(maximum_age=25)
    walks.refresh_from_db()
    assert_refused(lena_actor, mary, walks, "age")


def test_a_person_outside_the_area_is_refused(lena_actor, mary, mary_consent, walks) -> None:
    mary.postcode = "S1 2HE"  # Sheffield: Riverside Walks covers S60 and S61 only
    mary.save()
    assert_refused(lena_actor, mary, walks, "out_of_area")
    assert "S1 2HE" in services.pre_flight(lena_actor, mary, walks).problems[0].message


def test_an_unknown_or_missing_postcode_is_a_warning_only(lena_actor, mary, mary_consent, walks) -> None:
    mary.postcode = ""
    mary.save()
    check = services.pre_flight(lena_actor, mary, walks)
    assert check.can_refer and [w.code for w in check.warnings] == ["area"]


def test_a_signposting_only_service_takes_no_referrals(lena_actor, mary, mary_consent, walkers) -> None:
    drop_in = make_service(
        "Drop-in cafe", organization=walkers, at=[ROTHERHAM], referral_routes=("signposting_only",), index=False
    )
    assert_refused(lena_actor, mary, drop_in, "no_referrals")


@pytest.mark.parametrize("status", [ServiceStatus.INACTIVE, ServiceStatus.DEFUNCT, ServiceStatus.TEMPORARILY_CLOSED])
def test_a_service_that_is_not_active_is_refused(lena_actor, mary, mary_consent, walks, status) -> None:
    Service.objects.filter(pk=walks.pk).update(status=status)
    walks.refresh_from_db()
    assert_refused(lena_actor, mary, walks, "inactive")


def test_a_practitioner_cannot_use_a_link_workers_only_route(
    priya: Membership, lena_actor, mary, mary_consent, walks
) -> None:
    Service.objects.filter(pk=walks.pk).update(referral_routes=["link_workers"])
    walks.refresh_from_db()
    assert_refused(Actor.for_membership(priya), mary, walks, "route")
    # The link worker may.
    assert problem_codes(lena_actor, mary, walks) == []
    assert refer(lena_actor, mary, walks).status == ReferralState.SENT


def test_the_person_may_refer_themselves_only_where_the_service_takes_self_referrals(
    mary_actor, mary, mary_consent, walks
) -> None:
    Service.objects.filter(pk=walks.pk).update(referral_routes=["link_workers", "professionals"])
    walks.refresh_from_db()
    assert_refused(mary_actor, mary, walks, "route")


# -- capacity -----------------------------------------------------------------------------------------


def test_no_places_is_a_warning_that_does_not_block(lena_actor, mary, mary_consent, walks) -> None:
    ServiceCapacity.objects.create(
        service=walks, unit=Unit.objects.create(name="places"), available=0, waiting_list=4, updated=timezone.now()
    )
    check = services.pre_flight(lena_actor, mary, walks)
    assert check.can_refer
    assert (check.places_available, check.waiting_list) == (0, 4)
    [warning] = [w for w in check.warnings if w.code == "capacity"]
    assert "no places free" in warning.message and "4 people waiting" in warning.message
    assert refer(lena_actor, mary, walks).status == ReferralState.SENT


def test_free_places_pass(lena_actor, mary, mary_consent, walks) -> None:
    ServiceCapacity.objects.create(
        service=walks, unit=Unit.objects.create(name="places"), available=3, updated=timezone.now()
    )
    check = services.pre_flight(lena_actor, mary, walks)
    assert "capacity" in [c.code for c in check.passed] and not check.warnings


# -- duplicates ---------------------------------------------------------------------------------------


def test_a_second_open_referral_to_the_same_service_is_refused_until_the_first_closes(
    make_referral: Callable[..., Referral], move, vic_actor, lena_actor, mary, walks
) -> None:
    first = make_referral()
    check = services.pre_flight(lena_actor, mary, walks)
    assert check.duplicate == first and [p.code for p in check.problems] == ["duplicate"]
    with pytest.raises(ValidationError) as raised:
        make_referral()
    assert raised.value.message_dict == {"service": [check.problems[0].message]}
    assert first.reference in check.problems[0].message
    assert Referral.objects.filter(person=mary, service=walks).count() == 1

    move(first, vic_actor, ReferralState.REJECTED, reason=Reason.NO_CAPACITY)
    second = make_referral()
    assert second.pk != first.pk and second.status == ReferralState.SENT


def test_an_open_draft_counts_as_a_duplicate(make_referral: Callable[..., Referral]) -> None:
    make_referral(send=False)
    with pytest.raises(ValidationError):
        make_referral()


def test_a_referral_to_another_service_is_not_a_duplicate(make_referral, green_spaces) -> None:
    make_referral()
    assert make_referral(service=green_spaces).status == ReferralState.SENT


# -- consent withdrawn after sending ------------------------------------------------------------------


def test_withdrawing_consent_after_sending_hides_the_persons_details(make_referral, mary_actor, mary_consent) -> None:
    referral = make_referral()
    shown = selectors.shared_details(referral)
    assert shown.consent_active and (shown.name, shown.phone) == ("Mary Seacole", "07700 900123")

    withdraw_consent(mary_actor, mary_consent, reason="I have changed my mind")
    hidden = selectors.shared_details(referral)
    assert not hidden.consent_active
    assert (hidden.name, hidden.phone, hidden.postcode, hidden.date_of_birth) == ("", "", "", None)
    assert hidden.reason_for_referral == ""
    assert not services.consent_covers(referral)


def test_the_inbox_page_stops_showing_the_person_once_consent_is_withdrawn(
    client: Client, signed_in, vic: Membership, vic_actor, make_referral, mary_actor, mary_consent
) -> None:
    referral = make_referral()
    as_vic = signed_in(client, vic)
    page = reverse("referrals:inbox_detail", args=[referral.pk])
    before = as_vic.get(page)
    assert before.status_code == 200
    assert "Mary Seacole" in before.text and "07700 900123" in before.text

    withdraw_consent(mary_actor, mary_consent, reason="I have changed my mind")
    after = as_vic.get(page)
    assert after.status_code == 200
    assert "Mary Seacole" not in after.text and "07700 900123" not in after.text
    assert referral.reference in after.text
