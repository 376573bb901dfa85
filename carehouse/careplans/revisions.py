"""The whole plan as plain data (a snapshot), and a readable list of what changed between two.

Each revision stores a snapshot; the history page shows the changes between a revision and
the one before it, in words ("Goal 'Walk to the park': how important changed from 6 to 8").
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from carehouse.careplans.models import (
    Action,
    AdditionalSupportPlan,
    BudgetAllocation,
    BudgetSpend,
    CarePlan,
    ContingencyPlan,
    Goal,
    Need,
    PersonalHealthBudget,
    StageGoal,
    Strength,
)

PLAN_FIELDS = (
    "title",
    "status",
    *CarePlan.ABOUT_ME_FIELDS,
    "about_supported_by",
    "formulation",
    "funding_source",
    "other_documents",
    "agreed_with",
    "agreed_with_name",
    "agreed_at",
    "next_review_due",
)
STRENGTH_FIELDS = ("text", "snomed_code")
NEED_FIELDS = ("text", "snomed_code", "category")
GOAL_FIELDS = ("text", "in_own_words", "written_by", "why_it_matters", "importance", "target_date", "achievement")
STAGE_GOAL_FIELDS = ("stage", "text", "outcome", "achievement")
ACTION_FIELDS = (
    "what",
    "who",
    "who_name",
    "when",
    "due_date",
    "barriers_and_strategies",
    "confidence",
    "status",
    "referral_reference",
)
CONTINGENCY_FIELDS = (
    "name",
    "triggers",
    "early_warning_signs",
    "what_to_do",
    "who_to_contact",
    "coping_strategies",
    "has_advance_statement",
    "advance_statement_location",
    "anticipatory_medicines",
)
ADDITIONAL_PLAN_FIELDS = ("name", "content", "review_date", "review_responsibility")
BUDGET_FIELDS = (
    "managed_as",
    "indicative_amount",
    "agreed_amount",
    "agreed_on",
    "period_start",
    "period_end",
    "not_to_be_spent_on",
)

#: Sections of a snapshot that are lists of items, with the model each item comes from.
SECTIONS: dict[str, tuple[str, type[models.Model]]] = {
    "strengths": ("Strength", Strength),
    "needs": ("Need", Need),
    "goals": ("Goal", Goal),
    "contingency_plans": ("Contingency plan", ContingencyPlan),
    "additional_plans": ("Additional support plan", AdditionalSupportPlan),
}
NESTED: dict[str, tuple[str, type[models.Model]]] = {
    "stage_goals": ("Step", StageGoal),
    "actions": ("Action", Action),
}


def json_value(value: Any) -> Any:
    """A field's value as JSON-ready data (dates as ISO text, money as pounds and pence)."""
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def field_values(obj: models.Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: json_value(getattr(obj, name)) for name in names}


def snapshot(plan: CarePlan) -> dict[str, Any]:
    """Everything in the plan, as JSON-ready data. Items carry their ids so changes can be matched."""
    data: dict[str, Any] = {"plan": field_values(plan, PLAN_FIELDS)}
    # Named as "name, role" (``CareTeamMember.__str__``), as they were when the plan was saved.
    data["plan"]["key_worker"] = str(plan.key_worker or "")
    data["plan"]["review_owner"] = str(plan.review_owner or "")
    data["strengths"] = [{"id": s.pk, **field_values(s, STRENGTH_FIELDS)} for s in plan.strengths.all()]
    data["needs"] = [{"id": n.pk, **field_values(n, NEED_FIELDS)} for n in plan.needs.all()]
    goals = plan.goals.prefetch_related("needs", "stage_goals", "actions")
    data["goals"] = [
        {
            "id": g.pk,
            **field_values(g, GOAL_FIELDS),
            "needs": sorted(n.text for n in g.needs.all()),
            "stage_goals": [{"id": s.pk, **field_values(s, STAGE_GOAL_FIELDS)} for s in g.stage_goals.all()],
            "actions": [{"id": a.pk, **field_values(a, ACTION_FIELDS)} for a in g.actions.all()],
        }
        for g in goals
    ]
    data["contingency_plans"] = [
        {"id": c.pk, **field_values(c, CONTINGENCY_FIELDS)} for c in plan.contingency_plans.all()
    ]
    data["additional_plans"] = [
        {"id": a.pk, **field_values(a, ADDITIONAL_PLAN_FIELDS)} for a in plan.additional_plans.all()
    ]
    budget = PersonalHealthBudget.objects.filter(plan=plan).first()
    if budget is None:
        data["budget"] = None
    else:
        data["budget"] = {
            **field_values(budget, BUDGET_FIELDS),
            "allocations": [
                {"id": a.pk, "description": a.description, "amount": json_value(a.amount), "action": a.action_id}
                for a in budget.allocations.all()
            ],
            "spends": [
                {
                    "id": s.pk,
                    "spent_on": json_value(s.spent_on),
                    "payee": s.payee,
                    "description": s.description,
                    "amount": json_value(s.amount),
                }
                for s in budget.spends.all()
            ],
        }
    return data


