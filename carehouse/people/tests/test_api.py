"""People and consent over the API: scoped, audited and validated with the same rules as the pages."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership, Organisation
from carehouse.core.services.accounts import issue_api_token
from carehouse.people.models import Consent, ConsentPurpose, Person
from carehouse.people.tests.factories import CareTeamMemberFactory, ConsentFactory, PersonFactory

#: Valid NHS numbers in the 999 range (never issued to real people); 943 476 5919 is the NHS's own example.
VALID_NHS_NUMBER = "943 476 5919"
WRONG_CHECK_DIGIT = "943 476 5918"


# -- helpers ----------------------------------------------------------------------------


class Api:
    """The Django test client, speaking JSON with one membership's bearer token."""

    def __init__(self, client: Client, membership: Membership) -> None:
        self.client = client
        self.membership = membership
        _, secret = issue_api_token(Actor.for_membership(membership), "test")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def get(self, path: str, **query: Any):
        return self.client.get(f"/api/v1{path}", query, **self.headers)

    def post(self, path: str, body: dict[str, Any]):
        return self.client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", **self.headers)

    def put(self, path: str, body: dict[str, Any]):
        return self.client.put(f"/api/v1{path}", json.dumps(body), content_type="application/json", **self.headers)


@pytest.fixture
def api(client: Client):
    return lambda membership: Api(client, membership)


def new_person(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1951-12-10",
        "nhs_number": VALID_NHS_NUMBER,
        "postcode": "ls1 4ap",
        "registered_practice": "Y10001",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def audit_rows(action: str, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters))


def error_fields(response) -> set[str]:
    """The bad fields named in a 422 answer's ``loc``s (the last element of each)."""
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    for error in detail:
        assert error["loc"][0] == "body" and error["msg"]
    return {error["loc"][-1] for error in detail}


@pytest.fixture
def people(practice: Organisation, other_practice: Organisation, pcn: Organisation):
    """Who is in whose care: registered, on a care team, sharing by consent, or none of these."""
    registered = PersonFactory(given_name="Rita", family_name="Registered", registered_practice=practice)
    elsewhere = PersonFactory(given_name="Otto", family_name="Elsewhere", registered_practice=other_practice)
    care_team = PersonFactory(given_name="Carl", family_name="Careteam", registered_practice=other_practice)
    CareTeamMemberFactory(person=care_team, organisation=practice)
    left_team = PersonFactory(given_name="Len", family_name="Leftteam", registered_practice=other_practice)
    CareTeamMemberFactory(person=left_team, organisation=practice, ended_on=datetime.date(2024, 1, 1))
    sharing = PersonFactory(given_name="Sue", family_name="Sharing", registered_practice=other_practice)
    ConsentFactory(person=sharing, purpose=ConsentPurpose.CARE_PLANNING, recipient_organisations=[practice])
    research_only = PersonFactory(given_name="Ray", family_name="Research", registered_practice=other_practice)
    ConsentFactory(person=research_only, purpose=ConsentPurpose.RESEARCH, recipient_organisations=[practice])
    networked = PersonFactory(given_name="Nina", family_name="Network", registered_practice=other_practice)
    CareTeamMemberFactory(person=networked, organisation=pcn)
    return {
        "registered": registered,
        "elsewhere": elsewhere,
        "care_team": care_team,
        "left_team": left_team,
        "sharing": sharing,
        "research_only": research_only,
        "networked": networked,
    }


# -- listing and reading ------------------------------------------------------------------


def test_list_shows_only_the_people_in_the_tokens_organisations_care(api, priya, omar, lena, people):
    def listed(membership: Membership) -> set[int]:
        response = api(membership).get("/people")
        assert response.status_code == 200
        return {row["id"] for row in response.json()}

    assert listed(priya) == {people[k].pk for k in ("registered", "care_team", "sharing")}
    assert listed(omar) == {people[k].pk for k in people} - {people["registered"].pk}
    assert listed(lena) == {people["networked"].pk}


def test_list_rows_are_summaries(api, priya, people):
    [row] = api(priya).get("/people", q="Rita").json()
    rita = people["registered"]
    assert row == {
        "id": rita.pk,
        "nhs_number": rita.nhs_number,
        "given_name": "Rita",
        "family_name": "Registered",
        "date_of_birth": "1950-06-15",
    }


