"""A care and support plan as FHIR R4 resources, and the audited reads the endpoints need.

The reads go through ``carehouse.careplans.selectors`` and ``carehouse.people.selectors``: scoped
to the actor (a plan they may not see is a 404) and audited. The ``*_resource`` builders make
plain JSON; what is sent (one resource, an OperationOutcome or a whole Bundle) is validated once,
with ``fhir.resources.R4B`` and our own binding checks (``bindings.py``), just before it leaves.
R4B validates every entry of a Bundle (and every contained resource) as its own resource type,
and the binding checks walk into them too, so every resource we send has passed both; what we
send is what R4B serialises, and a resource that breaks either is a bug (``ExportError``), never
a response. Validating each resource again inside its Bundle doubled the cost of ``$everything``.

Logical ids: a plan is ``CarePlan/<plan id>`` and its person ``Patient/<person id>``, so the ids
in URLs are the ones the rest of Carehouse uses. Parts of a plan have prefixed ids
(``goal-12``, ``need-3``, ``contingency-4``) because they live in other tables.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from carehouse.careplans import selectors
from carehouse.careplans.fhir import codes as c
from carehouse.careplans.fhir.bindings import Problem, check_resource
from carehouse.careplans.models import (
    Achievement,
    Action,
    AdditionalSupportPlan,
    CarePlan,
    ContingencyPlan,
    Goal,
    Need,
    PlanRevision,
    PlanStatus,
    StageGoal,
    Strength,
)
from carehouse.core.actor import Actor
from carehouse.core.models import Organisation
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit
from carehouse.people import selectors as people_selectors
from carehouse.people.models import CareTeamMember, Consent, ConsentGivenBy, Person

JSON = dict[str, Any]


class ExportError(RuntimeError):
    """A resource we built does not validate: a bug in this module, never the caller's fault."""


# Ids and references --------------------------------------------------------------------------


CONTINGENCY_PREFIX = "contingency-"


def plan_id(plan: CarePlan) -> str:
    return str(plan.pk)


def goal_id(goal: Goal) -> str:
    return f"goal-{goal.pk}"


def stage_goal_id(stage: StageGoal) -> str:
    return f"stage-goal-{stage.pk}"


def condition_id(need: Need) -> str:
    return f"need-{need.pk}"


def contingency_id(contingency: ContingencyPlan) -> str:
    return f"{CONTINGENCY_PREFIX}{contingency.pk}"


def care_team_id(person: Person) -> str:
    return f"care-team-{person.pk}"


def consent_id(consent: Consent) -> str:
    return f"consent-{consent.pk}"


def provenance_id(revision: PlanRevision) -> str:
    return f"revision-{revision.pk}"


def _patient_reference(person: Person) -> JSON:
    return {"reference": f"Patient/{person.pk}", "type": "Patient", "display": person.full_name}


def _organisation_reference(organisation: Organisation) -> JSON:
    return {
        "type": "Organization",
        "identifier": {"system": c.ODS_SYSTEM, "value": organisation.ods_code},
        "display": organisation.name,
    }


# Small builders ------------------------------------------------------------------------------


