"""Reading the directory. Records of services are public; shortlists, claims and suggestions are not.

Views read ``Shortlist``, ``ShortlistItem``, ``OrganizationClaim`` and ``Suggestion`` only through
these functions, each scoped to what the actor may see (``scripts/lint_scoped_queries.py``
enforces it). Each helper's functions are kept in their own section below.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import CARE_ROLES, Role
from carehouse.core.services import audit
from carehouse.directory.models import (
    Attribute,
    ClaimStatus,
    Contact,
    DirectoryOrganization,
    Location,
    Metadata,
    OrganizationClaim,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Shortlist,
    ShortlistItem,
    Suggestion,
    SuggestionStatus,
)
from carehouse.people.models import Person
from carehouse.people.selectors import find_people, get_person, visible_people

# == Practitioner's menu: services, shortlists and what was sent to a person ==========================

#: How many people the "send to a person" search lists at once.
PEOPLE_TO_PICK = 20


def _displayed_services() -> QuerySet[Service]:
    """Services with everything the menu shows about them, in a fixed number of queries."""
    locations = Location.objects.prefetch_related("addresses", "accessibility", "phones", "schedules", "languages")
    return Service.objects.select_related("organization").prefetch_related(
        "schedules",
        "cost_options",
        "phones",
        "languages",
        "service_areas",
        Prefetch("contacts", queryset=Contact.objects.prefetch_related("phones")),
        Prefetch("capacities", queryset=ServiceCapacity.objects.select_related("unit").order_by("-updated")),
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.prefetch_related(
                "schedules", "phones", Prefetch("location", queryset=locations)
            ),
        ),
    )


def services_by_id(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Service]:
    """Directory services (public records) with what the menu shows, by id."""
    wanted = list(ids)
    if not wanted:
        return {}
    return {service.id: service for service in _displayed_services().filter(id__in=wanted)}


def services_for_cards(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Service]:
    """Services with just what a result card shows (venues, opening times, cost, places), by id."""
    wanted = list(ids)
    if not wanted:
        return {}
    locations = Location.objects.prefetch_related("addresses", "schedules")
    services = Service.objects.select_related("organization").prefetch_related(
        "schedules",
        "cost_options",
        "service_areas",
        Prefetch("capacities", queryset=ServiceCapacity.objects.select_related("unit").order_by("-updated")),
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.prefetch_related("schedules", Prefetch("location", queryset=locations)),
        ),
    )
    return {service.id: service for service in services.filter(id__in=wanted)}


def get_service(service_id: uuid.UUID) -> Service:
    """One service (a public record); 404 when there is none."""
    service = _displayed_services().filter(id=service_id).first()
    if service is None:
        raise Http404("No service found")
    return service


def get_service_to_refer(service_id: uuid.UUID) -> Service:
    """One service and its organisation, without what its page shows (for referring to it); 404 when there is none."""
    service = Service.objects.select_related("organization").filter(id=service_id).first()
    if service is None:
        raise Http404("No service found")
    return service


def service_terms(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Attribute]]:
    """The taxonomy terms each service is tagged with (HSDS attributes), by service id."""
    found: dict[uuid.UUID, list[Attribute]] = {}
    attributes = Attribute.objects.filter(link_entity="service", link_id__in=list(ids)).select_related("taxonomy_term")
    for attribute in attributes.order_by("taxonomy_term__name"):
        found.setdefault(attribute.link_id, []).append(attribute)
    return found


def _uses_shortlists(actor: Actor | None) -> bool:
    return actor is not None and actor.user is not None and actor.role in CARE_ROLES and actor.organisation is not None


def current_shortlist(actor: Actor | None) -> Shortlist | None:
    """The actor's shortlist still being put together (not sent) at their acting organisation."""
    if not _uses_shortlists(actor):
        return None
    assert actor is not None
    return (
        Shortlist.objects.filter(owner=actor.user, organisation=actor.organisation, sent_at=None, person=None)
        .order_by("-created_at", "-pk")
        .first()
    )


def shortlist_items(shortlist: Shortlist | None) -> list[ShortlistItem]:
    """The items of a shortlist the caller already holds (from ``current_shortlist`` or ``sent_to_me``)."""
    if shortlist is None:
        return []
    return list(ShortlistItem.objects.filter(shortlist=shortlist).order_by("added_at", "pk"))


