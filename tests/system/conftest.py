"""Fixtures for the browser journeys: Debian's Chromium, the live server and the demo data.

Every journey gets a ``visitor``: a Playwright page on the live server that checks each page
it lands on with axe and fails on any browser error (see ``browser.py``).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Generator, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, connections
from django.db.models.signals import post_migrate
from django.test import override_settings
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from carehouse.core import demo_data
from tests.system.browser import Visitor

# Playwright's sync API runs an event loop in the main thread; Django must still let the
# tests use the ORM there (carehouse/conftest.py sets this too, for the tests under it).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system's Chromium (no downloaded Playwright browsers on this machine)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(django_db_setup: None, live_server: LiveServer) -> LiveServer:
    """pytest-django's live server, stopped before the test databases are dropped.

    Depending on ``django_db_setup`` makes pytest tear the server (and its thread's database
    connection) down first; otherwise PostgreSQL refuses to drop a database still in use.
    """
    return live_server


@pytest.fixture(scope="session", autouse=True)
def case_finding_folders_for_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Extracts and case finding work (the demo data writes both) go to a temporary folder, never the project's."""
    base = tmp_path_factory.mktemp("case-finding")
    with override_settings(POPULATION_EXTRACTS_DIR=base / "extracts", CASEFINDING_WORK_DIR=base / "work"):
        yield


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Journeys run against the live server (this also replaces pytest-playwright's fallback)."""
    return live_server.url


# The migration that makes the audit table append-only with database triggers.
append_only = importlib.import_module("carehouse.core.migrations.0002_audit_append_only")
RESTORE_TRIGGERS = "tests.system.restore_audit_triggers"


def _put_back_audit_triggers(using: str = "default", **kwargs: Any) -> None:
    """Make the audit table append-only again (whether or not the triggers are there now)."""
    post_migrate.disconnect(sender=apps.get_app_config("core"), dispatch_uid=RESTORE_TRIGGERS)
    with connections[using].schema_editor() as editor:
        append_only.backwards(None, editor)
        append_only.forwards(None, editor)


@pytest.fixture
def flushable_audit_log(transactional_db: None) -> Iterator[None]:
    """The audit log stays append-only during the journey, and is emptied after it.

    A journey against the live server cannot run inside a transaction that is rolled back,
    so pytest-django empties every table afterwards ("flush"), which the audit triggers
    forbid. Lift them just before the flush and put them back straight after it: the flush
    ends by sending ``post_migrate``. Other tests in the same process see them as usual.
    """
    _put_back_audit_triggers()
    yield
    with connection.schema_editor() as editor:
        append_only.backwards(None, editor)
    post_migrate.connect(
        _put_back_audit_triggers, sender=apps.get_app_config("core"), dispatch_uid=RESTORE_TRIGGERS, weak=False
    )


@pytest.fixture
def demo(flushable_audit_log: None) -> demo_data.DemoSummary:
    """The demo organisations, users and a dozen people, in the test database."""
    return demo_data.seed(people=12, seed_value=1)


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture
def visitor(page: Page, base_url: str, flushable_audit_log: None, request: pytest.FixtureRequest) -> Iterator[Visitor]:
    """A browser page on the live server that checks every page it lands on.

    Add ``--screenshot only-on-failure`` or ``--tracing retain-on-failure`` to keep evidence
    of a failing journey in ``test-results/``.
    """
    page.set_default_timeout(10_000)
    visitor = Visitor(page, base_url)
    yield visitor
    # After a failure, still report what the browser complained of (it may be the cause),
    # but not the pages the journey never reached the check of.
    visitor.finish(every_page_checked=not request.node.stash.get(CALL_FAILED, False))
