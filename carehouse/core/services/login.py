"""Signing in: password check with throttling of failed attempts, audited either way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models import LoginFailure, User
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    throttled: bool = False


def _window_start() -> datetime:
    return timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def is_throttled(email: str, ip_address: str | None) -> bool:
    """Too many recent failures for this email address, or from this network address."""
    recent = LoginFailure.objects.filter(occurred_at__gte=_window_start())
    by_email = recent.filter(email=email.lower()).count()
    by_ip = recent.filter(ip_address=ip_address).count() if ip_address else 0
    limit = settings.LOGIN_FAILURE_LIMIT
    # An address may try a few accounts (a shared computer), but not endlessly.
    return by_email >= limit or by_ip >= limit * 4


def record_failure(email: str, ip_address: str | None, summary: str) -> None:
    with transaction.atomic():
        LoginFailure.objects.create(email=email.lower()[:254], ip_address=ip_address)
        user = User.objects.filter(email=email.lower()).first()
        actor = Actor(user=user, role=None, ip_address=ip_address, purpose="sign in")
        audit.record(actor, AuditAction.LOGIN_FAILED, summary=summary)


def attempt_login(request: HttpRequest, email: str, password: str, ip_address: str | None) -> LoginResult:
    email = email.strip().lower()
    if is_throttled(email, ip_address):
        record_failure(email, ip_address, "Sign-in refused: too many failed attempts")
        return LoginResult(user=None, throttled=True)
    user = authenticate(request, email=email, password=password)
    if not isinstance(user, User):
        record_failure(email, ip_address, "Wrong email address or password")
        return LoginResult(user=None)
    with transaction.atomic():
        LoginFailure.objects.filter(Q(email=email)).delete()
        audit.record(Actor(user=user, role=None, ip_address=ip_address, purpose="sign in"), AuditAction.LOGIN)
    return LoginResult(user=user)
