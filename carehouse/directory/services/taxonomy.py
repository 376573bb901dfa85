"""The shipped taxonomies, and the terms search offers as facets.

``data/taxonomies.json`` holds two taxonomies in HSDS form (``taxonomies`` and
``taxonomy_terms``, the shape of ``/oruk/taxonomies`` and ``/oruk/taxonomy_terms``):

- "More than medicine": the fourteen kinds of community support a care and support plan
  most often points to, with sub-categories (a search by category includes them);
- "Accessibility": features of a service or venue, for the accessibility filter.

Ids are fixed (UUID 5 of the term's code) so they are the same on every installation. Where
a kind of support matches a Local Government Association service type, the LGA term is
loaded too (``data/lga_service_types.json``) and linked as an equivalent term. Other
taxonomies are loaded the same way by ``carehouse directory import``.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction

from carehouse.directory.models import Taxonomy, TaxonomyTerm

DATA = Path(__file__).resolve().parent.parent / "data"
MORE_THAN_MEDICINE = uuid.UUID("9966a57c-02fa-55a4-b057-4fea2e72b24c")
ACCESSIBILITY = uuid.UUID("66a15854-bbc8-5ff0-aaa4-701e00178140")


def load_taxonomy_document(document: dict[str, Any]) -> tuple[int, int]:
    """Create or update the taxonomies and terms of one HSDS-shaped document; returns (taxonomies, terms)."""
    taxonomies = document.get("taxonomies", [])
    terms = document.get("taxonomy_terms", [])
    with transaction.atomic():
        for item in taxonomies:
            Taxonomy.objects.update_or_create(
                id=uuid.UUID(item["id"]),
                defaults={
                    "name": item["name"],
                    "description": item.get("description") or "",
                    "uri": item.get("uri") or "",
                    "version": item.get("version") or "",
                },
            )
        # Parents first, so that every parent exists when its children arrive.
        pending = list(terms)
        known = set(TaxonomyTerm.objects.values_list("id", flat=True))
        while pending:
            ready = [t for t in pending if not t.get("parent_id") or uuid.UUID(t["parent_id"]) in known]
            if not ready:
                ready = pending  # a parent outside the file: store the term, the parent link is dropped
            for item in ready:
                parent_id = uuid.UUID(item["parent_id"]) if item.get("parent_id") else None
                TaxonomyTerm.objects.update_or_create(
                    id=uuid.UUID(item["id"]),
                    defaults={
                        "code": item.get("code") or "",
                        "name": item["name"],
                        "description": item.get("description") or "",
                        "parent_id": parent_id if parent_id in known else None,
                        "taxonomy": item.get("taxonomy") or "",
                        "taxonomy_detail_id": uuid.UUID(item["taxonomy_id"]) if item.get("taxonomy_id") else None,
                        "language": item.get("language") or "",
                        "term_uri": item.get("term_uri") or "",
                    },
                )
                known.add(uuid.UUID(item["id"]))
            pending = [t for t in pending if t not in ready]
        _link_equivalents(terms)
    facet_terms.cache_clear()
    return len(taxonomies), len(terms)


def _link_equivalents(terms: list[dict[str, Any]]) -> None:
    for item in terms:
        for other in item.get("equivalent_term_ids", []):
            term = TaxonomyTerm.objects.get(id=uuid.UUID(item["id"]))
            equivalent = TaxonomyTerm.objects.filter(id=uuid.UUID(other)).first()
            if equivalent is not None:
                term.equivalent_terms.add(equivalent)


def seed() -> None:
    """Load the shipped taxonomies (idempotent)."""
    for name in ("taxonomies.json", "lga_service_types.json"):
        path = DATA / name
        if path.exists():
            load_taxonomy_document(json.loads(path.read_text(encoding="utf-8")))


def seed_after_migrate(**kwargs: Any) -> None:
    """After ``migrate``: the taxonomies, and the postcode centroids if none are loaded yet."""
    from carehouse.directory import geography
    from carehouse.directory.models import PostcodePoint

    seed()
    if not PostcodePoint.objects.exists():
        geography.load_shipped_centroids()


@lru_cache(maxsize=1)
def facet_terms() -> dict[str, list[TaxonomyTerm]]:
    """The terms search counts: top-level "more than medicine" categories, and accessibility features."""
    return {
        "categories": list(
            TaxonomyTerm.objects.filter(taxonomy_detail_id=MORE_THAN_MEDICINE, parent__isnull=True).order_by("name")
        ),
        "accessibility": list(TaxonomyTerm.objects.filter(taxonomy_detail_id=ACCESSIBILITY).order_by("name")),
    }


def categories_with_children() -> list[tuple[TaxonomyTerm, list[TaxonomyTerm]]]:
    """The "more than medicine" categories with their sub-categories, for pick lists."""
    terms = list(TaxonomyTerm.objects.filter(taxonomy_detail_id=MORE_THAN_MEDICINE).order_by("name"))
    children: dict[uuid.UUID | None, list[TaxonomyTerm]] = {}
    for term in terms:
        children.setdefault(term.parent_id, []).append(term)
    return [(term, children.get(term.id, [])) for term in children.get(None, [])]
