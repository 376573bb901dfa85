"""Referrals as FHIR R4 ServiceRequest and Task at /fhir/: valid, mapped, scoped and audited."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from carehouse.careplans.fhir.bindings import check_resource
from carehouse.careplans.fhir.export import ExportError
from carehouse.careplans.tests.conftest import add_action, add_goal
from carehouse.core.models import AuditEvent, Membership, OrganisationType
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from carehouse.directory.models import Service
from carehouse.directory.tests.conftest import ROTHERHAM
from carehouse.directory.tests.factories import DirectoryOrganizationFactory, make_service
from carehouse.measures.tests.test_fhir import FHIR_JSON, Fhir
from carehouse.people.models import Consent, ConsentPurpose, ConsentScope, Person
from carehouse.people.services import withdraw_consent
from carehouse.people.tests.factories import ConsentFactory
from carehouse.referrals import fhir as referrals_fhir
from carehouse.referrals.models import Referral
from carehouse.referrals.states import SERVICE_REQUEST_STATUS, TASK_STATUS, Outcome, Reason, ReferralState

ALL_ROUTES = ("link_workers", "professionals", "self_referral")


@pytest.fixture
def fhir(client: Client) -> Callable[[Membership | None], Fhir]:
    return lambda membership: Fhir(client, membership)


def resource(response: Any, status: int = 200) -> dict[str, Any]:
    """The body of a FHIR answer, after checking it round-trips through R4B and passes every binding check."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == FHIR_JSON
    data: dict[str, Any] = json.loads(response.content)
    parsed = get_fhir_model_class(data["resourceType"]).model_validate(data)
    assert parsed.model_dump(mode="json", exclude_none=True) == data
    assert check_resource(data) == []
    if data["resourceType"] == "Bundle":
        for entry in data.get("entry", []):
            assert referrals_fhir.code_problems(entry["resource"]) == []
    else:
        assert referrals_fhir.code_problems(data) == []
    return data


def valid(data: dict[str, Any]) -> dict[str, Any]:
    """A built resource, checked the way the endpoints check it."""
    return referrals_fhir.checked(data)


# -- the resources -------------------------------------------------------------------------------


def test_service_request_carries_the_referral(fhir, lena, make_referral, mary, mary_consent):
    referral = make_referral(priority="urgent")
    response = fhir(lena).get(f"ServiceRequest/{referral.pk}")
    data = resource(response)
    assert response["ETag"] == f'W/"{referral.version}"'
    assert data["status"] == "active" and data["intent"] == "order" and data["priority"] == "urgent"
    assert data["category"][0]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "871731000000106",
        "display": "Referral to social prescribing service",
    }
    assert data["code"]["text"] == "Riverside Walks"
    assert data["subject"] == {"reference": f"Patient/{mary.pk}", "type": "Patient", "display": mary.full_name}
    assert data["identifier"][0]["value"] == referral.reference
    assert data["reasonCode"] == [{"text": referral.reason_for_referral}]
    assert data["supportingInfo"] == [{"reference": f"Consent/consent-{mary_consent.pk}", "type": "Consent"}]
    organisation, service = data["performer"]
    assert organisation["identifier"]["value"] == str(referral.receiving_organization_id)
    assert organisation["display"] == "Riverside Walkers"
    assert service["type"] == "HealthcareService" and service["identifier"]["value"] == str(referral.service_id)
    assert data["requester"]["reference"] == "#requester"
    role = data["contained"][0]
    assert role["resourceType"] == "PractitionerRole" and role["practitioner"]["display"] == "Lena Linkworker"
    assert role["organization"]["identifier"] == {
        "system": "https://fhir.nhs.uk/Id/ods-organization-code",
        "value": "U00001",
    }
    assert data["authoredOn"] and data["meta"]["versionId"] == str(referral.version)


def test_task_is_the_gravity_referral_task(fhir, vic, make_referral, move, vic_actor, mary):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    referral = move(referral, vic_actor, ReferralState.COMPLETED, outcome="partly", note="Came to four walks")
    data = resource(fhir(vic).get(f"Task/{referral.pk}"))
    assert data["status"] == "completed" and data["intent"] == "order"
    assert data["code"]["coding"][0]["system"] == "http://hl7.org/fhir/CodeSystem/task-code"
    assert data["code"]["coding"][0]["code"] == "fulfill"
    assert data["focus"]["reference"] == f"ServiceRequest/{referral.pk}"
    assert data["for"] == {"reference": f"Patient/{mary.pk}", "type": "Patient", "display": mary.full_name}
    assert data["owner"]["display"] == "Riverside Walkers"
    assert data["statusReason"]["text"] == "Completed"
    assert data["authoredOn"] and data["lastModified"]
    outcome, sessions = data["output"]
    assert outcome["valueCodeableConcept"]["coding"][0]["code"] == "partly"
    assert outcome["valueCodeableConcept"]["text"] == Outcome.PARTLY.label
    assert sessions["type"]["text"] == "Sessions attended" and sessions["valueUnsignedInt"] == 0
    assert [note["text"] for note in data["note"]] == ["Came to four walks"]
    assert data["executionPeriod"]["start"] and data["executionPeriod"]["end"]


