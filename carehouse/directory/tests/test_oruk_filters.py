"""The Open Referral API's filters, alone and together, and the ORUK validator's functional (Level 2) checks.

Places: ``ROTHERHAM`` is about 250 m from the centre of the S60 1 postcode sector ("S60 1AA"
resolves there in tests); ``KIMBERWORTH`` about 3 km; ``SHEFFIELD`` about 9 km; ``LEEDS`` 45 km.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from carehouse.directory.models import Service, ServiceAtLocation, Taxonomy
from carehouse.directory.search.index import reindex_services
from carehouse.directory.tests import schemas
from carehouse.directory.tests.conftest import KIMBERWORTH, LEEDS, ROTHERHAM, SHEFFIELD
from carehouse.directory.tests.factories import DirectoryOrganizationFactory, make_service, term
from carehouse.directory.tests.oruk_helpers import example_record, get_json

pytestmark = pytest.mark.django_db


def names(client: Client, url: str = "/oruk/services", **query: str) -> list[str]:
    page = get_json(client, url, per_page="200", **query)
    if url.endswith("service_at_locations"):
        return sorted(item["service"]["name"] for item in page["contents"])
    return sorted(item["name"] for item in page["contents"])


# -- each filter alone -------------------------------------------------------------------------------------


def test_text_and_its_hsds_alias_search(client: Client) -> None:
    make_service("Singing for Lung Health", description="A choir for people with COPD")
    make_service("Health Walks", description="Gentle led walks")

    assert names(client, text="choir") == ["Singing for Lung Health"]
    assert names(client, search="walks") == ["Health Walks"]
    assert names(client, text="health") == ["Health Walks", "Singing for Lung Health"]
    assert names(client, text="choir", search="walks") == []


def test_taxonomy_term_includes_its_sub_terms_and_several_terms_must_all_apply(client: Client) -> None:
    make_service("Health Walks", terms=["mtm:walking-groups"])
    make_service("Chair Yoga", terms=["mtm:exercise-classes", "mtm:mindfulness"])
    make_service("Debt Advice", terms=["mtm:debt-advice"])
    activity, walking, mindfulness = term("mtm:physical-activity"), term("mtm:walking-groups"), term("mtm:mindfulness")

    assert names(client, taxonomy_term_id=str(walking.id)) == ["Health Walks"]
    # "Physical activity" is the parent of walking groups and exercise classes.
    assert names(client, taxonomy_term_id=str(activity.id)) == ["Chair Yoga", "Health Walks"]
    assert names(client, taxonomy_term_id=f"{activity.id},{mindfulness.id}") == ["Chair Yoga"]


def test_taxonomy_id_finds_services_tagged_with_any_term_of_that_taxonomy(client: Client) -> None:
    make_service("Step-free Walks", terms=["mtm:walking-groups", "access:step-free"])
    make_service("Health Walks", terms=["mtm:walking-groups"])
    accessibility = Taxonomy.objects.get(name="Accessibility")
    mtm = Taxonomy.objects.get(name="More than medicine")

    assert names(client, taxonomy_id=str(accessibility.id)) == ["Step-free Walks"]
    assert names(client, taxonomy_id=str(mtm.id)) == ["Health Walks", "Step-free Walks"]


def test_organization_id(client: Client) -> None:
    charity = DirectoryOrganizationFactory.create(name="Rotherham Charity")
    make_service("Art club", organization=charity)
    make_service("Book club", organization=charity)
    make_service("Cookery")

    assert names(client, organization_id=str(charity.id)) == ["Art club", "Book club"]


def test_postcode_and_proximity(client: Client) -> None:
    make_service("Town centre group", at=[ROTHERHAM])
    make_service("Kimberworth group", at=[KIMBERWORTH])
    make_service("Sheffield group", at=[SHEFFIELD])
    make_service("Leeds group", at=[LEEDS])
    make_service("Serves S60 from Leeds", at=[LEEDS], districts="S60")

    assert names(client, postcode="S60 1AA", proximity="1000") == ["Town centre group"]
    assert names(client, postcode="s601aa", proximity="5000") == ["Kimberworth group", "Town centre group"]
    # Without proximity: the default reach, plus services whose area covers the postcode.
    assert names(client, postcode="S60 1AA") == [
        "Kimberworth group",
        "Serves S60 from Leeds",
        "Sheffield group",
        "Town centre group",
    ]
    # Nearest first.
    ordered = [item["name"] for item in get_json(client, "/oruk/services", postcode="S60 1AA")["contents"]]
    assert ordered.index("Town centre group") < ordered.index("Sheffield group")


def test_ages_overlap_the_range_asked_about(client: Client) -> None:
    make_service("Youth club", minimum_age=11, maximum_age=18)
    make_service("Over 50s", minimum_age=50)
    make_service("Everyone")

    assert names(client, minimum_age="16", maximum_age="16") == ["Everyone", "Youth club"]
    assert names(client, minimum_age="60") == ["Everyone", "Over 50s"]
    assert names(client, maximum_age="10") == ["Everyone"]
    assert names(client, minimum_age="12.5", maximum_age="55") == ["Everyone", "Over 50s", "Youth club"]


def test_day_accepts_codes_and_full_names(client: Client) -> None:
    make_service("Monday group", days="MO", opens=datetime.time(10), closes=datetime.time(12))
    make_service("Weekend group", days="SA,SU", opens=datetime.time(10), closes=datetime.time(12))

    assert names(client, day="MO") == ["Monday group"]
    assert names(client, day="saturday") == ["Weekend group"]
    assert names(client, day="Sun") == ["Weekend group"]
    assert names(client, day="TU") == []


def test_start_and_end_times_find_sessions_that_overlap(client: Client) -> None:
    make_service("Morning group", days="MO", opens=datetime.time(9), closes=datetime.time(12))
    make_service("Evening group", days="MO", opens=datetime.time(18), closes=datetime.time(20, 30))

    assert names(client, start_time="10:00") == ["Evening group", "Morning group"]
    assert names(client, start_time="13:00") == ["Evening group"]
    assert names(client, end_time="09:30:00") == ["Morning group"]
    assert names(client, start_time="12:00", end_time="18:00") == []
    assert names(client, day="MO", start_time="19:00", end_time="20:00") == ["Evening group"]
    assert names(client, day="TU", start_time="10:00") == []


def test_modified_after_is_on_or_after(client: Client) -> None:
    old = make_service("Old entry")
    new = make_service("New entry")
    Service.objects.filter(id=old.id).update(last_modified=datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.UTC))
    Service.objects.filter(id=new.id).update(last_modified=datetime.datetime(2025, 6, 1, 9, tzinfo=datetime.UTC))
    reindex_services([old.id, new.id])

    assert names(client, modified_after="2025-01-01T00:00:00Z") == ["New entry"]
    assert names(client, modified_after="2025-06-01T09:00:00Z") == ["New entry"]
    assert names(client, modified_after="2025-06-01T09:00:01Z") == []
    assert names(client, modified_after="2023-12-31") == ["New entry", "Old entry"]
    # An offset, and a "+" that arrived as a space in the query string.
    assert names(client, modified_after="2025-06-01T10:00:00+01:00") == ["New entry"]
    assert names(client, modified_after="2025-06-01T10:00:00 01:00") == ["New entry"]


# -- combined --------------------------------------------------------------------------------------------------


def test_filters_combine_with_and(client: Client) -> None:
    charity = DirectoryOrganizationFactory.create(name="Rotherham Charity")
    common: dict[str, Any] = {
        "organization": charity,
        "terms": ["mtm:walking-groups"],
        "at": [ROTHERHAM],
        "days": "WE",
        "opens": datetime.time(10),
        "closes": datetime.time(12),
        "minimum_age": 18,
    }
    make_service("Wednesday health walk", **common)
    make_service("Wednesday health walk in Leeds", **{**common, "at": [LEEDS]})
    make_service("Wednesday health walk for children", **{**common, "minimum_age": 5, "maximum_age": 11})
    make_service("Wednesday health walk, other charity", **{**common, "organization": None})
    make_service("Wednesday art walk", **{**common, "terms": ["mtm:visual-arts-and-crafts"]})
    make_service("Friday health walk", **{**common, "days": "FR"})

    query = {
        "text": "walk",
        "taxonomy_term_id": str(term("mtm:physical-activity").id),
        "organization_id": str(charity.id),
        "postcode": "S60 1AA",
        "proximity": "2000",
        "minimum_age": "30",
        "maximum_age": "40",
        "day": "WE",
        "start_time": "11:00",
        "end_time": "11:30",
        "modified_after": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
    }
    assert names(client, **query) == ["Wednesday health walk"]
    assert names(client, "/oruk/service_at_locations", **query) == ["Wednesday health walk"]
    # Dropping one filter lets exactly the service it excluded back in.
    assert names(client, **{k: v for k, v in query.items() if k != "day"}) == [
        "Friday health walk",
        "Wednesday health walk",
    ]


def test_service_at_locations_keep_only_places_within_proximity(client: Client) -> None:
    make_service("Two venues", at=[ROTHERHAM, LEEDS])
    make_service("Leeds only", at=[LEEDS])

    near = get_json(client, "/oruk/service_at_locations", postcode="S60 1AA", proximity="1000")

    assert near["total_items"] == 1
    assert near["contents"][0]["service"]["name"] == "Two venues"
    assert near["contents"][0]["location"]["latitude"] == ROTHERHAM[0]
    everywhere = get_json(client, "/oruk/service_at_locations")
    assert everywhere["total_items"] == 3


# -- the ORUK validator's functional checks (Level 2) ---------------------------------------------------------


@pytest.mark.parametrize("url", ["/oruk/services", "/oruk/service_at_locations"])
def test_level_2_the_record_comes_back_when_queried_by_its_own_details(client: Client, url: str) -> None:
    """Pick a record; query by its own ages, postcode (proximity 1000), schedule, taxonomy and name."""
    record = example_record()
    make_service("Unrelated", at=[LEEDS], minimum_age=0, maximum_age=5, terms=["access:quiet-space"])
    data = get_json(client, f"/oruk/services/{record.id}")
    schemas.validate_service_full(data)
    address = data["service_at_locations"][0]["location"]["addresses"][0]
    schedule = data["schedules"][0]
    term_ = data["attributes"][0]["taxonomy_term"]

    checks = {
        "age": {"minimum_age": str(data["minimum_age"]), "maximum_age": str(data["maximum_age"])},
        "postcode": {"postcode": address["postal_code"], "proximity": "1000"},
        "time": {
            "day": schedule["byday"].split(",")[0],
            "start_time": schedule["opens_at"],
            "end_time": schedule["closes_at"],
        },
        "taxonomy term": {"taxonomy_term_id": term_["id"]},
        "taxonomy": {"taxonomy_id": term_["taxonomy_detail"]["id"]},
        "text": {"text": data["name"]},
    }
    for check, query in checks.items():
        page = get_json(client, url, **query)
        found = [item["service"]["id"] if "service" in item else item["id"] for item in page["contents"]]
        assert str(record.id) in found, check
        assert len(found) == 1, check
    assert ServiceAtLocation.objects.filter(service=record).count() == 1