def _instant(value: datetime.datetime) -> str:
    """An aware timestamp as FHIR instant/dateTime (seconds at least, with the offset)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.isoformat()


def _string_ext(url: str, value: str) -> list[JSON]:
    return [{"url": url, "valueString": value}] if value else []


def _complex_ext(url: str, parts: Iterable[tuple[str, str, Any]]) -> list[JSON]:
    """A complex extension of the non-empty parts (name, value element, value); none if all empty."""
    children = [{"url": name, element: value} for name, element, value in parts if value not in (None, "")]
    return [{"url": url, "extension": children}] if children else []


def _coding(system: str, code: str, display: str = "") -> JSON:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _snomed_concept(text: str, code: str) -> JSON:
    concept: JSON = {"text": text}
    if code:
        concept["coding"] = [_coding(c.SNOMED, code)]
    return concept


def _meta(profile: str | None, *, version: int | None = None, updated: datetime.datetime | None = None) -> JSON:
    meta: JSON = {}
    if version is not None:
        meta["versionId"] = str(version)
    if updated is not None:
        meta["lastUpdated"] = _instant(updated)
    if profile:
        meta["profile"] = [profile]
    return meta


def _team_member_ext(url: str, member: CareTeamMember | None) -> list[JSON]:
    if member is None:
        return []
    return _complex_ext(url, [("name", "valueString", member.name), ("role", "valueString", member.role_title)])


def validated(resource: JSON) -> JSON:
    """The resource as ``fhir.resources.R4B`` serialises it, after R4B and our binding checks."""
    model = get_fhir_model_class(resource["resourceType"])
    try:
        parsed = model.model_validate(resource)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        raise ExportError(f"{resource['resourceType']} does not validate with R4B: {error}") from error
    data: JSON = parsed.model_dump(mode="json", exclude_none=True)
    problems = check_resource(data)
    if problems:
        raise ExportError("; ".join(f"{p.expression}: {p.diagnostics}" for p in problems))
    return data


# Status mappings -------------------------------------------------------------------------------


def care_plan_status(plan: CarePlan) -> str:
    return c.PLAN_STATUS_TO_FHIR[plan.status]


def goal_lifecycle(plan: CarePlan, achievement: str) -> str:
    """Goal.lifecycleStatus from the plan's status and the goal's progress."""
    if plan.status == PlanStatus.ENTERED_IN_ERROR:
        return "entered-in-error"
    if plan.status == PlanStatus.DRAFT:
        return "proposed"
    if achievement == Achievement.ACHIEVED:
        return "completed"
    if achievement == Achievement.NOT_ATTAINABLE or plan.status == PlanStatus.REVOKED:
        return "cancelled"
    if plan.status == PlanStatus.COMPLETED:
        return "completed"
    return "active"


def _achievement(code: str) -> JSON:
    label = Achievement(code).label
    return {"coding": [_coding(c.CS_GOAL_ACHIEVEMENT, code)], "text": label}


def _category(code: str) -> list[JSON]:
    label = c.CARE_PLAN_CATEGORIES[code]
    return [{"coding": [_coding(c.CS_CARE_PLAN_CATEGORY, code, label)], "text": label}]


# Resources -----------------------------------------------------------------------------------


def patient_resource(person: Person) -> JSON:
    """The person, with their NHS number and GP practice (UK Core Patient)."""
    name: JSON = {"use": "official", "family": person.family_name, "given": [person.given_name]}
    names = [name]
    if person.preferred_name:
        names.append({"use": "usual", "given": [person.preferred_name], "family": person.family_name})
    resource: JSON = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "meta": _meta(c.PROFILE_PATIENT),
        "name": names,
        "gender": c.SEX_TO_GENDER[person.sex],
        "birthDate": person.date_of_birth.isoformat(),
    }
    if person.nhs_number:
        resource["identifier"] = [{"system": c.NHS_NUMBER_SYSTEM, "value": person.nhs_number}]
    practice = person.registered_practice
    if practice is not None:
        resource["generalPractitioner"] = [_organisation_reference(practice)]
    return resource


def condition_resource(plan: CarePlan, need: Need) -> JSON:
    """A need: a health concern or a problem-list item, SNOMED CT coded when a code was given."""
    resource: JSON = {
        "resourceType": "Condition",
        "id": condition_id(need),
        "meta": _meta(c.PROFILE_CONDITION),
        "category": [{"coding": [_coding(c.CS_CONDITION_CATEGORY, need.category, need.get_category_display())]}],
        "code": _snomed_concept(need.text, need.snomed_code),
        "subject": _patient_reference(plan.person),
    }
    if plan.status == PlanStatus.ENTERED_IN_ERROR:
        resource["verificationStatus"] = {"coding": [_coding(c.CS_CONDITION_VERIFICATION, "entered-in-error")]}
    else:
        resource["clinicalStatus"] = {"coding": [_coding(c.CS_CONDITION_CLINICAL, "active")]}
    return resource


def goal_resource(plan: CarePlan, goal: Goal, stages: Sequence[StageGoal], needs: Sequence[Need]) -> JSON:
    """A goal in the person's own words; its stage goals are milestones (HL7 goal-relationship)."""
    extensions: list[JSON] = []
    if goal.importance is not None:
        extensions.append({"url": c.EXT_IMPORTANCE, "valueInteger": goal.importance})
    extensions += _string_ext(c.EXT_WHY_IT_MATTERS, goal.why_it_matters)
    extensions.append({"url": c.EXT_IN_OWN_WORDS, "valueBoolean": goal.in_own_words})
    extensions.append({"url": c.EXT_WRITTEN_BY, "valueCode": goal.written_by})
    for stage in stages:
        extensions.append(
            {
                "url": c.GOAL_RELATIONSHIP,
                "extension": [
                    {
                        "url": "type",
                        "valueCodeableConcept": {
                            "coding": [_coding(c.CS_GOAL_RELATIONSHIP_TYPE, "milestone", "Milestone")]
                        },
                    },
                    {"url": "target", "valueReference": {"reference": f"Goal/{stage_goal_id(stage)}"}},
                ],
            }
        )
    resource: JSON = {
        "resourceType": "Goal",
        "id": goal_id(goal),
        "extension": extensions,
        "lifecycleStatus": goal_lifecycle(plan, goal.achievement),
        "achievementStatus": _achievement(goal.achievement),
        "description": {"text": goal.text},
        "subject": _patient_reference(plan.person),
    }
    if goal.target_date is not None:
        resource["target"] = [{"dueDate": goal.target_date.isoformat()}]
    if needs:
        resource["addresses"] = [{"reference": f"Condition/{condition_id(need)}"} for need in needs]
    return resource


