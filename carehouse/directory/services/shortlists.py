"""Shortlists: services a practitioner or link worker picks for someone, then prints or sends to them.

A user has one shortlist being put together at a time, per organisation they act for. Adding the
first service starts it; sending it to a person names the person and the time it was sent, and
the next service added starts a new one. Every change is audited; sending is audited against
the person it was sent to.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit
from carehouse.directory.models import Service, Shortlist, ShortlistItem
from carehouse.people.models import Person
from carehouse.people.selectors import visible_people

MAX_TITLE = 200
MAX_NOTE = 2000


def _open_shortlist(actor: Actor, *, create: bool) -> Shortlist | None:
    assert actor.user is not None and actor.organisation is not None
    found = (
        Shortlist.objects.select_for_update()
        .filter(owner=actor.user, organisation=actor.organisation, sent_at=None, person=None)
        .order_by("-created_at", "-pk")
        .first()
    )
    if found is None and create:
        found = Shortlist.objects.create(owner=actor.user, organisation=actor.organisation)
        audit.record(actor, AuditAction.CREATE, obj=found, summary="Started a shortlist of services")
    return found


def _check(actor: Actor) -> None:
    require_permission(actor, "directory.use_shortlist")
    if actor.user is None or actor.organisation is None:
        raise ValidationError("Choose the organisation you are working for before making a shortlist")


def add_service(actor: Actor, service: Service) -> Shortlist:
    """Put a service on the actor's current shortlist (starting one if needed). Adding it twice does nothing."""
    _check(actor)
    with transaction.atomic():
        shortlist = _open_shortlist(actor, create=True)
        assert shortlist is not None
        item, created = ShortlistItem.objects.get_or_create(shortlist=shortlist, service=service)
        if created:
            shortlist.save(update_fields=["updated_at"])
            audit.record(
                actor,
                AuditAction.CREATE,
                obj=item,
                summary=f"Added {service.name} to a shortlist",
                changes={"shortlist_id": shortlist.pk, "service_id": str(service.id)},
            )
    return shortlist


def remove_service(actor: Actor, service: Service) -> bool:
    """Take a service off the actor's current shortlist; False when it was not on it."""
    _check(actor)
    with transaction.atomic():
        shortlist = _open_shortlist(actor, create=False)
        if shortlist is None:
            return False
        item = ShortlistItem.objects.filter(shortlist=shortlist, service=service).first()
        if item is None:
            return False
        audit.record(
            actor,
            AuditAction.DELETE,
            obj=item,
            summary=f"Took {service.name} off a shortlist",
            changes={"shortlist_id": shortlist.pk, "service_id": str(service.id)},
        )
        item.delete()
        shortlist.save(update_fields=["updated_at"])
    return True


def send(actor: Actor, person: Person, *, title: str = "", note: str = "") -> Shortlist:
    """Send the actor's current shortlist to a person they may see; the next service added starts a new one."""
    _check(actor)
    title, note = title.strip(), note.strip()
    problems: dict[str, str] = {}
    if len(title) > MAX_TITLE:
        problems["title"] = f"Title must be {MAX_TITLE} characters or fewer"
    if len(note) > MAX_NOTE:
        problems["note"] = f"Note must be {MAX_NOTE:,} characters or fewer"
    if not visible_people(actor).filter(pk=person.pk).exists():
        problems["person"] = "Select someone in your care"
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        shortlist = _open_shortlist(actor, create=False)
        if shortlist is None or not ShortlistItem.objects.filter(shortlist=shortlist).exists():
            raise ValidationError("Add at least one service to the shortlist before sending it")
        shortlist.person = person
        shortlist.title = title
        shortlist.note = note
        shortlist.sent_at = timezone.now()
        shortlist.save(update_fields=["person", "title", "note", "sent_at", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            obj=shortlist,
            person_id=person.pk,
            summary="Sent a shortlist of services to the person",
            changes={
                "services": [str(i) for i in shortlist.items.values_list("service_id", flat=True)],
                "title": title,
                "note_length": len(note),
            },
        )
    return shortlist
