"""The printable plan and its PDF: the whole plan, accessible, for staff, the person and carers; audited."""

from __future__ import annotations

import itertools
import re
import zlib
from html import unescape

import pytest
from django.utils import timezone

from carehouse.careplans.services import plans as services
from carehouse.careplans.tests.conftest import GOAL
from carehouse.careplans.views.printing import render_pdf, stylesheet_path
from carehouse.conftest import sign_in
from carehouse.core.models import AuditEvent
from carehouse.core.roles import Role


def pdf_text(content: bytes) -> bytes:
    """The PDF with its compressed streams inflated, so that its structure can be searched."""
    inflated = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            inflated.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return content + b"".join(inflated)


@pytest.fixture
def plan(agreed_plan):
    return agreed_plan


def test_the_print_view_has_the_whole_plan_with_headings_in_order(as_priya, plan):
    response = as_priya.get(f"/careplans/{plan.pk}/print")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = unescape(response.content.decode())
    assert '<html lang="en-GB">' in html
    assert "<title>My care and support plan: Mary Seacole</title>" in html
    assert f"Goal 1: {GOAL}" in html
    assert "My grandson Sam" in html
    assert "Walk to the end of the road" in html
    assert "A chest infection" in html
    assert "943 476 5919" in html
    assert f"Printed on {timezone.localdate().day} {timezone.localdate():%B %Y}" in html
    assert 'href="/static/css/print.css"' in html
    # No navigation chrome: no site header, navigation or search.
    assert "nhsuk-header" not in html
    assert "<nav" not in html
    # Headings go down one level at a time, starting from a single h1.
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    assert headings[:4] == ["What matters to me", "My goals and what I will do", "If things get worse", "My review"]


def test_printing_is_an_audited_read(as_priya, plan, mary):
    as_priya.get(f"/careplans/{plan.pk}/print")
    event = AuditEvent.objects.filter(action="read", purpose="print").get()
    assert event.object_id == str(plan.pk)
    assert event.person_id == mary.pk


def test_the_print_stylesheet_is_on_disk_with_print_styles():
    css = stylesheet_path()
    assert css.is_file()
    assert "@media print" in css.read_text()


def test_the_pdf_is_a_tagged_pdf_of_the_plan(as_priya, plan, mary):
    response = as_priya.get(f"/careplans/{plan.pk}/plan.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="care-and-support-plan-{plan.pk}.pdf"'
    content = response.content
    assert content.startswith(b"%PDF")
    searchable = pdf_text(content)
    assert b"/StructTreeRoot" in searchable
    assert b"/MarkInfo" in searchable
    # The goal is a heading, so it is in the PDF's outline (bookmarks) as text.
    assert f"Goal 1: {GOAL}".encode() in searchable
    event = AuditEvent.objects.filter(action="export").get()
    assert event.object_type == "careplans.CarePlan"
    assert event.object_id == str(plan.pk)
    assert event.person_id == mary.pk
    assert event.summary == "Exported the care plan as PDF"
    assert not AuditEvent.objects.filter(action="read", purpose="export as PDF").exists()


def test_the_pdf_is_made_from_the_print_html(as_priya, plan):
    """What the PDF says is what the print view says: the same template, without the screen-only links."""
    html = as_priya.get(f"/careplans/{plan.pk}/print").content.decode()
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert f"Goal 1: {GOAL}".encode() in pdf_text(pdf)


def test_the_pdf_never_fetches_over_the_network(as_priya, plan):
    html = '<html lang="en"><head><title>t</title><link rel="stylesheet" href="https://example.org/x.css"></head>'
    html += '<body><h1>Hello</h1><img src="http://example.org/x.png" alt="x"></body></html>'
    pdf = render_pdf(html)  # would hang or fail on a network fetch; the fetcher refuses it
    assert pdf.startswith(b"%PDF")


def test_the_person_and_a_carer_can_print_the_plan(client, plan, mary_user, carer_user, carer_consent):
    sign_in(client, mary_user, role=Role.PERSON)
    assert GOAL in unescape(client.get(f"/careplans/{plan.pk}/print").content.decode())
    assert client.get(f"/careplans/{plan.pk}/plan.pdf").content.startswith(b"%PDF")

    sign_in(client, carer_user, role=Role.CARER)
    assert client.get(f"/careplans/{plan.pk}/print").status_code == 200
    assert AuditEvent.objects.filter(action="export", actor_role="carer").count() == 0
    assert client.get(f"/careplans/{plan.pk}/plan.pdf").status_code == 200
    assert AuditEvent.objects.filter(action="export", actor_role="carer").count() == 1


def test_a_draft_printed_by_staff_says_it_is_a_draft(as_priya, staff, mary):
    draft = services.start_plan(staff, mary)
    html = as_priya.get(f"/careplans/{draft.pk}/print").content.decode()
    assert "Draft: this plan has not been agreed yet." in html


def test_another_practice_gets_not_found(client, signed_in, omar, plan):
    signed_in(client, omar)
    assert client.get(f"/careplans/{plan.pk}/print").status_code == 404
    assert client.get(f"/careplans/{plan.pk}/plan.pdf").status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()
