"""The URLs, code systems and value sets the FHIR care plan endpoints read and write.

Everything that names a FHIR system lives here so that the exporter, the importer and the binding
checks agree. Extensions and code systems under ``https://carehouse.example/fhir/`` are our own
(docs/adr/0010-fhir-care-plans.md): nobody else defines them, so a reader outside Carehouse sees
them as unknown extensions it may ignore. Everything else is HL7, NHS England or HL7 UK.
"""

from __future__ import annotations

from carehouse.careplans.models import Achievement as GoalAchievement
from carehouse.careplans.models import ActionStatus as CarehouseActionStatus
from carehouse.careplans.models import (
    AgreedWith,
    NeedCategory,
    PlanStatus,
    WhoActs,
    WrittenBy,
)
from carehouse.careplans.pathways import TEMPLATES
from carehouse.people.models import ConsentPurpose, Sex

# Our own definitions -------------------------------------------------------------------------

OUR_BASE = "https://carehouse.example/fhir/"
EXTENSION_BASE = OUR_BASE + "StructureDefinition/"
CODE_SYSTEM_BASE = OUR_BASE + "CodeSystem/"


def ext(name: str) -> str:
    """The URL of one of our own extensions."""
    return EXTENSION_BASE + name


# CarePlan (the care and support plan)
EXT_ABOUT_ME = ext("about-me")
EXT_STRENGTH = ext("strength")
EXT_FORMULATION = ext("formulation")
EXT_FUNDING_SOURCE = ext("funding-source")
EXT_OTHER_DOCUMENTS = ext("other-care-planning-documents")
EXT_KEY_WORKER = ext("named-key-worker")
EXT_REVIEW_OWNER = ext("review-owner")
EXT_NEXT_REVIEW = ext("next-review-due")
EXT_AGREEMENT = ext("agreement")
EXT_TEMPLATE = ext("pathway-template")
EXT_ADDITIONAL_PLAN = ext("additional-support-plan")
EXT_IMPORT_OUTCOME = ext("import-outcome")
# CarePlan.activity.detail (an action)
EXT_WHO_ACTS = ext("who-acts")
EXT_CONFIDENCE = ext("confidence")
EXT_BARRIERS = ext("barriers-and-strategies")
EXT_DUE_DATE = ext("due-date")
EXT_REFERRAL = ext("referral-reference")
# Goal
EXT_IMPORTANCE = ext("importance")
EXT_WHY_IT_MATTERS = ext("why-it-matters")
EXT_IN_OWN_WORDS = ext("in-own-words")
EXT_WRITTEN_BY = ext("written-by")
EXT_STAGE = ext("stage")
EXT_STAGE_GOAL_OF = ext("stage-goal-of")
# CarePlan (a contingency plan)
EXT_TRIGGER = ext("contingency-trigger")
EXT_WARNING_SIGNS = ext("early-warning-signs")
EXT_WHAT_TO_DO = ext("what-to-do")
EXT_WHO_TO_CONTACT = ext("who-to-contact")
EXT_COPING = ext("coping-strategies")
EXT_ADVANCE_STATEMENT = ext("advance-statement")
EXT_ANTICIPATORY = ext("anticipatory-medicines")
# CareTeam.participant
EXT_CARE_TEAM_KEY_WORKER = ext("care-team-key-worker")
# QuestionnaireResponse and Observation (outcome measures, carehouse/measures/fhir.py)
EXT_MEASURE_TIMEPOINT = ext("measure-timepoint")
EXT_MEASURE_GOAL = ext("measure-goal")
EXT_REPLACES_RESPONSE = ext("replaces-response")
EXT_REPLACED_BY = ext("replaced-by")
EXT_CORRECTION_REASON = ext("correction-reason")

#: Every extension of ours; an unknown one under our base is refused on import (a typing mistake).
OUR_EXTENSIONS: frozenset[str] = frozenset(
    value for name, value in dict(globals()).items() if name.startswith("EXT_") and isinstance(value, str)
)

