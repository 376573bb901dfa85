"""Adding, changing and removing the items of a plan: strengths, needs, goals, steps towards a
goal, actions, contingency plans and additional support plans (``services.plans.ITEM_KINDS``).

Only professionals change a plan's wording (``careplans.edit_plan``); the person records
progress and notes on their own pages instead.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from carehouse.careplans import selectors
from carehouse.careplans.forms import ITEM_FORMS, ItemForm, RemoveItemForm
from carehouse.careplans.models import CarePlan, Goal
from carehouse.careplans.pathways import PlanTemplate, template_for
from carehouse.careplans.presenters import short_name
from carehouse.careplans.services import plans as services
from carehouse.careplans.views import drafts
from carehouse.careplans.views.plan import PlanForm, back_to_plan
from carehouse.core.actor import Actor
from carehouse.core.views import actor_of, actor_required

#: Where on the plan page each kind of item is shown.
ANCHORS = {
    "strength": "strengths",
    "need": "needs",
    "goal": "goals",
    "stage_goal": "goals",
    "action": "goals",
    "contingency": "contingency",
    "additional_plan": "additional-plans",
}


def _item_kind(kind: str) -> services.ItemKind:
    """The kind of item a path names; any other word is "not found"."""
    found = services.ITEM_KINDS.get(kind)
    if found is None:
        raise Http404("No such part of a plan")
    return found


def _form_kwargs(plan: CarePlan, kind: str, pathway: PlanTemplate | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"person_name": short_name(plan.person)}
    if kind == "goal":
        # Only the needs, for the goal's checkboxes: the plan was read (scoped) through get_plan.
        kwargs["needs"] = list(plan.needs.all())
    if kind == "stage_goal":
        kwargs["stages"] = pathway.stages if pathway else ()
    return kwargs


def _heading(kind: str, name: str, *, adding: bool) -> str:
    label = services.ITEM_KINDS[kind].label
    article = "an" if label[:1] in "aeiou" else "a"
    if kind == "goal":
        return f"Add a goal for {name}" if adding else "Change the goal"
    if kind == "stage_goal":
        return "Add a step towards the goal" if adding else "Change the step towards the goal"
    return f"Add {article} {label}" if adding else f"Change the {label}"


def _parent_goal(request: HttpRequest, plan: CarePlan) -> Goal:
    goal_id = request.GET.get("goal", "")
    if not goal_id.isdigit():
        raise Http404("Choose a goal in this plan")
    return selectors.get_goal(plan, int(goal_id))


def _item_form(
    request: HttpRequest,
    actor: Actor,
    plan: CarePlan,
    kind: str,
    key: str,
    *,
    item: models.Model | None,
    goal: Goal | None,
) -> PlanForm[ItemForm]:
    """The form for one kind of item, on the shared item page."""
    form_class = ITEM_FORMS[kind]
    pathway = template_for(plan.template)
    kwargs = _form_kwargs(plan, kind, pathway)

    def make(data: Any = None, **more: Any) -> ItemForm:
        return form_class(data, **kwargs, **more)

    extra = {
        "kind": kind,
        "item": item,
        "goal": goal,
        "heading": _heading(kind, short_name(plan.person), adding=item is None),
        "pathway": pathway,
        "anchor": ANCHORS[kind],
    }
    return PlanForm(request, actor, plan, "careplans/plan/item_form.jinja", key, make, extra)


@require_http_methods(["GET", "POST"])
@actor_required("careplans.edit_plan")
def item_add(request: HttpRequest, plan_id: int, kind: str) -> HttpResponse:
    actor = actor_of(request)
    item_kind = _item_kind(kind)
    plan = selectors.get_plan(actor, plan_id, purpose=f"add {item_kind.label}")
    goal = _parent_goal(request, plan) if item_kind.parent == "goal" else None
    key = drafts.form_key(plan, kind, "new", *(("goal", goal.pk) if goal is not None else ()))
    page = _item_form(request, actor, plan, kind, key, item=None, goal=goal)
    if request.method == "POST":
        return page.save(
            lambda form: services.save_item(
                actor, plan, kind, form.data_for_service(), expected_version=form.expected_version, parent=goal
            ),
            # Nothing saved to compare with yet: the item is new. The saves since are listed.
            saved=lambda current: {},
            done=f"The {item_kind.label} has been added.",
            then=back_to_plan(plan, ANCHORS[kind]),
        )
    return page.open({})


def _saved_item(plan: CarePlan, kind: str, item_id: int) -> dict[str, Any] | None:
    """The item as it is now saved, for the conflict table; None if it has been removed."""
    try:
        current = selectors.get_item(plan, kind, item_id)
    except Http404:
        return None
    return ITEM_FORMS[kind].initial_for(current)


@require_http_methods(["GET", "POST"])
@actor_required("careplans.edit_plan")
def item_edit(request: HttpRequest, plan_id: int, kind: str, item_id: int) -> HttpResponse:
    actor = actor_of(request)
    item_kind = _item_kind(kind)
    plan = selectors.get_plan(actor, plan_id, purpose=f"change {item_kind.label}")
    item = selectors.get_item(plan, kind, item_id)
    goal: Goal | None = getattr(item, "goal", None) if item_kind.parent == "goal" else None
    page = _item_form(request, actor, plan, kind, drafts.form_key(plan, kind, item.pk), item=item, goal=goal)
    if request.method == "POST":
        return page.save(
            lambda form: services.save_item(
                actor, plan, kind, form.data_for_service(), expected_version=form.expected_version, item=item
            ),
            saved=lambda current: _saved_item(current, kind, item.pk),
            done=f"The {item_kind.label} has been saved.",
            then=back_to_plan(plan, ANCHORS[kind]),
        )
    return page.open(ITEM_FORMS[kind].initial_for(item))


@require_http_methods(["GET", "POST"])
@actor_required("careplans.edit_plan")
def item_remove(request: HttpRequest, plan_id: int, kind: str, item_id: int) -> HttpResponse:
    """Ask before removing; the revision keeps what was removed, so the history can show it."""
    actor = actor_of(request)
    item_kind = _item_kind(kind)
    plan = selectors.get_plan(actor, plan_id, purpose=f"remove {item_kind.label}")
    item = selectors.get_item(plan, kind, item_id)
    extra: dict[str, Any] = {"kind": kind, "label": item_kind.label, "item": item, "anchor": ANCHORS[kind]}
    key = drafts.form_key(plan, kind, item.pk, "remove")
    page = PlanForm(request, actor, plan, "careplans/plan/item_remove.jinja", key, RemoveItemForm, extra)
    if request.method == "POST":
        return page.save(
            lambda form: services.remove_item(actor, plan, kind, item, expected_version=form.expected_version),
            saved=lambda current: {},
            done=f"The {item_kind.label} has been removed.",
            then=back_to_plan(plan, ANCHORS[kind]),
        )
    return page.open({}, restore=False)
