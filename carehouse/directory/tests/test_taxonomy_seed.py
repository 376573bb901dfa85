"""The shipped taxonomies: loaded by ``migrate``, LGA service types linked to our categories, seeding idempotent."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from carehouse.directory.models import Taxonomy, TaxonomyTerm
from carehouse.directory.services.taxonomy import ACCESSIBILITY, DATA, MORE_THAN_MEDICINE, seed

pytestmark = pytest.mark.django_db

#: The namespace the shipped LGA ids are made in (uuid5 of "esd:<id>" and "taxonomy:lga-services").
LGA_NAMESPACE = uuid.UUID("6f1e3c2a-4b7d-4e55-9a3f-0c1d2e3f4a5b")
LGA_SERVICES = uuid.uuid5(LGA_NAMESPACE, "taxonomy:lga-services")

TOP_LEVEL_CATEGORIES = {
    "Physical activity",
    "Healthy eating and cooking",
    "Arts and creativity",
    "Befriending and social connection",
    "Welfare rights and benefits",
    "Debt and housing advice",
    "Volunteering",
    "Peer support",
    "Advocacy",
    "Coaching",
    "Structured education",
    "Carers' support",
    "Digital health and self-care apps",
    "Mental wellbeing",
}


def lga_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / "lga_service_types.json").read_text(encoding="utf-8"))
    return document


def counts() -> tuple[int, int, int]:
    links = TaxonomyTerm.equivalent_terms.through.objects.count()
    return Taxonomy.objects.count(), TaxonomyTerm.objects.count(), links


def test_migrate_loads_the_shipped_taxonomies() -> None:
    names = dict(Taxonomy.objects.values_list("id", "name"))

    assert names[MORE_THAN_MEDICINE] == "More than medicine"
    assert names[ACCESSIBILITY] == "Accessibility"
    assert names[LGA_SERVICES] == "LGA Services List"
    assert TaxonomyTerm.objects.filter(taxonomy_detail_id=LGA_SERVICES).count() == len(lga_document()["taxonomy_terms"])


def test_more_than_medicine_has_the_fourteen_top_level_categories() -> None:
    top = TaxonomyTerm.objects.filter(taxonomy_detail_id=MORE_THAN_MEDICINE, parent__isnull=True)

    assert set(top.values_list("name", flat=True)) == TOP_LEVEL_CATEGORIES
    assert top.count() == 14


def test_every_lga_term_matches_a_more_than_medicine_term_and_its_uri_matches_its_code() -> None:
    lga_terms = list(TaxonomyTerm.objects.filter(taxonomy_detail_id=LGA_SERVICES))
    shipped = {uuid.UUID(t["id"]): t for t in lga_document()["taxonomy_terms"]}

    assert lga_terms
    for lga in lga_terms:
        prefix, _, number = lga.code.partition(":")
        assert prefix == "esdServiceType" and number.isdigit(), lga.code
        assert lga.term_uri == f"http://id.esd.org.uk/service/{number}"
        assert lga.id == uuid.uuid5(LGA_NAMESPACE, f"esd:{number}")
        ours = set(lga.equivalent_terms.filter(taxonomy_detail_id=MORE_THAN_MEDICINE).values_list("id", flat=True))
        assert ours, f"{lga.code} has no 'more than medicine' equivalent"
        assert ours == {uuid.UUID(i) for i in shipped[lga.id]["equivalent_term_ids"]}


def test_the_link_is_seen_from_our_category_too() -> None:
    welfare = TaxonomyTerm.objects.get(code="mtm:welfare-rights")

    assert "esdServiceType:189" in set(welfare.equivalent_terms.values_list("code", flat=True))


def test_seeding_twice_changes_nothing() -> None:
    before = counts()

    seed()
    seed()

    assert counts() == before


def test_seeding_restores_a_shipped_term_that_was_edited_or_removed() -> None:
    walking = TaxonomyTerm.objects.get(code="mtm:walking-groups")
    TaxonomyTerm.objects.filter(id=walking.id).update(name="Renamed")
    volunteering = TaxonomyTerm.objects.get(code="esdServiceType:1113").id
    TaxonomyTerm.objects.filter(id=volunteering).delete()

    seed()

    assert TaxonomyTerm.objects.get(id=walking.id).name == "Walking groups"
    restored = TaxonomyTerm.objects.get(id=volunteering)
    assert set(restored.equivalent_terms.values_list("code", flat=True)) == {"mtm:volunteering"}
