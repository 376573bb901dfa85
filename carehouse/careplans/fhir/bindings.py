"""Required bindings, checked by us because ``fhir.resources`` does not check codes.

``fhir.resources`` checks structure and data types but accepts any code, so ``CarePlan.status =
"bogus"`` passes it. These tables list every coded element the exporter writes or the importer
reads, with the codes allowed, and ``check_resource`` reports each wrong one with a FHIRPath
expression saying where it is. The exporter runs the same checks on what it produces, so an
export that breaks a binding is a bug found in tests, not a file sent to another system.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from carehouse.careplans.fhir import codes as c
from carehouse.careplans.snomed import is_sctid


@dataclass(frozen=True)
class Problem:
    """One OperationOutcome issue: what is wrong and where (a FHIRPath expression)."""

    code: str  # FHIR issue-type
    diagnostics: str
    expression: str = ""
    severity: str = "error"


@dataclass(frozen=True)
class ConceptBinding:
    """Codes allowed in a Coding or CodeableConcept, by system.

    ``required``: the concept must carry a coding from one of the systems. Otherwise only codings
    in the listed systems are checked (extensible and preferred bindings, and our own systems).
    """

    systems: Mapping[str, frozenset[str]]
    required: bool = False


#: Elements of type ``code``, by resource type and dotted path.
CODE_BINDINGS: dict[str, dict[str, frozenset[str]]] = {
    "Bundle": {"type": c.BUNDLE_TYPES, "entry.search.mode": c.SEARCH_ENTRY_MODES},
    "CarePlan": {
        "status": c.CARE_PLAN_STATUSES,
        "intent": c.CARE_PLAN_INTENTS,
        "activity.detail.status": c.ACTIVITY_STATUSES,
    },
    "Goal": {"lifecycleStatus": c.GOAL_LIFECYCLE_STATUSES},
    "CareTeam": {"status": c.CARE_TEAM_STATUSES},
    "Consent": {"status": c.CONSENT_STATUSES, "provision.type": c.CONSENT_PROVISION_TYPES},
    "Patient": {"gender": c.ADMINISTRATIVE_GENDERS, "name.use": c.NAME_USES, "identifier.use": c.IDENTIFIER_USES},
    "OperationOutcome": {"issue.severity": c.ISSUE_SEVERITIES, "issue.code": c.ISSUE_TYPES},
}
#: ``code`` elements every resource may have.
COMMON_CODE_BINDINGS: dict[str, frozenset[str]] = {"text.status": c.NARRATIVE_STATUSES}

#: Elements of type Coding or CodeableConcept.
CONCEPT_BINDINGS: dict[str, dict[str, ConceptBinding]] = {
    "CarePlan": {"category": ConceptBinding({c.CS_CARE_PLAN_CATEGORY: frozenset(c.CARE_PLAN_CATEGORIES)})},
    "Goal": {"achievementStatus": ConceptBinding({c.CS_GOAL_ACHIEVEMENT: c.GOAL_ACHIEVEMENTS})},
    "Condition": {
        "clinicalStatus": ConceptBinding({c.CS_CONDITION_CLINICAL: c.CONDITION_CLINICAL_STATUSES}, required=True),
        "verificationStatus": ConceptBinding(
            {c.CS_CONDITION_VERIFICATION: c.CONDITION_VERIFICATION_STATUSES}, required=True
        ),
        "category": ConceptBinding({c.CS_CONDITION_CATEGORY: c.CONDITION_CATEGORIES}),
    },
    "Consent": {
        "scope": ConceptBinding({c.CS_CONSENT_SCOPE: c.CONSENT_SCOPES}),
        "policyRule": ConceptBinding({c.CS_CONSENT_PURPOSE: c.CONSENT_PURPOSE_CODES}),
        "category": ConceptBinding({c.CS_CONSENT_PURPOSE: c.CONSENT_PURPOSE_CODES}),
    },
    "Provenance": {
        "agent.type": ConceptBinding({c.CS_PROVENANCE_PARTICIPANT: c.PROVENANCE_PARTICIPANT_TYPES}),
        "activity": ConceptBinding({c.CS_DATA_OPERATION: c.DATA_OPERATIONS}),
    },
}

#: Coded values inside extensions, by (enclosing extension URL or "", extension URL): the value
#: element and the codes allowed.
EXTENSION_CODES: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    ("", c.EXT_WHO_ACTS): ("valueCode", c.WHO_ACTS_CODES),
    ("", c.EXT_WRITTEN_BY): ("valueCode", c.WRITTEN_BY_CODES),
    ("", c.EXT_TEMPLATE): ("valueCode", c.TEMPLATE_CODES),
    (c.EXT_AGREEMENT, "agreed-with"): ("valueCode", c.AGREED_WITH_CODES),
}
EXTENSION_CONCEPTS: dict[tuple[str, str], tuple[str, ConceptBinding]] = {
    (c.GOAL_RELATIONSHIP, "type"): (
        "valueCodeableConcept",
        ConceptBinding({c.CS_GOAL_RELATIONSHIP_TYPE: c.GOAL_RELATIONSHIP_TYPES}, required=True),
    ),
}


@dataclass
class _Walk:
    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, diagnostics: str, expression: str) -> None:
        self.problems.append(Problem(code=code, diagnostics=diagnostics, expression=expression))


def values_at(node: Any, path: str, expression: str) -> Iterator[tuple[Any, str]]:
    """Each value at a dotted path below ``node``, through lists, with its FHIRPath expression."""
    head, _, rest = path.partition(".")
    if not isinstance(node, dict) or head not in node:
        return
    value = node[head]
    items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    for index, item in items:
        where = f"{expression}.{head}" + (f"[{index}]" if index is not None else "")
        if rest:
            yield from values_at(item, rest, where)
        else:
            yield item, where


def _check_code(walk: _Walk, value: Any, allowed: frozenset[str], where: str) -> None:
    if not isinstance(value, str) or value not in allowed:
        walk.add(
            "code-invalid", f"{value!r} is not an allowed code here: use one of {', '.join(sorted(allowed))}", where
        )


def _codings(value: Any, where: str) -> list[tuple[dict[str, Any], str]]:
    """The codings of a CodeableConcept, or the Coding itself."""
    if not isinstance(value, dict):
        return []
    if "coding" in value:
        return [
            (coding, f"{where}.coding[{index}]")
            for index, coding in enumerate(value.get("coding") or [])
            if isinstance(coding, dict)
        ]
    if "system" in value or "code" in value:
        return [(value, where)]
    return []


def check_concept(walk: _Walk, value: Any, binding: ConceptBinding, where: str) -> None:
    found = False
    for coding, coding_where in _codings(value, where):
        allowed = binding.systems.get(coding.get("system", ""))
        if allowed is None:
            continue
        found = True
        _check_code(walk, coding.get("code"), allowed, f"{coding_where}.code")
    if binding.required and not found:
        systems = " or ".join(sorted(binding.systems))
        walk.add("code-invalid", f"Needs a coding from {systems}", where)


def _walk_tree(walk: _Walk, node: Any, where: str, enclosing_extension: str) -> None:
    """Extensions (our own must be known; coded ones checked) and SNOMED CT codes, anywhere."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            _walk_tree(walk, item, f"{where}[{index}]", enclosing_extension)
        return
    if not isinstance(node, dict):
        return
    if node.get("system") == c.SNOMED and "code" in node and not is_sctid(str(node["code"])):
        walk.add("code-invalid", f"{node['code']!r} is not a SNOMED CT identifier", f"{where}.code")
    for key, value in node.items():
        if key == "contained" and isinstance(value, list):
            for index, resource in enumerate(value):
                walk.problems.extend(check_resource(resource, f"{where}.contained[{index}]"))
        elif key == "resource" and isinstance(value, dict):  # Bundle.entry.resource
            walk.problems.extend(check_resource(value, f"{where}.resource"))
        elif key in ("extension", "modifierExtension") and isinstance(value, list):
            for index, extension in enumerate(value):
                _check_extension(walk, extension, f"{where}.{key}[{index}]", enclosing_extension)
        else:
            _walk_tree(walk, value, f"{where}.{key}", "")


