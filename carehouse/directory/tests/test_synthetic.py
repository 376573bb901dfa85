"""The synthetic directory: deterministic, the size asked for, and every service searchable."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Q
from django.utils import timezone

from carehouse.directory import synthetic
from carehouse.directory.models import (
    Attribute,
    DirectoryOrganization,
    Location,
    SearchEntry,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from carehouse.directory.search.engine import SearchQuery, search

pytestmark = pytest.mark.django_db


def _drawn(seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, float | None, float | None]]]:
    generator = synthetic.Generator(services=60, locations=90, seed=seed)
    services: list[tuple[str, str]] = []
    locations: list[tuple[str, float | None, float | None]] = []
    for batch in generator.batches():
        services += [(str(s.id), s.name) for s in batch.services]
        locations += [(str(loc.id), loc.latitude, loc.longitude) for loc in batch.locations]
    return services, locations


def test_the_same_seed_draws_the_same_ids_names_and_places() -> None:
    first, second, other = _drawn(11), _drawn(11), _drawn(12)

    assert first == second
    assert [name for _, name in first[0]] != [name for _, name in other[0]]
    assert {i for i, _ in first[0]}.isdisjoint({i for i, _ in other[0]})


def test_it_builds_the_counts_asked_for_and_indexes_every_service() -> None:
    counts = synthetic.generate(services=120, locations=200, seed=5)

    assert counts.services == Service.objects.count() == 120
    assert counts.locations == Location.objects.count() == 200
    assert counts.indexed == SearchEntry.objects.count() == 120
    assert DirectoryOrganization.objects.count() == counts.organisations > 0
    # Every location is used by a service, and every service has a category from the shipped taxonomy.
    assert not Location.objects.exclude(id__in=ServiceAtLocation.objects.values("location_id")).exists()
    categorised = set(
        Attribute.objects.filter(link_entity="service", taxonomy_term__code__startswith="mtm:").values_list(
            "link_id", flat=True
        )
    )
    assert categorised == set(Service.objects.values_list("id", flat=True))


def test_generated_data_is_realistic_enough_to_search() -> None:
    synthetic.generate(services=300, locations=450, seed=2026)

    areas = list(ServiceArea.objects.values_list("kind", flat=True))
    assert {"postcode_districts", "national"} <= set(areas)
    # About 15% were last checked more than the review period ago (or never).
    cutoff = timezone.now() - datetime.timedelta(days=180)
    stale = Service.objects.filter(Q(last_reviewed_at__isnull=True) | Q(last_reviewed_at__lt=cutoff)).count()
    assert 0.07 * 300 <= stale <= 0.25 * 300
    # A sub-category's services are found by its parent category (the index expands terms).
    walking = TaxonomyTerm.objects.get(code="mtm:walking-groups")
    tagged = set(
        Attribute.objects.filter(link_entity="service", taxonomy_term=walking).values_list("link_id", flat=True)
    )
    assert tagged
    physical = TaxonomyTerm.objects.get(code="mtm:physical-activity")
    found = search(SearchQuery(term_ids=(physical.id,), include_inactive=True, per_page=200))
    assert found.total <= 200
    assert tagged <= {hit.service_id for hit in found.hits}
    # Text search finds every service by its own name (accented names: see the next test).
    plain = [s for s in Service.objects.filter(status="active").order_by("id") if s.name.isascii()][:15]
    assert len(plain) == 15
    for service in plain:
        results = search(SearchQuery(text=service.name, per_page=200))
        assert service.id in {hit.service_id for hit in results.hits}, service.name


def test_a_name_with_an_accent_is_found_by_its_name() -> None:
    synthetic.generate(services=300, locations=450, seed=2026)
    service = Service.objects.filter(status="active", name__contains="Café").order_by("id").first()
    assert service is not None

    for words in (service.name, service.name.replace("é", "e")):
        results = search(SearchQuery(text=words, per_page=200))
        assert service.id in {hit.service_id for hit in results.hits}, words


def test_a_second_run_with_the_same_seed_is_refused() -> None:
    synthetic.generate(services=5, locations=5, seed=3, reindex=False)

    with pytest.raises(RuntimeError, match="already there"):
        synthetic.generate(services=5, locations=5, seed=3, reindex=False)
