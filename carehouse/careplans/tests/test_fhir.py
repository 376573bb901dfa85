"""FHIR R4 for care and support plans: reads, $everything, import as a draft, refusals, access and audit."""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from carehouse.careplans import revisions
from carehouse.careplans.fhir import codes, export
from carehouse.careplans.fhir.bindings import Problem, check_resource
from carehouse.careplans.models import AgreedWith, CarePlan, PlanRevision, PlanStatus
from carehouse.careplans.services import plans as services
from carehouse.careplans.tests.conftest import in_days
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership, Organisation
from carehouse.core.models.audit import AuditAction
from carehouse.core.services.accounts import issue_api_token
from carehouse.core.tests.audit_assertions import assert_event_about
from carehouse.people import services as people_services
from carehouse.people.models import CareTeamMember, ConsentPurpose, ConsentScope, Person
from carehouse.people.tests.factories import PersonFactory, synthetic_nhs_number

FHIR_JSON = "application/fhir+json"
COPD = "13645005"  # SNOMED CT: chronic obstructive lung disease


# -- a full plan, built through the services ------------------------------------------------------


@pytest.fixture
def person(practice: Organisation) -> Person:
    return PersonFactory(registered_practice=practice, given_name="Pat", family_name="Person")


@pytest.fixture
def care_team(staff: Actor, person: Person, practice: Organisation, pcn: Organisation) -> dict[str, CareTeamMember]:
    key_worker = people_services.add_care_team_member(
        staff,
        person,
        {"organisation": pcn, "name": "Lena Linkworker", "role_title": "Link worker", "is_key_worker": True},
    )
    nurse = people_services.add_care_team_member(
        staff, person, {"organisation": practice, "name": "Nina Nurse", "role_title": "Practice nurse"}
    )
    return {"key_worker": key_worker, "nurse": nurse}


@pytest.fixture
def consents(staff: Actor, person: Person, pcn: Organisation) -> dict[str, Any]:
    planning = people_services.record_consent(
        staff,
        person,
        {"purpose": ConsentPurpose.CARE_PLANNING, "scope": ConsentScope.CARE_PLAN},
        recipient_organisations=[pcn],
    )
    research = people_services.record_consent(staff, person, {"purpose": ConsentPurpose.RESEARCH})
    return {"planning": planning, "research": research}


def _version(plan: CarePlan) -> int:
    plan.refresh_from_db()
    return plan.version


def _item(staff: Actor, plan: CarePlan, kind: str, data: dict[str, Any], parent: Any = None) -> Any:
    return services.save_item(staff, plan, kind, data, parent=parent, expected_version=_version(plan))


def build_full_plan(staff: Actor, person: Person, team: dict[str, CareTeamMember]) -> CarePlan:
    """About me, strengths, needs, two goals with steps and actions, a contingency plan, key worker, agreed."""
    plan = services.start_plan(staff, person, template="copd", title="Breathing easier")
    services.update_about_me(
        staff,
        plan,
        {
            "about_most_important": "My grandchildren and my garden",
            "about_people": "My daughter Sam",
            "about_communication": "Speak slowly; I wear a hearing aid",
            "about_wellness": "Better in the mornings",
            "about_do_and_dont": "Please don't rush me",
            "about_support": "Phone before you visit",
            "about_also_worth_knowing": "I used to be a postman",
            "about_supported_by": "Sam, my daughter",
        },
        expected_version=_version(plan),
    )
    services.update_plan_details(
        staff,
        plan,
        {
            "formulation": "Breathlessness keeps Pat at home, which lowers mood, which makes walking harder",
            "funding_source": "NHS",
            "other_documents": "Advance care plan held at the practice",
            "key_worker": team["key_worker"].pk,
            "review_owner": team["nurse"].pk,
            "next_review_due": in_days(60),
        },
        expected_version=_version(plan),
    )
    _item(staff, plan, "strength", {"text": "Determined"})
    _item(staff, plan, "strength", {"text": "Knows the local park well"})
    copd = _item(staff, plan, "need", {"text": "COPD", "snomed_code": COPD, "category": "problem-list-item"})
    lonely = _item(staff, plan, "need", {"text": "Feeling lonely", "category": "health-concern"})
    walk = _item(
        staff,
        plan,
        "goal",
        {
            "text": "Walk to the park with my grandson",
            "why_it_matters": "I want to be a proper grandad",
            "importance": 9,
            "target_date": in_days(120),
            "achievement": "improving",
            "needs": [copd.pk],
        },
    )
    _item(staff, plan, "stage_goal", {"stage": "Step 1", "text": "Walk to the end of the road"}, walk)
    _item(
        staff,
        plan,
        "stage_goal",
        {"stage": "Step 2", "text": "Walk to the shop", "outcome": "Managed it twice", "achievement": "achieved"},
        walk,
    )
    _item(
        staff,
        plan,
        "action",
        {
            "what": "Walk a little further each morning",
            "who": "person",
            "when": "Every morning after breakfast",
            "confidence": 7,
            "barriers_and_strategies": "Rain: walk round the shopping centre instead",
        },
        walk,
    )
    _item(
        staff,
        plan,
        "action",
        {
            "what": "Join the Breathe Easy group",
            "who": "service",
            "who_name": "Breathe Easy Leeds",
            "due_date": in_days(30),
            "referral_reference": "SP-1234",
            "status": "in-progress",
            "confidence": 5,
        },
        walk,
    )
    company = _item(
        staff,
        plan,
        "goal",
        {"text": "See friends every week", "in_own_words": False, "importance": 6, "needs": [lonely.pk]},
    )
    _item(staff, plan, "stage_goal", {"text": "Find out about the lunch club"}, company)
    _item(staff, plan, "action", {"what": "Drive Pat to the lunch club", "who": "carer", "who_name": "Sam"}, company)
    _item(staff, plan, "action", {"what": "Check inhaler technique", "who": "professional"}, company)
    _item(
        staff,
        plan,
        "contingency",
        {
            "name": "If my breathing gets worse",
            "triggers": ["A chest infection", "Cold weather"],
            "early_warning_signs": "More phlegm, more breathless than usual",
            "what_to_do": "Start the rescue pack and ring the practice",
            "who_to_contact": "The practice, or 111 out of hours",
            "coping_strategies": "Breathing exercises; sit by an open window",
            "has_advance_statement": True,
            "advance_statement_location": "In the folder by the front door",
            "anticipatory_medicines": "Rescue pack at home",
        },
    )
    _item(
        staff,
        plan,
        "additional_plan",
        {
            "name": "Falls plan",
            "content": "Pendant alarm",
            "review_date": in_days(200),
            "review_responsibility": "Nina",
        },
    )
    services.agree_plan(
        staff, plan, agreed_with=AgreedWith.PERSON, next_review_due=in_days(60), expected_version=_version(plan)
    )
    plan.refresh_from_db()
    return plan


