"""The practitioner's care and support plan pages: start, the plan itself, its details and About me,
agreeing, reviewing and ending it.

Thin views: read through ``selectors`` (scoped and audited; a plan the actor may not see is a
404), write through ``services.plans`` (one transaction with the revision and audit event),
format with ``presenters``. Every form carries the plan version it was opened at; a save after
someone else's answers 409 with the user's typing kept and the differences shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans import selectors
from carehouse.careplans.forms import (
    AboutMeForm,
    AgreeForm,
    EndPlanForm,
    PlanDetailsForm,
    ReviewNotesForm,
    StartPlanForm,
    StartReviewForm,
    VersionedForm,
)
from carehouse.careplans.models import CarePlan, PlanStatus
from carehouse.careplans.pathways import template_for
from carehouse.careplans.presenters import Conflict, PlanPresenter, PreparationPresenter, short_name, status_tag
from carehouse.careplans.services import plans as services
from carehouse.careplans.views import drafts
from carehouse.core.actor import Actor
from carehouse.core.roles import Role
from carehouse.core.rules import has_permission
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.measures.guidance import plan_panel as measures_panel
from carehouse.people import selectors as people_selectors

CONFLICT_MESSAGE = "Someone else changed this plan after you opened it. Your changes have not been saved"


# Shared by the plan and item pages ------------------------------------------------------------


def conflict_form[F: forms.Form](
    request: HttpRequest,
    make_form: Callable[[Any], F],
    conflict: services.PlanConflict,
    saved: Mapping[str, Any] | None,
    *,
    message: str = CONFLICT_MESSAGE,
) -> tuple[F, Conflict]:
    """The user's typing, re-bound to the version now stored, and how it differs from what is saved.

    The next save goes through on purpose: the user has seen what changed and chosen to keep
    their version. Shared by every page that changes a plan (the budget pages too).
    """
    data = request.POST.copy()
    data["version"] = str(conflict.current.version)
    form = make_form(data)
    form.is_valid()
    details = Conflict.of(form, saved, conflict.since)
    form.add_error(None, message)
    return form, details


def back_to_plan(plan: CarePlan, anchor: str = "") -> HttpResponse:
    return redirect(reverse("careplans:plan", kwargs={"plan_id": plan.pk}) + (f"#{anchor}" if anchor else ""))


@dataclass
class PlanForm[F: VersionedForm]:
    """One form on a plan page, opened and saved the same way on every page that changes a plan.

    ``make(data=None, **kwargs)`` builds the form; ``extra`` is what the template needs besides
    the plan, the form and the autosave key.
    """

    request: HttpRequest
    actor: Actor
    plan: CarePlan
    template: str
    key: str
    make: Callable[..., F]
    extra: dict[str, Any] = field(default_factory=dict)

    def page(
        self,
        form: F,
        *,
        plan: CarePlan | None = None,
        restored: drafts.Restored | None = None,
        conflict: Conflict | None = None,
    ) -> HttpResponse:
        """Render the form: 200, or 400 with the error summary, or 409 after a conflict."""
        shown = plan or self.plan
        context = {
            "plan": shown,
            "name": short_name(shown.person),
            "form": form,
            "autosave_url": reverse("careplans:draft", kwargs={"plan_id": shown.pk, "form_key": self.key}),
            "restored": restored,
            "conflict": conflict,
            **self.extra,
        }
        status = 409 if conflict is not None else 400 if form.errors else 200
        return render(self.request, self.template, context, status=status)

    def open(self, saved: Mapping[str, Any], *, restore: bool = True) -> HttpResponse:
        """The form filled in with what is saved, or with the user's unsaved typing if it is newer."""
        restored = drafts.restore(self.actor, self.plan, self.key, self.make()) if restore else None
        initial = restored.initial if restored else {**saved, "version": self.plan.version}
        return self.page(self.make(initial=initial), restored=restored)

    def save(
        self,
        write: Callable[[F], object],
        *,
        saved: Callable[[CarePlan], Mapping[str, Any] | None],
        done: str,
        then: HttpResponse,
    ) -> HttpResponse:
        """Save the posted form through ``write`` (a service call), then say ``done`` and go on to ``then``.

        A refused save shows the form again: 400 with the service's errors beside the fields, or
        409 when someone else saved first, with the user's typing kept and how it differs from
        ``saved(current plan)`` (None when the item has since been removed).
        """
        form = self.make(self.request.POST)
        if form.is_valid():
            try:
                write(form)
            except ValidationError as error:
                show_errors(form, error)
            except services.PlanConflict as conflict:
                form, differences = conflict_form(self.request, self.make, conflict, saved(conflict.current))
                return self.page(form, plan=conflict.current, conflict=differences)
            else:
                drafts.discard(self.actor, self.key)
                messages.info(self.request, done)
                return then
        return self.page(form)