def test_task_status_reason_is_coded(fhir, lena, make_referral, move, vic_actor):
    referral = move(make_referral(), vic_actor, ReferralState.REJECTED, reason="no-capacity")
    data = resource(fhir(lena).get(f"Task/{referral.pk}"))
    assert data["status"] == "rejected"
    assert data["statusReason"]["coding"] == [
        {
            "system": referrals_fhir.CS_REFERRAL_REASON,
            "code": "no-capacity",
            "display": Reason.NO_CAPACITY.label,
        }
    ]
    assert data["statusReason"]["text"] == Reason.NO_CAPACITY.label
    assert resource(fhir(lena).get(f"ServiceRequest/{referral.pk}"))["status"] == "revoked"


def test_internal_notes_stay_out_of_the_task(fhir, lena, make_referral, move, lena_actor):
    referral = move(
        make_referral(), lena_actor, "cancelled", reason="other", note="Internal worry", shared_with_service=False
    )
    data = resource(fhir(lena).get(f"Task/{referral.pk}"))
    assert "note" not in data


@pytest.mark.parametrize("state", list(ReferralState))
def test_every_state_maps_and_validates(make_referral, state, mary):
    """Set directly on a test row: each state gives the mapped statuses, and both resources validate."""
    referral = make_referral()
    extra: dict[str, Any] = {}
    if state == ReferralState.COMPLETED:
        extra = {"outcome": Outcome.GOT_HELP, "sessions_attended": 6}
    if state in (ReferralState.ON_HOLD, ReferralState.FAILED, ReferralState.CANCELLED, ReferralState.REJECTED):
        extra = {"status_reason": Reason.OTHER, "business_status": "checked"}
    Referral.objects.filter(pk=referral.pk).update(status=state, **extra)
    referral = Referral.objects.select_related("person", "service", "receiving_organization").get(pk=referral.pk)
    request = valid(referrals_fhir.service_request_resource(referral))
    task = valid(referrals_fhir.task_resource(referral))
    assert request["status"] == SERVICE_REQUEST_STATUS[state]
    assert task["status"] == TASK_STATUS[state]
    assert task["statusReason"]["text"]
    assert ("output" in task) == (state == ReferralState.COMPLETED)
    if state == ReferralState.COMPLETED:
        assert task["output"][1]["valueUnsignedInt"] == 6
    if "status_reason" in extra:
        assert task["businessStatus"] == {"text": "checked"}


def test_a_wrong_code_is_refused_before_it_leaves(make_referral):
    data = referrals_fhir.task_resource(make_referral())
    data["status"] = "received"  # core TaskStatus, but not in Gravity's referral Task value set
    with pytest.raises(ExportError, match=r"Task\.status"):
        referrals_fhir.checked(data)
    request = referrals_fhir.service_request_resource(Referral.objects.get())
    request["intent"] = "plan"
    with pytest.raises(ExportError, match=r"ServiceRequest\.intent"):
        referrals_fhir.checked(request)


def test_plan_action_and_rerouting_are_linked(fhir, lena, lena_actor, staff, plan, make_referral, move, green_spaces):
    goal = add_goal(staff, plan, "Walk with others")
    action = add_action(staff, plan, goal, "Join a walking group")
    first = make_referral(plan_action=action, source="plan_action")
    move(first, lena_actor, "cancelled", reason="referred-elsewhere")
    second = make_referral(service=green_spaces, replaces=first)
    data = resource(fhir(lena).get(f"ServiceRequest/{second.pk}"))
    assert data["replaces"] == [{"reference": f"ServiceRequest/{first.pk}", "type": "ServiceRequest"}]
    assert resource(fhir(lena).get(f"ServiceRequest/{first.pk}"))["basedOn"] == [
        {"reference": f"CarePlan/{plan.pk}", "type": "CarePlan"}
    ]


