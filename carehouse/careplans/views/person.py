"""The person's own view of their plan: read it, mark progress, add notes. Carers read the same.

The person cannot change a professional's wording: these pages offer no way to, and the
services refuse it (403) if anyone tries another way. Carers with the person's consent read the
plan; every change is refused to them.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from carehouse.careplans import selectors, selectors_person
from carehouse.careplans.forms_person import ActionProgressForm, GoalProgressForm, NoteForm
from carehouse.careplans.models import CarePlan, Goal
from carehouse.careplans.presenters_person import PersonViewPresenter, pack_link, plan_line
from carehouse.careplans.services import budget as budget_services
from carehouse.careplans.services import plans as plan_services
from carehouse.core.actor import Actor
from carehouse.core.roles import Role
from carehouse.core.views import actor_of, actor_required, show_errors


@require_GET
@actor_required("careplans.view_plan")
def my_plans(request: HttpRequest) -> HttpResponse:
    """The person's plans (or, for a carer, the plans of the people they care for)."""
    actor = actor_of(request)
    if actor.role not in (Role.PERSON, Role.CARER):
        return redirect("core:start")
    groups = selectors_person.shared_plans(actor)
    packs = selectors_person.unanswered_packs(actor)
    if actor.role == Role.PERSON and not packs:
        plans = [plan for group in groups for plan in group.plans]
        if len(plans) == 1 and plans[0].status in selectors_person.CURRENT_STATUSES:
            return redirect("careplans:view", plan_id=plans[0].pk)
    context = {
        "groups": [{"name": g.name, "plans": [plan_line(p) for p in g.plans]} for g in groups],
        "packs": [pack_link(p) for p in packs],
        "for_the_person": actor.role == Role.PERSON,
    }
    return render(request, "careplans/person/mine.jinja", context)


def _render_view(
    request: HttpRequest,
    actor: Actor,
    plan: CarePlan,
    *,
    contents: dict[str, list[models.Model]] | None = None,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The person's view of the plan; ``contents`` when the caller has already read them."""
    summary = None
    budget = selectors.budget_of(plan)
    if budget is not None:
        summary = budget_services.summarise(budget)
    presenter = PersonViewPresenter(
        plan,
        actor,
        contents=contents if contents is not None else selectors.plan_contents(plan),
        notes=selectors.notes_of(plan),
        budget=summary,
        unanswered=selectors_person.unanswered_packs(actor),
        bound_forms=bound,
    )
    # The layout's error summary reads ``form``: the form that failed, if any.
    failed = next(iter((bound or {}).values()), None)
    return render(request, "careplans/person/view.jinja", {"page": presenter, "form": failed}, status=status)


@require_GET
@actor_required("careplans.view_plan")
def plan_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="person's view")
    return _render_view(request, actor, plan)


def _goal_of(plan: CarePlan, goal_id: int) -> Goal:
    goal = selectors.get_goal(plan, goal_id)
    goal.plan = plan  # already read and scoped; saves the services reading it again
    return goal


def _record(
    request: HttpRequest,
    actor: Actor,
    plan: CarePlan,
    form: forms.Form,
    write: Callable[[], object],
    *,
    done: Callable[[], str],
    anchor: str,
    contents: dict[str, list[models.Model]] | None = None,
) -> HttpResponse:
    """Save what the person recorded on their view of the plan, and go back to where they were.

    ``write`` is the service call, ``done`` what to tell them once saved. If the form or the
    service refuses it, the view again (400) with the form's errors beside what they typed.
    """
    if form.is_valid():
        try:
            write()
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.info(request, done())
            return redirect(reverse("careplans:view", kwargs={"plan_id": plan.pk}) + f"#{anchor}")
    # The view finds the form that failed by its prefix ("goal-3", "note").
    return _render_view(request, actor, plan, contents=contents, bound={form.prefix or "": form}, status=400)


@require_POST
@actor_required("careplans.record_progress")
def goal_progress(request: HttpRequest, plan_id: int, goal_id: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="record progress", audited=False)
    goal = _goal_of(plan, goal_id)
    form = GoalProgressForm(request.POST, prefix=f"goal-{goal.pk}")
    return _record(
        request,
        actor,
        plan,
        form,
        lambda: plan_services.record_goal_progress(actor, goal, form.cleaned_data["achievement"]),
        done=lambda: f"Saved: {goal.get_achievement_display().lower()}.",
        anchor=f"goal-{goal.pk}",
    )


@require_POST
@actor_required("careplans.record_progress")
def action_progress(request: HttpRequest, plan_id: int, action_id: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="record progress", audited=False)
    action = selectors.get_action(plan, action_id)
    action.goal.plan = plan
    form = ActionProgressForm(request.POST, prefix=f"action-{action.pk}")
    return _record(
        request,
        actor,
        plan,
        form,
        lambda: plan_services.record_action_progress(actor, action, form.cleaned_data["status"]),
        done=lambda: f"Saved: {action.get_status_display().lower()}.",
        anchor=f"action-{action.pk}",
    )


@require_POST
@actor_required("careplans.add_note")
def note_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="add a note", audited=False)
    # Read once: the note's choices, what it is about, and the page again if it is refused.
    contents = selectors.plan_contents(plan)
    goals = [g for g in contents["goals"] if isinstance(g, Goal)]
    form = NoteForm(request.POST, prefix="note", goals=goals)

    def write() -> None:
        # The form only offers this plan's goals and actions, so the one chosen is among them.
        kind, item_id = form.target()
        goal = next((g for g in goals if kind == "goal" and g.pk == item_id), None)
        action = next((a for g in goals for a in g.actions.all() if kind == "action" and a.pk == item_id), None)
        plan_services.add_note(actor, plan, form.cleaned_data["text"], goal=goal, action=action)

    return _record(
        request, actor, plan, form, write, done=lambda: "Your note has been added.", anchor="notes", contents=contents
    )
