"""Referrals over the JSON API: idempotent create, transitions with conflicts, scoped lists and histories."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from carehouse.core import api as core_api  # noqa: F401 (builds the API, and so imports referrals.api, first)
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership
from carehouse.core.models.audit import AuditAction
from carehouse.core.services.accounts import issue_api_token
from carehouse.core.tests.factories import OrganisationFactory
from carehouse.directory.models import Service
from carehouse.directory.tests.conftest import ROTHERHAM
from carehouse.directory.tests.factories import DirectoryOrganizationFactory, make_service
from carehouse.people.models import Consent, ConsentPurpose, ConsentScope, Person
from carehouse.people.services import withdraw_consent
from carehouse.people.tests.factories import ConsentFactory
from carehouse.referrals import api as referrals_api
from carehouse.referrals.models import EventKind, IdempotencyKey, Referral, ReferralEvent
from carehouse.referrals.states import ReferralState

ALL_ROUTES = ("link_workers", "professionals", "self_referral")


class Api:
    """The Django test client, speaking JSON with one membership's bearer token."""

    def __init__(self, client: Client, membership: Membership) -> None:
        self.client = client
        _, secret = issue_api_token(Actor.for_membership(membership), "test")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path: str = "", **query: Any) -> Any:
        return self.client.get(f"/api/v1/referrals{path}", query, **self.headers)

    def post(self, path: str, body: dict[str, Any], **headers: str) -> Any:
        return self.client.post(
            f"/api/v1/referrals{path}",
            json.dumps(body),
            content_type="application/json",
            **self.headers,
            **headers,
        )


@pytest.fixture
def api(client: Client) -> Callable[[Membership], Api]:
    return lambda membership: Api(client, membership)


def errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {str(error["loc"][-1]): error["msg"] for error in response.json()["detail"]}


def body(person: Person, service: Service, **changes: Any) -> dict[str, Any]:
    return {
        "person_id": person.pk,
        "service_id": str(service.id),
        "reason_for_referral": "Mary would like to walk with others",
        **changes,
    }


# -- creating ----------------------------------------------------------------------------------


def test_create_sends_the_referral(api, lena, lena_actor, mary, walks, mary_consent):
    response = api(lena).post("", body(mary, walks, priority="urgent"))
    assert response.status_code == 201, response.content
    data = response.json()
    referral = Referral.objects.get()
    assert data["id"] == referral.pk and data["reference"] == referral.reference
    assert data["status"] == "sent" and data["priority"] == "urgent"
    assert data["person_name"] == mary.full_name
    assert data["service_name"] == "Riverside Walks"
    assert data["receiving_organisation_name"] == "Riverside Walkers"
    assert data["version"] == referral.version and data["respond_by"] is not None
    assert "cancelled" in data["next_statuses"]
    assert referral.source == "api"
    assert "Idempotent-Replayed" not in response


def test_a_draft_stays_a_draft(api, lena, lena_actor, mary, walks, mary_consent):
    response = api(lena).post("", body(mary, walks, send=False))
    assert response.status_code == 201
    assert response.json()["status"] == "draft" and response.json()["sent_at"] is None


