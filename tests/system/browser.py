"""A Playwright page that checks every page a journey lands on.

``Visitor`` wraps a Playwright ``Page``. Its navigating actions (``visit``, ``follow``,
``submit``, ``click_and_load``, ``reload``) wait for the new page to load and then check it:
axe must find no WCAG 2.2 AA violation, and the browser must not have reported an error
(a console error such as a Content Security Policy violation, an uncaught exception, or a
failed or 4xx/5xx request for a script, stylesheet, image or font).

Pages loaded some other way (a page refreshing itself, say) are noted too; ``finish``, called
when the test ends, fails the test if any of them was never checked.

``requests_held()`` keeps the browser away from the server while the test itself works on
the database (see its docstring).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urldefrag, urlsplit

from playwright.sync_api import ConsoleMessage, Locator, Page, Request, Response, Route
from playwright.sync_api import Error as PlaywrightError

from tests.system.accessibility import assert_accessible

# Chrome logs this console error for every response with a 4xx or 5xx status, including
# the page itself when a form with errors comes back with 400 Bad Request, as ours do.
# Failed page loads are judged by the test; failed sub-resources are caught by _on_response.
FAILED_RESOURCE = "Failed to load resource: the server responded with a status of"
# Chrome aborts a request when a navigation replaces the page that made it.
ABORTED = "net::ERR_ABORTED"


def _page_key(url: str) -> str:
    return urldefrag(url).url


class BrowserProblems(AssertionError):
    pass


class Visitor:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.problems: list[str] = []
        self.loaded: list[str] = []
        self.checked: set[str] = set()
        self.in_flight: set[Request] = set()
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_request_done)
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)
        page.on("load", self._on_load)

    # What the browser reports ------------------------------------------------------------

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if message.text.startswith(FAILED_RESOURCE):
            return
        where = message.location.get("url") or self.page.url
        self.problems.append(f"Console error on {where}: {message.text}")

    def _on_page_error(self, error: Any) -> None:
        self.problems.append(f"Uncaught JavaScript error on {self.page.url}: {error}")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(
                f"{response.request.resource_type} {response.url} answered {response.status} on {self.page.url}"
            )

    def _on_request(self, request: Request) -> None:
        self.in_flight.add(request)

    def _on_request_done(self, request: Request) -> None:
        self.in_flight.discard(request)

    def _on_request_failed(self, request: Request) -> None:
        self.in_flight.discard(request)
        failure = request.failure or ""
        if ABORTED in failure:
            return
        self.problems.append(f"{request.resource_type} {request.url} failed ({failure}) on {self.page.url}")

    def _on_load(self, page: Page) -> None:
        self.loaded.append(_page_key(page.url))

    # Checks -------------------------------------------------------------------------------

    def assert_no_browser_problems(self) -> None:
        if self.problems:
            problems, self.problems = self.problems, []
            raise BrowserProblems("The browser reported problems:\n" + "\n".join(f"* {p}" for p in problems))

    def check(self) -> None:
        """Check the page now showing: no browser errors and no accessibility violations."""
        self.page.wait_for_load_state("load")
        for attempt in range(3):
            try:
                assert_accessible(self.page)
                break
            except PlaywrightError as error:
                # The page navigated itself (a job page refreshing) while axe ran: check the new one.
                if attempt == 2 or not any(word in str(error) for word in ("context", "navigat", "detached")):
                    raise
                self.page.wait_for_load_state("load")
        self.checked.add(_page_key(self.page.url))
        self.assert_no_browser_problems()

    def finish(self, *, every_page_checked: bool = True) -> None:
        """At the end of a journey: nothing went wrong in the browser and every page was checked."""
        self.assert_no_browser_problems()
        if not every_page_checked:
            return
        unchecked = [url for url in dict.fromkeys(self.loaded) if url not in self.checked]
        assert not unchecked, "Pages loaded but never checked for accessibility: " + ", ".join(unchecked)

    # Navigating ----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def visit(self, path: str) -> Response | None:
        response = self.page.goto(self.url(path))
        self.check()
        return response

    def click_and_load(self, target: Locator) -> Response | None:
        """Click something that loads a new page, wait for it, and check it."""
        with self.page.expect_navigation() as navigation:
            target.click()
        self.check()
        return navigation.value

    def follow(self, link_text: str) -> Response | None:
        return self.click_and_load(self.page.get_by_role("link", name=link_text, exact=True))

    def submit(self, button_text: str) -> Response | None:
        return self.click_and_load(self.page.get_by_role("button", name=button_text, exact=True))

    def reload(self) -> Response | None:
        response = self.page.reload()
        self.check()
        return response

    @contextmanager
    def requests_held(self, timeout: float = 10) -> Iterator[None]:
        """Hold back the browser's requests while the test uses the database itself.

        The live server shares the test's in-memory SQLite connection, so the test and a
        request must not use it at the same moment. Inside this block any new request (a page
        refreshing itself, say) waits in the browser, and requests already sent have finished.
        """
        held: list[Route] = []

        def hold(route: Route) -> None:
            held.append(route)

        self.page.route("**/*", hold)
        try:
            deadline = time.monotonic() + timeout
            while self.in_flight - {route.request for route in held}:
                assert time.monotonic() < deadline, f"Requests still running: {self.in_flight}"
                self.page.wait_for_timeout(25)
            yield
        finally:
            for route in held:
                route.continue_()
            self.page.unroute("**/*", hold)

    # Filling in forms ----------------------------------------------------------------------

    def field(self, label: str) -> Locator:
        return self.page.get_by_label(label, exact=True)

    def fill(self, label: str, value: str) -> None:
        self.field(label).fill(value)

    def fill_date(self, legend: str, day: str, month: str, year: str) -> None:
        group = self.page.get_by_role("group", name=legend)
        group.get_by_label("Day", exact=True).fill(day)
        group.get_by_label("Month", exact=True).fill(month)
        group.get_by_label("Year", exact=True).fill(year)

    def choose(self, label: str) -> None:
        self.page.get_by_role("radio", name=label, exact=True).check()

    def select(self, label: str, option: str) -> None:
        self.field(label).select_option(label=option)