@pytest.fixture
def plan(staff: Actor, person: Person, care_team: dict[str, CareTeamMember], consents: dict[str, Any]) -> CarePlan:
    return build_full_plan(staff, person, care_team)


# -- talking to the endpoints ----------------------------------------------------------------


class Fhir:
    """The test client with one membership's bearer token."""

    def __init__(self, client: Client, membership: Membership | None) -> None:
        self.client = client
        self.headers: dict[str, str] = {}
        if membership is not None:
            _, secret = issue_api_token(Actor.for_membership(membership), "test")
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path: str, **query: str) -> Any:
        return self.client.get(f"/fhir/{path}", query, **self.headers)

    def post(self, body: Any, *, raw: bytes | None = None, **extra: str) -> Any:
        data = raw if raw is not None else json.dumps(body)
        return self.client.post("/fhir/Bundle", data, content_type=FHIR_JSON, **self.headers, **extra)


@pytest.fixture
def fhir(client: Client) -> Any:
    return lambda membership: Fhir(client, membership)


def body(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == FHIR_JSON
    data: dict[str, Any] = json.loads(response.content)
    return data


def resources(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def ext_value(node: dict[str, Any], url: str) -> Any:
    found = [e for e in node.get("extension", []) if e["url"] == url]
    assert len(found) == 1, url
    extension = found[0]
    if "extension" in extension:
        return {
            part["url"]: next(v for k, v in part.items() if k.startswith("value")) for part in extension["extension"]
        }
    return next(v for k, v in extension.items() if k.startswith("value"))


def assert_outcome(response: Any, status: int, code: str, text: str = "", expression: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.content
    outcome = body(response)
    assert outcome["resourceType"] == "OperationOutcome"
    get_fhir_model_class("OperationOutcome").model_validate(outcome)
    assert check_resource(outcome) == []
    issues = outcome["issue"]
    matching = [
        issue
        for issue in issues
        if issue["code"] == code
        and text.casefold() in issue.get("diagnostics", "").casefold()
        and expression in " ".join(issue.get("expression", []))
    ]
    assert matching, issues
    return outcome


# -- GET CarePlan/{id} -------------------------------------------------------------------------


def test_read_a_plan(fhir: Any, priya: Membership, plan: CarePlan, care_team: dict[str, CareTeamMember]):
    response = fhir(priya).get(f"CarePlan/{plan.pk}")

    assert response.status_code == 200
    assert response["ETag"] == f'W/"{plan.version}"'
    resource = body(response)
    get_fhir_model_class("CarePlan").model_validate(resource)
    assert check_resource(resource) == []
    assert resource["id"] == str(plan.pk)
    assert resource["meta"]["profile"] == [codes.PROFILE_CARE_PLAN]
    assert resource["meta"]["versionId"] == str(plan.version)
    assert (resource["status"], resource["intent"], resource["title"]) == ("active", "plan", "Breathing easier")
    assert resource["subject"]["reference"] == f"Patient/{plan.person_id}"
    about = ext_value(resource, codes.EXT_ABOUT_ME)
    assert about["most-important"] == "My grandchildren and my garden"
    assert about["supported-by"] == "Sam, my daughter"
    assert ext_value(resource, codes.EXT_KEY_WORKER) == {"name": "Lena Linkworker", "role": "Link worker"}
    assert ext_value(resource, codes.EXT_REVIEW_OWNER) == {"name": "Nina Nurse", "role": "Practice nurse"}
    assert ext_value(resource, codes.EXT_FORMULATION).startswith("Breathlessness keeps Pat at home")
    strengths = [e["valueCodeableConcept"]["text"] for e in resource["extension"] if e["url"] == codes.EXT_STRENGTH]
    assert strengths == ["Determined", "Knows the local park well"]
    assert ext_value(resource, codes.EXT_AGREEMENT)["agreed-with"] == "person"
    assert len(resource["goal"]) == 2
    assert len(resource["addresses"]) == 2
    assert resource["careTeam"] == [{"reference": f"CareTeam/care-team-{plan.person_id}"}]
    assert resource["author"]["display"] == "Priya Practitioner"
    assert resource["period"]["start"]

    walk = resource["activity"][0]["detail"]
    assert walk["status"] == "not-started"
    assert walk["description"] == "Walk a little further each morning"
    assert walk["scheduledString"] == "Every morning after breakfast"
    assert walk["performer"] == [{"reference": f"Patient/{plan.person_id}", "type": "Patient"}]
    assert walk["goal"] == [resource["goal"][0]]
    assert ext_value(walk, codes.EXT_CONFIDENCE) == 7
    assert ext_value(walk, codes.EXT_BARRIERS).startswith("Rain")
    group = resource["activity"][1]["detail"]
    assert group["status"] == "in-progress"
    assert group["performer"] == [{"type": "HealthcareService", "display": "Breathe Easy Leeds"}]
    assert ext_value(group, codes.EXT_REFERRAL) == "SP-1234"
    carer = resource["activity"][2]["detail"]
    assert carer["performer"] == [{"type": "RelatedPerson", "display": "Sam"}]
    assert carer["goal"] == [resource["goal"][1]]
    assert "performer" not in resource["activity"][3]["detail"]  # a professional, not named
    assert ext_value(resource["activity"][3]["detail"], codes.EXT_WHO_ACTS) == "professional"


def test_reading_a_plan_is_audited(fhir: Any, priya: Membership, plan: CarePlan):
    fhir(priya).get(f"CarePlan/{plan.pk}")

    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    assert (event.action, event.object_type, event.object_id) == (AuditAction.READ, "careplans.CarePlan", str(plan.pk))
    assert event.person_id == plan.person_id
    assert event.actor_email == priya.user.email
    assert "FHIR" in event.purpose


def test_read_a_contingency_plan(fhir: Any, priya: Membership, plan: CarePlan):
    contingency = plan.contingency_plans.get()

    response = fhir(priya).get(f"CarePlan/contingency-{contingency.pk}")

    assert response.status_code == 200
    resource = body(response)
    assert resource["partOf"] == [{"reference": f"CarePlan/{plan.pk}"}]
    assert AuditEvent.objects.order_by("-sequence").first().object_id == str(plan.pk)


@pytest.mark.parametrize(
    ("move", "expected", "goal_lifecycle"),
    [
        ("draft", "draft", "proposed"),
        ("active", "active", "active"),
        ("under_review", "active", "active"),
        (PlanStatus.COMPLETED, "completed", "completed"),
        (PlanStatus.REVOKED, "revoked", "cancelled"),
        (PlanStatus.ENTERED_IN_ERROR, "entered-in-error", "entered-in-error"),
    ],
)
def test_status_mapping(
    fhir: Any, priya: Membership, staff: Actor, person: Person, move: str, expected: str, goal_lifecycle: str
):
    plan = services.start_plan(staff, person)
    _item(staff, plan, "goal", {"text": "Sleep better"})
    if move != "draft":
        services.agree_plan(
            staff, plan, agreed_with=AgreedWith.PERSON, next_review_due=in_days(30), expected_version=_version(plan)
        )
    if move == "under_review":
        services.start_review(staff, plan, expected_version=_version(plan))
    elif move not in ("draft", "active"):
        services.end_plan(staff, plan, PlanStatus(move), reason="Test", expected_version=_version(plan))

    bundle = body(fhir(priya).get(f"CarePlan/{plan.pk}/$everything"))

    assert check_resource(bundle) == []
    assert resources(bundle, "CarePlan")[0]["status"] == expected
    assert resources(bundle, "Goal")[0]["lifecycleStatus"] == goal_lifecycle


# -- GET CarePlan?patient= --------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["{id}", "Patient/{id}"])
def test_search_by_patient(fhir: Any, priya: Membership, staff: Actor, plan: CarePlan, form: str):
    older = services.start_plan(staff, plan.person, title="An older draft")
    someone_else = services.start_plan(staff, PersonFactory(registered_practice=plan.organisation))

    response = fhir(priya).get("CarePlan", patient=form.format(id=plan.person_id))

    assert response.status_code == 200
    bundle = body(response)
    Bundle.model_validate(bundle)
    assert check_resource(bundle) == []
    assert (bundle["type"], bundle["total"]) == ("searchset", 2)
    ids = [entry["resource"]["id"] for entry in bundle["entry"]]
    assert sorted(ids) == sorted([str(plan.pk), str(older.pk)])
    assert str(someone_else.pk) not in ids
    assert all(entry["search"]["mode"] == "match" for entry in bundle["entry"])
    assert all(entry["fullUrl"].endswith(f"/fhir/CarePlan/{entry['resource']['id']}") for entry in bundle["entry"])
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == AuditAction.SEARCH
    assert sorted(event.changes["plans_listed"]) == sorted([plan.pk, older.pk])
    assert event.person_id == plan.person_id


def test_search_needs_a_patient(fhir: Any, priya: Membership, plan: CarePlan):
    assert_outcome(fhir(priya).get("CarePlan"), 400, "required", "patient")


def test_search_finds_nothing_the_caller_may_not_see(fhir: Any, omar: Membership, plan: CarePlan):
    response = fhir(omar).get("CarePlan", patient=f"Patient/{plan.person_id}")

    bundle = body(response)
    assert (response.status_code, bundle["total"], bundle.get("entry", [])) == (200, 0, [])
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.changes["plans_listed"], event.actor_email) == ("search", [], omar.user.email)


# -- $everything ---------------------------------------------------------------------------------


def test_everything(
    fhir: Any,
    priya: Membership,
    plan: CarePlan,
    practice: Organisation,
    care_team: dict[str, CareTeamMember],
    consents: dict[str, Any],
):
    response = fhir(priya).get(f"CarePlan/{plan.pk}/$everything")

    assert response.status_code == 200
    bundle = body(response)
    Bundle.model_validate(bundle)
    assert check_resource(bundle) == []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"].endswith(f"/fhir/{resource['resourceType']}/{resource['id']}")
    assert bundle["type"] == "searchset"
    assert [e["search"]["mode"] for e in bundle["entry"]].count("match") == 1
    counts: dict[str, int] = {}
    for entry in bundle["entry"]:
        counts[entry["resource"]["resourceType"]] = counts.get(entry["resource"]["resourceType"], 0) + 1
    assert counts == {
        "CarePlan": 2,
        "Patient": 1,
        "Condition": 2,
        "Goal": 5,
        "CareTeam": 1,
        "Consent": 1,
        "Provenance": 1,
    }

    patient = resources(bundle, "Patient")[0]
    assert patient["identifier"] == [{"system": codes.NHS_NUMBER_SYSTEM, "value": plan.person.nhs_number}]
    assert patient["generalPractitioner"][0]["identifier"] == {"system": codes.ODS_SYSTEM, "value": practice.ods_code}
    assert patient["meta"]["profile"] == [codes.PROFILE_PATIENT]

    main, contingency = resources(bundle, "CarePlan")
    assert main["id"] == str(plan.pk)
    assert contingency["partOf"] == [{"reference": f"CarePlan/{plan.pk}"}]
    assert ext_value(contingency, codes.EXT_WHAT_TO_DO) == "Start the rescue pack and ring the practice"
    triggers = [e["valueString"] for e in contingency["extension"] if e["url"] == codes.EXT_TRIGGER]
    assert triggers == ["A chest infection", "Cold weather"]
    assert ext_value(contingency, codes.EXT_ADVANCE_STATEMENT) == {
        "has-advance-statement": True,
        "location": "In the folder by the front door",
    }

    coded, worded = resources(bundle, "Condition")
    assert coded["code"] == {"coding": [{"system": codes.SNOMED, "code": COPD}], "text": "COPD"}
    assert coded["category"][0]["coding"][0]["code"] == "problem-list-item"
    assert worded["code"] == {"text": "Feeling lonely"}
    assert worded["category"][0]["coding"][0]["code"] == "health-concern"
    assert coded["clinicalStatus"]["coding"][0]["code"] == "active"

    goals = {g["id"]: g for g in resources(bundle, "Goal")}
    walk = goals[main["goal"][0]["reference"].removeprefix("Goal/")]
    assert walk["description"] == {"text": "Walk to the park with my grandson"}
    assert walk["achievementStatus"]["coding"][0] == {"system": codes.CS_GOAL_ACHIEVEMENT, "code": "improving"}
    assert walk["lifecycleStatus"] == "active"
    assert walk["target"] == [{"dueDate": in_days(120).isoformat()}]
    assert ext_value(walk, codes.EXT_IMPORTANCE) == 9
    assert ext_value(walk, codes.EXT_WHY_IT_MATTERS) == "I want to be a proper grandad"
    assert walk["addresses"] == [{"reference": f"Condition/{coded['id']}"}]
    milestones = [e for e in walk["extension"] if e["url"] == codes.GOAL_RELATIONSHIP]
    assert len(milestones) == 2
    for milestone in milestones:
        kind, target = milestone["extension"]
        assert kind["valueCodeableConcept"]["coding"][0]["code"] == "milestone"
        step = goals[target["valueReference"]["reference"].removeprefix("Goal/")]
        assert ext_value(step, codes.EXT_STAGE_GOAL_OF) == {"reference": f"Goal/{walk['id']}"}
    step_two = goals[milestones[1]["extension"][1]["valueReference"]["reference"].removeprefix("Goal/")]
    assert step_two["outcomeCode"] == [{"text": "Managed it twice"}]
    assert step_two["achievementStatus"]["coding"][0]["code"] == "achieved"
    assert step_two["lifecycleStatus"] == "completed"

    team = resources(bundle, "CareTeam")[0]
    flagged = [p for p in team["participant"] if "extension" in p and ext_value(p, codes.EXT_CARE_TEAM_KEY_WORKER)]
    assert [p["member"]["display"] for p in flagged] == ["Lena Linkworker"]
    assert len(team["participant"]) == 2

    consent = resources(bundle, "Consent")[0]
    assert consent["id"] == f"consent-{consents['planning'].pk}"
    assert consent["status"] == "active"
    assert consent["provision"]["actor"][0]["reference"]["identifier"]["value"] == "U00001"

    provenance = resources(bundle, "Provenance")[0]
    latest = PlanRevision.objects.filter(plan=plan).order_by("-number").first()
    assert provenance["target"] == [{"reference": f"CarePlan/{plan.pk}/_history/{latest.number}"}]
    recorded = datetime.datetime.fromisoformat(provenance["recorded"])
    assert recorded == latest.saved_at
    assert provenance["agent"][0]["who"]["display"] == latest.saved_by_label


def test_everything_is_audited_as_reads_of_the_plan_and_the_person(fhir: Any, priya: Membership, plan: CarePlan):
    api = fhir(priya)
    before = AuditEvent.objects.count()

    api.get(f"CarePlan/{plan.pk}/$everything")

    events = list(AuditEvent.objects.order_by("sequence")[before:])
    assert [(e.action, e.object_type) for e in events] == [
        ("read", "careplans.CarePlan"),
        ("read", "people.Person"),
    ]
    assert_event_about(events[1], plan.person, priya)


def test_everything_takes_as_many_queries_however_big_the_plan(
    fhir: Any, priya: Membership, staff: Actor, person: Person, care_team: dict[str, CareTeamMember]
):
    """Goals, their steps and actions, and consents are read in a few queries, not one (or more) each."""
    plan = services.start_plan(staff, person)
    api = fhir(priya)

    def add_goals_and_export(goals: int) -> tuple[int, dict[str, Any]]:
        for number in range(goals):
            goal = _item(staff, plan, "goal", {"text": f"Goal {number}"})
            _item(staff, plan, "stage_goal", {"text": f"A step towards goal {number}"}, goal)
            for action in range(2):
                _item(staff, plan, "action", {"what": f"Action {action}", "who": "carer", "who_name": "Sam"}, goal)
            people_services.record_consent(staff, person, {"purpose": ConsentPurpose.DIRECT_CARE})
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"CarePlan/{plan.pk}/$everything")
        assert response.status_code == 200
        return len(queries), body(response)

    three_goals, small = add_goals_and_export(3)
    six_goals, big = add_goals_and_export(3)

    assert six_goals == three_goals
    assert (len(resources(small, "Goal")), len(resources(small, "Consent"))) == (6, 3)
    assert (len(resources(big, "Goal")), len(resources(big, "Consent"))) == (12, 6)
    assert len(resources(big, "CarePlan")[0]["activity"]) == 12


def test_everything_is_validated_whole_so_no_bad_resource_leaves(
    monkeypatch: pytest.MonkeyPatch, staff: Actor, plan: CarePlan
):
    """Each resource is validated once, as part of its Bundle: R4B and the binding checks still see every one."""
    parts, consents = export.read_everything(staff, str(plan.pk))
    urls = {"base": "http://testserver/fhir/", "self_url": f"http://testserver/fhir/CarePlan/{plan.pk}/$everything"}
    assert export.everything_bundle(parts, consents, **urls)["entry"]

    with monkeypatch.context() as patched:
        patched.setattr(export, "goal_lifecycle", lambda plan, achievement: "bogus")
        with pytest.raises(export.ExportError, match=r"Bundle\.entry\[\d+\]\.resource\.lifecycleStatus"):
            export.everything_bundle(parts, consents, **urls)

    with monkeypatch.context() as patched:
        patched.setattr(export, "_patient_reference", lambda person: {"reference": 42})
        with pytest.raises(export.ExportError, match="does not validate with R4B"):
            export.everything_bundle(parts, consents, **urls)


def test_an_imported_plans_contained_outcome_is_checked_too(plan: CarePlan):
    with pytest.raises(export.ExportError, match=r"CarePlan\.contained\[0\]\.issue\[0\]\.code"):
        export.imported_care_plan(plan, [Problem("bogus", "Not an issue type", severity="warning")])


# -- POST Bundle: the round trip ---------------------------------------------------------------------


def comparable_snapshot(plan: CarePlan) -> dict[str, Any]:
    """The plan's content: ids, status, agreement and timestamps removed."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "id"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    snapshot = strip(revisions.snapshot(plan))
    for name in ("status", "agreed_with", "agreed_with_name", "agreed_at"):
        del snapshot["plan"][name]
    return snapshot


#: Differ between an agreed plan and its imported draft: ids, status and when things happened.
STATUS_AND_TIME = {"id", "meta", "status", "lifecycleStatus", "created", "period"}


def comparable_resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The $everything resources with ids replaced by their position, and status, agreement and times removed."""
    kept = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] != "Provenance"]
    names = {f"{r['resourceType']}/{r['id']}": f"{r['resourceType']}/#{n}" for n, r in enumerate(kept)}

    def normal(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: names.get(value.split("/_history/")[0], value) if isinstance(value, str) else normal(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [normal(v) for v in node if not (isinstance(v, dict) and v.get("url") == codes.EXT_AGREEMENT)]
        return node

    return [normal({k: v for k, v in resource.items() if k not in STATUS_AND_TIME}) for resource in kept]


def test_round_trip(fhir: Any, priya: Membership, plan: CarePlan):
    api = fhir(priya)
    exported = body(api.get(f"CarePlan/{plan.pk}/$everything"))

    response = api.post(exported)

    assert response.status_code == 201, response.content
    created = body(response)
    assert created["resourceType"] == "CarePlan"
    assert created["status"] == "draft"
    assert "contained" not in created  # nothing was left out, so no warnings
    new_plan = CarePlan.objects.get(pk=int(created["id"]))
    assert response["Location"].endswith(f"/fhir/CarePlan/{new_plan.pk}")
    assert new_plan.pk != plan.pk
    assert new_plan.status == PlanStatus.DRAFT
    assert new_plan.person_id == plan.person_id
    assert new_plan.key_worker_id == plan.key_worker_id
    assert new_plan.review_owner_id == plan.review_owner_id
    assert comparable_snapshot(new_plan) == comparable_snapshot(plan)
    # Written through the services: a revision per save, each with its audit event.
    saves = PlanRevision.objects.filter(plan=new_plan).count()
    assert saves > 10
    assert AuditEvent.objects.filter(object_type="careplans.CarePlan", object_id=str(new_plan.pk)).count() >= saves

    again = body(api.get(f"CarePlan/{new_plan.pk}/$everything"))

    assert comparable_resources(again) == comparable_resources(exported)
    assert resources(again, "CarePlan")[0]["status"] == "draft"


def test_round_trip_of_an_almost_empty_plan(fhir: Any, priya: Membership, staff: Actor, person: Person):
    plan = services.start_plan(staff, person)
    api = fhir(priya)

    response = api.post(body(api.get(f"CarePlan/{plan.pk}/$everything")))

    assert response.status_code == 201, response.content
    assert comparable_snapshot(CarePlan.objects.get(pk=int(body(response)["id"]))) == comparable_snapshot(plan)


def test_an_unmatched_key_worker_is_left_empty_with_a_warning(fhir: Any, priya: Membership, plan: CarePlan):
    api = fhir(priya)
    exported = body(api.get(f"CarePlan/{plan.pk}/$everything"))
    main = exported["entry"][0]["resource"]
    for extension in main["extension"]:
        if extension["url"] == codes.EXT_KEY_WORKER:
            extension["extension"][0]["valueString"] = "Someone Else"

    response = api.post(exported)

    assert response.status_code == 201
    created = body(response)
    new_plan = CarePlan.objects.get(pk=int(created["id"]))
    assert new_plan.key_worker is None
    assert new_plan.review_owner_id == plan.review_owner_id
    outcome = created["contained"][0]
    assert ext_value(created, codes.EXT_IMPORT_OUTCOME) == {"reference": "#import-outcome"}
    assert outcome["issue"][0]["severity"] == "warning"
    assert "Someone Else" in outcome["issue"][0]["diagnostics"]
    assert outcome["issue"][0]["expression"][0].startswith("Bundle.entry[0].resource.extension[")


def test_prefer_operation_outcome(fhir: Any, priya: Membership, plan: CarePlan):
    api = fhir(priya)
    exported = body(api.get(f"CarePlan/{plan.pk}/$everything"))

    response = api.post(exported, HTTP_PREFER="return=OperationOutcome")

    assert response.status_code == 201
    outcome = body(response)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "information"
    assert response["Location"].rsplit("/", 1)[-1] in outcome["issue"][0]["diagnostics"]


# -- POST Bundle: refusals ---------------------------------------------------------------------------


def _main(bundle: dict[str, Any]) -> dict[str, Any]:
    resource: dict[str, Any] = bundle["entry"][0]["resource"]
    assert resource["resourceType"] == "CarePlan"
    return resource


def _of_type(bundle: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type)


def _set_ext(node: dict[str, Any], url: str, key: str, value: Any) -> None:
    next(e for e in node["extension"] if e["url"] == url)[key] = value


def _bad_nhs_number(bundle: dict[str, Any]) -> None:
    _of_type(bundle, "Patient")["identifier"][0]["value"] = synthetic_nhs_number(4242)


def _long_strength(bundle: dict[str, Any]) -> None:
    strength = next(e for e in _main(bundle)["extension"] if e["url"] == codes.EXT_STRENGTH)
    strength["valueCodeableConcept"]["text"] = "x" * 501


MALFORMED = {
    "not a Bundle": (lambda b: b.update({"resourceType": "Patient"}), 422, "structure", "Bundle", ""),
    "a transaction Bundle": (lambda b: b.update({"type": "transaction"}), 422, "not-supported", "", "Bundle.type"),
    "no CarePlan": (
        lambda b: b.update({"entry": [e for e in b["entry"] if e["resource"]["resourceType"] != "CarePlan"]}),
        422,
        "required",
        "no CarePlan",
        "",
    ),
    "no status": (lambda b: _main(b).pop("status"), 422, "required", "", "Bundle.entry[0].resource.status"),
    "a bogus status": (
        lambda b: _main(b).update({"status": "bogus"}),
        422,
        "code-invalid",
        "bogus",
        "Bundle.entry[0].resource.status",
    ),
    "a bogus action status": (
        lambda b: _main(b)["activity"][0]["detail"].update({"status": "bogus"}),
        422,
        "code-invalid",
        "bogus",
        "Bundle.entry[0].resource.activity[0].detail.status",
    ),
    "an action status Carehouse does not record": (
        lambda b: _main(b)["activity"][0]["detail"].update({"status": "on-hold"}),
        422,
        "code-invalid",
        "on-hold",
        "Bundle.entry[0].resource.activity[0].detail.status",
    ),
    "a bogus goal achievement": (
        lambda b: _of_type(b, "Goal")["achievementStatus"]["coding"][0].update({"code": "nearly"}),
        422,
        "code-invalid",
        "nearly",
        "achievementStatus.coding[0].code",
    ),
    "a bogus who-acts": (
        lambda b: _set_ext(_main(b)["activity"][0]["detail"], codes.EXT_WHO_ACTS, "valueCode", "robot"),
        422,
        "code-invalid",
        "robot",
        "activity[0].detail.extension[0].valueCode",
    ),
    "a goal that does not resolve": (
        lambda b: _main(b)["goal"][0].update({"reference": "Goal/goal-999999"}),
        422,
        "not-found",
        "Goal/goal-999999",
        "Bundle.entry[0].resource.goal[0].reference",
    ),
    "an action's goal that does not resolve": (
        lambda b: _main(b)["activity"][1]["detail"]["goal"][0].update({"reference": "Goal/nowhere"}),
        422,
        "not-found",
        "Goal/nowhere",
        "activity[1].detail.goal[0].reference",
    ),
    "an unknown patient": (_bad_nhs_number, 422, "not-found", "NHS number", "identifier[0].value"),
    "an invalid NHS number": (
        lambda b: _of_type(b, "Patient")["identifier"][0].update({"value": "1234567890"}),
        422,
        "value",
        "",
        "identifier[0].value",
    ),
    "no NHS number": (
        lambda b: _of_type(b, "Patient").pop("identifier"),
        422,
        "required",
        "NHS number",
        ".identifier",
    ),
    "an importance of 11": (
        lambda b: _set_ext(_of_type(b, "Goal"), codes.EXT_IMPORTANCE, "valueInteger", 11),
        422,
        "value",
        "1 to 10",
        "valueInteger",
    ),
    "an importance as text": (
        lambda b: _set_ext(_of_type(b, "Goal"), codes.EXT_IMPORTANCE, "valueInteger", "9"),
        422,
        "value",
        "wrong type",
        "valueInteger",
    ),
    "a contingency plan without triggers": (
        lambda b: resources(b, "CarePlan")[1].update(
            {"extension": [e for e in resources(b, "CarePlan")[1]["extension"] if e["url"] != codes.EXT_TRIGGER]}
        ),
        422,
        "required",
        "trigger",
        "",
    ),
    "an unknown Carehouse extension": (
        lambda b: _main(b)["extension"].append({"url": codes.ext("mood"), "valueString": "happy"}),
        422,
        "extension",
        "mood",
        "Bundle.entry[0].resource.extension[",
    ),
    "an encounter diagnosis as a need": (
        lambda b: _of_type(b, "Condition")["category"][0]["coding"][0].update({"code": "encounter-diagnosis"}),
        422,
        "code-invalid",
        "encounter-diagnosis",
        "category[0]",
    ),
    "a SNOMED code that is not one": (
        lambda b: _of_type(b, "Condition")["code"]["coding"][0].update({"code": "COPD"}),
        422,
        "code-invalid",
        "SNOMED",
        "code.coding[0].code",
    ),
    "an element FHIR does not have": (
        lambda b: _main(b).update({"confidence": 7}),
        422,
        "structure",
        "confidence",
        "Bundle.entry[0].resource.confidence",
    ),
    "a date that does not exist": (
        lambda b: _of_type(b, "Goal")["target"][0].update({"dueDate": "2030-02-30"}),
        422,
        "value",
        "2030-02-30",
        "target[0].dueDate",
    ),
    "a strength too long for Carehouse (refused by the service after writing began)": (
        _long_strength,
        422,
        "invariant",
        "500",
        "Bundle.entry[0].resource.extension[",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_bundle_is_refused_and_creates_no_plan(fhir: Any, priya: Membership, plan: CarePlan, case: str):
    api = fhir(priya)
    exported = body(api.get(f"CarePlan/{plan.pk}/$everything"))
    change, status, code, text, expression = MALFORMED[case]
    bundle = copy.deepcopy(exported)
    change(bundle)
    plans_before, revisions_before = CarePlan.objects.count(), PlanRevision.objects.count()

    response = api.post(bundle)

    assert_outcome(response, status, code, text, expression)
    assert (CarePlan.objects.count(), PlanRevision.objects.count()) == (plans_before, revisions_before)


@pytest.mark.parametrize(
    ("raw", "text"),
    [(b"{not json", "not valid JSON"), (b"\xff\xfe", "UTF-8"), (b'{"resourceType": NaN}', "NaN")],
)
def test_a_body_that_is_not_json_is_400(fhir: Any, priya: Membership, plan: CarePlan, raw: bytes, text: str):
    plans_before = CarePlan.objects.count()

    assert_outcome(fhir(priya).post(None, raw=raw), 400, "structure", text)
    assert CarePlan.objects.count() == plans_before


def test_a_json_array_is_refused(fhir: Any, priya: Membership):
    assert_outcome(fhir(priya).post([1, 2]), 422, "structure", "Bundle")


def test_import_of_a_person_not_in_the_callers_care(fhir: Any, omar: Membership, priya: Membership, plan: CarePlan):
    exported = body(fhir(priya).get(f"CarePlan/{plan.pk}/$everything"))
    plans_before = CarePlan.objects.count()

    assert_outcome(fhir(omar).post(exported), 422, "not-found", "NHS number")
    assert CarePlan.objects.count() == plans_before


# -- who may do what -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["CarePlan/{id}", "CarePlan/{id}/$everything", "CarePlan?patient={person}"])
def test_no_token_is_401(fhir: Any, client: Client, plan: CarePlan, path: str):
    response = client.get("/fhir/" + path.format(id=plan.pk, person=plan.person_id))

    assert_outcome(response, 401, "login")
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_401(client: Client, plan: CarePlan):
    response = client.get(f"/fhir/CarePlan/{plan.pk}", HTTP_AUTHORIZATION="Bearer ch_not-a-real-token")

    assert_outcome(response, 401, "login")


def test_no_token_cannot_import(fhir: Any, priya: Membership, plan: CarePlan, client: Client):
    exported = body(fhir(priya).get(f"CarePlan/{plan.pk}/$everything"))
    plans_before = CarePlan.objects.count()

    assert_outcome(fhir(None).post(exported), 401, "login")
    assert CarePlan.objects.count() == plans_before


@pytest.mark.parametrize("path", ["CarePlan/{id}", "CarePlan/{id}/$everything", "CarePlan?patient={person}"])
def test_a_role_without_care_plan_access_is_403(fhir: Any, vic: Membership, plan: CarePlan, path: str):
    events_before = AuditEvent.objects.filter(actor_email=vic.user.email, action=AuditAction.READ).count()

    assert_outcome(fhir(vic).get(path.format(id=plan.pk, person=plan.person_id)), 403, "forbidden")
    assert AuditEvent.objects.filter(actor_email=vic.user.email, action=AuditAction.READ).count() == events_before


def test_a_role_that_may_not_start_plans_cannot_import(fhir: Any, priya: Membership, vic: Membership, plan: CarePlan):
    exported = body(fhir(priya).get(f"CarePlan/{plan.pk}/$everything"))
    plans_before = CarePlan.objects.count()

    assert_outcome(fhir(vic).post(exported), 403, "forbidden")
    assert CarePlan.objects.count() == plans_before


@pytest.mark.parametrize("path", ["CarePlan/{id}", "CarePlan/{id}/$everything", "CarePlan/contingency-{cid}"])
def test_a_plan_the_caller_may_not_see_is_404(fhir: Any, omar: Membership, plan: CarePlan, path: str):
    contingency = plan.contingency_plans.get()

    response = fhir(omar).get(path.format(id=plan.pk, cid=contingency.pk))

    assert_outcome(response, 404, "not-found")
    assert not AuditEvent.objects.filter(actor_email=omar.user.email, action=AuditAction.READ).exists()


@pytest.mark.parametrize("resource_id", ["999999", "abc", "contingency-999999", "1.5"])
def test_a_plan_that_does_not_exist_is_404(fhir: Any, priya: Membership, plan: CarePlan, resource_id: str):
    assert_outcome(fhir(priya).get(f"CarePlan/{resource_id}"), 404, "not-found")


def test_other_methods_are_refused(fhir: Any, priya: Membership, plan: CarePlan, client: Client):
    api = fhir(priya)

    response = client.delete(f"/fhir/CarePlan/{plan.pk}", **api.headers)

    assert_outcome(response, 405, "not-supported")
    assert CarePlan.objects.filter(pk=plan.pk).exists()


def test_import_needs_no_csrf_token(fhir: Any, priya: Membership):
    """Token authentication sends no cookies, so there is no cross-site request to forge."""
    api = fhir(priya)
    api.client = Client(enforce_csrf_checks=True)

    assert_outcome(api.post(None, raw=b"{not json"), 400, "structure", "not valid JSON")


def test_import_refuses_a_body_that_is_not_fhir_json(fhir: Any, priya: Membership, client: Client):
    api = fhir(priya)

    response = client.post("/fhir/Bundle", "a=b", content_type="application/x-www-form-urlencoded", **api.headers)

    assert_outcome(response, 415, "not-supported")


# -- our binding checks ------------------------------------------------------------------------


def test_the_binding_checks_walk_into_a_bundle():
    care_plan = {"resourceType": "CarePlan", "status": "bogus", "intent": "plan", "subject": {"reference": "Patient/1"}}
    bundle = {"resourceType": "Bundle", "type": "bogus", "entry": [{"resource": care_plan, "search": {"mode": "nope"}}]}

    problems = check_resource(bundle)

    assert {(p.code, p.expression) for p in problems} == {
        ("code-invalid", "Bundle.type"),
        ("code-invalid", "Bundle.entry[0].search.mode"),
        ("code-invalid", "Bundle.entry[0].resource.status"),
    }


def test_goal_achievement_is_r4s_value_set():
    """Carehouse records progress in goal-achievement's own codes, so the binding is the model's choices."""
    assert {
        "in-progress",
        "improving",
        "worsening",
        "no-change",
        "achieved",
        "sustaining",
        "not-achieved",
        "no-progress",
        "not-attainable",
    } == codes.GOAL_ACHIEVEMENTS


def test_the_binding_checks_catch_what_fhir_resources_lets_through():
    care_plan = {
        "resourceType": "CarePlan",
        "status": "bogus",
        "intent": "plan",
        "subject": {"reference": "Patient/1"},
        "activity": [{"detail": {"status": "nope"}}],
    }
    get_fhir_model_class("CarePlan").model_validate(care_plan)  # R4B alone accepts it

    problems = check_resource(care_plan)

    assert {(p.code, p.expression) for p in problems} == {
        ("code-invalid", "CarePlan.status"),
        ("code-invalid", "CarePlan.activity[0].detail.status"),
    }
