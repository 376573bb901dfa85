"""Board papers: the list with a "Make a board paper" button, each paper as a page, and its PDF."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.commissioning import board, services_board
from carehouse.commissioning.dimensions import parse_filters
from carehouse.commissioning.views import filters_of, page_context
from carehouse.core.rules import has_permission
from carehouse.core.views import actor_of, actor_required


@require_http_methods(["GET", "POST"])
@actor_required("commissioning.view_intelligence")
def board_papers(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    filters = filters_of(request)
    status = 200
    if request.method == "POST":
        filters = parse_filters(actor, request.POST, today=timezone.localdate())
        if not filters.errors:
            paper = services_board.make_board_paper(actor, filters)
            return redirect("commissioning:board_paper", paper_id=paper.pk)
        status = 400
    context = page_context(
        request,
        filters,
        papers=list(board.papers_of(actor)[:50]),
        can_make=has_permission(actor, "commissioning.make_board_paper"),
        posted_errors=filters.errors if request.method == "POST" else {},
    )
    if request.method != "POST":
        context.pop("page_error_items", None)  # only the form's own errors belong on this page
    return render(request, "commissioning/board_papers.jinja", context, status=status)


@require_GET
@actor_required("commissioning.view_intelligence")
def board_paper(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper = board.get_paper(actor_of(request), paper_id)
    response = HttpResponse(paper.html)
    response["Cache-Control"] = "private, no-store"
    allow_own_styles(response, paper.html)
    return response


INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def allow_own_styles(response: HttpResponse, html: str) -> None:
    """Let the paper's own stylesheet (written into it, so the file stands alone) through the CSP, by hash."""
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'"
        for style in INLINE_STYLE.findall(html)
    ]
    config: dict[str, Any] = dict(settings.SECURE_CSP)
    config["style-src"] = [*config.get("style-src", []), *hashes]
    response._csp_config = config  # type: ignore[attr-defined]  # read by Django's CSP middleware


@require_GET
@actor_required("commissioning.view_intelligence")
def board_paper_pdf(request: HttpRequest, paper_id: int) -> HttpResponse:
    actor = actor_of(request)
    paper = board.get_paper(actor, paper_id)
    content = services_board.export_pdf(actor, paper)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="board-paper-{paper.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