def test_search_by_name_or_nhs_number_stays_within_scope_and_is_audited(api, priya, people):
    otto = people["elsewhere"]
    assert api(priya).get("/people", q="Otto").json() == []
    assert api(priya).get("/people", q=otto.nhs_number).json() == []
    assert [row["id"] for row in api(priya).get("/people", q="sue sharing").json()] == [people["sharing"].pk]
    rita = people["registered"]
    spaced = f"{rita.nhs_number[:3]} {rita.nhs_number[3:6]} {rita.nhs_number[6:]}"
    assert [row["id"] for row in api(priya).get("/people", q=spaced).json()] == [rita.pk]
    searches = audit_rows("search", actor_email="priya@example.org")
    assert len(searches) == 4
    assert all(event.changes.keys() == {"query_length"} for event in searches)  # the query text is not stored


def test_reading_a_person_returns_the_record_and_audits_the_read(api, priya, people):
    rita = people["registered"]

    response = api(priya).get(f"/people/{rita.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == rita.pk
    assert body["nhs_number"] == rita.nhs_number
    assert (body["given_name"], body["family_name"]) == ("Rita", "Registered")
    assert body["registered_practice"] == "Y10001"
    assert body["version"] == 1
    [event] = audit_rows("read", person_id=rita.pk)
    assert event.actor_email == "priya@example.org"
    assert event.actor_organisation == "Y10001"
    assert event.object_type == "people.Person" and event.object_id == str(rita.pk)
    assert event.purpose == "api"


@pytest.mark.parametrize("who", ["elsewhere", "left_team", "research_only", "networked"])
def test_a_person_in_another_organisations_care_is_not_found(api, priya, people, who):
    person = people[who]

    response = api(priya).get(f"/people/{person.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert audit_rows("read", person_id=person.pk) == []


def test_not_visible_looks_exactly_like_not_there(api, priya, people):
    hidden = api(priya).get(f"/people/{people['elsewhere'].pk}")
    missing = api(priya).get(f"/people/{Person.objects.order_by('-pk').first().pk + 1000}")
    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)


def test_a_link_worker_sees_people_their_network_is_a_care_team_for(api, lena, people):
    assert api(lena).get(f"/people/{people['networked'].pk}").status_code == 200
    assert api(lena).get(f"/people/{people['registered'].pk}").status_code == 404


# -- adding a person ----------------------------------------------------------------------


def test_adding_a_person(api, priya, practice):
    response = api(priya).post("/people", new_person(phone="0113 496 0000", email="ada@example.org"))

    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert person.nhs_number == "9434765919"
    assert person.postcode == "LS1 4AP"
    assert person.registered_practice == practice
    assert person.version == 1
    assert body["nhs_number"] == "9434765919" and body["postcode"] == "LS1 4AP"
    assert body["registered_practice"] == "Y10001"
    [event] = audit_rows("create", object_type="people.Person")
    assert event.person_id == person.pk and event.actor_email == "priya@example.org"
    # and it can be read back with the same token
    assert api(priya).get(f"/people/{person.pk}").status_code == 200


def test_a_person_added_without_a_practice_is_registered_at_the_practitioners_own(api, priya, practice):
    """As on the 'Add a person' page, whose practice field starts as the user's own practice."""
    response = api(priya).post("/people", new_person(registered_practice=...))

    assert response.status_code == 201
    assert response.json()["registered_practice"] == "Y10001"
    assert api(priya).get(f"/people/{response.json()['id']}").status_code == 200


def test_a_person_may_be_added_explicitly_without_a_practice(api, priya):
    response = api(priya).post("/people", new_person(registered_practice=None))

    assert response.status_code == 201
    assert response.json()["registered_practice"] is None


def test_the_registered_practice_may_be_another_practice(api, priya, other_practice):
    response = api(priya).post("/people", new_person(registered_practice="y10002"))

    assert response.status_code == 201
    assert Person.objects.get(pk=response.json()["id"]).registered_practice == other_practice


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"nhs_number": WRONG_CHECK_DIGIT}, "nhs_number"),
        ({"nhs_number": "943 476 591"}, "nhs_number"),
        ({"nhs_number": "943 476 591X"}, "nhs_number"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth"),
        ({"date_of_birth": "31/12/1960"}, "date_of_birth"),
        ({"postcode": "LS1"}, "postcode"),
        ({"postcode": "not a postcode"}, "postcode"),
        ({"family_name": ...}, "family_name"),
        ({"family_name": ""}, "family_name"),
        ({"given_name": ...}, "given_name"),
        ({"email": "not-an-email"}, "email"),
        ({"sex": "unknown"}, "sex"),
        ({"registered_practice": "Y99999"}, "registered_practice"),
        ({"registered_practice": "QT1"}, "registered_practice"),  # an ICB, not a GP practice
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_stored(api, priya, icb, overrides, field):
    people_before = Person.objects.count()

    response = api(priya).post("/people", new_person(**overrides))

    assert error_fields(response) == {field}
    assert Person.objects.count() == people_before
    assert audit_rows("create", object_type="people.Person") == []


def test_every_bad_field_is_named_at_once(api, priya):
    response = api(priya).post(
        "/people",
        new_person(nhs_number=WRONG_CHECK_DIGIT, date_of_birth="2999-01-01", postcode="XX", family_name=...),
    )

    assert error_fields(response) == {"nhs_number", "date_of_birth", "postcode", "family_name"}
    assert Person.objects.count() == 0


def test_a_date_of_birth_today_is_accepted(api, priya):
    today = timezone.localdate().isoformat()
    assert api(priya).post("/people", new_person(date_of_birth=today)).status_code == 201


def test_a_duplicate_nhs_number_is_422_not_a_server_error(api, priya, people):
    rita = people["registered"]
    people_before = Person.objects.count()

    response = api(priya).post("/people", new_person(nhs_number=rita.nhs_number))

    assert response.status_code == 422
    assert error_fields(response) == {"nhs_number"}
    assert "already exists" in response.json()["detail"][0]["msg"]
    assert rita.full_name not in response.content.decode()
    assert Person.objects.count() == people_before


def test_a_body_that_is_not_json_is_rejected(api, priya, client):
    response = client.post("/api/v1/people", "given_name=Ada", content_type="application/json", **api(priya).headers)
    assert response.status_code in (400, 422)
    assert Person.objects.count() == 0


# -- changing a person --------------------------------------------------------------------


def test_changing_a_person_with_the_version_read_saves_and_raises_the_version(api, priya, people):
    rita = people["registered"]
    current = api(priya).get(f"/people/{rita.pk}").json()

    response = api(priya).put(
        f"/people/{rita.pk}",
        new_person(
            given_name="Rita",
            family_name="Renamed",
            nhs_number=rita.nhs_number,
            date_of_birth="1950-06-15",
            version=current["version"],
        ),
    )

    assert response.status_code == 200
    assert response.json()["family_name"] == "Renamed"
    assert response.json()["version"] == current["version"] + 1
    rita.refresh_from_db()
    assert (rita.family_name, rita.version, rita.postcode) == ("Renamed", 2, "LS1 4AP")
    [event] = audit_rows("update", object_type="people.Person")
    assert event.person_id == rita.pk
    assert "family_name" in event.changes["fields"]


def test_changing_a_person_with_a_stale_version_is_409_and_changes_nothing(api, priya, people):
    rita = people["registered"]
    stale = {"given_name": "Rita", "nhs_number": rita.nhs_number, "date_of_birth": "1950-06-15"}
    first = api(priya).put(f"/people/{rita.pk}", new_person(**stale, family_name="First", version=1))
    assert first.status_code == 200 and first.json()["version"] == 2
    updates_before = len(audit_rows("update"))

    response = api(priya).put(f"/people/{rita.pk}", new_person(**stale, family_name="Second", version=1))

    assert response.status_code == 409
    body = response.json()
    assert "nothing was saved" in body["detail"]
    assert body["current"]["id"] == rita.pk
    assert body["current"]["family_name"] == "First"
    assert body["current"]["version"] == 2
    rita.refresh_from_db()
    assert (rita.family_name, rita.version) == ("First", 2)
    assert len(audit_rows("update")) == updates_before


def test_changing_a_person_with_bad_input_is_422_and_changes_nothing(api, priya, people):
    rita = people["registered"]

    response = api(priya).put(
        f"/people/{rita.pk}", new_person(nhs_number=WRONG_CHECK_DIGIT, postcode="XX", version=rita.version)
    )

    assert error_fields(response) == {"nhs_number", "postcode"}
    rita.refresh_from_db()
    assert (rita.family_name, rita.version) == ("Registered", 1)


def test_a_change_needs_the_version(api, priya, people):
    rita = people["registered"]
    assert error_fields(api(priya).put(f"/people/{rita.pk}", new_person(nhs_number=rita.nhs_number))) == {"version"}


def test_a_person_in_another_practice_cannot_be_changed(api, priya, people):
    otto = people["elsewhere"]

    response = api(priya).put(f"/people/{otto.pk}", new_person(nhs_number=otto.nhs_number, version=1))

    assert response.status_code == 404
    otto.refresh_from_db()
    assert (otto.family_name, otto.version) == ("Elsewhere", 1)


# -- consent --------------------------------------------------------------------------------


def test_consent_to_share_with_another_practice_lets_them_see_the_person_until_withdrawn(api, priya, omar, people):
    rita = people["registered"]
    assert api(omar).get(f"/people/{rita.pk}").status_code == 404

    response = api(priya).post(
        f"/people/{rita.pk}/consents", {"purpose": "direct_care", "recipient_organisations": ["y10002"]}
    )

    assert response.status_code == 201
    consent = response.json()
    assert consent["recipient_organisations"] == ["Y10002"]
    assert (consent["purpose"], consent["decision"], consent["active"]) == ("direct_care", "given", True)
    assert api(omar).get(f"/people/{rita.pk}").status_code == 200
    assert rita.pk in {row["id"] for row in api(omar).get("/people").json()}
    [created] = audit_rows("create", object_type="people.Consent")
    assert created.person_id == rita.pk and created.changes["recipient_organisations"] == ["Y10002"]

    withdrawn = api(priya).post(f"/people/{rita.pk}/consents/{consent['id']}/withdraw", {"reason": "Changed mind"})

    assert withdrawn.status_code == 200
    assert withdrawn.json()["active"] is False and withdrawn.json()["withdrawn_at"] is not None
    assert api(omar).get(f"/people/{rita.pk}").status_code == 404
    assert rita.pk not in {row["id"] for row in api(omar).get("/people").json()}
    assert api(priya).get(f"/people/{rita.pk}").status_code == 200  # still registered with priya's practice


def test_listing_a_persons_consents(api, priya, people, other_practice):
    rita = people["registered"]
    api(priya).post(f"/people/{rita.pk}/consents", {"purpose": "care_planning", "recipient_organisations": ["Y10002"]})
    api(priya).post(f"/people/{rita.pk}/consents", {"purpose": "research", "decision": "refused"})

    response = api(priya).get(f"/people/{rita.pk}/consents")

    assert response.status_code == 200
    by_purpose = {row["purpose"]: row for row in response.json()}
    assert by_purpose.keys() == {"care_planning", "research"}
    assert by_purpose["care_planning"]["active"] is True
    assert by_purpose["research"]["active"] is False


def test_consent_for_research_does_not_share_the_record(api, priya, omar, people):
    rita = people["registered"]
    response = api(priya).post(
        f"/people/{rita.pk}/consents", {"purpose": "research", "recipient_organisations": ["Y10002"]}
    )
    assert response.status_code == 201
    assert api(omar).get(f"/people/{rita.pk}").status_code == 404


def test_an_unknown_ods_code_in_recipients_is_422_and_nothing_is_recorded(api, priya, people):
    rita = people["registered"]

    response = api(priya).post(
        f"/people/{rita.pk}/consents", {"purpose": "direct_care", "recipient_organisations": ["Y10002", "ZZ999"]}
    )

    assert error_fields(response) == {"recipient_organisations"}
    assert "ZZ999" in response.json()["detail"][0]["msg"]
    assert not Consent.objects.filter(person=rita).exists()
    assert audit_rows("create", object_type="people.Consent") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "sharing_with_everyone"}, "purpose"),
        ({"purpose": "direct_care", "decision": "maybe"}, "decision"),
        ({"purpose": "direct_care", "decision": "not_sought"}, "reason_not_sought"),
        ({"decision": "given"}, "purpose"),
    ],
)
def test_a_bad_consent_is_422(api, priya, people, body, field):
    rita = people["registered"]
    assert error_fields(api(priya).post(f"/people/{rita.pk}/consents", body)) == {field}
    assert not Consent.objects.filter(person=rita).exists()