def _check_extension(walk: _Walk, extension: Any, where: str, enclosing: str) -> None:
    if not isinstance(extension, dict):
        return
    url = str(extension.get("url", ""))
    if not enclosing and url.startswith(c.OUR_BASE) and url not in c.OUR_EXTENSIONS:
        walk.add("extension", f"Unknown Carehouse extension {url}", where)
    coded = EXTENSION_CODES.get((enclosing, url))
    if coded is not None:
        element, allowed = coded
        _check_code(walk, extension.get(element), allowed, f"{where}.{element}")
    concept = EXTENSION_CONCEPTS.get((enclosing, url))
    if concept is not None:
        element, binding = concept
        check_concept(walk, extension.get(element), binding, f"{where}.{element}")
    for key, value in extension.items():
        if key == "extension":
            for index, child in enumerate(value if isinstance(value, list) else []):
                _check_extension(walk, child, f"{where}.extension[{index}]", url)
        elif key != "url":
            _walk_tree(walk, value, f"{where}.{key}", "")


def check_resource(resource: Any, expression: str = "") -> list[Problem]:
    """Every binding problem in one resource and the resources inside it (a Bundle's entries, contained).

    ``expression`` is where the resource sits (default: its type).
    """
    if not isinstance(resource, dict):
        return [Problem("structure", "Expected a resource (a JSON object)", expression)]
    walk = _Walk()
    resource_type = str(resource.get("resourceType", ""))
    root = expression or resource_type
    for path, allowed in {**COMMON_CODE_BINDINGS, **CODE_BINDINGS.get(resource_type, {})}.items():
        for value, where in values_at(resource, path, root):
            _check_code(walk, value, allowed, where)
    for path, binding in CONCEPT_BINDINGS.get(resource_type, {}).items():
        for value, where in values_at(resource, path, root):
            check_concept(walk, value, binding, where)
    _walk_tree(walk, resource, root, "")
    return walk.problems
