"""An administrator reads the audit log and checks nobody has tampered with it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from carehouse.core.demo_data import DemoSummary
from carehouse.core.models import AuditEvent, Job
from carehouse.core.tasks import verify_audit_chain
from tests.system.browser import Visitor
from tests.system.steps import sign_in

pytestmark = pytest.mark.system


def test_administrator_filters_the_audit_log_and_checks_it_is_intact(visitor: Visitor, demo: DemoSummary) -> None:
    # Given the demo administrator, signed in with their security code
    sign_in(visitor, "admin@example.org")
    page = visitor.page
    main = page.get_by_role("main")

    # When they open the audit log and filter it to sign-ins
    visitor.click_and_load(main.get_by_role("link", name="Audit log"))
    expect(main.get_by_role("heading", level=1)).to_have_text("Audit log")
    visitor.select("Action", "Signed in")
    visitor.submit("Filter")

    # Then only sign-in events are listed, and the filter keeps its value
    expect(page).to_have_url(re.compile(r"action=login"))
    expect(visitor.field("Action")).to_have_value("login")
    sign_ins = AuditEvent.objects.filter(action="login").count()
    assert sign_ins >= 1
    table = main.get_by_role("table")
    expect(table.locator("caption")).to_have_text(f"Events, newest first ({sign_ins} found)")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(sign_ins)
    for row in rows.all():
        expect(row).to_contain_text("Signed in")
    expect(table).to_contain_text("admin@example.org (Administrator, QRV)")

    # When they start the check that the audit log has not been tampered with
    visitor.submit("Check the audit log has not been tampered with")

    # Then they see the job's page, waiting for a worker (none runs in the tests), at 0%
    expect(page).to_have_url(re.compile(r"/admin/jobs/[0-9a-f-]{36}$"))
    expect(main.get_by_role("heading", level=1)).to_have_text("Check the audit log has not been tampered with")
    expect(main.get_by_role("status")).to_have_text("Waiting for a worker to start this job")
    progress = main.get_by_role("progressbar", name="Progress")
    expect(progress).to_have_attribute("value", "0")
    expect(main).to_contain_text("This page refreshes itself every 2 seconds.")
    job_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    # When a worker runs the job: here, in the test's own process. The live server shares the
    # test's database connection, so the page's own refreshes wait until the job is done.
    with visitor.requests_held():
        assert Job.objects.get(pk=job_id).status == "queued"
        result = verify_audit_chain.call(job_id)
    assert result["intact"] is True

    # Then, when the page next refreshes itself, it says the audit log is intact
    expect(main.get_by_role("status")).to_contain_text("The audit log is intact", timeout=10_000)
    visitor.check()
    expect(main.locator(".nhsuk-tag")).to_have_text("Finished")
    expect(progress).to_have_attribute("value", "100")
    expect(main).not_to_contain_text("This page refreshes itself")

    # And it still says so when they reload the page (which has stopped refreshing itself)
    visitor.reload()
    expect(main.get_by_role("status")).to_have_text(re.compile(r"^The audit log is intact: \d+ events checked$"))