def shortlisted_service_ids(actor: Actor | None) -> set[uuid.UUID]:
    """The services on the actor's current shortlist (for "Add" or "Remove" buttons)."""
    shortlist = current_shortlist(actor)
    if shortlist is None:
        return set()
    return set(ShortlistItem.objects.filter(shortlist=shortlist).values_list("service_id", flat=True))


def find_people_to_send_to(actor: Actor, query: str) -> list[Person]:
    """People the actor may see whose name or NHS number matches (the search is audited)."""
    if not _uses_shortlists(actor) or not query.strip():
        return []
    return list(find_people(actor, query).order_by("family_name", "given_name", "pk")[:PEOPLE_TO_PICK])


def person_to_send_to(actor: Actor, person_id: int) -> Person:
    """One person the actor may see, audited as a read; 404 when they may not."""
    if not _uses_shortlists(actor):
        raise Http404("No person found")
    return get_person(actor, person_id, purpose="Sending a shortlist of services")


def sent_to_me(actor: Actor | None) -> list[Shortlist]:
    """The shortlists sent to the signed-in person, newest first; each one listed is an audited read."""
    if actor is None or actor.user is None or actor.role != Role.PERSON:
        return []
    shortlists = list(
        Shortlist.objects.filter(person__in=visible_people(actor), sent_at__isnull=False)
        .select_related("owner", "organisation", "person")
        .prefetch_related(Prefetch("items", queryset=ShortlistItem.objects.order_by("added_at", "pk")))
        .order_by("-sent_at", "-pk")
    )
    for shortlist in shortlists:
        audit.record(
            actor,
            AuditAction.READ,
            obj=shortlist,
            person_id=shortlist.person_id,
            summary="Viewed services suggested for them",
        )
    return shortlists


# == end of the practitioner's menu section ==========================================================


# == Keeping entries true: organisations to keep, claims, suggestions and history ======================
# Claims and suggestions name people: administrators see all of them; provider staff see the claims
# their own organisation made and the suggestions about services their organisation keeps.


def _keeps_all(actor: Actor | None) -> bool:
    return actor is not None and actor.user is not None and actor.role == Role.ADMINISTRATOR


def _provider_organisation_id(actor: Actor | None) -> int | None:
    if actor is None or actor.user is None or actor.role != Role.PROVIDER_STAFF or actor.organisation is None:
        return None
    return actor.organisation.pk


def directory_organisations(query: str = "") -> QuerySet[DirectoryOrganization]:
    """Directory organisations (public records) whose name matches, with their number of services."""
    organisations = DirectoryOrganization.objects.select_related("claimed_by").annotate(service_count=Count("services"))
    if query.strip():
        organisations = organisations.filter(
            Q(name__icontains=query.strip()) | Q(alternate_name__icontains=query.strip())
        )
    return organisations.order_by("name", "id")


def organisations_kept_by(actor: Actor | None) -> list[DirectoryOrganization]:
    """The directory organisations the actor's organisation has claimed."""
    organisation_id = _provider_organisation_id(actor)
    if organisation_id is None:
        return []
    return list(directory_organisations().filter(claimed_by_id=organisation_id))


def get_directory_organisation(organization_id: uuid.UUID) -> DirectoryOrganization:
    organisation = DirectoryOrganization.objects.select_related("claimed_by").filter(id=organization_id).first()
    if organisation is None:
        raise Http404("No organisation found")
    return organisation


def services_of(organisation: DirectoryOrganization) -> list[Service]:
    return list(Service.objects.filter(organization=organisation).order_by("name", "id"))


def get_service_to_keep(service_id: uuid.UUID) -> Service:
    """A service with its organisation (a public record); 404 when there is none."""
    service = Service.objects.select_related("organization", "last_reviewed_by").filter(id=service_id).first()
    if service is None:
        raise Http404("No service found")
    return service


def service_history(service: Service) -> list[Metadata]:
    """The HSDS metadata rows of a service, newest first."""
    return list(Metadata.objects.filter(resource_id=service.id).order_by("-last_action_date", "field_name"))


