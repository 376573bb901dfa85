"""Signing in: throttled password attempts, audited failures, and the second factor."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from carehouse.conftest import ADMIN_TOTP_KEY, sign_in
from carehouse.core.models import AuditEvent, LoginFailure, Membership, Organisation
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, UserFactory

PASSWORD = "correct-horse-battery"  # UserFactory's
THROTTLED = "There have been too many failed attempts to sign in. Wait 15 minutes and try again."
WRONG = "Enter a correct email address and password"


def log_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/login", {"email": email, "password": password})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def code_for(key_hex: str, offset: int = 0) -> str:
    """The current security code of an authenticator app with this key (offset in 30 second steps)."""
    return f"{totp(bytes.fromhex(key_hex), drift=offset):06d}"


def wrong_code(key_hex: str) -> str:
    accepted = {code_for(key_hex, d) for d in (-1, 0, 1)}  # TOTPDevice allows one step of drift
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


# -- passwords -------------------------------------------------------------------------------


def test_correct_password_signs_in_and_is_audited(client, priya):
    response = log_in(client, "Priya@Example.org ")
    assert response.status_code == 302
    assert response["Location"] == "/choose-role"
    assert is_signed_in(client)
    event = AuditEvent.objects.get(action="login")
    assert event.actor_email == "priya@example.org"

    # One role: it is chosen for them, and they can work.
    response = client.get("/choose-role")
    assert response.status_code == 302
    assert response["Location"] == "/start"
    assert client.get("/people/").status_code == 200


def test_wrong_password_is_refused_and_audited(client, priya):
    response = log_in(client, "priya@example.org", "wrong-password")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert not is_signed_in(client)
    event = AuditEvent.objects.get(action="login_failed")
    assert event.actor_email == "priya@example.org"
    assert event.summary == "Wrong email address or password"
    assert event.ip_address == "127.0.0.1"
    assert LoginFailure.objects.filter(email="priya@example.org").count() == 1


def test_unknown_email_is_refused_in_the_same_words_and_audited(client, priya):
    response = log_in(client, "nobody@example.org")
    assert response.status_code == 400
    assert WRONG in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed").count() == 1
    assert LoginFailure.objects.filter(email="nobody@example.org").count() == 1


def test_after_too_many_failures_even_the_right_password_is_refused(client, priya):
    limit = settings.LOGIN_FAILURE_LIMIT
    assert limit == 5
    for _ in range(limit - 1):
        assert log_in(client, "priya@example.org", "wrong-password").status_code == 400
    # Still below the limit: the right password works...
    assert log_in(client, "priya@example.org", "wrong-password").status_code == 400
    response = log_in(client, "priya@example.org")
    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    assert not is_signed_in(client)
    assert not AuditEvent.objects.filter(action="login").exists()
    failed = AuditEvent.objects.filter(action="login_failed")
    assert failed.count() == limit + 1
    assert failed.filter(summary="Sign-in refused: too many failed attempts").count() == 1


def test_one_failure_fewer_than_the_limit_still_lets_the_right_password_in(client, priya):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        log_in(client, "priya@example.org", "wrong-password")
    assert log_in(client, "priya@example.org").status_code == 302
    assert is_signed_in(client)
    # Signing in clears the failures for that address.
    assert not LoginFailure.objects.filter(email="priya@example.org").exists()


def test_throttling_one_email_does_not_lock_out_another(client, priya, omar):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(client, "priya@example.org", "wrong-password")
    assert log_in(client, "priya@example.org").status_code == 429
    assert log_in(Client(), "omar@example.org").status_code == 302


def test_throttling_is_by_email_whatever_its_case(client, priya):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(client, "PRIYA@example.org", "wrong-password")
    assert log_in(client, "priya@example.org").status_code == 429


def test_many_failures_from_one_address_lock_it_out(client, priya):
    for n in range(settings.LOGIN_FAILURE_LIMIT * 4):
        log_in(client, f"guess{n}@example.org", "wrong-password")
    response = log_in(client, "priya@example.org")
    assert response.status_code == 429
    # Another address is not affected.
    assert (
        Client(REMOTE_ADDR="192.0.2.1").post("/login", {"email": "priya@example.org", "password": PASSWORD}).status_code
        == 302
    )


def test_the_lock_lifts_when_the_window_has_passed(client, priya):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.LOGIN_FAILURE_LIMIT):
            log_in(client, "priya@example.org", "wrong-password")
        assert log_in(client, "priya@example.org").status_code == 429
    window = datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    with time_machine.travel(start + window - datetime.timedelta(seconds=30), tick=False):
        assert log_in(client, "priya@example.org").status_code == 429
    # The refused attempt just now counts as a failure too, so wait a whole window from it.
    with time_machine.travel(start + 2 * window, tick=False):
        assert log_in(client, "priya@example.org").status_code == 302


# -- the second factor -----------------------------------------------------------------------


def test_user_with_an_authenticator_is_asked_for_a_code(client, ada):
    response = log_in(client, "ada@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/login/security-code"
    # Until the code is given they cannot choose a role or act.
    assert client.get("/choose-role")["Location"] == "/login/security-code"
    assert client.get("/admin/audit").status_code == 302
    assert client.get("/admin/audit")["Location"] == "/choose-role"


def test_wrong_security_code_is_refused_and_audited(client, ada):
    log_in(client, "ada@example.org")
    response = client.post("/login/security-code", {"code": wrong_code(ADMIN_TOTP_KEY)})
    assert response.status_code == 400
    assert "The security code is not correct" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", summary="Wrong security code").count() == 1
    assert client.get("/choose-role")["Location"] == "/login/security-code"


def test_right_security_code_lets_them_through(client, ada):
    log_in(client, "ada@example.org")
    response = client.post("/login/security-code", {"code": code_for(ADMIN_TOTP_KEY)})
    assert response.status_code == 302
    assert response["Location"] == "/choose-role"
    response = client.get("/choose-role")
    assert response["Location"] == "/start"
    assert client.get("/admin/audit").status_code == 200
    assert AuditEvent.objects.filter(action="login", actor_role="administrator").exists()


def test_too_many_wrong_codes_lock_out_even_the_right_one(client, ada):
    log_in(client, "ada@example.org")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert client.post("/login/security-code", {"code": wrong_code(ADMIN_TOTP_KEY)}).status_code == 400
    response = client.post("/login/security-code", {"code": code_for(ADMIN_TOTP_KEY)})
    assert response.status_code == 400
    assert "too many failed attempts" in response.content.decode()
    assert client.get("/choose-role")["Location"] == "/login/security-code"


@pytest.fixture
def new_admin(icb: Organisation) -> Membership:
    user = UserFactory(email="newadmin@example.org", full_name="Nia Newadmin")
    return MembershipFactory(user=user, organisation=icb, role=Role.ADMINISTRATOR)


def test_administrator_without_an_authenticator_must_set_one_up(client, new_admin):
    assert log_in(client, "newadmin@example.org")["Location"] == "/choose-role"
    response = client.get("/choose-role")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor"
    assert client.get("/admin/audit")["Location"] == "/choose-role"
    assert client.get("/admin/users")["Location"] == "/choose-role"

    # Setting up the app: the page shows the key, a right code confirms it.
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=new_admin.user, confirmed=False)
    assert client.post("/account/two-factor", {"code": wrong_code(device.key)}).status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    # django-otp makes the device wait a moment after a wrong code before it checks another.
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5), tick=False):
        response = client.post("/account/two-factor", {"code": code_for(device.key)})
    assert response.status_code == 302
    assert response["Location"] == "/choose-role"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/choose-role")["Location"] == "/start"
    assert client.get("/admin/audit").status_code == 200


def test_administrator_role_in_the_session_without_a_verified_device_is_no_actor(client, new_admin):
    """Even a session that says 'administrator' does not act as one until the second factor is done."""
    sign_in(client, new_admin.user, role=Role.ADMINISTRATOR, membership=new_admin)
    assert client.get("/admin/audit")["Location"] == "/choose-role"
    assert client.get("/admin/jobs")["Location"] == "/choose-role"
    assert client.post("/admin/jobs/verify-audit")["Location"] == "/choose-role"


def test_administrator_with_a_verified_device_acts_as_administrator(client, signed_in, ada):
    signed_in(client, ada)
    assert client.get("/admin/audit").status_code == 200


def test_staff_in_other_roles_do_not_need_an_authenticator(client, priya):
    log_in(client, "priya@example.org")
    assert client.get("/choose-role")["Location"] == "/start"
    assert client.get("/people/").status_code == 200


def test_signing_out_is_audited_and_ends_the_session(client, signed_in, priya):
    signed_in(client, priya)
    response = client.post("/logout")
    assert response["Location"] == "/login"
    assert not is_signed_in(client)
    assert AuditEvent.objects.filter(action="logout", actor_email="priya@example.org").exists()
    assert client.get("/people/")["Location"].startswith("/login")
