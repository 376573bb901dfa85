"""Commissioners' figures over the API: disclosure-controlled, scoped to their area, for their role only."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from carehouse.careplans.models import PlanStatus
from carehouse.careplans.tests.factories import CarePlanFactory
from carehouse.commissioning import facts
from carehouse.commissioning.indicators import INDICATORS
from carehouse.commissioning.models import HierarchyEntry
from carehouse.commissioning.tests.conftest import Board
from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation
from carehouse.core.services.accounts import issue_api_token
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 15)
AGREED = timezone.make_aware(datetime.datetime(2026, 2, 10, 10, 0))
PERIOD = {"from": "2026-01", "to": "2026-03"}


class Api:
    """The test client with one membership's bearer token."""

    def __init__(self, client: Client, membership: Membership) -> None:
        self.client = client
        _, secret = issue_api_token(Actor.for_membership(membership), "test")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path: str, query: dict[str, Any] | None = None):
        return self.client.get(f"/api/v1/commissioning{path}", query or {}, **self.headers)


def _plans(practice: Organisation, count: int, *, status: str = PlanStatus.ACTIVE) -> None:
    for _ in range(count):
        CarePlanFactory(person=PersonFactory(registered_practice=practice), status=status, agreed_at=AGREED)


@pytest.fixture
def figures(board: Board, settings: Any) -> Board:
    settings.COMMISSIONING_THEME_METHOD = "keywords"
    _plans(board.north, 12)
    _plans(board.south, 3)
    _plans(board.north, 4, status=PlanStatus.DRAFT)  # a draft is not yet the person's plan
    _plans(board.other_icb_practice, 20)
    facts.refresh(TODAY)
    return board


@pytest.fixture
def api(figures: Board, client: Client) -> Api:
    return Api(client, figures.commissioner)


def _plans_total(api: Api, **query: str) -> dict[str, Any]:
    response = api.get("/figures", {"measure": "need_plans", **PERIOD, **query})
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["rows"]) == 1
    return body["rows"][0]


def _errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    return {error["loc"][-1]: error["msg"] for error in response.json()["detail"]}


# -- figures ------------------------------------------------------------------------------------


def test_counts_are_rounded_suppressed_or_zero(api: Api, figures: Board):
    north = _plans_total(api, area=str(figures.north.pk))
    south = _plans_total(api, area=str(figures.south.pk))
    before = _plans_total(api, **{"from": "2025-01", "to": "2025-06"})

    assert (north["people"], north["people_value"]) == ("10", 10)  # 12 people, rounded to 5
    assert (south["people"], south["people_value"]) == ("*", None)  # 3 people
    assert south["mean"] == "*"
    assert (before["people"], before["people_value"]) == ("0", 0)
    assert before["mean"] == "No data"


def test_the_whole_area_total_is_rounded_from_raw_figures_not_added_up(api: Api):
    # 12 + 3 = 15 people; adding the shown parts would give 10.
    assert _plans_total(api)["people"] == "15"


def test_a_breakdown_group_under_8_people_shows_nothing(api: Api):
    body = api.get("/figures", {"measure": "need_plans", "group_by": "practice", **PERIOD}).json()

    rows = {row["practice"]: row for row in body["rows"]}
    assert set(rows) == {"Y99001", "Y99002"}
    assert rows["Y99001"]["people"] == "10"
    assert rows["Y99001"]["practice_name"] == "North Surgery"
    south = rows["Y99002"]
    assert [south[name] for name in ("people", "people_value", "improved", "improved_value", "mean")] == [
        "*",
        None,
        "*",
        None,
        "*",
    ]


def test_the_area_filter_narrows_the_figures(api: Api, figures: Board):
    body = api.get(
        "/figures", {"measure": "need_plans", "group_by": "practice", "area": str(figures.north.pk), **PERIOD}
    ).json()

    assert [row["practice"] for row in body["rows"]] == ["Y99001"]
    assert "North Surgery" in body["filters"]


def test_another_icbs_practices_never_appear(api: Api, figures: Board):
    for group_by in (["practice"], ["network"], ["practice", "month"]):
        response = api.get("/figures", {"measure": "need_plans", "group_by": group_by, **PERIOD})
        assert response.status_code == 200
        assert "Y88001" not in response.content.decode()
        assert "Elsewhere" not in response.content.decode()
    network = api.get("/figures", {"measure": "need_plans", "group_by": "network", **PERIOD}).json()["rows"]
    assert [(row["network"], row["people"]) for row in network] == [("U99001", "15")]


