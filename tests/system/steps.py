"""Steps that several journeys share, written as a person would do them."""

from __future__ import annotations

from django_otp.oath import totp

from carehouse.core import demo_data
from tests.system.browser import Visitor


def current_security_code() -> str:
    """The code the demo administrator's authenticator app shows now."""
    return f"{totp(bytes.fromhex(demo_data.DEMO_ADMIN_TOTP_KEY_HEX)):06d}"


def sign_in(visitor: Visitor, email: str, password: str = demo_data.DEMO_PASSWORD) -> None:
    """From the landing page, sign in; enter a security code if Carehouse asks for one."""
    visitor.visit("/")
    visitor.click_and_load(visitor.page.get_by_role("button", name="Sign in"))
    visitor.fill("Email address", email)
    visitor.fill("Password", password)
    visitor.submit("Sign in")
    if visitor.path == "/login/security-code":
        visitor.fill("Security code", current_security_code())
        visitor.submit("Continue")
