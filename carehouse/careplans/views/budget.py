"""Personal health budget pages: the summary, setting it up, allocating it and recording spending.

Staff with ``careplans.manage_budget`` use these pages; the person and their carers see a
read-only summary on their own view of the plan. Every rule about money (nothing allocated
beyond the agreed budget, no overspend without a confirmed reason, corrections as negative
entries) is the service's: the pages show its messages beside the field they are about.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans import selectors, selectors_person
from carehouse.careplans.forms_person import AllocationForm, BudgetForm, SpendForm
from carehouse.careplans.models import CarePlan, PersonalHealthBudget
from carehouse.careplans.presenters import Conflict, short_name
from carehouse.careplans.presenters_person import BudgetView, staff_plan_url
from carehouse.careplans.services import budget as budget_services
from carehouse.careplans.services.plans import PlanConflict
from carehouse.careplans.views.plan import conflict_form
from carehouse.core.actor import Actor
from carehouse.core.views import actor_of, actor_required, show_errors

CONFLICT_MESSAGE = (
    "Someone else changed this plan after you opened this page, so nothing has been saved. "
    "Your typing is kept below: check it against what is now saved, then save again."
)


def _context(plan: CarePlan, **extra: Any) -> dict[str, Any]:
    return {"plan": plan, "name": short_name(plan.person), "plan_url": staff_plan_url(plan), **extra}


def _form_page[F: forms.Form](
    request: HttpRequest,
    plan: CarePlan,
    template: str,
    form: F,
    *,
    rebuild: Callable[[QueryDict], F],
    write: Callable[[F], object],
    done: Callable[[F], str],
    **context: Any,
) -> HttpResponse:
    """A budget form: shown, or saved through ``write`` (a service call) and back to the budget saying ``done``.

    A refused save shows the form again: 400 with the service's messages beside the fields, or
    409 when someone else saved the plan first, with the typing kept (``rebuild``) and the saves
    since, as the plan pages show a conflict.
    """
    conflict: Conflict | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                write(form)
            except PlanConflict as refused:
                form, conflict = conflict_form(request, rebuild, refused, {}, message=CONFLICT_MESSAGE)
                status = 409
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.info(request, done(form))
                return redirect("careplans:budget", plan_id=plan.pk)
    return render(request, template, _context(plan, form=form, conflict=conflict, **context), status=status)


def _plan_and_budget(
    request: HttpRequest, plan_id: int, *, purpose: str
) -> tuple[Actor, CarePlan, PersonalHealthBudget | None]:
    """Who is asking, the plan (read for ``purpose``: scoped and audited) and its budget if it has one."""
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose=purpose)
    return actor, plan, selectors.budget_of(plan)


def _set_up_first(request: HttpRequest, plan: CarePlan) -> HttpResponse:
    """Allocating and spending need a budget: send the user to set one up."""
    messages.info(request, "Set up the personal health budget first.")
    return redirect("careplans:budget_edit", plan_id=plan.pk)


@require_GET
@actor_required("careplans.manage_budget")
def budget(request: HttpRequest, plan_id: int) -> HttpResponse:
    _, plan, held = _plan_and_budget(request, plan_id, purpose="personal health budget")
    summary = None
    if held is not None:
        summary = BudgetView(budget_services.summarise(held), spends=selectors_person.spends_of(held))
    return render(request, "careplans/budget/summary.jinja", _context(plan, summary=summary))


@require_http_methods(["GET", "POST"])
@actor_required("careplans.manage_budget")
def budget_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor, plan, held = _plan_and_budget(request, plan_id, purpose="change personal health budget")
    return _form_page(
        request,
        plan,
        "careplans/budget/edit.jinja",
        BudgetForm(request.POST or None, initial=BudgetForm.initial_for(held, plan.version)),
        rebuild=BudgetForm,
        write=lambda form: budget_services.set_budget(
            actor, plan, form.data_for_service(), expected_version=form.expected_version
        ),
        done=lambda form: "The personal health budget has been saved.",
        setting_up=held is None,
    )


@require_http_methods(["GET", "POST"])
@actor_required("careplans.manage_budget")
def budget_allocate(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor, plan, held = _plan_and_budget(request, plan_id, purpose="allocate personal health budget")
    if held is None:
        return _set_up_first(request, plan)
    actions = selectors_person.actions_of(plan)
    return _form_page(
        request,
        plan,
        "careplans/budget/allocate.jinja",
        AllocationForm(request.POST or None, actions=actions, initial={"version": plan.version}),
        rebuild=lambda data: AllocationForm(data, actions=actions),
        write=lambda form: budget_services.add_allocation(
            actor,
            plan,
            description=form.cleaned_data["description"],
            amount=form.cleaned_data["amount"],
            action=form.chosen_action(),
            expected_version=form.expected_version,
        ),
        done=lambda form: "The allocation has been added.",
        summary=BudgetView(budget_services.summarise(held)),
    )


@require_http_methods(["GET", "POST"])
@actor_required("careplans.manage_budget")
def budget_spend(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor, plan, held = _plan_and_budget(request, plan_id, purpose="record personal health budget spending")
    if held is None:
        return _set_up_first(request, plan)
    summary = budget_services.summarise(held)
    allocations = [line.allocation for line in summary.lines]
    return _form_page(
        request,
        plan,
        "careplans/budget/spend.jinja",
        SpendForm(request.POST or None, allocations=allocations),
        rebuild=lambda data: SpendForm(data, allocations=allocations),
        write=lambda form: budget_services.record_spend(
            actor,
            plan,
            spent_on=form.cleaned_data["spent_on"],
            payee=form.cleaned_data["payee"],
            description=form.cleaned_data["description"],
            amount=form.cleaned_data["amount"],
            allocation=form.chosen_allocation(),
            confirm_overspend=form.cleaned_data["confirm_overspend"],
            overspend_reason=form.cleaned_data["overspend_reason"],
        ),
        done=lambda form: f"The {'correction' if form.cleaned_data['amount'] < 0 else 'spending'} has been recorded.",
        summary=BudgetView(summary),
    )
