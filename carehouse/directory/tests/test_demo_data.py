"""The demo directory: loads twice without duplicates, indexed, and one organisation claimed by the provider."""

from __future__ import annotations

import pytest

from carehouse.directory import demo_data
from carehouse.directory.models import (
    Attribute,
    ClaimStatus,
    DirectoryOrganization,
    Location,
    OrganizationClaim,
    Schedule,
    SearchEntry,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from carehouse.directory.search.engine import SearchQuery, search
from carehouse.directory.services.taxonomy import MORE_THAN_MEDICINE

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    models = (
        DirectoryOrganization,
        Service,
        Location,
        ServiceAtLocation,
        Attribute,
        Schedule,
        ServiceArea,
        ServiceCapacity,
        SearchEntry,
        OrganizationClaim,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_it_loads_twice_without_duplicates(vic) -> None:
    first = demo_data.seed_directory(provider=vic.organisation, claimant=vic.user)
    counts = _counts()
    second = demo_data.seed_directory(provider=vic.organisation, claimant=vic.user)

    assert _counts() == counts
    assert first == second
    assert counts["Service"] == len(demo_data.SERVICES) >= 30
    assert counts["SearchEntry"] == counts["Service"]
    assert counts["OrganizationClaim"] == 1


def test_the_walking_friends_are_claimed_by_the_demo_provider_and_another_organisation_is_not(vic) -> None:
    demo_data.seed_directory(provider=vic.organisation, claimant=vic.user)

    claimed = DirectoryOrganization.objects.get(id=demo_data.CLAIMED_ORGANIZATION)
    assert claimed.claimed_by == vic.organisation
    claim = OrganizationClaim.objects.get(directory_organization=claimed)
    assert (claim.status, claim.claimant, claim.claimant_organisation) == (
        ClaimStatus.APPROVED,
        vic.user,
        vic.organisation,
    )
    unclaimed = DirectoryOrganization.objects.get(id=demo_data.UNCLAIMED_ORGANIZATION)
    assert unclaimed.claimed_by is None
    assert not unclaimed.claims.exists()


def test_without_the_demo_provider_nothing_is_claimed() -> None:
    summary = demo_data.seed_directory()

    assert summary.claimed_by == ""
    assert not DirectoryOrganization.objects.filter(claimed_by__isnull=False).exists()


def test_every_category_is_covered_and_the_demo_area_is_searchable() -> None:
    demo_data.seed_directory()

    categories = TaxonomyTerm.objects.filter(taxonomy_detail_id=MORE_THAN_MEDICINE, parent__isnull=True)
    assert categories.count() == 14
    for category in categories:
        found = search(SearchQuery(term_ids=(category.id,), postcode="S60 1AA"))
        assert found.total >= 1, category.name
    near = search(SearchQuery(text="walks", postcode="S65"))
    assert demo_data.demo_id("service", "health-walks") in {h.service_id for h in near.hits}
    everything = search(SearchQuery(postcode="S60", per_page=100))
    assert any(h.is_stale for h in everything.hits)
    assert any(h.is_national for h in everything.hits)
    waiting = ServiceCapacity.objects.get(service_id=demo_data.demo_id("service", "nordic-walking"))
    assert (waiting.available, waiting.waiting_list) == (0, 6)


def test_ids_are_stable_so_demo_links_keep_working() -> None:
    demo_data.seed_directory()

    service = Service.objects.get(name="Singing for Lung Health")
    assert str(service.id) == "a0d6c049-ace7-5346-baf8-1cdde761182d"