def stage_goal_resource(plan: CarePlan, goal: Goal, stage: StageGoal) -> JSON:
    """A step towards a goal, pointing back at it (our ``stage-goal-of`` extension)."""
    extensions = [{"url": c.EXT_STAGE_GOAL_OF, "valueReference": {"reference": f"Goal/{goal_id(goal)}"}}]
    extensions += _string_ext(c.EXT_STAGE, stage.stage)
    resource: JSON = {
        "resourceType": "Goal",
        "id": stage_goal_id(stage),
        "extension": extensions,
        "lifecycleStatus": goal_lifecycle(plan, stage.achievement),
        "achievementStatus": _achievement(stage.achievement),
        "description": {"text": stage.text},
        "subject": _patient_reference(plan.person),
    }
    if stage.outcome:
        resource["outcomeCode"] = [{"text": stage.outcome}]
    return resource


def _performer(plan: CarePlan, action: Action) -> list[JSON]:
    """Who does it: the person as a Patient reference; anyone else by name, when a name was given."""
    reference: JSON = {"type": c.PERFORMER_TYPES[action.who]}
    if action.who_name:
        reference["display"] = action.who_name
    if action.who == "person":
        reference["reference"] = f"Patient/{plan.person_id}"
    elif not action.who_name:
        return []
    return [reference]


def _activity(plan: CarePlan, goal: Goal, action: Action) -> JSON:
    extensions: list[JSON] = [{"url": c.EXT_WHO_ACTS, "valueCode": action.who}]
    if action.confidence is not None:
        extensions.append({"url": c.EXT_CONFIDENCE, "valueInteger": action.confidence})
    extensions += _string_ext(c.EXT_BARRIERS, action.barriers_and_strategies)
    if action.due_date is not None:
        extensions.append({"url": c.EXT_DUE_DATE, "valueDate": action.due_date.isoformat()})
    extensions += _string_ext(c.EXT_REFERRAL, action.referral_reference)
    detail: JSON = {
        "extension": extensions,
        "status": action.status,
        "description": action.what,
        "goal": [{"reference": f"Goal/{goal_id(goal)}"}],
    }
    performer = _performer(plan, action)
    if performer:
        detail["performer"] = performer
    if action.when:
        detail["scheduledString"] = action.when
    return {"detail": detail}


def _about_me(plan: CarePlan) -> list[JSON]:
    return _complex_ext(
        c.EXT_ABOUT_ME, [(part, "valueString", getattr(plan, name)) for part, name in c.ABOUT_ME_PARTS.items()]
    )


def _additional_plan(item: AdditionalSupportPlan) -> list[JSON]:
    return _complex_ext(
        c.EXT_ADDITIONAL_PLAN,
        [
            ("name", "valueString", item.name),
            ("content", "valueString", item.content),
            ("review-date", "valueDate", item.review_date.isoformat() if item.review_date else None),
            ("review-responsibility", "valueString", item.review_responsibility),
        ],
    )


