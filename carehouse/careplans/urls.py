from __future__ import annotations

from django.urls import URLPattern, path

app_name = "careplans"

# --- Practitioner plan pages (plan, items, lifecycle, history, drafts) ---
from django.urls import register_converter  # noqa: E402

from carehouse.careplans.views import drafts as draft_views  # noqa: E402
from carehouse.careplans.views import history as history_views  # noqa: E402
from carehouse.careplans.views import items as item_views  # noqa: E402
from carehouse.careplans.views import plan as plan_views  # noqa: E402

register_converter(item_views.ItemKindConverter, "plan_item")

urlpatterns: list[URLPattern] = [
    path("start/<int:person_id>", plan_views.start, name="start"),
    path("<int:plan_id>", plan_views.plan_page, name="plan"),
    path("<int:plan_id>/details", plan_views.details, name="details"),
    path("<int:plan_id>/about-me", plan_views.about_me, name="about_me"),
    path("<int:plan_id>/agree", plan_views.agree, name="agree"),
    path("<int:plan_id>/review", plan_views.review, name="review"),
    path("<int:plan_id>/end", plan_views.end, name="end"),
    path("<int:plan_id>/history", history_views.history, name="history"),
    path("<int:plan_id>/drafts/<str:form_key>", draft_views.draft, name="draft"),
    path("<int:plan_id>/<plan_item:kind>/add", item_views.item_add, name="item_add"),
    path("<int:plan_id>/<plan_item:kind>/<int:item_id>", item_views.item_edit, name="item_edit"),
    path("<int:plan_id>/<plan_item:kind>/<int:item_id>/remove", item_views.item_remove, name="item_remove"),
]
# --- end practitioner plan pages ---

# --- Person view, progress, notes, preparation packs, caseload, budget, print ---
from carehouse.careplans.views import budget as budget_views  # noqa: E402
from carehouse.careplans.views import caseload as caseload_views  # noqa: E402
from carehouse.careplans.views import person as person_views  # noqa: E402
from carehouse.careplans.views import preparation as preparation_views  # noqa: E402
from carehouse.careplans.views import printing as printing_views  # noqa: E402

urlpatterns += [
    path("mine", person_views.my_plans, name="mine"),
    path("<int:plan_id>/view", person_views.plan_view, name="view"),
    path("<int:plan_id>/goals/<int:goal_id>/progress", person_views.goal_progress, name="goal_progress"),
    path("<int:plan_id>/actions/<int:action_id>/progress", person_views.action_progress, name="action_progress"),
    path("<int:plan_id>/notes/add", person_views.note_add, name="note_add"),
    path("preparation/send/<int:person_id>", preparation_views.send, name="preparation_send"),
    path("preparation/mine", preparation_views.mine, name="preparation_mine"),
    path("preparation/<int:pack_id>", preparation_views.pack, name="preparation"),
    path("caseload", caseload_views.caseload, name="caseload"),
    path("<int:plan_id>/budget", budget_views.budget, name="budget"),
    path("<int:plan_id>/budget/edit", budget_views.budget_edit, name="budget_edit"),
    path("<int:plan_id>/budget/allocate", budget_views.budget_allocate, name="budget_allocate"),
    path("<int:plan_id>/budget/spend", budget_views.budget_spend, name="budget_spend"),
    path("<int:plan_id>/print", printing_views.print_plan, name="print"),
    path("<int:plan_id>/plan.pdf", printing_views.pdf, name="pdf"),
]
# --- end person view etc. ---