class Change(TypedDict):
    section: str
    item: str
    field: str
    before: str
    after: str
    kind: str  # "added", "removed" or "changed"


def _label(model: type[models.Model], name: str) -> str:
    if name in ("key_worker", "review_owner", "needs"):
        return {"key_worker": "Named key worker", "review_owner": "Who will review it", "needs": "Needs it meets"}[name]
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " ").capitalize()
    label = str(getattr(field, "verbose_name", name))
    return label[:1].upper() + label[1:]


def _display(model: type[models.Model], name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    choices = getattr(field, "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    return str(value)


def _title(item: dict[str, Any]) -> str:
    text = str(item.get("text") or item.get("what") or item.get("name") or item.get("description") or "")
    return text if len(text) <= 60 else text[:57] + "..."


def _compare_fields(
    section: str, item: str, model: type[models.Model], before: dict[str, Any], after: dict[str, Any]
) -> list[Change]:
    changes: list[Change] = []
    for name in after:
        if name in ("id", "stage_goals", "actions", "allocations", "spends"):
            continue
        shown_before = _display(model, name, before.get(name))
        shown_after = _display(model, name, after.get(name))
        if before.get(name) != after.get(name) and shown_before != shown_after:
            changes.append(
                Change(
                    section=section,
                    item=item,
                    field=_label(model, name),
                    before=shown_before,
                    after=shown_after,
                    kind="changed",
                )
            )
    return changes


def _compare_items(
    section: str, model: type[models.Model], before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[Change]:
    changes: list[Change] = []
    old = {item["id"]: item for item in before}
    new = {item["id"]: item for item in after}
    for item_id, item in new.items():
        if item_id not in old:
            changes.append(Change(section=section, item=_title(item), field="", before="", after="", kind="added"))
        else:
            changes.extend(_compare_fields(section, _title(item), model, old[item_id], item))
        for nested, (nested_section, nested_model) in NESTED.items():
            if nested in item:
                changes.extend(
                    _compare_items(
                        nested_section,
                        nested_model,
                        old.get(item_id, {}).get(nested, []),
                        item[nested],
                    )
                )
    for item_id, item in old.items():
        if item_id not in new:
            changes.append(Change(section=section, item=_title(item), field="", before="", after="", kind="removed"))
    return changes


def diff(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """What changed from one snapshot to the next, in the order the plan reads."""
    if before is None:
        return [Change(section="Plan", item=after["plan"]["title"], field="", before="", after="", kind="added")]
    changes = _compare_fields("Plan", "", CarePlan, before["plan"], after["plan"])
    for section, (label, model) in SECTIONS.items():
        changes.extend(_compare_items(label, model, before.get(section, []), after.get(section, [])))
    if before.get("budget") is None and after.get("budget") is not None:
        changes.append(Change(section="Personal health budget", item="", field="", before="", after="", kind="added"))
    old_budget, new_budget = before.get("budget") or {}, after.get("budget") or {}
    changes.extend(_compare_fields("Personal health budget", "", PersonalHealthBudget, old_budget, new_budget))
    for label, model, key in (
        ("Budget allocation", BudgetAllocation, "allocations"),
        ("Budget spending", BudgetSpend, "spends"),
    ):
        changes.extend(_compare_items(label, model, old_budget.get(key, []), new_budget.get(key, [])))
    return changes