def test_consent_cannot_be_recorded_or_withdrawn_for_someone_out_of_sight(api, priya, omar, people):
    rita = people["registered"]
    consent = ConsentFactory(person=rita, recipient_organisations=[])

    recorded = api(omar).post(f"/people/{rita.pk}/consents", {"purpose": "direct_care"})
    withdrawn = api(omar).post(f"/people/{rita.pk}/consents/{consent.pk}/withdraw", {"reason": "x"})
    listed = api(omar).get(f"/people/{rita.pk}/consents")

    assert (recorded.status_code, withdrawn.status_code, listed.status_code) == (404, 404, 404)
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert Consent.objects.filter(person=rita).count() == 1


def test_a_consent_of_another_person_cannot_be_withdrawn_through_this_one(api, priya, people):
    rita = people["registered"]
    otto_consent = ConsentFactory(person=people["elsewhere"])

    response = api(priya).post(f"/people/{rita.pk}/consents/{otto_consent.pk}/withdraw", {"reason": "x"})

    assert response.status_code == 404
    otto_consent.refresh_from_db()
    assert otto_consent.withdrawn_at is None


def test_withdrawing_needs_a_reason(api, priya, people):
    rita = people["registered"]
    consent = ConsentFactory(person=rita)
    assert error_fields(api(priya).post(f"/people/{rita.pk}/consents/{consent.pk}/withdraw", {"reason": ""})) == {
        "reason"
    }
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


