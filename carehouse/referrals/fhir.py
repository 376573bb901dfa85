"""Referrals as FHIR R4 ``ServiceRequest`` (what is asked for) and ``Task`` (how it is going).

One ``Referral`` row is both: ``ServiceRequest/<id>`` and ``Task/<id>`` share the referral's id.
The Task follows the Gravity SDOH Clinical Care referral Task (``intent`` order, ``code``
fulfill, ``focus`` the ServiceRequest, ``for`` the patient, ``statusReason.text`` always
present); the statuses come from ``states.TASK_STATUS`` and ``states.SERVICE_REQUEST_STATUS``.

- ``category``: SNOMED CT 871731000000106 |Referral to social prescribing service|; ``code``
  is the directory service asked for (text), which is also a ``performer`` (HealthcareService,
  identified by its HSDS id) beside the organisation that runs it (Organization, HSDS id).
- ``requester``: a contained PractitionerRole (the referrer by name, their organisation by ODS
  code); the organisation alone when the user is gone; the patient for a self-referral.
- ``supportingInfo``: the consent that covers the receiving organisation (``Consent/consent-<id>``,
  as the care plan export names consents); ``replaces`` the referral this one was sent on from;
  ``basedOn`` the care and support plan when it carries out a plan action.
- Task ``statusReason`` codes are ``states.Reason`` in our code system ``referral-reason``;
  ``output`` (when completed) the outcome (``referral-outcome``) and the sessions attended;
  ``note`` only notes shared with the service.

Who sees what (``carehouse.referrals.selectors``): the referring organisation's staff see both
in full. The receiving organisation's staff see both while the person's consent covers them;
once it is withdrawn or expired the ServiceRequest is "not found" and the Task comes without the
person's name or any notes. Reads are audited. ``fhir.resources.R4B`` does not check codes, so
every resource passes our binding checks (``code_problems``) as well as R4B and the care plan
checks (``careplans.fhir.export.validated``).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.http import Http404
from django.utils import timezone

from carehouse.careplans.fhir import codes as c
from carehouse.careplans.fhir.bindings import Problem, values_at
from carehouse.careplans.fhir.export import ExportError, patient_id_from_search, searchset, validated
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit
from carehouse.referrals import selectors
from carehouse.referrals.models import Priority, Referral
from carehouse.referrals.services.referrals import consent_covers, party_for
from carehouse.referrals.states import (
    SERVICE_REQUEST_STATUS,
    TASK_STATUS,
    Outcome,
    Party,
    Reason,
    ReferralState,
)

JSON = dict[str, Any]

SOCIAL_PRESCRIBING_REFERRAL = "871731000000106"
SOCIAL_PRESCRIBING_REFERRAL_DISPLAY = "Referral to social prescribing service"
CS_TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
CS_REFERRAL_REASON = c.CODE_SYSTEM_BASE + "referral-reason"
CS_REFERRAL_OUTCOME = c.CODE_SYSTEM_BASE + "referral-outcome"
CS_TASK_OUTPUT = c.CODE_SYSTEM_BASE + "referral-task-output"
REFERRAL_ID_SYSTEM = c.OUR_BASE + "Id/referral"
HSDS_ORGANIZATION_SYSTEM = c.OUR_BASE + "Id/hsds-organization"
HSDS_SERVICE_SYSTEM = c.OUR_BASE + "Id/hsds-service"
REQUESTER_ID = "requester"

INTENTS = frozenset({"order"})
PRIORITIES = frozenset(Priority.values)
TASK_OUTPUTS = frozenset({"outcome", "sessions-attended"})

#: ``code`` elements we write, with the codes allowed (R4B accepts any string).
CODE_BINDINGS: dict[str, dict[str, frozenset[str]]] = {
    "ServiceRequest": {
        "status": frozenset(SERVICE_REQUEST_STATUS.values()),
        "intent": INTENTS,
        "priority": PRIORITIES,
    },
    "Task": {"status": frozenset(TASK_STATUS.values()), "intent": INTENTS, "priority": PRIORITIES},
}
#: Codings we write, by resource type and path: the system each must be in and its codes.
CODING_BINDINGS: dict[str, dict[str, tuple[str, frozenset[str]]]] = {
    "ServiceRequest": {"category.coding": (c.SNOMED, frozenset({SOCIAL_PRESCRIBING_REFERRAL}))},
    "Task": {
        "code.coding": (CS_TASK_CODE, frozenset({"fulfill"})),
        "statusReason.coding": (CS_REFERRAL_REASON, frozenset(Reason.values)),
        "output.type.coding": (CS_TASK_OUTPUT, TASK_OUTPUTS),
        "output.valueCodeableConcept.coding": (CS_REFERRAL_OUTCOME, frozenset(Outcome.values)),
    },
}


def code_problems(resource: JSON) -> list[Problem]:
    """Wrong codes in one of our referral resources, by FHIRPath expression."""
    resource_type = str(resource.get("resourceType", ""))
    problems = []
    for path, allowed in CODE_BINDINGS.get(resource_type, {}).items():
        for value, where in values_at(resource, path, resource_type):
            if value not in allowed:
                problems.append(Problem("code-invalid", f"{value!r} is not an allowed code here", where))
    for path, (system, codes) in CODING_BINDINGS.get(resource_type, {}).items():
        for coding, where in values_at(resource, path, resource_type):
            if not isinstance(coding, dict) or coding.get("system") != system or coding.get("code") not in codes:
                problems.append(Problem("code-invalid", f"Use a code from {system}", where))
    for required in ("status", "intent"):
        if resource_type in CODE_BINDINGS and required not in resource:
            problems.append(Problem("required", f"{required} is required", f"{resource_type}.{required}"))
    return problems


def checked(resource: JSON) -> JSON:
    """The resource as R4B serialises it, after our code checks, R4B and the care plan binding checks."""
    problems = code_problems(resource)
    if problems:
        raise ExportError("; ".join(f"{p.expression}: {p.diagnostics}" for p in problems))
    return validated(resource)


# Small builders --------------------------------------------------------------------------------


def _instant(value: datetime.datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.isoformat()


def _meta(referral: Referral) -> JSON:
    return {"versionId": str(referral.version), "lastUpdated": _instant(referral.updated_at)}


def _identifier(referral: Referral) -> list[JSON]:
    return [{"system": REFERRAL_ID_SYSTEM, "value": referral.reference}]


def _patient(referral: Referral, *, show_name: bool) -> JSON:
    reference: JSON = {"reference": f"Patient/{referral.person_id}", "type": "Patient"}
    if show_name:
        reference["display"] = referral.person.full_name
    return reference


def _receiving_organisation(referral: Referral) -> JSON:
    organisation = referral.receiving_organization
    return {
        "type": "Organization",
        "identifier": {"system": HSDS_ORGANIZATION_SYSTEM, "value": str(organisation.id)},
        "display": organisation.name,
    }


def _service(referral: Referral) -> JSON:
    return {
        "type": "HealthcareService",
        "identifier": {"system": HSDS_SERVICE_SYSTEM, "value": str(referral.service_id)},
        "display": referral.service.name,
    }


def _referring_organisation(referral: Referral) -> JSON | None:
    organisation = referral.referring_organisation
    if organisation is None:
        return None
    return {
        "type": "Organization",
        "identifier": {"system": c.ODS_SYSTEM, "value": organisation.ods_code},
        "display": organisation.name,
    }


def _requester(referral: Referral, *, show_name: bool) -> tuple[JSON | None, list[JSON]]:
    """The requester reference, and the contained resources it points to."""
    if referral.is_self_referral:
        return _patient(referral, show_name=show_name), []
    organisation = _referring_organisation(referral)
    user = referral.referred_by
    if user is None or organisation is None:
        return organisation, []
    role: JSON = {
        "resourceType": "PractitionerRole",
        "id": REQUESTER_ID,
        "practitioner": {"type": "Practitioner", "display": user.full_name},
        "organization": organisation,
    }
    return {"reference": f"#{REQUESTER_ID}", "type": "PractitionerRole", "display": user.full_name}, [role]


def _status_reason(referral: Referral) -> JSON:
    """Gravity requires ``statusReason.text``: the reason given, or what the status means."""
    if referral.status_reason:
        reason = Reason(referral.status_reason)
        return {
            "coding": [{"system": CS_REFERRAL_REASON, "code": reason.value, "display": reason.label}],
            "text": reason.label,
        }
    return {"text": ReferralState(referral.status).label}


def _output(referral: Referral) -> list[JSON]:
    if referral.status != ReferralState.COMPLETED or not referral.outcome:
        return []
    outcome = Outcome(referral.outcome)
    return [
        {
            "type": {"coding": [{"system": CS_TASK_OUTPUT, "code": "outcome"}], "text": "Outcome"},
            "valueCodeableConcept": {
                "coding": [{"system": CS_REFERRAL_OUTCOME, "code": outcome.value, "display": outcome.label}],
                "text": outcome.label,
            },
        },
        {
            "type": {"coding": [{"system": CS_TASK_OUTPUT, "code": "sessions-attended"}], "text": "Sessions attended"},
            "valueUnsignedInt": referral.sessions_attended,
        },
    ]


def _notes(referral: Referral) -> list[JSON]:
    return [
        {"authorString": event.actor_label, "time": _instant(event.occurred_at), "text": event.note}
        for event in selectors.events_for(referral, for_service=True)
        if event.note.strip()
    ]


# Resources -------------------------------------------------------------------------------------


def service_request_resource(referral: Referral, *, show_details: bool = True) -> JSON:
    """The referral as a ServiceRequest; ``show_details`` False leaves out the name and what it says."""
    requester, contained = _requester(referral, show_name=show_details)
    resource: JSON = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": _meta(referral),
        "identifier": _identifier(referral),
        "status": SERVICE_REQUEST_STATUS[ReferralState(referral.status)],
        "intent": "order",
        "category": [
            {
                "coding": [
                    {
                        "system": c.SNOMED,
                        "code": SOCIAL_PRESCRIBING_REFERRAL,
                        "display": SOCIAL_PRESCRIBING_REFERRAL_DISPLAY,
                    }
                ],
                "text": "Social prescribing",
            }
        ],
        "priority": referral.priority,
        "code": {"text": referral.service.name},
        "subject": _patient(referral, show_name=show_details),
        "performer": [_receiving_organisation(referral), _service(referral)],
    }
    if contained:
        resource["contained"] = contained
    if requester is not None:
        resource["requester"] = requester
    if referral.sent_at is not None:
        resource["authoredOn"] = _instant(referral.sent_at)
    if show_details:
        resource["reasonCode"] = [{"text": referral.reason_for_referral}]
        if referral.information_for_service:
            resource["note"] = [{"text": referral.information_for_service}]
    if referral.consent_id is not None:
        resource["supportingInfo"] = [{"reference": f"Consent/consent-{referral.consent_id}", "type": "Consent"}]
    if referral.replaces_id is not None:
        resource["replaces"] = [{"reference": f"ServiceRequest/{referral.replaces_id}", "type": "ServiceRequest"}]
    if referral.plan_action is not None:
        plan_id = referral.plan_action.goal.plan_id
        resource["basedOn"] = [{"reference": f"CarePlan/{plan_id}", "type": "CarePlan"}]
    return resource


def task_resource(referral: Referral, *, show_details: bool = True) -> JSON:
    """The referral's fulfilment as a Gravity-shaped referral Task; ``show_details`` False: no name, no notes."""
    requester, contained = _requester(referral, show_name=show_details)
    resource: JSON = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "meta": _meta(referral),
        "identifier": _identifier(referral),
        "status": TASK_STATUS[ReferralState(referral.status)],
        "statusReason": _status_reason(referral),
        "intent": "order",
        "priority": referral.priority,
        "code": {
            "coding": [{"system": CS_TASK_CODE, "code": "fulfill", "display": "Fulfill the focal request"}],
            "text": "Fulfil the referral",
        },
        "focus": {"reference": f"ServiceRequest/{referral.pk}", "type": "ServiceRequest"},
        "for": _patient(referral, show_name=show_details),
        "authoredOn": _instant(referral.sent_at or referral.created_at),
        "lastModified": _instant(referral.updated_at),
        "owner": _receiving_organisation(referral),
    }
    if contained:
        resource["contained"] = contained
    if requester is not None:
        resource["requester"] = requester
    if referral.business_status:
        resource["businessStatus"] = {"text": referral.business_status}
    if referral.accepted_at is not None or referral.closed_at is not None:
        period: JSON = {}
        if referral.accepted_at is not None:
            period["start"] = _instant(referral.accepted_at)
        if referral.closed_at is not None:
            period["end"] = _instant(referral.closed_at)
        resource["executionPeriod"] = period
    if referral.respond_by is not None and referral.status == ReferralState.SENT:
        resource["restriction"] = {"period": {"end": referral.respond_by.isoformat()}}
    if show_details:
        notes = _notes(referral)
        if notes:
            resource["note"] = notes
    output = _output(referral)
    if output:
        resource["output"] = output
    return resource