#: Sub-extensions of About me, in the PRSB order, with the plan field each holds.
ABOUT_ME_PARTS: dict[str, str] = {
    "most-important": "about_most_important",
    "people": "about_people",
    "communication": "about_communication",
    "wellness": "about_wellness",
    "do-and-dont": "about_do_and_dont",
    "support": "about_support",
    "also-worth-knowing": "about_also_worth_knowing",
    "supported-by": "about_supported_by",
}
ADDITIONAL_PLAN_PARTS: dict[str, str] = {
    "name": "valueString",
    "content": "valueString",
    "review-date": "valueDate",
    "review-responsibility": "valueString",
}
AGREEMENT_PARTS = {"agreed-with": "valueCode", "name": "valueString", "agreed-at": "valueDateTime"}
TEAM_MEMBER_PARTS = {"name": "valueString", "role": "valueString"}
ADVANCE_STATEMENT_PARTS = {"has-advance-statement": "valueBoolean", "location": "valueString"}

CS_CARE_PLAN_CATEGORY = CODE_SYSTEM_BASE + "care-plan-category"
CS_WHO_ACTS = CODE_SYSTEM_BASE + "who-acts"
CS_WRITTEN_BY = CODE_SYSTEM_BASE + "written-by"
CS_AGREED_WITH = CODE_SYSTEM_BASE + "agreed-with"
CS_PATHWAY_TEMPLATE = CODE_SYSTEM_BASE + "pathway-template"
CS_CONSENT_PURPOSE = CODE_SYSTEM_BASE + "consent-purpose"

PCSP_CATEGORY = "personalised-care-and-support-plan"
CONTINGENCY_CATEGORY = "contingency-plan"
CARE_PLAN_CATEGORIES = {
    PCSP_CATEGORY: "Personalised care and support plan",
    CONTINGENCY_CATEGORY: "Contingency plan",
}

# Identifiers -------------------------------------------------------------------------------

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
SNOMED = "http://snomed.info/sct"

# UK Core profiles (HL7 UK, checked against NHSDigital/FHIR-R4-UKCORE-STAGING-MAIN) -----------------

UKCORE = "https://fhir.hl7.org.uk/StructureDefinition/"
PROFILE_BUNDLE = UKCORE + "UKCore-Bundle"
PROFILE_CARE_PLAN = UKCORE + "UKCore-CarePlan"
PROFILE_PATIENT = UKCORE + "UKCore-Patient"
PROFILE_CONDITION = UKCORE + "UKCore-Condition"
PROFILE_CARE_TEAM = UKCORE + "UKCore-CareTeam"
PROFILE_CONSENT = UKCORE + "UKCore-Consent"
PROFILE_PROVENANCE = UKCORE + "UKCore-Provenance"
PROFILE_OPERATION_OUTCOME = UKCORE + "UKCore-OperationOutcome"

# HL7 code systems ----------------------------------------------------------------------------

GOAL_RELATIONSHIP = "http://hl7.org/fhir/StructureDefinition/goal-relationship"
CS_GOAL_RELATIONSHIP_TYPE = "http://terminology.hl7.org/CodeSystem/goal-relationship-type"
CS_GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
CS_CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CS_CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CS_CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CS_CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CS_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CS_PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CS_PROVENANCE_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
CS_DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"

# Value sets of required bindings (FHIR R4) -------------------------------------------------------