# -- roles that do not work with individual records -----------------------------------------


PEOPLE_ENDPOINTS = [
    ("get", "/people", None),
    ("post", "/people", "person"),
    ("get", "/people/{person}", None),
    ("put", "/people/{person}", "person_update"),
    ("get", "/people/{person}/consents", None),
    ("post", "/people/{person}/consents", {"purpose": "direct_care"}),
    ("post", "/people/{person}/consents/{consent}/withdraw", {"reason": "Changed mind"}),
]


@pytest.mark.parametrize("who", ["vic", "cora", "ada"])
@pytest.mark.parametrize(("method", "path", "body"), PEOPLE_ENDPOINTS)
def test_roles_without_access_to_records_get_403_on_every_people_endpoint(
    api, request, people, who, method, path, body
):
    rita = people["registered"]
    consent = ConsentFactory(person=rita)
    membership = request.getfixturevalue(who)
    url = path.format(person=rita.pk, consent=consent.pk)
    if body == "person":
        body = new_person(nhs_number="")
    elif body == "person_update":
        body = new_person(nhs_number=rita.nhs_number, version=1)
    people_before, consents_before = Person.objects.count(), Consent.objects.count()

    caller = api(membership)
    audit_before = AuditEvent.objects.count()  # issuing the token is audited
    response = caller.get(url) if method == "get" else getattr(caller, method)(url, body)

    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this"}
    assert (Person.objects.count(), Consent.objects.count()) == (people_before, consents_before)
    assert AuditEvent.objects.count() == audit_before
    rita.refresh_from_db()
    consent.refresh_from_db()
    assert rita.version == 1 and consent.withdrawn_at is None


# -- the same rules as the pages ------------------------------------------------------------


@pytest.mark.parametrize("who", ["priya", "omar", "lena", "vic", "cora", "ada"])
def test_the_api_and_the_pages_agree_on_who_may_see_whom(client, api, signed_in, request, people, who):
    membership = request.getfixturevalue(who)
    caller = api(membership)
    page_client = signed_in(Client(), membership)
    for key, person in people.items():
        from_api = caller.get(f"/people/{person.pk}").status_code
        from_page = page_client.get(f"/people/{person.pk}").status_code
        assert from_api == from_page, f"{who} reading {key}: API {from_api}, page {from_page}"
