"""Suggested changes: anyone suggests, nothing changes until a keeper or administrator accepts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent
from carehouse.directory.models import Metadata, Service, Suggestion, SuggestionStatus
from carehouse.directory.services import keeping
from carehouse.directory.tests.factories import make_service
from carehouse.directory.tests.keeping_helpers import claimed_by, other_provider


@pytest.fixture
def service(vic) -> Service:
    return make_service("Tuesday walks", organization=claimed_by(vic.organisation), how_to_refer="Phone Sam")


def _suggest_url(service: Service) -> str:
    return reverse("directory:suggest", kwargs={"service_id": service.id})


PUBLIC = {
    "field_name": "how_to_refer",
    "proposed_value": "Email sam@walks.org.uk",
    "comment": "Sam has a new job",
    "name": "Pat Public",
    "email": "pat@example.com",
    "website": "",
}


def test_public_suggestion_accepted_changes_the_field_with_metadata_and_audit(
    client, signed_in, vic, service, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    page = client.get(_suggest_url(service))
    assert page.status_code == 200 and "Your email address" in page.content.decode()

    response = client.post(_suggest_url(service), PUBLIC)
    assert response.status_code == 200
    assert "Suggestion sent" in response.content.decode()
    suggestion = Suggestion.objects.get()
    assert (suggestion.suggester_name, suggestion.suggester_email, suggestion.suggested_by) == (
        "Pat Public",
        "pat@example.com",
        None,
    )
    service.refresh_from_db()
    assert service.how_to_refer == "Phone Sam"  # a suggestion never changes the record by itself
    assert not Metadata.objects.exists()

    signed_in(client, vic)
    queue = client.get(reverse("directory:suggestions")).content.decode()
    assert "Tuesday walks" in queue and "How to refer" in queue
    decide_url = reverse("directory:suggestion", kwargs={"suggestion_id": suggestion.pk})
    detail = client.get(decide_url).content.decode()
    assert "Phone Sam" in detail and "Email sam@walks.org.uk" in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide_url, {"decision": "accept", "note": ""})

    assert response.status_code == 302
    service.refresh_from_db()
    suggestion.refresh_from_db()
    assert service.how_to_refer == "Email sam@walks.org.uk"
    assert service.version == 2
    assert suggestion.status == SuggestionStatus.ACCEPTED and suggestion.decided_by == vic.user
    row = Metadata.objects.get(resource_id=service.id)
    assert (row.field_name, row.previous_value, row.replacement_value) == (
        "how_to_refer",
        "Phone Sam",
        "Email sam@walks.org.uk",
    )
    assert row.updated_by == "Vic Provider (vic@example.org), suggested by Pat Public"
    edit = AuditEvent.objects.get(object_type="directory.Service", object_id=str(service.id), action="update")
    assert edit.actor_email == "vic@example.org" and "suggested by Pat Public" in edit.summary
    assert AuditEvent.objects.filter(object_type="directory.Suggestion", action="create").count() == 1
    assert mailoutbox[-1].to == ["pat@example.com"]
    assert "made the change you suggested" in mailoutbox[-1].body


def test_rejected_suggestion_leaves_the_service_unchanged(client, signed_in, vic, service) -> None:
    suggestion = keeping.suggest_change(
        None, service, field_name="name", proposed_value="Wrong name", comment="", name="Pat", email="pat@example.com"
    )
    signed_in(client, vic)
    url = reverse("directory:suggestion", kwargs={"suggestion_id": suggestion.pk})
    missing_note = client.post(url, {"decision": "reject", "note": ""})
    assert missing_note.status_code == 400
    assert "Enter why you are rejecting the suggestion" in missing_note.content.decode()

    response = client.post(url, {"decision": "reject", "note": "The name is right"})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    service.refresh_from_db()
    assert suggestion.status == SuggestionStatus.REJECTED
    assert suggestion.decision_note == "The name is right"
    assert (service.name, service.version) == ("Tuesday walks", 1)
    assert not Metadata.objects.exists()


def test_the_public_must_give_a_valid_name_and_email(client, service) -> None:
    response = client.post(_suggest_url(service), {**PUBLIC, "name": "", "email": "not an email"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in text
    assert "Enter your name" in text
    assert "Enter an email address in the correct format, like name@example.com" in text
    empty = client.post(_suggest_url(service), {**PUBLIC, "field_name": "", "proposed_value": ""}).content.decode()
    assert "Select what needs changing" in empty
    assert not Suggestion.objects.exists()


def test_a_bot_filling_the_hidden_field_stores_nothing(client, service) -> None:
    response = client.post(_suggest_url(service), {**PUBLIC, "website": "http://spam.example"})
    assert response.status_code == 200
    assert not Suggestion.objects.exists()


def test_suggestions_from_one_address_are_limited(service) -> None:
    for number in range(keeping.SUGGESTIONS_PER_HOUR):
        keeping.suggest_change(
            None, service, field_name="", proposed_value=f"Note {number}", comment="", name="Pat", email="pat@x.org"
        )
    with pytest.raises(Exception, match="a lot of suggestions"):
        keeping.suggest_change(
            None, service, field_name="", proposed_value="One more", comment="", name="Pat", email="PAT@x.org"
        )
    assert Suggestion.objects.count() == keeping.SUGGESTIONS_PER_HOUR


def test_signed_in_staff_are_named_from_their_account(client, signed_in, priya, service) -> None:
    signed_in(client, priya)
    page = client.get(_suggest_url(service)).content.decode()
    assert "Your email address" not in page
    client.post(
        _suggest_url(service), {"field_name": "other", "proposed_value": "", "comment": "It moved to Thursdays"}
    )
    suggestion = Suggestion.objects.get()
    assert (suggestion.suggested_by, suggestion.suggester_email, suggestion.field_name) == (
        priya.user,
        "priya@example.org",
        "",
    )


def test_accepting_something_else_changes_no_field(vic, service) -> None:
    suggestion = keeping.suggest_change(
        None, service, field_name="", proposed_value="", comment="It moved", name="Pat", email="pat@example.com"
    )
    keeping.decide_suggestion(Actor.for_membership(vic), suggestion, accept=True)
    service.refresh_from_db()
    assert service.version == 1
    assert not Metadata.objects.exists()


def test_only_the_keepers_and_administrators_see_and_decide_suggestions(client, signed_in, ada, cora, service) -> None:
    suggestion = keeping.suggest_change(
        None, service, field_name="name", proposed_value="Taken over", comment="", name="Pat", email="pat@example.com"
    )
    olga = other_provider()
    signed_in(client, olga)
    assert "Tuesday walks" not in client.get(reverse("directory:suggestions")).content.decode()
    url = reverse("directory:suggestion", kwargs={"suggestion_id": suggestion.pk})
    assert client.post(url, {"decision": "accept"}).status_code == 404
    signed_in(client, cora)
    assert client.post(url, {"decision": "accept"}).status_code == 403
    service.refresh_from_db()
    assert service.name == "Tuesday walks"

    signed_in(client, ada)
    assert "Tuesday walks" in client.get(reverse("directory:suggestions")).content.decode()
    assert client.post(url, {"decision": "accept", "note": ""}).status_code == 302
    service.refresh_from_db()
    assert service.name == "Taken over"


def test_a_suggested_value_that_does_not_fit_the_field_is_not_applied(client, signed_in, vic, service) -> None:
    suggestion = keeping.suggest_change(
        None, service, field_name="minimum_age", proposed_value="about eighteen", comment="", name="P", email="p@x.org"
    )
    signed_in(client, vic)
    url = reverse("directory:suggestion", kwargs={"suggestion_id": suggestion.pk})
    response = client.post(url, {"decision": "accept", "note": ""})
    assert response.status_code == 400
    assert "must be a number" in response.content.decode()
    suggestion.refresh_from_db()
    service.refresh_from_db()
    assert suggestion.status == SuggestionStatus.WAITING
    assert service.minimum_age is None
