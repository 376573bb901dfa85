"""Accessibility checks with axe-core: every page a journey visits must meet WCAG 2.2 AA.

``assert_accessible(page)`` runs axe on the page as it is now, limited to the WCAG 2.0,
2.1 and 2.2 level A and AA rules, and fails with a readable report of each violation:
the rule, why it matters, and the elements that break it.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

#: Rules switched off, each with the reason. Only documented false positives of the
#: NHS.UK frontend belong here; a real problem is fixed in the template instead.
EXCLUDED_RULES: dict[str, str] = {}

_axe = Axe()


def axe_options() -> dict[str, Any]:
    return {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in EXCLUDED_RULES},
    }


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG A and AA violations axe finds on the page now."""
    results = _axe.run(page, options=axe_options())
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def format_violations(url: str, title: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url} ({title!r}):"]
    for violation in violations:
        tags = ", ".join(t for t in violation.get("tags", []) if t.startswith("wcag"))
        lines.append("")
        lines.append(f"* {violation['id']} ({violation.get('impact') or 'no impact given'}; {tags})")
        lines.append(f"  {violation['help']}: {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"  - {target}")
            lines.append(f"    {' '.join(node['html'].split())[:300]}")
            summary = node.get("failureSummary")
            if summary:
                lines.extend(f"    {line.strip()}" for line in summary.splitlines() if line.strip())
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail if axe finds any WCAG 2.0/2.1/2.2 A or AA violation on the page."""
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, page.title(), violations)
