"""Organisations, users, memberships and API tokens: administrators' actions, all audited."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models import ApiToken, Membership, Organisation, User
from carehouse.core.models.audit import AuditAction
from carehouse.core.models.users import hash_token
from carehouse.core.roles import Role
from carehouse.core.rules import require_permission
from carehouse.core.services import audit

API_TOKEN_LIFETIME = timedelta(days=90)


def create_organisation(actor: Actor, data: dict[str, Any]) -> Organisation:
    require_permission(actor, "core.manage_organisations")
    with transaction.atomic():
        organisation = Organisation(**data)
        organisation.ods_code = organisation.ods_code.strip().upper()
        organisation.full_clean()
        organisation.save()
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=organisation,
            summary=f"Added organisation {organisation.ods_code}",
            changes={"name": organisation.name, "type": organisation.type},
        )
    return organisation


def create_user(actor: Actor, *, email: str, full_name: str, password: str | None = None) -> User:
    require_permission(actor, "core.manage_users")
    with transaction.atomic():
        user = User(email=email.strip().lower(), full_name=full_name)
        user.full_clean(exclude=["password"])
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit.record(actor, AuditAction.CREATE, obj=user, summary=f"Added user {user.email}")
    return user


def add_membership(actor: Actor, user: User, organisation: Organisation, role: Role, job_title: str = "") -> Membership:
    require_permission(actor, "core.manage_users")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role.value, defaults={"job_title": job_title}
        )
        if not created and not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active"])
        audit.record(
            actor,
            AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=membership,
            summary=f"Gave {user.email} the role {role.label} at {organisation.ods_code}",
        )
    return membership


def end_membership(actor: Actor, membership: Membership) -> Membership:
    require_permission(actor, "core.manage_users")
    with transaction.atomic():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        membership.api_tokens.filter(revoked_at=None).update(revoked_at=timezone.now())
        audit.record(actor, AuditAction.UPDATE, obj=membership, summary="Ended membership and revoked its API tokens")
    return membership


def issue_api_token(actor: Actor, name: str) -> tuple[ApiToken, str]:
    """A new API token for the actor's current membership. The secret is shown once, then only its hash is kept."""
    require_permission(actor, "core.use_api")
    if actor.membership is None:
        raise PermissionDenied("API tokens belong to a staff membership")
    secret = "ch_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            membership=actor.membership,
            name=name,
            token_hash=hash_token(secret),
            prefix=secret[:8],
            expires_at=timezone.now() + API_TOKEN_LIFETIME,
        )
        audit.record(actor, AuditAction.CREATE, obj=token, summary=f"Issued API token {token.prefix}…")
    return token, secret


def revoke_api_token(actor: Actor, token: ApiToken) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, AuditAction.UPDATE, obj=token, summary=f"Revoked API token {token.prefix}…")


def actor_for_token(secret: str, ip_address: str | None) -> Actor | None:
    """The actor behind a bearer token, if it is current and its membership is still active."""
    token = (
        ApiToken.objects.select_related("membership__user", "membership__organisation")
        .filter(token_hash=hash_token(secret), revoked_at=None, expires_at__gt=timezone.now())
        .first()
    )
    if token is None:
        return None
    membership = token.membership
    if not (membership.is_active and membership.user.is_active and membership.organisation.is_active):
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return Actor.for_membership(membership, ip_address)