def claims_by_my_organisation(actor: Actor | None, organisation: DirectoryOrganization) -> list[OrganizationClaim]:
    """The claims the actor's organisation made on this directory organisation, newest first."""
    organisation_id = _provider_organisation_id(actor)
    if organisation_id is None:
        return []
    return list(
        OrganizationClaim.objects.filter(directory_organization=organisation, claimant_organisation_id=organisation_id)
        .select_related("claimant")
        .order_by("-created_at", "-pk")
    )


def my_organisation_claims(actor: Actor | None) -> list[OrganizationClaim]:
    """Every claim the actor's organisation has made, newest first."""
    organisation_id = _provider_organisation_id(actor)
    if organisation_id is None:
        return []
    return list(
        OrganizationClaim.objects.filter(claimant_organisation_id=organisation_id)
        .select_related("directory_organization", "claimant")
        .order_by("-created_at", "-pk")
    )


def claims_queue(actor: Actor | None, status: str = "") -> list[OrganizationClaim]:
    """Administrators: claims with the given status (all when empty), waiting ones first, oldest first."""
    if not _keeps_all(actor):
        return []
    claims = OrganizationClaim.objects.select_related(
        "directory_organization", "claimant", "claimant_organisation", "decided_by"
    )
    if status:
        claims = claims.filter(status=status)
    waiting = list(claims.filter(status=ClaimStatus.WAITING).order_by("created_at", "pk"))
    others = list(claims.exclude(status=ClaimStatus.WAITING).order_by("-decided_at", "-pk")[:200])
    return waiting + others


def claim_counts(actor: Actor | None) -> dict[str, int]:
    if not _keeps_all(actor):
        return {}
    counts = dict(
        OrganizationClaim.objects.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in ClaimStatus.values}


def get_claim(actor: Actor | None, claim_id: int) -> OrganizationClaim:
    """One claim for an administrator to decide, audited as a read; 404 for anyone else."""
    if not _keeps_all(actor):
        raise Http404("No claim found")
    assert actor is not None
    claim = (
        OrganizationClaim.objects.select_related(
            "directory_organization__claimed_by", "claimant", "claimant_organisation", "decided_by"
        )
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise Http404("No claim found")
    audit.record(actor, AuditAction.READ, obj=claim, summary="Viewed a directory claim")
    return claim


def visible_suggestions(actor: Actor | None) -> QuerySet[Suggestion]:
    """Administrators see every suggestion; provider staff those about services their organisation keeps."""
    suggestions = Suggestion.objects.select_related("service__organization", "decided_by")
    if _keeps_all(actor):
        return suggestions
    organisation_id = _provider_organisation_id(actor)
    if organisation_id is None:
        return suggestions.none()
    return suggestions.filter(service__organization__claimed_by_id=organisation_id)


def suggestions_queue(actor: Actor | None, status: str = "") -> list[Suggestion]:
    """Suggestions the actor may decide: waiting ones first (oldest first), then decided ones."""
    suggestions = visible_suggestions(actor)
    if status:
        suggestions = suggestions.filter(status=status)
    waiting = list(suggestions.filter(status=SuggestionStatus.WAITING).order_by("created_at", "pk"))
    others = list(suggestions.exclude(status=SuggestionStatus.WAITING).order_by("-decided_at", "-pk")[:200])
    return waiting + others


def suggestion_counts(actor: Actor | None) -> dict[str, int]:
    counts = dict(
        visible_suggestions(actor).order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in SuggestionStatus.values}


def waiting_suggestions_by_service(actor: Actor | None, service_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = (
        visible_suggestions(actor)
        .filter(service_id__in=list(service_ids), status=SuggestionStatus.WAITING)
        .order_by()
        .values_list("service_id")
        .annotate(n=Count("pk"))
        .values_list("service_id", "n")
    )
    return dict(rows)


def get_suggestion(actor: Actor | None, suggestion_id: int) -> Suggestion:
    """One suggestion the actor may decide, audited as a read; 404 otherwise."""
    suggestion = visible_suggestions(actor).filter(pk=suggestion_id).first()
    if suggestion is None or actor is None:
        raise Http404("No suggestion found")
    audit.record(actor, AuditAction.READ, obj=suggestion, summary="Viewed a suggested change to a directory service")
    return suggestion


# == end of the keeping entries true section ===========================================================