def _period(plan: CarePlan, latest: PlanRevision | None) -> JSON:
    period: JSON = {}
    if plan.agreed_at is not None:
        period["start"] = _instant(plan.agreed_at)
    if plan.status in (PlanStatus.COMPLETED, PlanStatus.REVOKED) and latest is not None:
        period["end"] = _instant(latest.saved_at)
    return period


@dataclass
class PlanParts:
    """Everything in one plan, read once through the selectors."""

    plan: CarePlan
    strengths: list[Strength]
    needs: list[Need]
    goals: list[Goal]
    contingency_plans: list[ContingencyPlan]
    additional_plans: list[AdditionalSupportPlan]
    care_team: list[CareTeamMember]
    latest_revision: PlanRevision | None

    @classmethod
    def of(cls, plan: CarePlan, care_team: list[CareTeamMember] | None = None) -> PlanParts:
        """The plan's parts; ``care_team`` when the person's current care team has been read already."""
        contents = selectors.plan_contents(plan)
        return cls(
            plan=plan,
            strengths=[s for s in contents["strengths"] if isinstance(s, Strength)],
            needs=[n for n in contents["needs"] if isinstance(n, Need)],
            goals=[g for g in contents["goals"] if isinstance(g, Goal)],
            contingency_plans=[p for p in contents["contingency_plans"] if isinstance(p, ContingencyPlan)],
            additional_plans=[a for a in contents["additional_plans"] if isinstance(a, AdditionalSupportPlan)],
            care_team=care_team if care_team is not None else people_selectors.care_team_for(plan.person),
            latest_revision=selectors.latest_revision(plan),
        )


def care_plan_resource(parts: PlanParts) -> JSON:
    """The care and support plan (UK Core CarePlan); PRSB sections FHIR has no element for are extensions."""
    plan = parts.plan
    extensions: list[JSON] = []
    if plan.template:
        extensions.append({"url": c.EXT_TEMPLATE, "valueCode": plan.template})
    extensions += _about_me(plan)
    for strength in parts.strengths:
        extensions.append(
            {"url": c.EXT_STRENGTH, "valueCodeableConcept": _snomed_concept(strength.text, strength.snomed_code)}
        )
    extensions += _string_ext(c.EXT_FORMULATION, plan.formulation)
    extensions += _string_ext(c.EXT_FUNDING_SOURCE, plan.funding_source)
    extensions += _string_ext(c.EXT_OTHER_DOCUMENTS, plan.other_documents)
    extensions += _team_member_ext(c.EXT_KEY_WORKER, plan.key_worker)
    extensions += _team_member_ext(c.EXT_REVIEW_OWNER, plan.review_owner)
    if plan.next_review_due is not None:
        extensions.append({"url": c.EXT_NEXT_REVIEW, "valueDate": plan.next_review_due.isoformat()})
    extensions += _complex_ext(
        c.EXT_AGREEMENT,
        [
            ("agreed-with", "valueCode", plan.agreed_with),
            ("name", "valueString", plan.agreed_with_name),
            ("agreed-at", "valueDateTime", _instant(plan.agreed_at) if plan.agreed_at else None),
        ],
    )
    for item in parts.additional_plans:
        extensions += _additional_plan(item)
    resource: JSON = {
        "resourceType": "CarePlan",
        "id": plan_id(plan),
        "meta": _meta(c.PROFILE_CARE_PLAN, version=plan.version, updated=plan.updated_at),
        "extension": extensions,
        "status": care_plan_status(plan),
        "intent": "plan",
        "category": _category(c.PCSP_CATEGORY),
        "title": plan.title,
        "subject": _patient_reference(plan.person),
        "created": _instant(plan.created_at),
    }
    period = _period(plan, parts.latest_revision)
    if period:
        resource["period"] = period
    if plan.lead is not None:
        resource["author"] = {"type": "Practitioner", "display": plan.lead.full_name}
    else:
        resource["author"] = _organisation_reference(plan.organisation)
    if parts.care_team:
        resource["careTeam"] = [{"reference": f"CareTeam/{care_team_id(plan.person)}"}]
    if parts.needs:
        resource["addresses"] = [{"reference": f"Condition/{condition_id(need)}"} for need in parts.needs]
    if parts.goals:
        resource["goal"] = [{"reference": f"Goal/{goal_id(goal)}"} for goal in parts.goals]
    activities = [_activity(plan, goal, action) for goal in parts.goals for action in goal.actions.all()]
    if activities:
        resource["activity"] = activities
    return resource


