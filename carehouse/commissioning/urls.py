"""The commissioning pages, under ``/commissioning/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from carehouse.commissioning.views import (
    board_papers,
    business_case,
    evaluation,
    gaps,
    hierarchy,
    incentives,
    measures,
    needs,
    outcomes,
    overview,
)

app_name = "commissioning"

urlpatterns: list[URLPattern] = [
    path("", overview.overview, name="overview"),
    path("refresh", overview.refresh, name="refresh"),
    path("needs", needs.needs, name="needs"),
    path("gaps", gaps.gaps, name="gaps"),
    path("outcomes", outcomes.outcomes, name="outcomes"),
    path("process", measures.process, name="process"),
    path("hierarchy", hierarchy.hierarchy, name="hierarchy"),
    path("incentives", incentives.incentives, name="incentives"),
    path("incentives/<int:scheme_id>", incentives.scheme, name="incentive_scheme"),
    path("evaluations", evaluation.evaluations, name="evaluations"),
    path("evaluations/<int:pk>", evaluation.evaluation, name="evaluation"),
    path("business-case", business_case.business_case, name="business_case"),
    path("business-case/unit-costs/<str:activity>", business_case.unit_cost, name="unit_cost"),
    path("board-papers", board_papers.board_papers, name="board_papers"),
    path("board-papers/<int:paper_id>", board_papers.board_paper, name="board_paper"),
    path("board-papers/<int:paper_id>.pdf", board_papers.board_paper_pdf, name="board_paper_pdf"),
]