# Starting a plan ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required("careplans.start_plan")
def start(request: HttpRequest, person_id: int) -> HttpResponse:
    """Choose a pathway template and start a draft plan, bringing in the person's preparation pack."""
    actor = actor_of(request)
    person = people_selectors.get_person(actor, person_id, purpose="start a care and support plan")
    pack = selectors.latest_answered_pack(person)
    open_plans = [p for p in selectors.plans_for_person(actor, person) if p.is_open]
    initial = {"template": pack.template} if pack is not None and template_for(pack.template) else {}
    form = StartPlanForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.start_plan(actor, person, template=form.template_key, preparation_pack=pack)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.info(request, "The draft plan has been started.")
            return back_to_plan(plan)
    context = {
        "person": person,
        "name": short_name(person),
        "form": form,
        "preparation": PreparationPresenter(pack, person) if pack is not None else None,
        "open_plans": [{"plan": p, "status": status_tag(p)} for p in open_plans],
    }
    return render(request, "careplans/plan/start.jinja", context, status=400 if form.errors else 200)


# The plan page --------------------------------------------------------------------------------


@require_GET
@actor_required("careplans.view_plan")
def plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The whole plan for staff, opening with what the person said they would like to talk about."""
    actor = actor_of(request)
    if not has_permission(actor, "careplans.edit_plan"):
        if actor.role in (Role.PERSON, Role.CARER):
            return redirect("careplans:view", plan_id=plan_id)
        raise PermissionDenied("careplans.edit_plan")
    plan = selectors.get_plan(actor, plan_id)
    page = PlanPresenter(
        plan,
        actor,
        contents=selectors.plan_contents(plan),
        notes=selectors.notes_of(plan),
        open_review=selectors.open_review(plan),
    )
    context = {"page": page, "measures": measures_panel(actor, plan.person, plan)}
    return render(request, "careplans/plan/plan.jinja", context)


# Details and About me -------------------------------------------------------------------------


def _details_saved(plan: CarePlan) -> dict[str, Any]:
    return {
        "title": plan.title,
        "formulation": plan.formulation,
        "funding_source": plan.funding_source,
        "other_documents": plan.other_documents,
        "key_worker": str(plan.key_worker_id or ""),
        "review_owner": str(plan.review_owner_id or ""),
        "next_review_due": plan.next_review_due,
    }


@require_http_methods(["GET", "POST"])
@actor_required("careplans.edit_plan")
def details(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Name, formulation, funding, other documents, named key worker and the review."""
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="change plan details")
    care_team = people_selectors.care_team_for(plan.person)

    def make(data: Any = None, **kwargs: Any) -> PlanDetailsForm:
        return PlanDetailsForm(data, care_team=care_team, **kwargs)

    page = PlanForm(request, actor, plan, "careplans/plan/details.jinja", drafts.form_key(plan, "details"), make)
    if request.method == "POST":
        return page.save(
            lambda form: services.update_plan_details(
                actor, plan, form.data_for_service(), expected_version=form.expected_version
            ),
            saved=_details_saved,
            done="The plan details have been saved.",
            then=back_to_plan(plan, "details"),
        )
    return page.open(_details_saved(plan))


def _about_saved(plan: CarePlan) -> dict[str, Any]:
    return {name: getattr(plan, name) for name in services.ABOUT_ME_FIELDS}


@require_http_methods(["GET", "POST"])
@actor_required("careplans.edit_about_me")
def about_me(request: HttpRequest, plan_id: int) -> HttpResponse:
    """About me, in the person's own words: written by the person, or by staff with them."""
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="write About me")
    is_person = actor.role == Role.PERSON
    back = reverse("careplans:view" if is_person else "careplans:plan", kwargs={"plan_id": plan.pk})
    page = PlanForm(
        request,
        actor,
        plan,
        "careplans/plan/about_me.jinja",
        drafts.form_key(plan, drafts.ABOUT_ME),
        AboutMeForm,
        {"back": back, "is_person": is_person},
    )
    if request.method == "POST":
        return page.save(
            lambda form: services.update_about_me(
                actor, plan, form.data_for_service(), expected_version=form.expected_version
            ),
            saved=_about_saved,
            done="About me has been saved.",
            then=redirect(back if is_person else back + "#about-me"),
        )
    return page.open(_about_saved(plan))


