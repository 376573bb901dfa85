"""The API's front door: bearer tokens, who the token acts as, and the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models import ApiToken, Membership
from carehouse.core.services.accounts import API_TOKEN_LIFETIME, end_membership, issue_api_token, revoke_api_token

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


def token_for(membership: Membership) -> tuple[ApiToken, str]:
    return issue_api_token(Actor.for_membership(membership), "test")


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def assert_unauthorised(response) -> None:
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


# -- authentication ---------------------------------------------------------------------


def test_no_token_is_401(client: Client, priya: Membership):
    assert_unauthorised(client.get("/api/v1/me"))
    assert_unauthorised(client.get("/api/v1/people"))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ch_not-a-real-token",
        "Bearer ",
        "Bearer",
        "Token {secret}",
        "Basic {secret}",
        "{secret}",
        "Bearer {secret}x",
    ],
)
def test_a_malformed_or_unknown_token_is_401(client: Client, priya: Membership, header: str):
    _, secret = token_for(priya)
    assert_unauthorised(client.get("/api/v1/me", HTTP_AUTHORIZATION=header.format(secret=secret)))


def test_a_revoked_token_is_401(client: Client, priya: Membership):
    token, secret = token_for(priya)
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 200

    revoke_api_token(Actor.for_membership(priya), token)

    assert_unauthorised(client.get("/api/v1/me", **bearer(secret)))


def test_an_expired_token_is_401(client: Client, priya: Membership):
    _, secret = token_for(priya)
    with time_machine.travel(timezone.now() + API_TOKEN_LIFETIME - timedelta(minutes=1)):
        assert client.get("/api/v1/me", **bearer(secret)).status_code == 200
    with time_machine.travel(timezone.now() + API_TOKEN_LIFETIME + timedelta(minutes=1)):
        assert_unauthorised(client.get("/api/v1/me", **bearer(secret)))


def test_ending_the_membership_revokes_its_tokens(client: Client, priya: Membership, ada: Membership):
    token, secret = token_for(priya)

    end_membership(Actor.for_membership(ada), priya)

    assert_unauthorised(client.get("/api/v1/me", **bearer(secret)))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_stops_working_when_its_user_or_organisation_is_deactivated(client: Client, priya: Membership):
    _, secret = token_for(priya)
    priya.user.is_active = False
    priya.user.save(update_fields=["is_active"])
    assert_unauthorised(client.get("/api/v1/me", **bearer(secret)))

    priya.user.is_active = True
    priya.user.save(update_fields=["is_active"])
    priya.organisation.is_active = False
    priya.organisation.save(update_fields=["is_active"])
    assert_unauthorised(client.get("/api/v1/me", **bearer(secret)))


def test_a_token_records_when_it_was_last_used(client: Client, priya: Membership):
    token, secret = token_for(priya)
    assert token.last_used_at is None

    client.get("/api/v1/me", **bearer(secret))

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_the_hash_of_the_secret_is_stored(priya: Membership):
    token, secret = token_for(priya)
    assert secret.startswith("ch_") and token.prefix == secret[:8]
    assert secret not in {token.token_hash, token.name, token.prefix}
    assert not ApiToken.objects.filter(token_hash=secret).exists()


# -- who the token acts as ----------------------------------------------------------------


def test_me_describes_the_membership_the_token_acts_for(client: Client, priya: Membership):
    _, secret = token_for(priya)

    response = client.get("/api/v1/me", **bearer(secret))

    assert response.status_code == 200
    assert response.json() == {
        "email": "priya@example.org",
        "full_name": "Priya Practitioner",
        "role": "practitioner",
        "organisation_ods_code": "Y10001",
        "organisation_name": "Test Medical Centre",
    }


@pytest.mark.parametrize(
    ("who", "role", "ods_code"),
    [
        ("omar", "practitioner", "Y10002"),
        ("lena", "link_worker", "U00001"),
        ("vic", "provider_staff", "V10001"),
        ("cora", "commissioner", "QT1"),
        ("ada", "administrator", "QT1"),
    ],
)
def test_every_staff_role_may_use_the_api(client: Client, request, who: str, role: str, ods_code: str):
    membership = request.getfixturevalue(who)
    _, secret = token_for(membership)

    body = client.get("/api/v1/me", **bearer(secret)).json()

    assert (body["email"], body["role"], body["organisation_ods_code"]) == (f"{who}@example.org", role, ods_code)


def test_a_user_with_two_memberships_gets_the_role_of_the_token(client: Client, priya: Membership, pcn):
    from carehouse.core.roles import Role
    from carehouse.core.tests.factories import MembershipFactory

    second = MembershipFactory(user=priya.user, organisation=pcn, role=Role.LINK_WORKER)
    _, practice_secret = token_for(priya)
    _, network_secret = token_for(second)

    assert client.get("/api/v1/me", **bearer(practice_secret)).json()["role"] == "practitioner"
    assert client.get("/api/v1/me", **bearer(network_secret)).json()["role"] == "link_worker"


# -- the OpenAPI document ----------------------------------------------------------------


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_openapi_document_is_served_and_lists_the_people_endpoints(client: Client, db: None):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Carehouse API"
    operations = {(path, method) for path, method, _ in _operations(schema)}
    assert {
        ("/api/v1/me", "get"),
        ("/api/v1/people", "get"),
        ("/api/v1/people", "post"),
        ("/api/v1/people/{person_id}", "get"),
        ("/api/v1/people/{person_id}", "put"),
        ("/api/v1/people/{person_id}/consents", "get"),
        ("/api/v1/people/{person_id}/consents", "post"),
        ("/api/v1/people/{person_id}/consents/{consent_id}/withdraw", "post"),
    } <= operations
    assert schema["components"]["securitySchemes"]["StaffToken"] == {"type": "http", "scheme": "bearer"}


def test_every_endpoint_in_the_openapi_document_requires_a_token(client: Client, db: None):
    schema = client.get("/api/v1/openapi.json").json()
    operations = _operations(schema)
    assert operations

    unauthenticated = [
        f"{method.upper()} {path}"
        for path, method, operation in operations
        if operation.get("security", schema.get("security")) != [{"StaffToken": []}]
    ]
    assert unauthenticated == []


def test_every_endpoint_refuses_a_request_without_a_token(client: Client, db: None):
    """Not just documented: each operation really answers 401 without a token."""
    schema = client.get("/api/v1/openapi.json").json()
    for path, method, _ in _operations(schema):
        url = path.replace("{person_id}", "1").replace("{consent_id}", "1")
        if method == "get":
            response = client.get(url)
        else:
            response = client.generic(method.upper(), url, "{}", content_type="application/json")
        assert response.status_code == 401, f"{method.upper()} {path} answered {response.status_code}"
