"""Signing in and out, the second factor, and choosing the role to work in."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from carehouse.core.actor import Actor
from carehouse.core.forms import ChooseRoleForm, LoginForm, OtpForm
from carehouse.core.middleware import client_ip
from carehouse.core.models import User
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.core.services.login import attempt_login, is_throttled, record_failure
from carehouse.core.services.roles import choose_role, needs_second_factor, role_choices

SESSION_NEXT = "carehouse_next"


def _signed_in_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def has_confirmed_device(user: User) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return None


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    throttled = False
    if request.method == "POST" and form.is_valid():
        result = attempt_login(request, form.cleaned_data["email"], form.cleaned_data["password"], client_ip(request))
        if result.user is not None:
            next_url = _safe_next(request, request.GET.get("next"))
            login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
            if next_url:
                request.session[SESSION_NEXT] = next_url
            if has_confirmed_device(result.user):
                return redirect("core:verify")
            return redirect("core:choose_role")
        throttled = result.throttled
        if throttled:
            form.add_error(None, "There have been too many failed attempts to sign in. Wait 15 minutes and try again.")
        else:
            form.add_error(None, "Enter a correct email address and password")
    status = 429 if throttled else (400 if form.errors else 200)
    return render(request, "core/login.jinja", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    """The second step of signing in, for users with an authenticator app."""
    if not request.user.is_authenticated:
        return redirect("core:login")
    user = _signed_in_user(request)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        if is_throttled(user.email, ip):
            form.add_error(None, "There have been too many failed attempts. Wait 15 minutes and try again.")
        else:
            device = next(
                (d for d in devices_for_user(user, confirmed=True) if d.verify_token(form.cleaned_data["code"])),
                None,
            )
            if device is not None:
                otp_login(request, device)
                return redirect("core:choose_role")
            record_failure(user.email, ip, "Wrong security code")
            form.add_error("code", "The security code is not correct. Check your app and try again")
    return render(request, "core/verify.jinja", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def choose_role_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("core:login")
    user = _signed_in_user(request)
    verified = user.is_verified()  # type: ignore[attr-defined]
    if has_confirmed_device(user) and not verified:
        return redirect("core:verify")
    choices = role_choices(user)
    if not choices:
        return render(request, "core/no_role.jinja", status=403)
    by_key = {choice.key: choice for choice in choices}
    form = ChooseRoleForm(request.POST or None, choices=[(c.key, c.label) for c in choices])
    chosen = None
    if request.method == "POST" and form.is_valid():
        chosen = by_key[form.cleaned_data["role"]]
    elif request.method == "GET" and len(choices) == 1:
        chosen = choices[0]
    if chosen is not None:
        if needs_second_factor(chosen) and not verified:
            messages.info(request, "Administrators must use a security code from an authenticator app to sign in.")
            return redirect("core:two_factor")
        choose_role(request, chosen)
        with transaction.atomic():
            actor = Actor(user=user, role=chosen.role, organisation=chosen.organisation, ip_address=client_ip(request))
            audit.record(actor, AuditAction.LOGIN, summary=f"Working as {chosen.label}")
        next_url = request.session.pop(SESSION_NEXT, None)
        return redirect(next_url or "core:start")
    return render(request, "core/choose_role.jinja", {"form": form}, status=400 if form.errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        actor = getattr(request, "actor", None) or Actor(user=_signed_in_user(request), role=None)
        with transaction.atomic():
            audit.record(actor, AuditAction.LOGOUT)
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("core:login")


@require_http_methods(["GET", "POST"])
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (TOTP). Required for administrators, available to all staff."""
    if not request.user.is_authenticated:
        return redirect("core:login")
    user = _signed_in_user(request)
    if has_confirmed_device(user) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect("core:verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
                audit.record(Actor(user=user, role=None), AuditAction.UPDATE, obj=user, summary="Set up two-factor")
            otp_login(request, device)
            messages.info(
                request, "Your authenticator app is set up. You will need a code from it each time you sign in."
            )
            return redirect("core:choose_role")
        form.add_error("code", "The security code is not correct. Check the app and try again")
    secret = base64.b32encode(device.bin_key).decode("ascii")
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
    context = {"form": form, "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)), "qr": qr}
    return render(request, "core/two_factor.jinja", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def account_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("core:login")
    user = _signed_in_user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            actor = getattr(request, "actor", None) or Actor(user=user, role=None)
            audit.record(actor, AuditAction.UPDATE, obj=user, summary="Changed password")
        update_session_auth_hash(request, form.user)
        messages.info(request, "Your password has been changed.")
        return redirect("core:account")
    choices = role_choices(user)
    context = {
        "form": form,
        "has_two_factor": has_confirmed_device(user),
        "roles": [c.label for c in choices],
        "is_administrator": any(c.role == Role.ADMINISTRATOR for c in choices),
    }
    return render(request, "core/account.jinja", context, status=400 if form.errors else 200)