# Agreeing, reviewing and ending ----------------------------------------------------------------


def _agree_saved(plan: CarePlan) -> dict[str, Any]:
    return {
        "agreed_with": plan.agreed_with,
        "agreed_with_name": plan.agreed_with_name,
        "next_review_due": plan.next_review_due,
    }


@require_http_methods(["GET", "POST"])
@actor_required("careplans.agree_plan")
def agree(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Agree the plan with the person and set the review date; the same page completes a review."""
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="agree the plan")
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.UNDER_REVIEW):
        messages.info(request, f"This plan is {plan.get_status_display().lower()}: there is nothing to agree.")
        return back_to_plan(plan)
    reviewing = plan.status == PlanStatus.UNDER_REVIEW
    page = PlanForm(
        request,
        actor,
        plan,
        "careplans/plan/agree.jinja",
        drafts.form_key(plan, "agree"),
        AgreeForm,
        {"reviewing": reviewing, "review": selectors.open_review(plan)},
    )
    if request.method == "POST":

        def write(form: AgreeForm) -> None:
            data = form.cleaned_data
            services.agree_plan(
                actor,
                plan,
                agreed_with=data["agreed_with"] or "",
                agreed_with_name=data["agreed_with_name"] or "",
                next_review_due=data["next_review_due"],
                expected_version=form.expected_version,
            )

        return page.save(
            write,
            saved=_agree_saved,
            done="The review is complete." if reviewing else "The plan has been agreed.",
            then=back_to_plan(plan),
        )
    saved = _agree_saved(plan)
    if reviewing:
        saved["next_review_due"] = None  # a review sets the next date afresh
    return page.open(saved)


@require_http_methods(["GET", "POST"])
@actor_required("careplans.review_plan")
def review(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Start a review (who is taking part), then record what was said; agreeing again completes it."""
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="review the plan")
    if plan.status not in (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW):
        messages.info(request, "Only an agreed plan can be reviewed.")
        return back_to_plan(plan)
    current_review = selectors.open_review(plan)
    starting = plan.status == PlanStatus.ACTIVE
    form_class: type[StartReviewForm] | type[ReviewNotesForm] = StartReviewForm if starting else ReviewNotesForm
    page = PlanForm[VersionedForm](
        request,
        actor,
        plan,
        "careplans/plan/review.jinja",
        drafts.form_key(plan, "review"),
        form_class,
        {"starting": starting, "review": current_review},
    )
    saved: dict[str, Any] = {}
    if current_review is not None:
        saved = {"attendees": current_review.attendees, "summary": current_review.summary}
    if request.method == "POST":

        def write(form: VersionedForm) -> None:
            data = form.cleaned_data
            if starting:
                services.start_review(actor, plan, attendees=data["attendees"], expected_version=form.expected_version)
            else:
                services.record_review_notes(
                    actor,
                    plan,
                    summary=data["summary"],
                    attendees=data["attendees"],
                    expected_version=form.expected_version,
                )

        if starting:
            done, then = "The review has started.", redirect("careplans:review", plan_id=plan.pk)
        else:
            done = "What was said has been saved. Agree the plan again to complete the review."
            then = redirect("careplans:agree", plan_id=plan.pk)
        # Before anything is recorded, only who is taking part can clash.
        clash = saved or {"attendees": ""}
        return page.save(write, saved=lambda current: clash, done=done, then=then)
    return page.open(saved)


@require_http_methods(["GET", "POST"])
@actor_required("careplans.agree_plan")
def end(request: HttpRequest, plan_id: int) -> HttpResponse:
    """End the plan: completed, stopped, or entered in error, with the reason."""
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="end the plan")
    if not plan.is_open:
        messages.info(request, f"This plan is already {plan.get_status_display().lower()}.")
        return back_to_plan(plan)
    page = PlanForm(request, actor, plan, "careplans/plan/end.jinja", drafts.form_key(plan, "end"), EndPlanForm)
    if request.method == "POST":
        return page.save(
            lambda form: services.end_plan(
                actor,
                plan,
                PlanStatus(form.cleaned_data["outcome"]),
                reason=form.cleaned_data["reason"],
                expected_version=form.expected_version,
            ),
            saved=lambda current: {},
            done="The plan has ended.",
            then=back_to_plan(plan),
        )
    return page.open({})
