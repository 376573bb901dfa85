"""Import a Bundle shaped like ``$everything`` as a new draft care and support plan.

Reading and writing are kept apart. ``read_bundle`` checks everything first: JSON, the R4B
structure, our required bindings, that every reference it needs resolves inside the Bundle, and
that each value fits Carehouse (an importance from 1 to 10, a full date, a known who-acts code).
Any problem refuses the whole Bundle with an OperationOutcome naming it and where it is. Only then
does ``create_plan`` write, through the plan services and nothing else, so the new plan gets its
revisions and audit events like any plan typed in by hand, all inside one transaction: a service
that still refuses something (a title too long, say) rolls everything back, and no plan is left
half made.

Only the plan's own content is imported. The Patient is matched by NHS number among the people
the caller may see; the CareTeam, Consents and Provenance in the Bundle are context, not
instructions to change the person's record. The named key worker and review owner are matched by
name and role in the person's current care team, or left empty with a warning.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as PydanticValidationError

from carehouse.careplans.fhir import codes as c
from carehouse.careplans.fhir.bindings import Problem, check_resource
from carehouse.careplans.models import Achievement, CarePlan, Goal, PlanStatus
from carehouse.careplans.services import plans as services
from carehouse.careplans.snomed import is_sctid
from carehouse.core.actor import Actor
from carehouse.people import selectors as people_selectors
from carehouse.people.identifiers import nhs_number_problem, normalise_nhs_number
from carehouse.people.models import CareTeamMember, Person

JSON = dict[str, Any]
#: Bundle types accepted: what $everything produces, and a plain collection.
ACCEPTED_BUNDLE_TYPES = ("searchset", "collection")
MAX_ISSUES = 50
#: FHIR resource types an action's performer may have, and who acts for each.
PERFORMER_WHO = {
    "Patient": "person",
    "RelatedPerson": "carer",
    "Practitioner": "professional",
    "PractitionerRole": "professional",
    "CareTeam": "professional",
    "Organization": "service",
    "HealthcareService": "service",
}


class ImportRefused(Exception):
    """The Bundle cannot be imported: the HTTP status and the issues to report."""

    def __init__(self, status: int, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.expression}: {p.diagnostics}" for p in problems))
        self.status = status
        self.problems = problems[:MAX_ISSUES]


@dataclass
class ImportResult:
    plan: CarePlan
    warnings: list[Problem]


# What a Bundle says, once read --------------------------------------------------------------------


@dataclass
class TeamMemberRef:
    name: str
    role: str
    expression: str


@dataclass
class ReadNeed:
    key: str  # "Type/id" of the Condition entry
    data: JSON
    expression: str


@dataclass
class ReadGoal:
    data: JSON
    need_keys: list[str]
    expression: str
    stage_goals: list[tuple[JSON, str]] = field(default_factory=list)
    actions: list[tuple[JSON, str]] = field(default_factory=list)


@dataclass
class ReadPlan:
    nhs_number: str
    patient_expression: str
    title: str
    template: str
    about_me: dict[str, str]
    details: JSON
    key_worker: TeamMemberRef | None
    review_owner: TeamMemberRef | None
    strengths: list[tuple[JSON, str]]
    needs: list[ReadNeed]
    goals: list[ReadGoal]
    contingency_plans: list[tuple[JSON, str]]
    additional_plans: list[tuple[JSON, str]]
    expression: str
    warnings: list[Problem]


# Parsing and structure --------------------------------------------------------------------------


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(body: bytes) -> Any:
    """The request body as JSON; a 400 OperationOutcome when it is not."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportRefused(400, [Problem("structure", f"The body is not UTF-8 text: {error.reason}")]) from error
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise ImportRefused(400, [Problem("structure", "The JSON is nested too deeply")]) from error
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        where = f" at line {error.lineno}, column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise ImportRefused(400, [Problem("structure", f"The body is not valid JSON: {message}{where}")]) from error


