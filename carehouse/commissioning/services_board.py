"""Making and exporting board papers: each one is audited in the same transaction as the write."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from carehouse.commissioning import board
from carehouse.commissioning.dimensions import Filters
from carehouse.commissioning.models import BoardPaper
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit


def make_board_paper(actor: Actor, filters: Filters) -> BoardPaper:
    """Write a board paper for the period and area, keep it, and record that it was made."""
    require_permission(actor, "commissioning.make_board_paper")
    if actor.organisation is None:
        raise PermissionDenied("commissioning.make_board_paper")
    content = board.build_paper(actor, filters)
    with transaction.atomic():
        paper = BoardPaper.objects.create(
            organisation=actor.organisation,
            area=filters.area,
            period_start=filters.start,
            period_end=filters.end,
            created_by=actor.user,
            title=content.title[:300],
            html="",
            reading_age=content.reading_age_record(),
        )
        paper.html = board.render_html(
            content,
            pdf_href=reverse("commissioning:board_paper_pdf", args=[paper.pk]),
            back_href=reverse("commissioning:board_papers"),
        )
        paper.save(update_fields=["html"])
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=paper,
            summary=f"Made a board paper for {content.filters_text}",
            changes={"reading_age": paper.reading_age["reading_age"], "meets_target": content.meets_target},
        )
    return paper


def export_pdf(actor: Actor, paper: BoardPaper) -> bytes:
    """The paper as a PDF to download; a file leaving Carehouse, so audited as an export."""
    require_permission(actor, "commissioning.view_intelligence")
    content = board.render_pdf(paper.html)
    with transaction.atomic():
        audit.record(actor, AuditAction.EXPORT, obj=paper, summary="Downloaded the board paper as PDF")
    return content