def contingency_resource(plan: CarePlan, contingency: ContingencyPlan) -> JSON:
    """A contingency plan: its own CarePlan, part of the main plan."""
    extensions = [{"url": c.EXT_TRIGGER, "valueString": trigger} for trigger in contingency.triggers]
    extensions += _string_ext(c.EXT_WARNING_SIGNS, contingency.early_warning_signs)
    extensions += _string_ext(c.EXT_WHAT_TO_DO, contingency.what_to_do)
    extensions += _string_ext(c.EXT_WHO_TO_CONTACT, contingency.who_to_contact)
    extensions += _string_ext(c.EXT_COPING, contingency.coping_strategies)
    extensions.append(
        {
            "url": c.EXT_ADVANCE_STATEMENT,
            "extension": [
                {"url": "has-advance-statement", "valueBoolean": contingency.has_advance_statement},
                *_string_ext("location", contingency.advance_statement_location),
            ],
        }
    )
    extensions += _string_ext(c.EXT_ANTICIPATORY, contingency.anticipatory_medicines)
    resource: JSON = {
        "resourceType": "CarePlan",
        "id": contingency_id(contingency),
        "meta": _meta(c.PROFILE_CARE_PLAN),
        "extension": extensions,
        "partOf": [{"reference": f"CarePlan/{plan_id(plan)}"}],
        "status": care_plan_status(plan),
        "intent": "plan",
        "category": _category(c.CONTINGENCY_CATEGORY),
        "title": contingency.name,
        "subject": _patient_reference(plan.person),
    }
    return resource


def care_team_resource(person: Person, members: Sequence[CareTeamMember]) -> JSON:
    """The person's current care team; the named key worker carries our ``care-team-key-worker`` flag."""
    participants: list[JSON] = []
    for member in members:
        participant: JSON = {
            "role": [{"text": member.role_title}],
            "member": {"type": "Practitioner", "display": member.name},
            "onBehalfOf": _organisation_reference(member.organisation),
            "period": {"start": member.started_on.isoformat()},
        }
        if member.is_key_worker:
            participant["extension"] = [{"url": c.EXT_CARE_TEAM_KEY_WORKER, "valueBoolean": True}]
        participants.append(participant)
    resource: JSON = {
        "resourceType": "CareTeam",
        "id": care_team_id(person),
        "meta": _meta(c.PROFILE_CARE_TEAM),
        "status": "active",
        "name": f"Care team of {person.full_name}",
        "subject": _patient_reference(person),
        "participant": participants,
    }
    return resource


def _consent_performer(person: Person, consent: Consent) -> JSON:
    if consent.given_by == ConsentGivenBy.PERSON:
        return _patient_reference(person)
    kind = "Practitioner" if consent.given_by == ConsentGivenBy.BEST_INTERESTS else "RelatedPerson"
    return {"type": kind, "display": consent.given_by_name or consent.get_given_by_display()}


def consent_resource(person: Person, consent: Consent) -> JSON:
    """An active consent of the person's about sharing their record or plan (UK Core Consent).

    The person is passed in, not read from ``consent.person``: that would be a query per consent.
    """
    purpose = _coding(c.CS_CONSENT_PURPOSE, consent.purpose, consent.get_purpose_display())
    references = [_organisation_reference(organisation) for organisation in consent.recipient_organisations.all()]
    references += [{"type": "RelatedPerson", "display": contact.name} for contact in consent.recipient_contacts.all()]
    recipient = {"coding": [_coding(c.CS_PARTICIPATION_TYPE, "IRCP", "information recipient")]}
    recipients = [{"role": recipient, "reference": reference} for reference in references]
    period: JSON = {"start": _instant(consent.given_at)}
    if consent.expires_on is not None:
        period["end"] = consent.expires_on.isoformat()
    provision: JSON = {"type": "permit", "period": period}
    if recipients:
        provision["actor"] = recipients
    resource: JSON = {
        "resourceType": "Consent",
        "id": consent_id(consent),
        "meta": _meta(c.PROFILE_CONSENT),
        "status": "active",
        "scope": {"coding": [_coding(c.CS_CONSENT_SCOPE, "patient-privacy", "Privacy Consent")]},
        "category": [
            {"coding": [_coding(c.CS_ACT_CODE, "INFA", "information access")]},
            {"coding": [purpose], "text": consent.get_purpose_display()},
        ],
        "patient": _patient_reference(person),
        "dateTime": _instant(consent.given_at),
        "performer": [_consent_performer(person, consent)],
        "policyRule": {"coding": [purpose]},
        "provision": provision,
    }
    return resource


