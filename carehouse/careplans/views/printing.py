"""The whole plan to print or keep: an accessible HTML page, and the same page as a tagged PDF.

NHS England's second criterion is that the person has a copy of their plan they can share. The
HTML has its headings in reading order and no navigation, with print styles. The PDF is that
HTML rendered by WeasyPrint as PDF/UA-1 (tagged, with a title and language) so screen readers
can read it; its styles come from the static files on disk and nothing is fetched over the
network. Printing is an audited read; the PDF, a file that leaves Carehouse, is an export.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from carehouse.careplans import selectors, selectors_person
from carehouse.careplans.models import CarePlan
from carehouse.careplans.presenters import format_date
from carehouse.careplans.presenters_person import PrintPresenter
from carehouse.careplans.services import budget as budget_services
from carehouse.core.actor import Actor
from carehouse.core.views import actor_of, actor_required

PRINT_CSS = "css/print.css"


def _presenter(actor: Actor, plan: CarePlan) -> PrintPresenter:
    held = selectors.budget_of(plan)
    return PrintPresenter(
        plan,
        actor,
        contents=selectors.plan_contents(plan),
        budget=budget_services.summarise(held) if held is not None else None,
        printed_on=format_date(timezone.localdate()),
    )


@require_GET
@actor_required("careplans.view_plan")
def print_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="print")
    html = render_to_string(
        "careplans/print.jinja", {"page": _presenter(actor, plan), "for_pdf": False}, request=request
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    return response


def stylesheet_path() -> Path:
    """The print stylesheet on disk (from the app's static folder, or the collected static files)."""
    found = finders.find(PRINT_CSS)
    if isinstance(found, list):
        found = found[0] if found else None
    if found:
        return Path(found)
    return Path(settings.STATIC_ROOT or "") / PRINT_CSS


def render_pdf(html: str) -> bytes:
    """HTML to a tagged PDF/UA-1; only files beside the stylesheet may be read, never the network."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    css = stylesheet_path()
    fetcher = URLFetcher(allowed_protocols={"file"})
    document = HTML(string=html, base_url=str(css.parent), url_fetcher=fetcher)
    pdf = document.write_pdf(stylesheets=[CSS(filename=str(css), url_fetcher=fetcher)], pdf_variant="pdf/ua-1")
    assert isinstance(pdf, bytes)
    return pdf


@require_GET
@actor_required("careplans.view_plan")
def pdf(request: HttpRequest, plan_id: int) -> HttpResponse:
    actor = actor_of(request)
    plan = selectors.get_plan(actor, plan_id, purpose="export as PDF", audited=False)
    html = render_to_string(
        "careplans/print.jinja", {"page": _presenter(actor, plan), "for_pdf": True}, request=request
    )
    content = render_pdf(html)
    selectors_person.record_export(actor, plan, file_format="pdf", purpose="export as PDF")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="care-and-support-plan-{plan.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