# Audited reads ---------------------------------------------------------------------------------


def _numeric_id(text: str) -> int:
    """A database id written in a URL; 404 for anything else (no signs, spaces or huge numbers)."""
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise Http404("No such resource")
    return int(text)


def shows_details(actor: Actor, referral: Referral) -> bool:
    """The referrer always; the receiving service only while the person's consent covers it."""
    if party_for(actor, referral) == Party.PROVIDER:
        return consent_covers(referral)
    return True


def read_service_request(actor: Actor, resource_id: str) -> JSON:
    """``GET ServiceRequest/{id}``: audited; 404 when not visible, or for the service once consent has gone."""
    referral = selectors.get_referral(actor, _numeric_id(resource_id), audited=False)
    if not shows_details(actor, referral):
        raise Http404("No such resource")
    referral = selectors.get_referral(actor, referral.pk, purpose="FHIR read")
    return checked(service_request_resource(referral))


def read_task(actor: Actor, resource_id: str) -> JSON:
    """``GET Task/{id}``: audited; 404 when not visible; no name or notes for the service once consent has gone."""
    referral = selectors.get_referral(actor, _numeric_id(resource_id), purpose="FHIR read")
    return checked(task_resource(referral, show_details=shows_details(actor, referral)))


def _search(actor: Actor, patient: str, resource_type: str) -> list[tuple[Referral, bool]]:
    person_pk = patient_id_from_search(patient)
    found: list[tuple[Referral, bool]] = []
    if person_pk is not None:
        referrals = selectors.visible_referrals(actor).filter(person_id=person_pk).order_by("-created_at", "-pk")
        for referral in referrals:
            details = shows_details(actor, referral)
            if details or resource_type == "Task":
                found.append((referral, details))
    audit.record(
        actor,
        AuditAction.SEARCH,
        person_id=person_pk if found else None,
        summary=f"Searched referrals ({resource_type}, FHIR)",
        changes={"patient": patient[:100], "referrals_listed": [referral.pk for referral, _ in found]},
        purpose="FHIR search",
    )
    return found


def search_service_requests(actor: Actor, patient: str) -> list[JSON]:
    """The person's referrals the actor may see in full, newest first; one audit event."""
    return [service_request_resource(referral) for referral, _ in _search(actor, patient, "ServiceRequest")]


def search_tasks(actor: Actor, patient: str) -> list[JSON]:
    """The person's referral Tasks the actor may see, newest first; one audit event."""
    return [task_resource(referral, show_details=details) for referral, details in _search(actor, patient, "Task")]


def search_bundle(resources: Sequence[JSON], *, base: str, self_url: str) -> JSON:
    """A searchset of these resources, checked and validated once, with every entry."""
    problems = [problem for resource in resources for problem in code_problems(resource)]
    if problems:
        raise ExportError("; ".join(f"{p.expression}: {p.diagnostics}" for p in problems))
    entries = [
        {
            "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
            "resource": resource,
            "search": {"mode": "match"},
        }
        for resource in resources
    ]
    return searchset(entries, total=len(entries), self_url=self_url)