def test_same_key_twice_writes_one_referral_and_replays(api, lena, lena_actor, mary, walks, mary_consent):
    client = api(lena)
    first = client.post("", body(mary, walks), HTTP_IDEMPOTENCY_KEY="abc-123")
    second = client.post("", body(mary, walks), HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == 201, first.content
    assert second.status_code == 200, second.content
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert Referral.objects.count() == 1
    assert ReferralEvent.objects.filter(kind=EventKind.CREATED).count() == 1
    stored = IdempotencyKey.objects.get()
    assert stored.key == "abc-123" and stored.referral_id == first.json()["id"] and len(stored.request_hash) == 64


def test_same_key_with_a_different_body_is_422(api, lena, lena_actor, mary, walks, mary_consent):
    client = api(lena)
    assert client.post("", body(mary, walks), HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    response = client.post("", body(mary, walks, priority="urgent"), HTTP_IDEMPOTENCY_KEY="k1")
    assert "different referral request" in errors(response)["Idempotency-Key"]
    assert Referral.objects.count() == 1


def test_a_request_that_lost_the_race_returns_the_winners_referral(api, lena, lena_actor, mary, walks, mary_consent):
    """The second of two concurrent requests missed the key, then collides on the open referral: it replays."""
    client = api(lena)
    first = client.post("", body(mary, walks), HTTP_IDEMPOTENCY_KEY="race")
    payload = referrals_api.ReferralIn(**body(mary, walks))
    digest = referrals_api.request_hash(payload)
    referral, replayed = referrals_api.create_with_key(lena_actor, mary.pk, walks, payload, None, "race", digest)
    assert replayed and referral.pk == first.json()["id"]
    assert Referral.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_a_key_over_255_characters_is_422(api, lena, lena_actor, mary, walks, mary_consent):
    response = api(lena).post("", body(mary, walks), HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert "255" in errors(response)["Idempotency-Key"]
    assert not Referral.objects.exists()


def test_without_consent_sending_is_422_and_nothing_is_kept(api, lena, lena_actor, mary, walks):
    response = api(lena).post("", body(mary, walks), HTTP_IDEMPOTENCY_KEY="no-consent")
    assert "consent" in errors(response)["consent"]
    assert not Referral.objects.exists() and not IdempotencyKey.objects.exists()


def test_a_person_not_in_your_care_is_404(api, omar, mary, walks, mary_consent):
    response = api(omar).post("", body(mary, walks))
    assert response.status_code == 404
    assert not Referral.objects.exists()


def test_an_unknown_service_and_an_empty_reason_are_422(api, lena, lena_actor, mary, walks, mary_consent):
    response = api(lena).post("", body(mary, walks, service_id="00000000-0000-0000-0000-000000000000"))
    assert "No service" in errors(response)["service_id"]
    response = api(lena).post("", body(mary, walks, reason_for_referral="  "))
    assert errors(response)["reason_for_referral"] == "Enter what the person would like help with"


def test_a_duplicate_open_referral_is_422(api, lena, make_referral, mary, walks):
    make_referral()
    response = api(lena).post("", body(mary, walks))
    assert "already has an open referral" in errors(response)["service_id"]


def test_provider_staff_may_not_refer(api, vic, mary, walks, mary_consent):
    assert api(vic).post("", body(mary, walks)).status_code == 403


# -- moving on -----------------------------------------------------------------------------------


def test_provider_accepts(api, vic, make_referral):
    referral = make_referral()
    response = api(vic).post(f"/{referral.pk}/transition", {"to": "accepted", "expected_status": "sent"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted" and response.json()["version"] == referral.version + 1
    referral.refresh_from_db()
    assert referral.status == ReferralState.ACCEPTED


def test_a_stale_expected_status_is_409_and_changes_nothing(api, vic, make_referral, move, vic_actor):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    events = ReferralEvent.objects.filter(referral=referral).count()
    response = api(vic).post(
        f"/{referral.pk}/transition",
        {"to": "rejected", "expected_status": "sent", "reason": "no-capacity"},
    )
    assert response.status_code == 409
    data = response.json()
    assert data["current_status"] == "accepted" and data["version"] == referral.version
    assert "Nothing was changed" in data["detail"]
    assert ReferralEvent.objects.filter(referral=referral).count() == events
    referral.refresh_from_db()
    assert referral.status == ReferralState.ACCEPTED


def test_a_move_for_another_party_is_403(api, lena, make_referral):
    referral = make_referral()
    response = api(lena).post(f"/{referral.pk}/transition", {"to": "accepted", "expected_status": "sent"})
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralState.SENT


def test_an_impossible_move_or_missing_reason_is_422(api, vic, make_referral):
    referral = make_referral()
    response = api(vic).post(f"/{referral.pk}/transition", {"to": "draft", "expected_status": "sent"})
    assert "cannot become" in errors(response)["to"]
    response = api(vic).post(f"/{referral.pk}/transition", {"to": "rejected", "expected_status": "sent"})
    assert errors(response)["reason"] == "Select a reason"


def test_completing_records_the_outcome(api, vic, make_referral, move, vic_actor):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    response = api(vic).post(
        f"/{referral.pk}/transition",
        {"to": "completed", "expected_status": "accepted", "outcome": "got_help", "note": "Walks weekly"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "got_help" and response.json()["closed_at"] is not None


def test_someone_elses_referral_is_404_to_transition(api, omar, make_referral):
    referral = make_referral()
    response = api(omar).post(f"/{referral.pk}/transition", {"to": "cancelled", "expected_status": "sent"})
    assert response.status_code == 404


# -- reading -------------------------------------------------------------------------------------


@pytest.fixture
def other_provider(db: None) -> Membership:
    """Provider staff at another community organisation, with its own service."""
    from carehouse.core.models import OrganisationType
    from carehouse.core.roles import Role
    from carehouse.core.tests.factories import MembershipFactory, UserFactory

    organisation = OrganisationFactory(
        ods_code="V20002", name="Other Charity", type=OrganisationType.VOLUNTARY_OR_COMMUNITY
    )
    return MembershipFactory(
        user=UserFactory(email="otto@example.org", full_name="Otto Other"),
        organisation=organisation,
        role=Role.PROVIDER_STAFF,
    )


@pytest.fixture
def choir(other_provider: Membership, mary: Person) -> Service:
    owner = DirectoryOrganizationFactory(name="Other Choir", claimed_by=other_provider.organisation)
    service = make_service(
        "Community Choir", organization=owner, at=[ROTHERHAM], districts="S60 S61", referral_routes=ALL_ROUTES
    )
    ConsentFactory(
        person=mary,
        purpose=ConsentPurpose.SOCIAL_PRESCRIBING,
        scope=ConsentScope.REFERRAL_MINIMUM,
        recipient_directory_organisations=[owner],
    )
    return service


def test_lists_are_scoped(api, lena, vic, omar, other_provider, make_referral, choir, green_spaces):
    to_walks = make_referral()
    to_choir = make_referral(service=choir)
    to_green = make_referral(service=green_spaces)
    ids = lambda response: [item["id"] for item in response.json()["items"]]  # noqa: E731
    assert sorted(ids(api(lena).get())) == sorted([to_walks.pk, to_choir.pk, to_green.pk])
    assert api(lena).get().json()["count"] == 3
    assert ids(api(vic).get()) == [to_walks.pk]
    assert ids(api(other_provider).get()) == [to_choir.pk]
    assert ids(api(omar).get()) == []
    assert api(vic).get(f"/{to_choir.pk}").status_code == 404
    assert api(omar).get(f"/{to_walks.pk}").status_code == 404


def test_list_filters_and_pages(api, lena, make_referral, choir, green_spaces, walks, move, lena_actor):
    make_referral()
    make_referral(service=choir)
    cancelled = move(make_referral(service=green_spaces), lena_actor, "cancelled", reason="withdrawn-by-referrer")
    client = api(lena)
    assert [i["id"] for i in client.get(status="cancelled").json()["items"]] == [cancelled.pk]
    assert [i["service_name"] for i in client.get(service_id=str(walks.id)).json()["items"]] == ["Riverside Walks"]
    page = client.get(limit=2, offset=2).json()
    assert page["count"] == 3 and len(page["items"]) == 1
    assert client.get(limit=500).status_code == 422


def test_a_listing_is_audited(api, lena, make_referral):
    referral = make_referral()
    api(lena).get()
    event = AuditEvent.objects.filter(action=AuditAction.SEARCH, summary="Listed referrals (API)").get()
    assert event.changes["referrals_listed"] == [referral.pk]


def test_reading_one_is_audited(api, vic, make_referral, mary):
    referral = make_referral()
    before = AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(referral.pk)).count()
    response = api(vic).get(f"/{referral.pk}")
    assert response.status_code == 200
    assert response.json()["person_name"] == mary.full_name
    assert AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(referral.pk)).count() == before + 1


def test_provider_loses_the_name_when_consent_is_withdrawn(api, vic, lena_actor, make_referral, mary_consent, mary):
    referral = make_referral()
    assert api(vic).get(f"/{referral.pk}").json()["person_name"] == mary.full_name
    withdraw_consent(lena_actor, Consent.objects.get(pk=mary_consent.pk), reason="Changed her mind")
    data = api(vic).get(f"/{referral.pk}").json()
    assert data["person_name"] is None and data["reason_for_referral"] is None
    assert data["status"] == "sent" and data["service_name"] == "Riverside Walks"


def test_events_hide_internal_notes_from_the_provider(api, lena, vic, make_referral, move, lena_actor, vic_actor):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    move(
        referral,
        lena_actor,
        "cancelled",
        reason="other",
        note="Internal: worried about her mood",
        shared_with_service=False,
    )
    referrer_view = api(lena).get(f"/{referral.pk}/events").json()
    provider_view = api(vic).get(f"/{referral.pk}/events").json()
    assert [e["to_status"] for e in referrer_view] == ["draft", "sent", "accepted", "cancelled"]
    assert any("worried" in e["note"] for e in referrer_view)
    assert [e["to_status"] for e in provider_view] == ["draft", "sent", "accepted"]
    assert not any("worried" in e["note"] for e in provider_view)


def test_no_token_is_401(client: Client):
    assert client.get("/api/v1/referrals").status_code == 401