def provenance_resource(plan: CarePlan, revision: PlanRevision) -> JSON:
    """Who saved the plan's latest revision, and when (UK Core Provenance)."""
    who_type = "Patient" if revision.saved_by_role == "person" else "Practitioner"
    if revision.saved_by_role in ("", "system"):
        who_type = "Device"
    operation = "CREATE" if revision.number == 1 else "UPDATE"
    resource: JSON = {
        "resourceType": "Provenance",
        "id": provenance_id(revision),
        "meta": _meta(c.PROFILE_PROVENANCE),
        "target": [{"reference": f"CarePlan/{plan_id(plan)}/_history/{revision.number}"}],
        "recorded": _instant(revision.saved_at),
        "activity": {"coding": [_coding(c.CS_DATA_OPERATION, operation)], "text": revision.summary},
        "agent": [
            {
                "type": {"coding": [_coding(c.CS_PROVENANCE_PARTICIPANT, "author", "Author")]},
                "who": {"type": who_type, "display": revision.saved_by_label},
            }
        ],
    }
    return resource


def _operation_outcome(problems: Sequence[Problem]) -> JSON:
    issues: list[JSON] = []
    for problem in problems:
        issue: JSON = {"severity": problem.severity, "code": problem.code, "diagnostics": problem.diagnostics}
        if problem.expression:
            issue["expression"] = [problem.expression]
        issues.append(issue)
    return {"resourceType": "OperationOutcome", "meta": _meta(c.PROFILE_OPERATION_OUTCOME), "issue": issues}


def operation_outcome(problems: Sequence[Problem]) -> JSON:
    """An OperationOutcome with one issue per problem (UK Core OperationOutcome), validated to send."""
    return validated(_operation_outcome(problems))


def imported_care_plan(plan: CarePlan, warnings: Sequence[Problem]) -> JSON:
    """The new plan an import created, validated to send; any warnings ride along as a contained OperationOutcome.

    FHIR's create answers with the resource; a contained OperationOutcome, referenced from our
    ``import-outcome`` extension, lets a client see what was left out without a second request.
    """
    resource = care_plan_resource(PlanParts.of(plan))
    if warnings:
        resource["contained"] = [{**_operation_outcome(warnings), "id": "import-outcome"}]
        resource["extension"] = [
            {"url": c.EXT_IMPORT_OUTCOME, "valueReference": {"reference": "#import-outcome"}},
            *resource.get("extension", []),
        ]
    return validated(resource)


# Bundles -------------------------------------------------------------------------------------