def test_an_area_outside_the_organisation_is_refused(api: Api, figures: Board):
    errors = _errors(api.get("/figures", {"measure": "need_plans", "area": str(figures.other_icb_practice.pk)}))
    assert errors == {"area": "Select an area from the list"}


def test_grouping_by_month_and_key_and_the_filters_in_words(api: Api):
    body = api.get("/figures", {"measure": "need_plans", "group_by": ["month", "key"], **PERIOD}).json()

    assert body["group_by"] == ["month", "key"]
    assert [(row["month"], row["key"], row["people"]) for row in body["rows"]] == [("2026-02", "", "15")]
    assert body["filters"] == "January 2026 to March 2026, all areas"
    assert body["figures_as_at"]


def test_one_split_at_a_time_is_read_from_its_own_cells(api: Api):
    # Everyone was born in 1950, so is 75 on the day of the rebuild.
    assert _plans_total(api, age="75-84")["people"] == "15"
    assert _plans_total(api, age="18-34")["people"] == "0"
    assert _plans_total(api, deprivation="unknown")["people"] == "15"


def test_no_personal_data_in_the_answer(api: Api):
    body = api.get("/figures", {"measure": "need_plans", "group_by": ["practice", "month"], **PERIOD}).json()

    assert set(body) == {"measure", "group_by", "filters", "figures_as_at", "rows"}
    for row in body["rows"]:
        assert set(row) == {
            *("key", "month", "practice", "practice_name", "network", "network_name"),
            *("people", "people_value", "improved", "improved_value", "mean"),
        }
    text = json.dumps(body)
    for nhs_number, born in Person.objects.values_list("nhs_number", "date_of_birth"):
        assert nhs_number not in text
        assert born.isoformat() not in text


# -- bad input ------------------------------------------------------------------------------------


def test_a_bad_month_is_422_with_the_pages_message(api: Api):
    errors = _errors(api.get("/figures", {"measure": "need_plans", "from": "2026-13"}))
    assert errors == {"from": "Enter the first month as a year and month, like 2026-01"}


def test_two_splits_at_once_are_422(api: Api):
    errors = _errors(api.get("/figures", {"measure": "need_plans", "age": "75-84", "deprivation": "1"}))
    assert errors == {
        "deprivation": (
            "Choose only one of age band, deprivation and condition at a time, so that nobody can be identified"
        )
    }


def test_an_unknown_measure_is_422(api: Api):
    errors = _errors(api.get("/figures", {"measure": "people_names"}))
    assert set(errors) == {"measure"}


def test_more_than_two_groupings_or_an_unknown_one_is_422(api: Api):
    errors = _errors(api.get("/figures", {"measure": "need_plans", "group_by": ["key", "month", "practice"]}))
    assert set(errors) == {"group_by"}
    response = api.get("/figures", {"measure": "need_plans", "group_by": "person"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-2:] == ["group_by", 0]


# -- measures and indicators ----------------------------------------------------------------------


def test_the_measures_and_indicators_with_local_owners(api: Api, figures: Board):
    HierarchyEntry.objects.create(
        organisation=figures.icb, measure_key="five_criteria", owner="Riverside quality team", purpose="judgement"
    )
    body = api.get("/measures").json()

    assert "need_plans" in {measure["name"] for measure in body["measures"]}
    indicators = {indicator["key"]: indicator for indicator in body["indicators"]}
    assert set(indicators) == {indicator.key for indicator in INDICATORS}
    five = indicators["five_criteria"]
    assert (five["owner"], five["purpose"], five["tier"]) == ("Riverside quality team", "judgement", "process")
    assert five["numerator"] == "Agreed plans that meet all five criteria"
    assert indicators["plan_coverage"]["owner"] == "ICB personalised care lead"
    assert indicators["plan_coverage"]["data_source"] == "Care and support plans; case finding runs"


# -- who may read them ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/measures", "/figures?measure=need_plans"])
def test_a_practitioner_token_is_403(client: Client, priya: Membership, path: str):
    response = Api(client, priya).get(path)
    assert response.status_code == 403


def test_no_token_is_401(client: Client, figures: Board):
    assert client.get("/api/v1/commissioning/figures", {"measure": "need_plans"}).status_code == 401


def test_the_openapi_document_lists_the_endpoints(client: Client, db: None):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "get" in paths["/api/v1/commissioning/measures"]
    figures = paths["/api/v1/commissioning/figures"]["get"]
    names = {parameter["name"] for parameter in figures["parameters"]}
    assert {"measure", "group_by", "from", "to", "area", "age", "deprivation", "condition"} <= names
