"""Aggregates over people for commissioners: disclosure-controlled counts, never identities."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count

from carehouse.core.actor import Actor
from carehouse.core.disclosure import SafeCount, safe_count
from carehouse.core.models import Organisation, OrganisationType
from carehouse.core.rules import require_permission
from carehouse.people.models import Person


@dataclass(frozen=True)
class PracticePopulation:
    practice: Organisation
    registered: SafeCount


def organisations_within(root: Organisation) -> list[Organisation]:
    """The organisation and everything below it (ICB, then networks, then practices)."""
    found = [root]
    frontier = [root.pk]
    while frontier:
        children = list(Organisation.objects.filter(parent_id__in=frontier))
        found.extend(children)
        frontier = [c.pk for c in children]
    return found


@dataclass(frozen=True)
class PopulationSummary:
    practices: list[PracticePopulation]
    total: SafeCount


def registered_population_by_practice(actor: Actor) -> PopulationSummary:
    require_permission(actor, "core.view_aggregates")
    if actor.organisation is None:
        raise PermissionDenied("core.view_aggregates")
    practices = [o for o in organisations_within(actor.organisation) if o.type == OrganisationType.GP_PRACTICE]
    counts = dict(
        Person.objects.filter(registered_practice__in=practices)
        .values_list("registered_practice")
        .annotate(n=Count("pk"))
        .values_list("registered_practice", "n")
    )
    rows = [PracticePopulation(p, safe_count(counts.get(p.pk, 0))) for p in sorted(practices, key=lambda o: o.name)]
    # The total is rounded from the true total, never summed from rounded parts.
    return PopulationSummary(rows, safe_count(sum(counts.values())))