BUNDLE_TYPES = frozenset(
    {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    }
)
SEARCH_ENTRY_MODES = frozenset({"match", "include", "outcome"})
CARE_PLAN_STATUSES = frozenset({"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"})
CARE_PLAN_INTENTS = frozenset({"proposal", "plan", "order", "option"})
ACTIVITY_STATUSES = frozenset(
    {
        "not-started",
        "scheduled",
        "in-progress",
        "on-hold",
        "completed",
        "cancelled",
        "stopped",
        "unknown",
        "entered-in-error",
    }
)
GOAL_LIFECYCLE_STATUSES = frozenset(
    {"proposed", "planned", "accepted", "active", "on-hold", "completed", "cancelled", "entered-in-error", "rejected"}
)
#: goal-achievement: Carehouse records a goal's progress in these very codes (the model's choices).
GOAL_ACHIEVEMENTS = frozenset(GoalAchievement.values)
GOAL_RELATIONSHIP_TYPES = frozenset({"predecessor", "successor", "replacement", "milestone", "other"})
CONDITION_CATEGORIES = frozenset({"problem-list-item", "encounter-diagnosis", "health-concern"})
CONDITION_CLINICAL_STATUSES = frozenset({"active", "recurrence", "relapse", "inactive", "remission", "resolved"})
CONDITION_VERIFICATION_STATUSES = frozenset(
    {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}
)
CARE_TEAM_STATUSES = frozenset({"proposed", "active", "suspended", "inactive", "entered-in-error"})
CONSENT_STATUSES = frozenset({"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"})
CONSENT_SCOPES = frozenset({"adr", "research", "patient-privacy", "treatment"})
CONSENT_PROVISION_TYPES = frozenset({"deny", "permit"})
ADMINISTRATIVE_GENDERS = frozenset({"male", "female", "other", "unknown"})
NAME_USES = frozenset({"usual", "official", "temp", "nickname", "anonymous", "old", "maiden"})
IDENTIFIER_USES = frozenset({"usual", "official", "temp", "secondary", "old"})
NARRATIVE_STATUSES = frozenset({"generated", "extensions", "additional", "empty"})
PROVENANCE_PARTICIPANT_TYPES = frozenset(
    {
        "enterer",
        "performer",
        "author",
        "verifier",
        "legal",
        "attester",
        "informant",
        "custodian",
        "assembler",
        "composer",
    }
)
DATA_OPERATIONS = frozenset({"CREATE", "UPDATE", "DELETE", "EXECUTE", "READ", "ABORT", "HOLD", "RELEASE"})
ISSUE_SEVERITIES = frozenset({"fatal", "error", "warning", "information"})
ISSUE_TYPES = frozenset(
    {
        "invalid",
        "structure",
        "required",
        "value",
        "invariant",
        "security",
        "login",
        "unknown",
        "expired",
        "forbidden",
        "suppressed",
        "processing",
        "not-supported",
        "duplicate",
        "multiple-matches",
        "not-found",
        "deleted",
        "too-long",
        "code-invalid",
        "extension",
        "too-costly",
        "business-rule",
        "conflict",
        "transient",
        "lock-error",
        "no-store",
        "exception",
        "timeout",
        "incomplete",
        "throttled",
        "informational",
    }
)
#: Reference.type is any FHIR resource type; these are the ones we write or read.
PERFORMER_TYPES: dict[str, str] = {
    WhoActs.PERSON: "Patient",
    WhoActs.CARER: "RelatedPerson",
    WhoActs.PROFESSIONAL: "Practitioner",
    WhoActs.SERVICE: "HealthcareService",
}

# Our own code systems, from the model's choices so they cannot drift -------------------------------

WHO_ACTS_CODES = frozenset(WhoActs.values)
WRITTEN_BY_CODES = frozenset(WrittenBy.values)
AGREED_WITH_CODES = frozenset(AgreedWith.values)
TEMPLATE_CODES = frozenset(TEMPLATES)
CONSENT_PURPOSE_CODES = frozenset(ConsentPurpose.values)
#: The two condition categories a need may have (the model's choices).
NEED_CATEGORIES = frozenset(NeedCategory.values)
ACTION_STATUS_CODES = frozenset(CarehouseActionStatus.values)

# Mappings ------------------------------------------------------------------------------------

#: Carehouse plan status → CarePlan.status. Under review is still an active plan in FHIR terms.
PLAN_STATUS_TO_FHIR: dict[str, str] = {
    PlanStatus.DRAFT: "draft",
    PlanStatus.ACTIVE: "active",
    PlanStatus.UNDER_REVIEW: "active",
    PlanStatus.COMPLETED: "completed",
    PlanStatus.REVOKED: "revoked",
    PlanStatus.ENTERED_IN_ERROR: "entered-in-error",
}
SEX_TO_GENDER: dict[str, str] = {
    Sex.FEMALE: "female",
    Sex.MALE: "male",
    Sex.INDETERMINATE: "other",
    Sex.NOT_KNOWN: "unknown",
}
#: Consents that decide who may see or act on a care plan (the rest, such as research, are left out).
CARE_PLANNING_CONSENT_PURPOSES = (
    ConsentPurpose.CARE_PLANNING,
    ConsentPurpose.DIRECT_CARE,
    ConsentPurpose.CARER_ACCESS,
)
