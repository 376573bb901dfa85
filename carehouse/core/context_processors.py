"""What every page's shell needs: the actor, the header and the navigation for their role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from carehouse.core.actor import Actor
from carehouse.core.models import OrganisationType
from carehouse.core.roles import Role
from carehouse.core.rules import has_permission
from carehouse.core.services.notifications import unread_count


def navigation_for(actor: Actor | None, path: str) -> list[dict[str, Any]]:
    if actor is None:
        return []
    items: list[tuple[str, str]] = [("Home", reverse("core:start"))]
    if has_permission(actor, "people.find_people"):
        items.append(("People", reverse("people:list")))
    if has_permission(actor, "careplans.view_caseload"):
        items.append(("Caseload", reverse("careplans:caseload")))
    if has_permission(actor, "referrals.view_caseload"):
        items.append(("Referrals", reverse("referrals:caseload")))
    if has_permission(actor, "measures.acknowledge_alert"):
        items.append(("Alerts", reverse("measures:alerts")))
    if has_permission(actor, "measures.view_experience"):
        items.append(("Shared decisions", reverse("measures:experience")))
    if has_permission(actor, "casefinding.run_stratification"):
        items.append(("Case finding", reverse("casefinding:runs")))
    if has_permission(actor, "commissioning.view_intelligence"):
        items.append(("Commissioning", reverse("commissioning:overview")))
    if (
        has_permission(actor, "casefinding.view_invitations")
        and actor.organisation is not None
        and actor.organisation.type == OrganisationType.GP_PRACTICE
    ):
        items.append(("Invitations", reverse("casefinding:invitations")))
    if actor.role == Role.PERSON:
        items.append(("My record", reverse("people:mine")))
        items.append(("My care plan", reverse("careplans:mine")))
        items.append(("My questionnaires", reverse("measures:mine")))
        items.append(("My referrals", reverse("referrals:mine")))
    if actor.role == Role.CARER:
        items.append(("People I care for", reverse("people:cared_for")))
    if actor.gives_direct_care or actor.role in (Role.PROVIDER_STAFF, Role.ADMINISTRATOR):
        items.append(("Find services", reverse("directory:search")))
    if actor.role == Role.PERSON:
        items.append(("Services for me", reverse("directory:mine")))
    if actor.role == Role.PROVIDER_STAFF and has_permission(actor, "referrals.answer_referrals"):
        items.append(("Referrals", reverse("referrals:inbox")))
    if actor.role == Role.PRACTITIONER and has_permission(actor, "referrals.view_gp_messages"):
        items.append(("Messages to GP", reverse("referrals:gp_messages")))
    if actor.role == Role.PROVIDER_STAFF and has_permission(actor, "directory.keep_entries"):
        items.append(("Directory entries", reverse("directory:organisations")))
    if has_permission(actor, "directory.decide_claims"):
        items.append(("Directory claims", reverse("directory:claims")))
    if has_permission(actor, "directory.moderate"):
        items.append(("Suggestions", reverse("directory:suggestions")))
    if has_permission(actor, "core.manage_organisations"):
        items.append(("Organisations", reverse("core:organisations")))
    if has_permission(actor, "core.manage_users"):
        items.append(("Users", reverse("core:users")))
    if has_permission(actor, "core.view_audit"):
        items.append(("Audit log", reverse("core:audit_log")))
    if has_permission(actor, "core.run_jobs"):
        items.append(("Jobs", reverse("core:jobs")))
    if has_permission(actor, "core.use_api"):
        items.append(("API tokens", reverse("core:api_tokens")))
    result = []
    for text, href in items:
        current = path == href or (href != "/" and path.startswith(href))
        result.append({"text": text, "href": href, "current": current})
    return result


def shell(request: HttpRequest) -> dict[str, Any]:
    actor: Actor | None = getattr(request, "actor", None)
    user = request.user if request.user.is_authenticated else None
    return {
        "actor": actor,
        "signed_in_user": user,
        "navigation": navigation_for(actor, request.path),
        "notifications_unread": unread_count(user) if user is not None else 0,
    }