def _entry(base: str, resource: JSON, mode: str) -> JSON:
    return {
        "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def searchset(entries: Sequence[JSON], *, total: int, self_url: str) -> JSON:
    """A searchset Bundle of these entries, validated to send (with every entry's resource)."""
    bundle: JSON = {
        "resourceType": "Bundle",
        "meta": _meta(c.PROFILE_BUNDLE),
        "type": "searchset",
        "total": total,
        "link": [{"relation": "self", "url": self_url}],
        "entry": list(entries),
    }
    return validated(bundle)


def search_bundle(plans: Sequence[CarePlan], *, base: str, self_url: str) -> JSON:
    """The plans found; they are one person's, so their care team is read once, not once a plan."""
    care_team = people_selectors.care_team_for(plans[0].person) if plans else []
    entries = [_entry(base, care_plan_resource(PlanParts.of(plan, care_team)), "match") for plan in plans]
    return searchset(entries, total=len(entries), self_url=self_url)


def everything_resources(parts: PlanParts, consents: Sequence[Consent]) -> list[JSON]:
    """The plan first, then everything it refers to, in the order a reader would want them."""
    plan = parts.plan
    resources = [care_plan_resource(parts), patient_resource(plan.person)]
    resources += [condition_resource(plan, need) for need in parts.needs]
    for goal in parts.goals:
        stages = list(goal.stage_goals.all())
        resources.append(goal_resource(plan, goal, stages, list(goal.needs.all())))
        resources += [stage_goal_resource(plan, goal, stage) for stage in stages]
    if parts.care_team:
        resources.append(care_team_resource(plan.person, parts.care_team))
    resources += [consent_resource(plan.person, consent) for consent in consents]
    if parts.latest_revision is not None:
        resources.append(provenance_resource(plan, parts.latest_revision))
    resources += [contingency_resource(plan, contingency) for contingency in parts.contingency_plans]
    return resources


def everything_bundle(parts: PlanParts, consents: Sequence[Consent], *, base: str, self_url: str) -> JSON:
    """``$everything``: a searchset whose one match is the plan; the rest are included resources."""
    resources = everything_resources(parts, consents)
    entries = [_entry(base, resource, "match" if index == 0 else "include") for index, resource in enumerate(resources)]
    return searchset(entries, total=1, self_url=self_url)


# Audited reads ---------------------------------------------------------------------------------


def _numeric_id(text: str) -> int | None:
    """A database id written in a URL; None for anything else (no signs, spaces or huge numbers)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _plan_pk(value: str) -> int:
    pk = _numeric_id(value)
    if pk is None:
        raise Http404("No care plan found")
    return pk


def read_care_plan(actor: Actor, resource_id: str) -> JSON:
    """``GET CarePlan/{id}``: a plan, or one of its contingency plans, validated to send; 404 if not visible."""
    if resource_id.startswith(CONTINGENCY_PREFIX):
        contingency_pk = _plan_pk(resource_id.removeprefix(CONTINGENCY_PREFIX))
        owner = selectors.visible_plans(actor).filter(contingency_plans__pk=contingency_pk).values_list("pk", flat=True)
        owner_pk = owner.first()
        if owner_pk is None:
            raise Http404("No care plan found")
        plan = selectors.get_plan(actor, owner_pk, purpose="FHIR read (contingency plan)")
        contingency = selectors.get_item(plan, "contingency", contingency_pk)
        assert isinstance(contingency, ContingencyPlan)
        return validated(contingency_resource(plan, contingency))
    plan = selectors.get_plan(actor, _plan_pk(resource_id), purpose="FHIR read")
    return validated(care_plan_resource(PlanParts.of(plan)))


def patient_id_from_search(value: str) -> int | None:
    """The person id in ``patient=123``, ``patient=Patient/123`` or a full URL ending in it."""
    text = value.strip().rstrip("/")
    if "/" in text:
        kind, _, text = text.rpartition("/")
        if not kind.endswith("Patient"):
            return None
    return _numeric_id(text)


def search_care_plans(actor: Actor, patient: str) -> list[CarePlan]:
    """The person's plans the actor may see, newest first; one audit event names every plan listed."""
    person_pk = patient_id_from_search(patient)
    plans: list[CarePlan] = []
    if person_pk is not None:
        plans = list(
            selectors.visible_plans(actor)
            .filter(person_id=person_pk)
            .select_related(
                "person", "person__registered_practice", "organisation", "key_worker", "review_owner", "lead"
            )
            .order_by("-created_at", "-pk")
        )
    audit.record(
        actor,
        AuditAction.SEARCH,
        person_id=plans[0].person_id if plans else None,
        summary="Searched care plans (FHIR)",
        changes={"patient": patient[:100], "plans_listed": [p.pk for p in plans]},
        purpose="FHIR search",
    )
    return plans


def relevant_consents(person: Person) -> list[Consent]:
    """The person's active consents that decide who may see or act on their plan."""
    return [
        consent
        for consent in people_selectors.consents_for(person)
        if consent.is_active() and consent.purpose in c.CARE_PLANNING_CONSENT_PURPOSES
    ]


def read_everything(actor: Actor, resource_id: str) -> tuple[PlanParts, list[Consent]]:
    """``$everything``: the plan (an audited read) and the person's record (an audited read too)."""
    plan = selectors.get_plan(actor, _plan_pk(resource_id), purpose="FHIR $everything")
    person = people_selectors.get_person(actor, plan.person_id, purpose="FHIR $everything")
    plan.person = person
    return PlanParts.of(plan), relevant_consents(person)
