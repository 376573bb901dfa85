"""The one search service: text (with typos), categories, coverage before distance, order, staleness, filters, facets.

Places: ``ROTHERHAM`` is about 1.5 km from the middle of S60; ``KIMBERWORTH`` about 3.5 km;
``SHEFFIELD`` about 9 km; ``LEEDS`` about 45 km. Postcode "S60 1AA" resolves to the S60 1
sector centroid (no postcode directory is loaded in the tests).
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from carehouse.directory.models import CostOption, Service, ServiceAtLocation, ServiceCapacity, Unit
from carehouse.directory.search.engine import SearchQuery, Sort, search
from carehouse.directory.search.index import reindex_services
from carehouse.directory.tests.conftest import KIMBERWORTH, LEEDS, ROTHERHAM, SHEFFIELD
from carehouse.directory.tests.factories import make_service, term

pytestmark = pytest.mark.django_db


def names(query: SearchQuery) -> list[str]:
    hits = search(query).hits
    by_id = {s.id: s.name for s in Service.objects.filter(id__in=[h.service_id for h in hits])}
    return [by_id[h.service_id] for h in hits]


# -- text ------------------------------------------------------------------------------------------------


def test_text_matches_name_description_and_category_names() -> None:
    make_service("Health Walks", description="Gentle led walks in the park")
    make_service("Singing for Lung Health", description="A choir for people with COPD", terms=["mtm:music-and-singing"])
    make_service("Money Matters", description="Debt advice", terms=["mtm:debt-advice"])

    assert names(SearchQuery(text="choir")) == ["Singing for Lung Health"]
    assert names(SearchQuery(text="walks")) == ["Health Walks"]
    # "Music and singing" is the category's name, not in the service's own words.
    assert names(SearchQuery(text="music")) == ["Singing for Lung Health"]


def test_text_needs_every_word_and_stems_english() -> None:
    make_service("Walking group", description="Led walks for beginners")
    make_service("Walking football", description="Football for older men")

    assert names(SearchQuery(text="walk beginners")) == ["Walking group"]
    assert sorted(names(SearchQuery(text="walked"))) == ["Walking football", "Walking group"]


def test_a_misspelt_word_still_finds_the_service_and_says_what_it_tried() -> None:
    make_service("Befriending service", description="Weekly phone calls from a volunteer")
    make_service("Cookery club", description="Learn to cook on a budget")

    results = search(SearchQuery(text="befreinding"))

    assert [h.service_id for h in results.hits] == [Service.objects.get(name="Befriending service").id]
    assert "befriending" in results.corrections["befreinding"]
    assert names(SearchQuery(text="volunter")) == ["Befriending service"]
    assert names(SearchQuery(text="cokery budgt")) == ["Cookery club"]


def test_words_the_directory_does_not_hold_find_nothing() -> None:
    make_service("Health Walks")

    assert search(SearchQuery(text="xylophone")).total == 0


def test_name_matches_rank_above_description_matches() -> None:
    make_service("Gardening club", description="Grow vegetables together")
    make_service("Men's shed", description="Woodwork, tools and some gardening")

    assert names(SearchQuery(text="gardening")) == ["Gardening club", "Men's shed"]


def test_a_word_can_be_the_start_of_a_longer_one() -> None:
    make_service("Mindfulness course")

    assert names(SearchQuery(text="mindful")) == ["Mindfulness course"]


# -- categories ------------------------------------------------------------------------------------------


def test_a_category_includes_its_sub_categories() -> None:
    make_service("Health Walks", terms=["mtm:walking-groups"])
    make_service("Chair yoga", terms=["mtm:dance-and-movement"])
    make_service("Parkrun", terms=["mtm:physical-activity"])
    make_service("Debt advice", terms=["mtm:debt-advice"])

    physical = term("mtm:physical-activity").id
    walking = term("mtm:walking-groups").id

    assert sorted(names(SearchQuery(term_ids=(physical,)))) == ["Chair yoga", "Health Walks", "Parkrun"]
    assert names(SearchQuery(term_ids=(walking,))) == ["Health Walks"]


def test_a_category_added_later_to_a_parent_still_reaches_services_after_reindexing() -> None:
    service = make_service("Nordic walking", terms=["mtm:walking-groups"])
    physical = term("mtm:physical-activity")

    assert names(SearchQuery(term_ids=(physical.id,))) == ["Nordic walking"]
    reindex_services([service.id])
    assert names(SearchQuery(term_ids=(physical.id,))) == ["Nordic walking"]


def test_several_categories_must_all_apply() -> None:
    make_service("Walk and talk", terms=["mtm:walking-groups", "mtm:wellbeing-groups"])
    make_service("Health Walks", terms=["mtm:walking-groups"])

    both = (term("mtm:physical-activity").id, term("mtm:mental-wellbeing").id)

    assert names(SearchQuery(term_ids=both)) == ["Walk and talk"]


# -- geography: coverage before distance -------------------------------------------------------------------


def test_a_nearby_service_for_another_area_is_not_shown_as_local() -> None:
    make_service("Rotherham walks", at=[ROTHERHAM], districts="S60 S61")
    make_service("Sheffield walks", at=[KIMBERWORTH], districts="S1 S2")  # near, but serves Sheffield

    assert names(SearchQuery(postcode="S60 1AA")) == ["Rotherham walks"]


def test_a_service_that_covers_the_area_is_shown_wherever_it_meets() -> None:
    make_service("Rotherham carers' hub", at=[LEEDS], districts="S60 S61 S62")  # meets far away, serves S60
    make_service("Leeds carers", at=[LEEDS])

    results = search(SearchQuery(postcode="S60 1AA"))

    assert [h.is_local for h in results.hits] == [True]
    assert names(SearchQuery(postcode="S60 1AA")) == ["Rotherham carers' hub"]


def test_a_service_naming_no_area_is_found_by_distance_alone() -> None:
    make_service("Near, no area", at=[ROTHERHAM])
    make_service("Far, no area", at=[LEEDS])

    assert names(SearchQuery(postcode="S60")) == ["Near, no area"]


def test_local_services_come_before_national_ones() -> None:
    make_service("National helpline", national=True)
    make_service("Local group", at=[KIMBERWORTH], districts="S60")

    results = search(SearchQuery(postcode="S60 1AA"))

    assert names(SearchQuery(postcode="S60 1AA")) == ["Local group", "National helpline"]
    assert [(h.is_local, h.is_national) for h in results.hits] == [(True, False), (False, True)]


def test_a_local_authority_area_is_matched_through_the_postcode_directory() -> None:
    from carehouse.directory.models import PostcodeKind, PostcodePoint

    PostcodePoint.objects.create(
        code="S60 1AA", kind=PostcodeKind.UNIT, latitude=53.4297, longitude=-1.3562, local_authority="E08000018"
    )
    make_service("Rotherham council wellbeing", at=[LEEDS], local_authority="E08000018")
    make_service("Sheffield council wellbeing", at=[KIMBERWORTH], local_authority="E08000019")

    assert names(SearchQuery(postcode="S60 1AA")) == ["Rotherham council wellbeing"]


def test_results_are_ordered_by_distance_with_the_nearest_location_first() -> None:
    make_service("Far", at=[SHEFFIELD])
    make_service("Middle", at=[KIMBERWORTH])
    make_service("Two venues", at=[LEEDS, ROTHERHAM])

    results = search(SearchQuery(postcode="S60 1AA", sort=Sort.NEAREST))

    assert names(SearchQuery(postcode="S60 1AA", sort=Sort.NEAREST)) == ["Two venues", "Middle", "Far"]
    distances = [h.distance or 0.0 for h in results.hits]
    assert distances == sorted(distances)
    assert 0 < distances[0] < 2_000  # its Rotherham venue, not Leeds
    nearest = ServiceAtLocation.objects.get(id=str(results.hits[0].nearest_service_at_location_id))
    assert nearest.location.latitude == ROTHERHAM[0]


def test_proximity_keeps_only_services_within_that_distance() -> None:
    make_service("Near", at=[ROTHERHAM])
    make_service("Middle", at=[KIMBERWORTH])
    make_service("Far", at=[SHEFFIELD])
    make_service("Covers S60, meets in Leeds", at=[LEEDS], districts="S60")

    assert names(SearchQuery(postcode="S60 1AA", proximity=2_500, sort=Sort.NEAREST)) == ["Near"]
    assert names(SearchQuery(postcode="S60 1AA", proximity=5_000, sort=Sort.NEAREST)) == ["Near", "Middle"]
    assert "Far" in names(SearchQuery(postcode="S60 1AA", proximity=15_000))


def test_an_unknown_or_malformed_postcode_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="real postcode"):
        search(SearchQuery(postcode="not a postcode"))
    with pytest.raises(ValidationError, match="do not know where"):
        search(SearchQuery(postcode="TQ99 9ZZ"))


def test_best_match_blends_text_relevance_and_distance() -> None:
    make_service("Walking group", description="walking", at=[SHEFFIELD])
    make_service("Community centre", description="Lots on, including a walking group", at=[ROTHERHAM])

    # Each is best at one thing: the nearer one ranks first only when sorting by distance.
    assert names(SearchQuery(text="walking", postcode="S60 1AA", sort=Sort.NEAREST))[0] == "Community centre"
    assert names(SearchQuery(text="walking", sort=Sort.BEST))[0] == "Walking group"


# -- stale records -------------------------------------------------------------------------------------------


@override_settings(DIRECTORY_REVIEW_PERIOD_DAYS=180)
def test_records_not_reviewed_within_the_period_are_demoted_and_flagged() -> None:
    long_ago = timezone.now() - datetime.timedelta(days=400)
    make_service("Stale walks", description="walking", at=[ROTHERHAM], reviewed_at=long_ago)
    make_service("Never reviewed walks", description="walking", at=[ROTHERHAM], reviewed=False)
    make_service("Fresh walks", description="walking", at=[SHEFFIELD])

    for query in (SearchQuery(text="walking", postcode="S60 1AA"), SearchQuery(postcode="S60"), SearchQuery()):
        results = search(query)
        assert names(query)[0] == "Fresh walks"
        assert [h.is_stale for h in results.hits] == [False, True, True]


@override_settings(DIRECTORY_REVIEW_PERIOD_DAYS=30)
def test_the_review_period_is_configurable() -> None:
    make_service("Reviewed 60 days ago", reviewed_at=timezone.now() - datetime.timedelta(days=60))

    assert search(SearchQuery()).hits[0].is_stale is True


# -- filters, alone and combined ----------------------------------------------------------------------------------


@pytest.fixture
def menu() -> None:
    """Four services that differ in every filter."""
    make_service(
        "Young carers club",
        description="group",
        terms=["mtm:carers-support"],
        at=[ROTHERHAM],
        minimum_age=8,
        maximum_age=17,
        days="SA",
        opens=datetime.time(10),
        closes=datetime.time(12),
        referral_routes=["self_referral"],
    )
    paid = make_service(
        "Pilates",
        description="group",
        terms=["mtm:exercise-classes"],
        at=[ROTHERHAM],
        minimum_age=18,
        days="MO,WE",
        opens=datetime.time(18),
        closes=datetime.time(19, 30),
        referral_routes=["signposting_only"],
    )
    CostOption.objects.create(service=paid, option="Per class", amount=5, currency="GBP")
    full = make_service(
        "Lunch club",
        description="group",
        terms=["mtm:social-groups"],
        at=[KIMBERWORTH],
        minimum_age=65,
        days="TU,TH",
        opens=datetime.time(12),
        closes=datetime.time(14),
        referral_routes=["link_workers", "self_referral"],
    )
    places = Unit.objects.create(name="places")
    ServiceCapacity.objects.create(service=full, unit=places, available=0, maximum=20, updated=timezone.now())
    open_ = make_service(
        "Men's shed",
        description="group",
        terms=["mtm:social-groups"],
        at=[SHEFFIELD],
        minimum_age=18,
        days="TU",
        opens=datetime.time(9),
        closes=datetime.time(13),
        referral_routes=["link_workers"],
    )
    ServiceCapacity.objects.create(service=open_, unit=places, available=4, maximum=12, updated=timezone.now())
    reindex_services([paid.id, full.id, open_.id])


FILTER_CASES = [
    (SearchQuery(minimum_age=10, maximum_age=10), ["Young carers club"]),
    (SearchQuery(minimum_age=70, maximum_age=70), ["Lunch club", "Men's shed", "Pilates"]),
    (SearchQuery(day="TU"), ["Lunch club", "Men's shed"]),
    (SearchQuery(day="TU", start_time=datetime.time(13, 30), end_time=datetime.time(15)), ["Lunch club"]),
    (SearchQuery(start_time=datetime.time(17), end_time=datetime.time(20)), ["Pilates"]),
    (SearchQuery(free_only=True), ["Lunch club", "Men's shed", "Young carers club"]),
    (SearchQuery(accepts_referrals=True), ["Lunch club", "Men's shed", "Young carers club"]),
    (SearchQuery(self_referral=True), ["Lunch club", "Young carers club"]),
    (SearchQuery(has_capacity=True), ["Men's shed"]),
    (SearchQuery(text="shed"), ["Men's shed"]),
    (SearchQuery(postcode="S60 1AA", proximity=5_000), ["Lunch club", "Pilates", "Young carers club"]),
]


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES)
def test_each_filter_alone(menu: None, query: SearchQuery, expected: list[str]) -> None:
    assert sorted(names(query)) == expected


def test_filters_combine_with_and(menu: None) -> None:
    social = term("mtm:social-connection").id

    assert sorted(names(SearchQuery(term_ids=(social,)))) == ["Lunch club", "Men's shed"]
    assert names(SearchQuery(term_ids=(social,), postcode="S60 1AA", proximity=5_000)) == ["Lunch club"]
    assert names(SearchQuery(term_ids=(social,), has_capacity=True)) == ["Men's shed"]
    assert names(SearchQuery(term_ids=(social,), has_capacity=True, postcode="S60", proximity=5_000)) == []
    assert names(
        SearchQuery(text="group", day="TU", minimum_age=70, maximum_age=70, self_referral=True, free_only=True)
    ) == ["Lunch club"]


def test_modified_after_keeps_only_records_changed_since(menu: None) -> None:
    from carehouse.directory.models import SearchEntry, Service

    cutoff = timezone.now()
    changed = Service.objects.get(name="Pilates")
    Service.objects.filter(id=changed.id).update(last_modified=cutoff + datetime.timedelta(seconds=5))
    reindex_services([changed.id])

    assert names(SearchQuery(modified_after=cutoff)) == ["Pilates"]
    assert SearchEntry.objects.count() == 4


def test_inactive_services_are_left_out_unless_asked_for() -> None:
    make_service("Closed group", status="inactive")
    make_service("Open group")

    assert names(SearchQuery()) == ["Open group"]
    assert sorted(names(SearchQuery(include_inactive=True))) == ["Closed group", "Open group"]


# -- facets and pages ------------------------------------------------------------------------------------------------


def test_facets_count_matching_services_per_category_filter_and_day(menu: None) -> None:
    for query in (SearchQuery(), SearchQuery(text="group")):
        facets = search(query).facets
        categories = {f.label: f.count for f in facets["categories"]}
        assert categories["Befriending and social connection"] == 2
        assert categories["Physical activity"] == 1
        assert categories["Carers' support"] == 1
        assert categories["Advocacy"] == 0
        filters = {f.key: f.count for f in facets["filters"]}
        assert filters == {"is_free": 3, "accepts_referrals": 3, "self_referral": 2, "has_capacity": 1}
        days = {f.key: f.count for f in facets["days"]}
        assert days["TU"] == 2 and days["SA"] == 1 and days["SU"] == 0


def test_facets_follow_the_narrowed_results(menu: None) -> None:
    facets = search(SearchQuery(postcode="S60 1AA", proximity=5_000)).facets

    assert {f.label: f.count for f in facets["categories"]}["Befriending and social connection"] == 1
    assert [f.selected for f in facets["filters"]] == [False, False, False, False]


def test_pages_split_the_results_without_losing_or_repeating_any() -> None:
    for number in range(7):
        make_service(f"Group {number}", description="group")

    seen: list[str] = []
    for page in (1, 2, 3):
        results = search(SearchQuery(text="group", page=page, per_page=3, sort=Sort.NAME))
        assert results.total == 7 and results.total_pages == 3
        seen += names(SearchQuery(text="group", page=page, per_page=3, sort=Sort.NAME))
    assert seen == [f"Group {n}" for n in range(7)]


def test_changing_a_service_and_reindexing_updates_search() -> None:
    service = make_service("Cookery club", description="Learn to make meals")
    service.name = "Cook and eat"
    service.save()

    def found(words: str) -> list[object]:
        return [h.service_id for h in search(SearchQuery(text=words)).hits]

    assert found("cookery") == [service.id]  # the index still holds the old name
    reindex_services([service.id])
    assert found("cookery") == []
    assert found("eat") == [service.id]


def test_accessibility_features_of_a_venue_count_for_its_service() -> None:
    from carehouse.directory.models import Attribute

    step_free = make_service("Step-free venue", at=[ROTHERHAM], index=False)
    make_service("Steps only", at=[ROTHERHAM])
    venue = step_free.service_at_locations.get().location
    Attribute.objects.create(link_id=venue.id, link_entity="location", taxonomy_term=term("access:step-free"))
    reindex_services([step_free.id])

    assert names(SearchQuery(term_ids=(term("access:step-free").id,))) == ["Step-free venue"]
    facets = search(SearchQuery(postcode="S60")).facets
    assert {f.label: f.count for f in facets["accessibility"]}["Step-free access"] == 1
