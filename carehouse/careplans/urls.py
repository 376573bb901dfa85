"""The care and support plan pages, under ``/careplans/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from carehouse.careplans.views import budget, caseload, drafts, history, items, person, plan, preparation, printing

app_name = "careplans"

urlpatterns: list[URLPattern] = [
    path("start/<int:person_id>", plan.start, name="start"),
    path("mine", person.my_plans, name="mine"),
    path("caseload", caseload.caseload, name="caseload"),
    path("preparation/send/<int:person_id>", preparation.send, name="preparation_send"),
    path("preparation/mine", preparation.mine, name="preparation_mine"),
    path("preparation/<int:pack_id>", preparation.pack, name="preparation"),
    # One plan: the staff pages, then the person's view, budget and print.
    path("<int:plan_id>", plan.plan_page, name="plan"),
    path("<int:plan_id>/details", plan.details, name="details"),
    path("<int:plan_id>/about-me", plan.about_me, name="about_me"),
    path("<int:plan_id>/agree", plan.agree, name="agree"),
    path("<int:plan_id>/review", plan.review, name="review"),
    path("<int:plan_id>/end", plan.end, name="end"),
    path("<int:plan_id>/history", history.history, name="history"),
    path("<int:plan_id>/drafts/<str:form_key>", drafts.draft, name="draft"),
    path("<int:plan_id>/view", person.plan_view, name="view"),
    path("<int:plan_id>/goals/<int:goal_id>/progress", person.goal_progress, name="goal_progress"),
    path("<int:plan_id>/actions/<int:action_id>/progress", person.action_progress, name="action_progress"),
    path("<int:plan_id>/notes/add", person.note_add, name="note_add"),
    path("<int:plan_id>/budget", budget.budget, name="budget"),
    path("<int:plan_id>/budget/edit", budget.budget_edit, name="budget_edit"),
    path("<int:plan_id>/budget/allocate", budget.budget_allocate, name="budget_allocate"),
    path("<int:plan_id>/budget/spend", budget.budget_spend, name="budget_spend"),
    path("<int:plan_id>/print", printing.print_plan, name="print"),
    path("<int:plan_id>/plan.pdf", printing.pdf, name="pdf"),
    # The items of a plan (``services.plans.ITEM_KINDS``: goal, action, ...) come last, so that the
    # pages above ("notes/add") are matched first; an unknown kind is a 404 from the item views.
    path("<int:plan_id>/<str:kind>/add", items.item_add, name="item_add"),
    path("<int:plan_id>/<str:kind>/<int:item_id>", items.item_edit, name="item_edit"),
    path("<int:plan_id>/<str:kind>/<int:item_id>/remove", items.item_remove, name="item_remove"),
]