# -- search --------------------------------------------------------------------------------------


def test_search_by_patient_returns_a_bundle(fhir, lena, make_referral, green_spaces, mary):
    make_referral()
    make_referral(service=green_spaces)
    for resource_type in ("ServiceRequest", "Task"):
        bundle = resource(fhir(lena).get(resource_type, patient=f"Patient/{mary.pk}"))
        assert bundle["type"] == "searchset" and bundle["total"] == 2
        assert {entry["resource"]["resourceType"] for entry in bundle["entry"]} == {resource_type}
        assert all(
            entry["fullUrl"].endswith(f"/fhir/{resource_type}/{entry['resource']['id']}") for entry in bundle["entry"]
        )
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH, summary="Searched referrals (Task, FHIR)").exists()


def test_search_for_someone_else_is_empty(fhir, omar, make_referral, mary):
    make_referral()
    bundle = resource(fhir(omar).get("Task", patient=str(mary.pk)))
    assert bundle["total"] == 0


def test_search_needs_a_patient(fhir, lena):
    data = resource(fhir(lena).get("ServiceRequest"), 400)
    assert data["issue"][0]["code"] == "required"


def test_provider_search_sees_only_its_own(fhir, vic, make_referral, green_spaces, mary):
    mine = make_referral()
    make_referral(service=green_spaces)
    bundle = resource(fhir(vic).get("Task", patient=str(mary.pk)))
    assert [entry["resource"]["id"] for entry in bundle["entry"]] == [str(mine.pk)]


# -- who may read ----------------------------------------------------------------------------------


@pytest.fixture
def other_provider(db: None) -> Membership:
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
    ConsentFactory(
        person=mary,
        purpose=ConsentPurpose.SOCIAL_PRESCRIBING,
        scope=ConsentScope.REFERRAL_MINIMUM,
        recipient_directory_organisations=[owner],
    )
    return make_service(
        "Community Choir", organization=owner, at=[ROTHERHAM], districts="S60 S61", referral_routes=ALL_ROUTES
    )


def test_provider_cannot_read_another_organisations_task(fhir, vic, other_provider, make_referral, choir):
    theirs = make_referral(service=choir)
    mine = make_referral()
    for path in (f"Task/{theirs.pk}", f"ServiceRequest/{theirs.pk}"):
        assert resource(fhir(vic).get(path), 404)["issue"][0]["code"] == "not-found"
    assert resource(fhir(other_provider).get(f"Task/{theirs.pk}"))["id"] == str(theirs.pk)
    assert fhir(other_provider).get(f"Task/{mine.pk}").status_code == 404


def test_a_draft_is_not_the_providers_to_see(fhir, vic, make_referral):
    draft = make_referral(send=False)
    assert fhir(vic).get(f"Task/{draft.pk}").status_code == 404


def test_once_consent_is_withdrawn_the_provider_sees_only_the_task(
    fhir, vic, lena, lena_actor, make_referral, move, vic_actor, mary_consent, mary
):
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED, note="Called Mary")
    withdraw_consent(lena_actor, Consent.objects.get(pk=mary_consent.pk), reason="Changed her mind")
    assert fhir(vic).get(f"ServiceRequest/{referral.pk}").status_code == 404
    task = resource(fhir(vic).get(f"Task/{referral.pk}"))
    assert task["status"] == "accepted"
    assert "display" not in task["for"] and "note" not in task
    assert mary.full_name not in json.dumps(task)
    assert resource(fhir(vic).get("ServiceRequest", patient=str(mary.pk)))["total"] == 0
    assert resource(fhir(vic).get("Task", patient=str(mary.pk)))["total"] == 1
    # The referrer still sees everything.
    assert resource(fhir(lena).get(f"ServiceRequest/{referral.pk}"))["subject"]["display"] == mary.full_name


def test_reads_are_audited(fhir, lena, make_referral):
    referral = make_referral()
    fhir(lena).get(f"Task/{referral.pk}")
    assert AuditEvent.objects.filter(action=AuditAction.READ, object_id=str(referral.pk), purpose="FHIR read").exists()


def test_roles_without_referrals_are_refused(fhir, cora, make_referral):
    referral = make_referral()
    assert resource(fhir(cora).get(f"Task/{referral.pk}"), 403)["issue"][0]["code"] == "forbidden"


@pytest.mark.parametrize("path", ["Task/1", "ServiceRequest/1", "Task?patient=1"])
def test_no_token_is_401(client: Client, db: None, path: str):
    response = client.get(f"/fhir/{path}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
