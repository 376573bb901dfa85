"""The pages anyone can see without signing in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.system.browser import Visitor

pytestmark = pytest.mark.system


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Carehouse"),
        ("/accessibility", "Accessibility statement"),
        ("/privacy", "How we use your information"),
    ],
    ids=["landing", "accessibility", "privacy"],
)
def test_public_page_is_accessible(visitor: Visitor, path: str, heading: str) -> None:
    # When someone who has not signed in opens the page
    response = visitor.visit(path)

    # Then it loads, with its heading, and axe finds nothing to fix (checked by the visitor)
    assert response is not None
    assert response.ok
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text(heading)


def test_landing_page_leads_to_sign_in(visitor: Visitor) -> None:
    # Given someone on the landing page
    visitor.visit("/")

    # When they choose to sign in
    visitor.click_and_load(visitor.page.get_by_role("button", name="Sign in"))

    # Then they see the sign-in form
    expect(visitor.page).to_have_title("Sign in - Carehouse")
    expect(visitor.field("Email address")).to_be_visible()
    expect(visitor.field("Password")).to_be_visible()
