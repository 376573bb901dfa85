"""The public Open Referral UK 3.0 API: the base, the OpenAPI description, pages, records, errors, CORS, ndjson.

Filters and the validator's functional (Level 2) checks are in ``test_oruk_filters.py``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carehouse.core.models import Membership
from carehouse.directory.models import ServiceAtLocation, Taxonomy, TaxonomyTerm
from carehouse.directory.tests import schemas
from carehouse.directory.tests.conftest import LEEDS, ROTHERHAM
from carehouse.directory.tests.factories import make_service, term
from carehouse.directory.tests.oruk_helpers import example_record, get_json, ids_of

pytestmark = pytest.mark.django_db

#: Schemas published in ``openreferral/specification`` at branch 3.0 (``schema/`` and ``schema/compiled/``).
HSDS_SCHEMAS = {
    "compiled/organization.json",
    "compiled/organization_list.json",
    "compiled/service.json",
    "compiled/service_at_location.json",
    "compiled/service_at_location_list.json",
    "compiled/service_list.json",
    "taxonomy.json",
    "taxonomy_term.json",
}
LIST_ENDPOINTS = [
    "/oruk/services",
    "/oruk/service_at_locations",
    "/oruk/taxonomies",
    "/oruk/taxonomy_terms",
    "/oruk/organizations",
]


# -- the base and the description ----------------------------------------------------------------------------


def test_base_names_the_version_profile_and_our_openapi_description(client: Client) -> None:
    data = get_json(client, "/oruk/")

    assert set(data) == {"version", "profile", "openapi_url"}
    # The validator reads the version as a number to pick the ORUK 3.0 tests.
    assert data["version"] == "3.0"
    assert data["profile"].startswith("https://") and "uk-profile" in data["profile"]
    assert data["openapi_url"] == "http://testserver/oruk/openapi.json"
    assert get_json(client, data["openapi_url"])["openapi"].startswith("3.1")


def test_openapi_describes_our_endpoints_with_hsds_schemas_by_public_address(client: Client) -> None:
    spec = get_json(client, "/oruk/openapi.json")

    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "http://testserver/oruk"}]
    assert set(spec["paths"]) == {
        "/",
        "/services",
        "/services/{id}",
        "/service_at_locations",
        "/service_at_locations/{id}",
        "/taxonomies",
        "/taxonomies/{id}",
        "/taxonomy_terms",
        "/taxonomy_terms/{id}",
        "/organizations",
        "/organizations/{id}",
    }
    assert spec["paths"]["/services"]["get"]["tags"] == ["Required"]
    assert spec["paths"]["/organizations"]["get"]["tags"] == ["Optional"]
    service_params = {
        spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"]
        for p in spec["paths"]["/services"]["get"]["parameters"]
    }
    assert {"page", "per_page", "text", "search", "postcode", "proximity", "day", "start_time", "end_time"} <= (
        service_params
    )
    assert {"minimum_age", "maximum_age", "taxonomy_term_id", "modified_after", "format", "full", "minimal"} <= (
        service_params
    )
    detail = spec["paths"]["/services/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert detail == {
        "$ref": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/service.json"
    }

    # Every external reference names a real HSDS 3.0 schema; every internal one resolves.
    text = json.dumps(spec)
    prefix = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
    for ref in {part.split('"')[0] for part in text.split(f'"$ref": "{prefix}')[1:]}:
        assert ref in HSDS_SCHEMAS, ref
    for ref in {part.split('"')[0] for part in text.split('"$ref": "#/')[1:]}:
        node: Any = spec
        for key in ref.split("/"):
            node = node[key]
        assert node


# -- services --------------------------------------------------------------------------------------------------


def test_a_service_is_the_fully_nested_hsds_record_without_our_referral_details(client: Client) -> None:
    service = example_record()

    data = get_json(client, f"/oruk/services/{service.id}")

    schemas.validate_service_full(data)
    assert data["id"] == str(service.id)
    assert data["organization"]["name"] == "Example Organization Ltd"
    assert data["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "S60 1AA"
    assert data["schedules"][0]["byday"] == "MO,WE"
    assert data["attributes"][0]["taxonomy_term"]["code"] == "mtm:wellbeing-groups"
    assert data["minimum_age"] == 12 and data["maximum_age"] == 100
    # Who may refer and how is for signed-in staff only.
    assert "carehouse_referral" not in data


def test_unknown_and_malformed_ids_are_json_404s(client: Client) -> None:
    for endpoint in ("services", "service_at_locations", "taxonomies", "taxonomy_terms", "organizations"):
        missing = get_json(client, f"/oruk/{endpoint}/{uuid.uuid4()}", status=404)
        assert "There is no" in missing["error"]
        malformed = get_json(client, f"/oruk/{endpoint}/not-a-uuid", status=404)
        assert "UUID" in malformed["error"]
    assert "nothing at /oruk/locations" in get_json(client, "/oruk/locations", status=404)["error"]


def test_service_pages_have_a_correct_envelope_and_cover_every_service_once(client: Client) -> None:
    for name in ("Art club", "Book club", "Cookery", "Dance", "Exercise"):
        make_service(name)

    pages = [get_json(client, "/oruk/services", per_page=2, page=n) for n in (1, 2, 3, 4)]

    for number, page in enumerate(pages, start=1):
        schemas.validate_page("service", page)
        assert page["total_items"] == 5
        assert page["total_pages"] == 3
        assert page["page_number"] == page["number"] == number
        assert page["size"] == len(page["contents"])
        assert page["first_page"] is (number == 1)
        assert page["last_page"] is (number >= 3)
        assert page["empty"] is (number == 4)
    assert [p["size"] for p in pages] == [2, 2, 1, 0]
    seen = [i for p in pages for i in ids_of(p)]
    assert len(seen) == len(set(seen)) == 5
    # The envelope comes before the records, as the validator expects.
    assert list(pages[0])[-1] == "contents"


def test_default_page_size_is_50_and_an_empty_directory_is_one_empty_page(client: Client) -> None:
    page = get_json(client, "/oruk/services")

    assert page == {
        "total_items": 0,
        "total_pages": 1,
        "page_number": 1,
        "number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }
    for n in range(51):
        make_service(f"Group {n:02}", index=True)
    assert get_json(client, "/oruk/services")["size"] == 50
    assert get_json(client, "/oruk/services", per_page=200)["size"] == 51


def test_full_lists_nest_everything_and_minimal_lists_only_id_and_last_modified(client: Client) -> None:
    service = example_record()

    full = get_json(client, "/oruk/services", full="true")
    minimal = get_json(client, "/oruk/services", minimal="true")
    summary = get_json(client, "/oruk/services")

    schemas.validate_service_full(full["contents"][0])
    assert full["contents"][0]["service_at_locations"][0]["location"]["latitude"] == ROTHERHAM[0]
    assert minimal["contents"] == [
        {"id": str(service.id), "last_modified": service.last_modified.isoformat(timespec="milliseconds")[:23] + "Z"}
    ]
    schemas.validate_service_summary(summary["contents"][0])
    assert "service_at_locations" not in summary["contents"][0]
    assert summary["contents"][0]["organization"]["name"] == "Example Organization Ltd"


def test_ndjson_streams_every_match_unpaginated(client: Client) -> None:
    for name in ("Art club", "Book club", "Cookery"):
        make_service(name, terms=["mtm:arts-and-creativity"])
    make_service("Debt advice", terms=["mtm:debt-advice"])

    response = client.get(
        "/oruk/services",
        {"format": "ndjson", "per_page": 1, "taxonomy_term_id": str(term("mtm:arts-and-creativity").id)},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Access-Control-Allow-Origin"] == "*"
    lines = b"".join(response.streaming_content).decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert sorted(r["name"] for r in records) == ["Art club", "Book club", "Cookery"]
    for record in records:
        schemas.validate_service_summary(record)

    full = client.get("/oruk/services", {"format": "ndjson", "full": "true"})
    full_records = [json.loads(line) for line in b"".join(full.streaming_content).decode().splitlines()]
    assert len(full_records) == 4
    for record in full_records:
        schemas.validate_service_full(record)

    terms = client.get("/oruk/taxonomy_terms", {"format": "ndjson"})
    assert len(b"".join(terms.streaming_content).decode().splitlines()) == TaxonomyTerm.objects.count()


# -- services at locations -----------------------------------------------------------------------------------


def test_service_at_locations_list_one_row_per_service_and_place(client: Client) -> None:
    two_places = make_service("Walking group", at=[ROTHERHAM, LEEDS])
    make_service("Online course")  # no place: no row

    page = get_json(client, "/oruk/service_at_locations")

    schemas.validate_page("service_at_location", page)
    assert page["total_items"] == 2
    assert {item["service"]["id"] for item in page["contents"]} == {str(two_places.id)}
    assert {item["location"]["latitude"] for item in page["contents"]} == {ROTHERHAM[0], LEEDS[0]}
    # Paged like everything else.
    second = get_json(client, "/oruk/service_at_locations", per_page=1, page=2)
    assert second["size"] == 1 and second["last_page"] is True and second["first_page"] is False


def test_a_service_at_location_is_fully_nested(client: Client) -> None:
    service = example_record()
    sal = ServiceAtLocation.objects.get(service=service)

    data = get_json(client, f"/oruk/service_at_locations/{sal.id}")

    schemas.validate_definition("service_at_location", data)
    assert data["id"] == str(sal.id)
    assert data["location"]["addresses"][0]["city"] == "Rotherham"
    assert data["service"]["id"] == str(service.id)
    assert "carehouse_referral" not in data["service"]
    full = get_json(client, "/oruk/service_at_locations", full="true")
    assert full["contents"][0]["service"]["name"] == "Community Counselling"


# -- taxonomies, terms and organisations -----------------------------------------------------------------------


def test_taxonomies_and_their_terms(client: Client) -> None:
    taxonomies = get_json(client, "/oruk/taxonomies")
    schemas.validate_page("taxonomy", taxonomies)
    names = [t["name"] for t in taxonomies["contents"]]
    assert "More than medicine" in names and "Accessibility" in names
    mtm = Taxonomy.objects.get(name="More than medicine")
    assert get_json(client, f"/oruk/taxonomies/{mtm.id}")["name"] == "More than medicine"
    assert [t["name"] for t in get_json(client, "/oruk/taxonomies", search="accessib")["contents"]] == ["Accessibility"]

    walking = term("mtm:walking-groups")
    one = get_json(client, f"/oruk/taxonomy_terms/{walking.id}")
    schemas.validate_definition("taxonomy_term", one)
    assert one["parent_id"] == str(walking.parent_id)
    assert one["taxonomy_detail"]["id"] == str(mtm.id)

    terms = get_json(client, "/oruk/taxonomy_terms", per_page=200)
    schemas.validate_page("taxonomy_term", terms)
    assert terms["total_items"] == TaxonomyTerm.objects.count()

    in_mtm = get_json(client, "/oruk/taxonomy_terms", taxonomy_id=str(mtm.id), per_page=200)
    assert in_mtm["total_items"] == TaxonomyTerm.objects.filter(taxonomy_detail=mtm).count()
    assert all(t["taxonomy_detail"]["id"] == str(mtm.id) for t in in_mtm["contents"])

    activity = term("mtm:physical-activity")
    children = get_json(client, "/oruk/taxonomy_terms", parent_id=str(activity.id), per_page=200)
    assert {t["code"] for t in children["contents"]} == set(activity.children.values_list("code", flat=True))
    assert "mtm:walking-groups" in {t["code"] for t in children["contents"]}

    top = get_json(client, "/oruk/taxonomy_terms", top_only="true", taxonomy_id=str(mtm.id), per_page=200)
    assert top["total_items"] == TaxonomyTerm.objects.filter(taxonomy_detail=mtm, parent__isnull=True).count()
    assert all("parent_id" not in t for t in top["contents"])
    assert "mtm:physical-activity" in {t["code"] for t in top["contents"]}

    found = get_json(client, "/oruk/taxonomy_terms", search="walking")
    assert "mtm:walking-groups" in {t["code"] for t in found["contents"]}
    assert all("walk" in json.dumps(t).lower() for t in found["contents"])


def test_organizations_list_and_record(client: Client) -> None:
    service = example_record()
    make_service("Other service")
    organization_id = str(service.organization_id)

    page = get_json(client, "/oruk/organizations")
    schemas.validate_page("organization", page)
    assert page["total_items"] == 2

    found = get_json(client, "/oruk/organizations", search="example org")
    assert ids_of(found) == [organization_id]

    record = get_json(client, f"/oruk/organizations/{organization_id}")
    schemas.validate_definition("organization", record)
    assert [s["id"] for s in record["services"]] == [str(service.id)]
    assert "carehouse_referral" not in record["services"][0]
    nested = get_json(client, "/oruk/organizations", search="example", full_service="true")
    assert nested["contents"][0]["services"][0]["name"] == "Community Counselling"


# -- errors, methods, CORS, no session -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"page": "0"}, "page must be 1 or more"),
        ({"page": "two"}, "page must be a whole number"),
        ({"per_page": "abc"}, "per_page must be a whole number"),
        ({"per_page": "201"}, "per_page must be 200 or fewer"),
        ({"postcode": "TQ99 9ZZ"}, "postcode 'TQ99 9ZZ' is not one we know"),
        ({"postcode": "not a postcode"}, "is not one we know"),
        ({"postcode": "S60 1AA", "proximity": "near"}, "proximity must be a distance in metres"),
        ({"proximity": "1000"}, "proximity needs a postcode"),
        ({"start_time": "9am"}, "start_time must be a time as HH:MM"),
        ({"end_time": "25:00"}, "end_time must be a time as HH:MM"),
        ({"start_time": "17:00", "end_time": "09:00"}, "start_time must be before end_time"),
        ({"day": "Funday"}, "day must be a day of the week"),
        ({"day": "MO,TU"}, "Give one day at a time"),
        ({"minimum_age": "old"}, "minimum_age must be an age in years"),
        ({"maximum_age": "-1"}, "maximum_age must be between 0 and 130"),
        ({"minimum_age": "40", "maximum_age": "20"}, "minimum_age must not be more than maximum_age"),
        ({"modified_after": "last week"}, "modified_after must be an ISO 8601 date and time"),
        ({"taxonomy_term_id": "walking"}, "taxonomy_term_id must be a UUID"),
        ({"taxonomy_id": "123"}, "taxonomy_id must be a UUID"),
        ({"organization_id": "x"}, "organization_id must be a UUID"),
        ({"format": "xml"}, "format must be json or ndjson"),
        ({"full": "maybe"}, "full must be true or false"),
        ({"full": "true", "minimal": "true"}, "not both"),
    ],
)
def test_a_bad_parameter_is_a_400_that_says_what_is_wrong(client: Client, query: dict[str, str], message: str) -> None:
    for url in ("/oruk/services", "/oruk/service_at_locations"):
        assert message in get_json(client, url, status=400, **query)["error"]


def test_bad_paging_on_other_lists_is_a_400_too(client: Client) -> None:
    for url in ("/oruk/taxonomies", "/oruk/taxonomy_terms", "/oruk/organizations"):
        assert "page must be 1 or more" in get_json(client, url, status=400, page="0")["error"]
    assert "parent_id must be a UUID" in get_json(client, "/oruk/taxonomy_terms", status=400, parent_id="x")["error"]
    assert (
        "top_only must be true or false" in get_json(client, "/oruk/taxonomy_terms", status=400, top_only="x")["error"]
    )


def test_every_answer_is_open_to_other_sites_and_the_api_is_read_only(client: Client) -> None:
    service = make_service("Walking group", at=[ROTHERHAM])
    sal = ServiceAtLocation.objects.get(service=service)
    urls = [
        "/oruk/",
        "/oruk/openapi.json",
        *LIST_ENDPOINTS,
        f"/oruk/services/{service.id}",
        f"/oruk/service_at_locations/{sal.id}",
        f"/oruk/taxonomies/{Taxonomy.objects.first().id}",
        f"/oruk/taxonomy_terms/{term('mtm:walking-groups').id}",
        f"/oruk/organizations/{service.organization_id}",
        f"/oruk/services/{uuid.uuid4()}",
        "/oruk/services?page=0",
        "/oruk/services?format=ndjson",
    ]
    strict = Client(enforce_csrf_checks=True)
    for url in urls:
        got = client.get(url)
        assert got.status_code in (200, 400, 404), url
        assert got["Access-Control-Allow-Origin"] == "*", url
        assert client.head(url)["Access-Control-Allow-Origin"] == "*", url

        preflight = client.options(
            url, headers={"Origin": "https://finder.example", "Access-Control-Request-Method": "GET"}
        )
        assert preflight.status_code == 204, url
        assert preflight["Access-Control-Allow-Origin"] == "*"
        assert "GET" in preflight["Access-Control-Allow-Methods"]

        for method in (strict.post, strict.put, strict.patch, strict.delete):
            refused = method(url)
            assert refused.status_code == 405, (url, method)
            assert refused["Access-Control-Allow-Origin"] == "*"
            assert refused["Allow"] == "GET, HEAD, OPTIONS"
            assert "read-only" in json.loads(refused.content)["error"]


def test_the_api_sets_no_cookies_and_ignores_a_signed_in_session(
    client: Client, signed_in: Callable[[Client, Membership], Client], priya: Membership
) -> None:
    make_service("Walking group")
    signed_in(client, priya)

    for url in ("/oruk/", "/oruk/services", "/oruk/services?page=0", "/oruk/nothing"):
        response = client.get(url)
        assert not response.cookies, (url, response.cookies)
        assert response["Access-Control-Allow-Origin"] == "*"

    # The person's own session is untouched (not refreshed, not ended): the app still knows them.
    assert client.session.get("_auth_user_id") == str(priya.user.pk)


def test_a_trailing_slash_works_too(client: Client) -> None:
    make_service("Walking group")

    assert get_json(client, "/oruk/services/")["total_items"] == 1


def test_a_page_costs_the_same_number_of_queries_however_many_records_it_holds(client: Client) -> None:
    def queries(url: str, **query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            get_json(client, url, **query)
        return len(captured)

    for n in range(3):
        make_service(f"Group {n}", at=[ROTHERHAM], terms=["mtm:walking-groups"])
    queries("/oruk/services")  # warms the search service's cache of facet terms
    small = {url: queries(url) for url in LIST_ENDPOINTS}
    small_full = queries("/oruk/services", full="true")
    small_organizations = queries("/oruk/organizations", full="true")
    for n in range(3, 30):
        make_service(f"Group {n}", at=[ROTHERHAM], terms=["mtm:walking-groups"])  # each with its own organisation

    assert {url: queries(url) for url in LIST_ENDPOINTS} == small
    assert queries("/oruk/services", full="true") == small_full
    assert queries("/oruk/organizations", full="true") == small_organizations


@pytest.mark.parametrize(
    "query",
    [
        {"text": '"'},
        {"text": "NEAR( walk* OR -"},
        {"search": "%_\\"},
        {"text": "a'b; DROP TABLE x"},
        {"text": "walk\x00ing"},
        {"text": "x" * 501},
        {"postcode": "S60\x001AA"},
        {"proximity": "nan", "postcode": "S60"},
        {"proximity": "inf", "postcode": "S60"},
        {"minimum_age": "nan"},
        {"modified_after": "2024-13-45"},
        {"modified_after": "2024-01-01T25:00:00"},
        {"taxonomy_term_id": ","},
        {"taxonomy_term_id": " "},
        {"page": "99999999"},
        {"per_page": ""},
        {"day": ""},
        {"day": ","},
    ],
)
def test_odd_input_is_answered_never_a_server_error(client: Client, query: dict[str, str]) -> None:
    make_service("Walking group", at=[ROTHERHAM])
    for url in ("/oruk/services", "/oruk/service_at_locations", "/oruk/taxonomy_terms", "/oruk/organizations"):
        response = client.get(url, query)
        assert response.status_code in (200, 400), (url, query, response.status_code)
        assert "error" in json.loads(response.content) or response.status_code == 200