def _fhirpath(location: tuple[int | str, ...]) -> str:
    path = "Bundle"
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _pydantic_problems(error: PydanticValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for detail in error.errors():
        kind = str(detail.get("type", ""))
        code = "required" if kind.endswith("missing") else "structure" if kind == "extra_forbidden" else "value"
        location = tuple(part for part in detail.get("loc", ()) if isinstance(part, (int, str)))
        where = _fhirpath(location)
        message = str(detail.get("msg", "Invalid value"))
        if kind == "extra_forbidden":
            message = f"{location[-1] if location else 'This element'} is not an element of this resource in FHIR R4"
        elif isinstance(detail.get("input"), (str, int, float)):
            message = f"{message} (got {repr(detail['input'])[:80]})"
        problems.append(Problem(code, message, where))
    return problems


def check_structure(data: Any) -> None:
    """A Bundle that R4B accepts, of a type we import, whose codes meet the required bindings."""
    if not isinstance(data, dict):
        raise ImportRefused(422, [Problem("structure", "Expected a FHIR Bundle (a JSON object)")])
    resource_type = data.get("resourceType")
    if resource_type != "Bundle":
        shown = resource_type if isinstance(resource_type, str) and resource_type else "no resourceType"
        raise ImportRefused(422, [Problem("structure", f"Expected a Bundle, but the body is {shown}", "resourceType")])
    try:
        Bundle.model_validate(data)
    except PydanticValidationError as error:
        raise ImportRefused(422, _pydantic_problems(error)) from error
    except ValueError as error:  # a few checks in fhir.resources raise plain ValueErrors
        raise ImportRefused(422, [Problem("structure", str(error), "Bundle")]) from error
    problems = check_resource(data)
    if problems:
        raise ImportRefused(422, problems)
    if data.get("type") not in ACCEPTED_BUNDLE_TYPES:
        raise ImportRefused(
            422,
            [
                Problem(
                    "not-supported",
                    f"Send a searchset Bundle (as $everything returns) or a collection, not {data.get('type')}",
                    "Bundle.type",
                )
            ],
        )


# Entries and references ----------------------------------------------------------------------------


@dataclass
class Entry:
    index: int
    resource: JSON
    full_url: str

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType", ""))

    @property
    def key(self) -> str:
        return f"{self.type}/{self.resource.get('id', '')}"

    @property
    def expression(self) -> str:
        return f"Bundle.entry[{self.index}].resource"


class Problems:
    """Problems found while reading; refused together, so the sender can fix them in one go."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, code: str, diagnostics: str, expression: str) -> None:
        self.errors.append(Problem(code, diagnostics, expression))

    def warn(self, code: str, diagnostics: str, expression: str) -> None:
        self.warnings.append(Problem(code, diagnostics, expression, severity="warning"))

    def check(self) -> None:
        if self.errors:
            raise ImportRefused(422, self.errors)


class Entries:
    """The Bundle's resources, found by fullUrl or by ``Type/id``."""

    def __init__(self, bundle: JSON, problems: Problems) -> None:
        self.problems = problems
        self.all: list[Entry] = []
        self.by_url: dict[str, Entry] = {}
        self.by_key: dict[str, Entry] = {}
        for index, raw in enumerate(bundle.get("entry") or []):
            resource = raw.get("resource")
            if not isinstance(resource, dict):
                continue
            entry = Entry(index, resource, str(raw.get("fullUrl") or ""))
            self.all.append(entry)
            if entry.full_url:
                self.by_url[entry.full_url] = entry
            if "id" in resource:
                if entry.key in self.by_key:
                    problems.add("duplicate", f"{entry.key} appears more than once in the Bundle", entry.expression)
                self.by_key[entry.key] = entry

    def of_type(self, resource_type: str) -> list[Entry]:
        return [entry for entry in self.all if entry.type == resource_type]

    def resolve(self, reference: Any, expected: str, where: str) -> Entry | None:
        """The entry a Reference points at; a problem (and None) when it is not in the Bundle."""
        target = reference.get("reference") if isinstance(reference, dict) else None
        if not isinstance(target, str) or not target:
            self.problems.add("required", f"Needs a reference to a {expected} in the Bundle", where)
            return None
        found = self.by_url.get(target)
        if found is None:
            path = target.split("/_history/")[0].rstrip("/").split("/")
            if len(path) >= 2:
                found = self.by_key.get(f"{path[-2]}/{path[-1]}")
        if found is None:
            self.problems.add(
                "not-found", f"{target} does not resolve to a resource in the Bundle", f"{where}.reference"
            )
            return None
        if found.type != expected:
            self.problems.add("invalid", f"{target} is a {found.type}, not a {expected}", f"{where}.reference")
            return None
        return found


# Reading values ------------------------------------------------------------------------------------


class Reader:
    """Typed values out of FHIR JSON (already checked by R4B), each problem named with its place."""

    VALUE_TYPES: dict[str, Callable[[Any], bool]] = {
        "valueString": lambda v: isinstance(v, str),
        "valueCode": lambda v: isinstance(v, str),
        "valueDate": lambda v: isinstance(v, str),
        "valueDateTime": lambda v: isinstance(v, str),
        "valueInteger": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "valueBoolean": lambda v: isinstance(v, bool),
        "valueReference": lambda v: isinstance(v, dict),
        "valueCodeableConcept": lambda v: isinstance(v, dict),
    }

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def extensions(self, node: JSON, url: str, where: str) -> list[tuple[JSON, str]]:
        return [
            (extension, f"{where}.extension[{index}]")
            for index, extension in enumerate(node.get("extension") or [])
            if isinstance(extension, dict) and extension.get("url") == url
        ]

    def value(self, extension: JSON, where: str, element: str) -> Any:
        """The extension's value, which must be of the one type the extension defines."""
        present = [key for key in extension if key.startswith("value")]
        if present != [element] or "extension" in extension:
            self.problems.add("structure", f"This extension needs exactly one {element}", where)
            return None
        value = extension[element]
        if not self.VALUE_TYPES[element](value):
            self.problems.add("value", f"{element} has the wrong type", f"{where}.{element}")
            return None
        return value

    def single(self, node: JSON, url: str, where: str, element: str) -> Any:
        found = self.extensions(node, url, where)
        if len(found) > 1:
            self.problems.add("structure", f"Give the extension {url} once only", found[1][1])
        if not found:
            return None
        extension, extension_where = found[0]
        return self.value(extension, extension_where, element)

    def text(self, node: JSON, url: str, where: str) -> str:
        value = self.single(node, url, where, "valueString")
        return value.strip() if isinstance(value, str) else ""

    def date_value(self, value: Any, where: str) -> datetime.date | None:
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.problems.add("value", f"{value!r} is not a full date (YYYY-MM-DD)", where)
            return None

    def date(self, node: JSON, url: str, where: str) -> datetime.date | None:
        found = self.extensions(node, url, where)
        value = self.single(node, url, where, "valueDate")
        return self.date_value(value, f"{found[0][1]}.valueDate") if found else None

    def one_to_ten(self, node: JSON, url: str, where: str) -> int | None:
        found = self.extensions(node, url, where)
        value = self.single(node, url, where, "valueInteger")
        if isinstance(value, int) and not 1 <= value <= 10:
            self.problems.add(
                "value", f"Must be a whole number from 1 to 10, not {value}", f"{found[0][1]}.valueInteger"
            )
            return None
        return value if isinstance(value, int) else None

    def parts(self, extension: JSON, where: str, allowed: dict[str, str]) -> dict[str, Any]:
        """The sub-extensions of a complex extension, each of the type ``allowed`` names."""
        if any(key.startswith("value") for key in extension):
            self.problems.add("structure", "A complex extension has sub-extensions, not a value", where)
            return {}
        values: dict[str, Any] = {}
        for index, part in enumerate(extension.get("extension") or []):
            part_where = f"{where}.extension[{index}]"
            name = str(part.get("url", ""))
            if name not in allowed:
                self.problems.add("extension", f"Unknown part {name!r}: expected {', '.join(allowed)}", part_where)
                continue
            if name in values:
                self.problems.add("structure", f"Give {name!r} once only", part_where)
                continue
            values[name] = self.value(part, part_where, allowed[name])
        return values

    def member(self, node: JSON, url: str, where: str) -> TeamMemberRef | None:
        found = self.extensions(node, url, where)
        if not found:
            return None
        extension, extension_where = found[0]
        values = self.parts(extension, extension_where, c.TEAM_MEMBER_PARTS)
        name = str(values.get("name") or "").strip()
        if not name:
            self.problems.add("required", "Give the care team member's name", extension_where)
            return None
        return TeamMemberRef(name=name, role=str(values.get("role") or "").strip(), expression=extension_where)

    def concept_code(self, concept: Any, system: str) -> str:
        for coding in (concept or {}).get("coding") or []:
            if coding.get("system") == system and isinstance(coding.get("code"), str):
                return str(coding["code"])
        return ""

    def concept_text(self, concept: Any, where: str, what: str) -> str:
        """A CodeableConcept's words: its text, or else the display of its first coding."""
        concept = concept or {}
        text = concept.get("text") or next(
            (coding.get("display") for coding in concept.get("coding") or [] if coding.get("display")), ""
        )
        if not str(text).strip():
            self.problems.add("required", f"Give the {what} in words ({where.rsplit('.', 1)[-1]}.text)", where)
        return str(text).strip()

    def snomed(self, concept: Any, where: str) -> str:
        code = self.concept_code(concept, c.SNOMED)
        if code and not is_sctid(code):
            self.problems.add("code-invalid", f"{code!r} is not a SNOMED CT identifier", where)
            return ""
        return code


# Reading the plan -------------------------------------------------------------------------------


def _patient(entries: Entries, reader: Reader, plan: Entry) -> tuple[str, str]:
    subject = entries.resolve(plan.resource.get("subject"), "Patient", f"{plan.expression}.subject")
    if subject is None:
        return "", plan.expression
    for index, identifier in enumerate(subject.resource.get("identifier") or []):
        if identifier.get("system") == c.NHS_NUMBER_SYSTEM:
            where = f"{subject.expression}.identifier[{index}].value"
            value = str(identifier.get("value") or "")
            problem = nhs_number_problem(value)
            if problem:
                reader.problems.add("value", problem, where)
                return "", where
            return normalise_nhs_number(value), where
    reader.problems.add(
        "required",
        f"The Patient needs an NHS number identifier ({c.NHS_NUMBER_SYSTEM})",
        f"{subject.expression}.identifier",
    )
    return "", subject.expression


def _main_plan(entries: Entries) -> Entry:
    plans = [entry for entry in entries.of_type("CarePlan") if not entry.resource.get("partOf")]
    if not plans:
        raise ImportRefused(
            422, [Problem("required", "The Bundle has no CarePlan (one without partOf) to import", "Bundle.entry")]
        )
    if len(plans) > 1:
        raise ImportRefused(
            422,
            [
                Problem("not-supported", "Send one care and support plan per Bundle", plan.expression)
                for plan in plans[1:]
            ],
        )
    return plans[0]


def _about_me(reader: Reader, plan: Entry) -> dict[str, str]:
    found = reader.extensions(plan.resource, c.EXT_ABOUT_ME, plan.expression)
    about = dict.fromkeys(c.ABOUT_ME_PARTS.values(), "")
    if found:
        extension, where = found[0]
        values = reader.parts(extension, where, dict.fromkeys(c.ABOUT_ME_PARTS, "valueString"))
        for part, value in values.items():
            about[c.ABOUT_ME_PARTS[part]] = str(value or "").strip()
    return about


def _strengths(reader: Reader, plan: Entry) -> list[tuple[JSON, str]]:
    strengths = []
    for extension, where in reader.extensions(plan.resource, c.EXT_STRENGTH, plan.expression):
        concept = reader.value(extension, where, "valueCodeableConcept")
        if concept is None:
            continue
        value_where = f"{where}.valueCodeableConcept"
        strengths.append(
            (
                {
                    "text": reader.concept_text(concept, value_where, "strength"),
                    "snomed_code": reader.snomed(concept, value_where),
                },
                where,
            )
        )
    return strengths


def _additional_plans(reader: Reader, plan: Entry) -> list[tuple[JSON, str]]:
    found = []
    for extension, where in reader.extensions(plan.resource, c.EXT_ADDITIONAL_PLAN, plan.expression):
        values = reader.parts(extension, where, c.ADDITIONAL_PLAN_PARTS)
        if not str(values.get("name") or "").strip():
            reader.problems.add("required", "An additional support plan needs a name", where)
        found.append(
            (
                {
                    "name": str(values.get("name") or ""),
                    "content": str(values.get("content") or ""),
                    "review_date": reader.date_value(values.get("review-date"), where),
                    "review_responsibility": str(values.get("review-responsibility") or ""),
                },
                where,
            )
        )
    return found


def _need(reader: Reader, entry: Entry) -> ReadNeed:
    resource, where = entry.resource, entry.expression
    category = "health-concern"
    for index, concept in enumerate(resource.get("category") or []):
        code = reader.concept_code(concept, c.CS_CONDITION_CATEGORY)
        if code and code not in c.NEED_CATEGORIES:
            reader.problems.add(
                "code-invalid",
                f"A need is a health-concern or a problem-list-item, not {code}",
                f"{where}.category[{index}]",
            )
        elif code:
            category = code
    code_where = f"{where}.code"
    if "code" not in resource:
        reader.problems.add("required", "A need (Condition) needs code, in words at least (code.text)", code_where)
    data = {
        "text": reader.concept_text(resource.get("code"), code_where, "need") if "code" in resource else "",
        "snomed_code": reader.snomed(resource.get("code"), code_where),
        "category": category,
    }
    return ReadNeed(key=entry.key, data=data, expression=where)


def _achievement(reader: Reader, resource: JSON) -> str:
    """The goal-achievement code (the binding checks refused any other), else in progress."""
    code = reader.concept_code(resource.get("achievementStatus"), c.CS_GOAL_ACHIEVEMENT)
    return code or Achievement.IN_PROGRESS.value


def _description(reader: Reader, resource: JSON, where: str, what: str) -> str:
    if "description" not in resource:
        reader.problems.add("required", f"A {what} needs a description in words", f"{where}.description")
        return ""
    return reader.concept_text(resource["description"], f"{where}.description", what)


def _goal(reader: Reader, entries: Entries, entry: Entry, plan_needs: set[str]) -> ReadGoal:
    resource, where = entry.resource, entry.expression
    target_date = None
    for index, target in enumerate(resource.get("target") or []):
        if "dueDate" in target:
            target_date = reader.date_value(target["dueDate"], f"{where}.target[{index}].dueDate")
            break
    if any("dueDuration" in target for target in resource.get("target") or []):
        reader.problems.warn("not-supported", "Only target.dueDate is kept, not dueDuration", f"{where}.target")
    in_own_words = reader.single(resource, c.EXT_IN_OWN_WORDS, where, "valueBoolean")
    reader.single(resource, c.EXT_WRITTEN_BY, where, "valueCode")  # checked, but new goals are the professional's
    data = {
        "text": _description(reader, resource, where, "goal"),
        "in_own_words": True if in_own_words is None else bool(in_own_words),
        "why_it_matters": reader.text(resource, c.EXT_WHY_IT_MATTERS, where),
        "importance": reader.one_to_ten(resource, c.EXT_IMPORTANCE, where),
        "target_date": target_date,
        "achievement": _achievement(reader, resource),
    }
    need_keys = []
    for index, reference in enumerate(resource.get("addresses") or []):
        condition = entries.resolve(reference, "Condition", f"{where}.addresses[{index}]")
        if condition is None:
            continue
        if condition.key not in plan_needs:
            reader.problems.add(
                "invalid", f"{condition.key} is not among the CarePlan's addresses", f"{where}.addresses[{index}]"
            )
        need_keys.append(condition.key)
    for extension, extension_where in reader.extensions(resource, c.GOAL_RELATIONSHIP, where):
        values = reader.parts(extension, extension_where, {"type": "valueCodeableConcept", "target": "valueReference"})
        if "target" not in values or "type" not in values:
            reader.problems.add("required", "A goal-relationship needs a type and a target", extension_where)
        elif values["target"] is not None:
            entries.resolve(values["target"], "Goal", f"{extension_where}.extension.where(url='target').valueReference")
    return ReadGoal(data=data, need_keys=need_keys, expression=where)


def _stage_goal(reader: Reader, entry: Entry) -> JSON:
    resource, where = entry.resource, entry.expression
    outcomes = [str(o.get("text") or "").strip() for o in resource.get("outcomeCode") or []]
    return {
        "stage": reader.text(resource, c.EXT_STAGE, where),
        "text": _description(reader, resource, where, "stage goal"),
        "outcome": "\n".join(o for o in outcomes if o),
        "achievement": _achievement(reader, resource),
    }


def _action(reader: Reader, detail: JSON, where: str) -> JSON:
    status = detail.get("status")
    if status not in c.ACTION_STATUS_CODES:
        reader.problems.add(
            "code-invalid",
            f"Carehouse records an action as {', '.join(sorted(c.ACTION_STATUS_CODES))}, not {status!r}",
            f"{where}.status",
        )
    description = str(detail.get("description") or "").strip()
    if not description:
        reader.problems.add("required", "Say what will be done (detail.description)", f"{where}.description")
    performers = detail.get("performer") or []
    first = performers[0] if performers else {}
    who = reader.single(detail, c.EXT_WHO_ACTS, where, "valueCode")
    if who is None:
        who = PERFORMER_WHO.get(str(first.get("type", "")), "person")
    if len(performers) > 1:
        reader.problems.warn("not-supported", "Only the first performer is kept", f"{where}.performer")
    for choice in ("scheduledTiming", "scheduledPeriod"):
        if choice in detail:
            reader.problems.warn("not-supported", "Only scheduledString is kept", f"{where}.{choice}")
    return {
        "what": description,
        "who": who,
        "who_name": str(first.get("display") or "").strip(),
        "when": str(detail.get("scheduledString") or "").strip(),
        "due_date": reader.date(detail, c.EXT_DUE_DATE, where),
        "barriers_and_strategies": reader.text(detail, c.EXT_BARRIERS, where),
        "confidence": reader.one_to_ten(detail, c.EXT_CONFIDENCE, where),
        "status": status,
        "referral_reference": reader.text(detail, c.EXT_REFERRAL, where),
    }


def _contingency(reader: Reader, entry: Entry) -> JSON:
    resource, where = entry.resource, entry.expression
    triggers = []
    for extension, extension_where in reader.extensions(resource, c.EXT_TRIGGER, where):
        value = reader.value(extension, extension_where, "valueString")
        if isinstance(value, str) and value.strip():
            triggers.append(value.strip())
    if not triggers:
        reader.problems.add("required", "A contingency plan needs at least one trigger", f"{where}.extension")
    advance: dict[str, Any] = {}
    found = reader.extensions(resource, c.EXT_ADVANCE_STATEMENT, where)
    if found:
        advance = reader.parts(found[0][0], found[0][1], c.ADVANCE_STATEMENT_PARTS)
    return {
        "name": str(resource.get("title") or "").strip() or "If things get worse",
        "triggers": triggers,
        "early_warning_signs": reader.text(resource, c.EXT_WARNING_SIGNS, where),
        "what_to_do": reader.text(resource, c.EXT_WHAT_TO_DO, where),
        "who_to_contact": reader.text(resource, c.EXT_WHO_TO_CONTACT, where),
        "coping_strategies": reader.text(resource, c.EXT_COPING, where),
        "has_advance_statement": bool(advance.get("has-advance-statement")),
        "advance_statement_location": str(advance.get("location") or "").strip(),
        "anticipatory_medicines": reader.text(resource, c.EXT_ANTICIPATORY, where),
    }


def read_bundle(data: Any) -> ReadPlan:
    """Everything the new plan will hold, or ``ImportRefused`` naming every problem found."""
    check_structure(data)
    problems = Problems()
    reader = Reader(problems)
    entries = Entries(data, problems)
    problems.check()
    plan = _main_plan(entries)
    resource, where = plan.resource, plan.expression
    if resource.get("status") == "entered-in-error":
        problems.add("business-rule", "A plan entered in error cannot be imported", f"{where}.status")
    nhs_number, patient_where = _patient(entries, reader, plan)

    needs: list[ReadNeed] = []
    for index, reference in enumerate(resource.get("addresses") or []):
        condition = entries.resolve(reference, "Condition", f"{where}.addresses[{index}]")
        if condition is not None:
            needs.append(_need(reader, condition))
    need_keys = {need.key for need in needs}

    goals: dict[str, ReadGoal] = {}
    for index, reference in enumerate(resource.get("goal") or []):
        goal = entries.resolve(reference, "Goal", f"{where}.goal[{index}]")
        if goal is not None:
            goals[goal.key] = _goal(reader, entries, goal, need_keys)
    for entry in entries.of_type("Goal"):
        if entry.key in goals:
            continue
        parent_where = f"{entry.expression}.extension"
        parent_ref = reader.single(entry.resource, c.EXT_STAGE_GOAL_OF, entry.expression, "valueReference")
        if parent_ref is None:
            problems.warn(
                "informational", "This Goal is not one of the plan's goals; it was left out", entry.expression
            )
            continue
        parent = entries.resolve(parent_ref, "Goal", parent_where)
        if parent is None:
            continue
        if parent.key not in goals:
            problems.add("invalid", f"{parent.key} is not one of the CarePlan's goals", parent_where)
            continue
        goals[parent.key].stage_goals.append((_stage_goal(reader, entry), entry.expression))

    for index, activity in enumerate(resource.get("activity") or []):
        activity_where = f"{where}.activity[{index}]"
        detail = activity.get("detail")
        if not isinstance(detail, dict):
            problems.add("not-supported", "Only activities with a detail can be imported", activity_where)
            continue
        detail_where = f"{activity_where}.detail"
        references = detail.get("goal") or []
        if len(references) != 1:
            problems.add(
                "required", "Each action works towards exactly one of the plan's goals", f"{detail_where}.goal"
            )
            continue
        goal = entries.resolve(references[0], "Goal", f"{detail_where}.goal[0]")
        if goal is None:
            continue
        if goal.key not in goals:
            problems.add("invalid", f"{goal.key} is not one of the CarePlan's goals", f"{detail_where}.goal[0]")
            continue
        goals[goal.key].actions.append((_action(reader, detail, detail_where), detail_where))

    contingency_plans = []
    for entry in entries.of_type("CarePlan"):
        if entry is plan:
            continue
        part_of = entry.resource.get("partOf") or []
        owners = [entries.resolve(ref, "CarePlan", f"{entry.expression}.partOf[{i}]") for i, ref in enumerate(part_of)]
        if any(owner is not plan for owner in owners if owner is not None):
            problems.add("invalid", "A contingency plan must be partOf the main CarePlan", f"{entry.expression}.partOf")
        contingency_plans.append((_contingency(reader, entry), entry.expression))

    template = reader.single(resource, c.EXT_TEMPLATE, where, "valueCode")
    read = ReadPlan(
        nhs_number=nhs_number,
        patient_expression=patient_where,
        title=str(resource.get("title") or "").strip(),
        template=str(template or ""),
        about_me=_about_me(reader, plan),
        details={
            "formulation": reader.text(resource, c.EXT_FORMULATION, where),
            "funding_source": reader.text(resource, c.EXT_FUNDING_SOURCE, where),
            "other_documents": reader.text(resource, c.EXT_OTHER_DOCUMENTS, where),
            "next_review_due": reader.date(resource, c.EXT_NEXT_REVIEW, where),
        },
        key_worker=reader.member(resource, c.EXT_KEY_WORKER, where),
        review_owner=reader.member(resource, c.EXT_REVIEW_OWNER, where),
        strengths=_strengths(reader, plan),
        needs=needs,
        goals=list(goals.values()),
        contingency_plans=contingency_plans,
        additional_plans=_additional_plans(reader, plan),
        expression=where,
        warnings=problems.warnings,
    )
    problems.check()
    return read


# Writing ---------------------------------------------------------------------------------------


def find_patient(actor: Actor, read: ReadPlan) -> Person:
    """The person with this NHS number among those the actor may see (an audited read), else 422."""
    person_pk = (
        people_selectors.visible_people(actor).filter(nhs_number=read.nhs_number).values_list("pk", flat=True).first()
    )
    if person_pk is None:
        raise ImportRefused(
            422,
            [
                Problem(
                    "not-found",
                    "No person with this NHS number is in your care: check the number, or ask for their record "
                    "to be shared with your organisation",
                    read.patient_expression,
                )
            ],
        )
    return people_selectors.get_person(actor, person_pk, purpose="FHIR import")


def match_member(
    team: list[CareTeamMember], wanted: TeamMemberRef | None, what: str
) -> tuple[int | None, list[Problem]]:
    """The care team member with this name (and role, when given); a warning when none or several match."""
    if wanted is None:
        return None, []

    def same(a: str, b: str) -> bool:
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()

    matches = [m for m in team if same(m.name, wanted.name) and (not wanted.role or same(m.role_title, wanted.role))]
    if len(matches) == 1:
        return matches[0].pk, []
    reason = "nobody in the person's current care team" if not matches else "more than one person in the care team"
    label = f"{wanted.name}{', ' + wanted.role if wanted.role else ''}"
    warning = Problem(
        "not-found" if not matches else "multiple-matches",
        f"The {what} ({label}) matches {reason}, so it was left empty: choose them on the plan",
        wanted.expression,
        severity="warning",
    )
    return None, [warning]


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


@contextmanager
def _refusing(where: str) -> Iterator[None]:
    """A service's ValidationError becomes a 422 naming the part of the Bundle being written."""
    try:
        yield
    except ValidationError as error:
        raise ImportRefused(422, [Problem("invariant", _messages(error), where)]) from error
    except services.PlanConflict as error:
        raise ImportRefused(409, [Problem("conflict", str(error), where)]) from error


class _Writer:
    """Calls the plan services in turn, keeping count of the plan's version."""

    def __init__(self, actor: Actor, plan: CarePlan) -> None:
        self.actor = actor
        self.plan = plan
        self.version = plan.version

    def item(self, kind: str, data: JSON, where: str, *, parent: Goal | None = None) -> models.Model:
        with _refusing(where):
            created = services.save_item(
                self.actor, self.plan, kind, data, expected_version=self.version, parent=parent
            )
        self.version += 1
        return created

    def plan_update(self, update: Callable[..., CarePlan], data: JSON, where: str) -> None:
        with _refusing(where):
            self.plan = update(self.actor, self.plan, data, expected_version=self.version)
        self.version = self.plan.version


def create_plan(
    actor: Actor, person: Person, read: ReadPlan, key_worker: int | None, review_owner: int | None
) -> CarePlan:
    """Write the new draft plan through the services (call inside a transaction)."""
    with _refusing(read.expression):
        plan = services.start_plan(actor, person, template=read.template, title=read.title)
    writer = _Writer(actor, plan)
    if any(getattr(plan, name) != value for name, value in read.about_me.items()):
        writer.plan_update(services.update_about_me, read.about_me, f"{read.expression}.extension")
    details = {**read.details, "key_worker": key_worker, "review_owner": review_owner}
    current = {
        **{name: getattr(plan, name) for name in read.details},
        "key_worker": plan.key_worker_id,
        "review_owner": plan.review_owner_id,
    }
    if details != current:
        writer.plan_update(services.update_plan_details, details, read.expression)
    for data, where in read.strengths:
        writer.item("strength", data, where)
    need_pks: dict[str, int] = {}
    for need in read.needs:
        need_pks[need.key] = writer.item("need", need.data, need.expression).pk
    for goal in read.goals:
        created = writer.item(
            "goal", {**goal.data, "needs": [need_pks[key] for key in goal.need_keys]}, goal.expression
        )
        assert isinstance(created, Goal)
        for data, where in goal.stage_goals:
            writer.item("stage_goal", data, where, parent=created)
        for data, where in goal.actions:
            writer.item("action", data, where, parent=created)
    for data, where in read.contingency_plans:
        writer.item("contingency", data, where)
    for data, where in read.additional_plans:
        writer.item("additional_plan", data, where)
    return writer.plan


def import_bundle(actor: Actor, body: bytes) -> ImportResult:
    """The whole import: read and check everything, then write it in one transaction."""
    read = read_bundle(parse_json(body))
    person = find_patient(actor, read)
    team = people_selectors.care_team_for(person)
    key_worker, key_worker_warnings = match_member(team, read.key_worker, "named key worker")
    review_owner, review_warnings = match_member(team, read.review_owner, "person who reviews the plan")
    with transaction.atomic():
        plan = create_plan(actor, person, read, key_worker, review_owner)
    assert plan.status == PlanStatus.DRAFT
    return ImportResult(plan=plan, warnings=[*read.warnings, *key_worker_warnings, *review_warnings])
