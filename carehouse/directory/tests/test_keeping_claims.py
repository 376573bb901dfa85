"""Claiming a directory organisation: provider staff ask, an administrator approves, refuses or revokes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent
from carehouse.directory.models import ClaimStatus, DirectoryOrganization, Metadata, OrganizationClaim, Service
from carehouse.directory.services import keeping
from carehouse.directory.tests.factories import make_service
from carehouse.directory.tests.keeping_helpers import claimed_by, form_data, other_provider


@pytest.fixture
def unclaimed(db: None) -> DirectoryOrganization:
    return claimed_by(None)


def _claim(client, organisation: DirectoryOrganization) -> object:
    return client.post(
        reverse("directory:claim", kwargs={"organization_id": organisation.id}),
        {"role_at_organization": "Volunteer coordinator", "evidence": "Email me at vic@walkingtrust.org.uk"},
    )


def test_claim_approve_edit_and_the_history_shows_the_change(
    client, signed_in, vic, ada, unclaimed, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    service = make_service("Tuesday walks", organization=unclaimed)

    signed_in(client, vic)
    response = _claim(client, unclaimed)
    assert response.status_code == 302
    claim = OrganizationClaim.objects.get(directory_organization=unclaimed)
    assert claim.status == ClaimStatus.WAITING
    assert claim.claimant_organisation == vic.organisation
    page = client.get(reverse("directory:organisation", kwargs={"organization_id": unclaimed.id}))
    assert "Waiting for approval" in page.content.decode()
    # Not theirs yet: they may not change the service.
    assert client.get(reverse("directory:edit_service", kwargs={"service_id": service.id})).status_code == 403

    signed_in(client, ada)
    queue = client.get(reverse("directory:claims"))
    assert "Rotherham Walking Trust" in queue.content.decode()
    assert "<strong>1</strong> claim waiting" in queue.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory:claim_decision", kwargs={"claim_id": claim.pk}), {"decision": "approve", "reason": ""}
        )
    assert response.status_code == 302
    unclaimed.refresh_from_db()
    assert unclaimed.claimed_by == vic.organisation
    assert unclaimed.version == 2
    assert [m.to for m in mailoutbox] == [["vic@example.org"]]
    assert "approved" in mailoutbox[0].body

    signed_in(client, vic)
    page = client.get(reverse("directory:organisation", kwargs={"organization_id": unclaimed.id}))
    assert "Approved" in page.content.decode()
    response = client.post(
        reverse("directory:edit_service", kwargs={"service_id": service.id}),
        form_data(service, name="Tuesday health walks"),
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Tuesday health walks"

    history = client.get(reverse("directory:history", kwargs={"service_id": service.id}))
    text = history.content.decode()
    assert "Tuesday walks" in text and "Tuesday health walks" in text
    assert "Vic Provider (vic@example.org)" in text


def test_a_refused_claim_needs_a_reason_and_tells_the_claimant(
    client, signed_in, vic, ada, unclaimed, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    claim = keeping.request_claim(
        Actor.for_membership(vic), unclaimed, role_at_organization="Trustee", evidence="Companies House"
    )
    signed_in(client, ada)
    url = reverse("directory:claim_decision", kwargs={"claim_id": claim.pk})

    no_reason = client.post(url, {"decision": "refuse", "reason": ""})
    assert no_reason.status_code == 400
    assert "Enter why you are refusing the claim" in no_reason.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "refuse", "reason": "We could not check you work there"})
    claim.refresh_from_db()
    unclaimed.refresh_from_db()
    assert claim.status == ClaimStatus.REFUSED
    assert unclaimed.claimed_by is None
    assert "We could not check you work there" in mailoutbox[0].body

    signed_in(client, vic)
    page = client.get(reverse("directory:organisation", kwargs={"organization_id": unclaimed.id}))
    assert "We could not check you work there" in page.content.decode()
    assert "Ask to keep this entry" in page.content.decode()  # they may ask again


def test_only_one_waiting_claim_per_organisation(vic, unclaimed) -> None:
    actor = Actor.for_membership(vic)
    keeping.request_claim(actor, unclaimed, role_at_organization="Manager", evidence="Call us")
    with pytest.raises(ValidationError, match="already asked"):
        keeping.request_claim(actor, unclaimed, role_at_organization="Manager", evidence="Call us")
    assert OrganizationClaim.objects.count() == 1


def test_revoking_an_approved_claim_stops_the_organisation_keeping_the_entry(
    client, signed_in, vic, ada, unclaimed, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    claim = keeping.request_claim(Actor.for_membership(vic), unclaimed, role_at_organization="Lead", evidence="x")
    keeping.decide_claim(Actor.for_membership(ada), claim, approve=True)
    service = make_service("Chair yoga", organization=unclaimed)

    signed_in(client, ada)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("directory:claim_decision", kwargs={"claim_id": claim.pk}), {"reason": "They closed"}
        )
    assert response.status_code == 302
    unclaimed.refresh_from_db()
    assert unclaimed.claimed_by is None
    assert OrganizationClaim.objects.get().status == ClaimStatus.REVOKED
    assert "They closed" in mailoutbox[-1].body

    signed_in(client, vic)
    assert client.get(reverse("directory:edit_service", kwargs={"service_id": service.id})).status_code == 403


def test_approving_another_organisations_claim_moves_the_entry_to_them(vic, ada, unclaimed) -> None:
    olga = other_provider()
    admin = Actor.for_membership(ada)
    first = keeping.request_claim(Actor.for_membership(vic), unclaimed, role_at_organization="Lead", evidence="x")
    keeping.decide_claim(admin, first, approve=True)
    second = keeping.request_claim(Actor.for_membership(olga), unclaimed, role_at_organization="Lead", evidence="y")
    keeping.decide_claim(admin, second, approve=True)

    unclaimed.refresh_from_db()
    first.refresh_from_db()
    assert unclaimed.claimed_by == olga.organisation
    assert first.status == ClaimStatus.REVOKED


def test_claims_are_for_administrators_to_decide(client, signed_in, vic, cora, unclaimed) -> None:
    claim = keeping.request_claim(Actor.for_membership(vic), unclaimed, role_at_organization="Lead", evidence="x")
    for member in (vic, cora):
        signed_in(client, member)
        assert client.get(reverse("directory:claims")).status_code == 403
        response = client.post(
            reverse("directory:claim_decision", kwargs={"claim_id": claim.pk}), {"decision": "approve"}
        )
        assert response.status_code == 403
    with pytest.raises(Exception, match="decide_claims"):
        keeping.decide_claim(Actor.for_membership(vic), claim, approve=True)
    unclaimed.refresh_from_db()
    assert unclaimed.claimed_by is None
    assert OrganizationClaim.objects.get().status == ClaimStatus.WAITING


def test_claim_form_shows_nhs_error_messages(client, signed_in, vic, unclaimed) -> None:
    signed_in(client, vic)
    response = client.post(
        reverse("directory:claim", kwargs={"organization_id": unclaimed.id}),
        {"role_at_organization": "", "evidence": ""},
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in text
    assert "Enter your role at the organisation" in text
    assert "Enter how we can check you work for the organisation" in text
    assert not OrganizationClaim.objects.exists()


def test_the_claim_queue_lists_waiting_claims_first_with_counts(client, signed_in, vic, ada, unclaimed) -> None:
    admin = Actor.for_membership(ada)
    decided = claimed_by(None, name="Aardvark Arts")
    old = keeping.request_claim(Actor.for_membership(vic), decided, role_at_organization="Lead", evidence="x")
    keeping.decide_claim(admin, old, approve=False, reason="No evidence")
    keeping.request_claim(Actor.for_membership(vic), unclaimed, role_at_organization="Lead", evidence="x")

    signed_in(client, ada)
    text = client.get(reverse("directory:claims")).content.decode()
    assert text.index("Rotherham Walking Trust") < text.index("Aardvark Arts")
    assert "Waiting for approval (1)" in text and "Refused (1)" in text and "All (2)" in text
    only_refused = client.get(reverse("directory:claims") + "?status=refused").content.decode()
    assert "Aardvark Arts" in only_refused and "Rotherham Walking Trust" not in only_refused


def test_claim_decisions_are_audited(vic, ada, unclaimed) -> None:
    claim = keeping.request_claim(Actor.for_membership(vic), unclaimed, role_at_organization="Lead", evidence="x")
    keeping.decide_claim(Actor.for_membership(ada), claim, approve=True)
    events = list(AuditEvent.objects.filter(object_type="directory.OrganizationClaim").order_by("sequence"))
    assert [(e.action, e.actor_email) for e in events] == [
        ("create", "vic@example.org"),
        ("update", "ada@example.org"),
    ]
    # Claims change who keeps an entry, not the entry itself: no metadata rows.
    assert not Metadata.objects.exists()
    assert Service.objects.count() == 0


def test_every_keeping_page_renders(client, signed_in, vic, ada, unclaimed) -> None:
    service = make_service("Chair yoga", organization=unclaimed)
    claim = keeping.request_claim(Actor.for_membership(vic), unclaimed, role_at_organization="Lead", evidence="x")
    suggestion = keeping.suggest_change(
        None, service, field_name="", proposed_value="", comment="Closed", name="Pat", email="pat@example.com"
    )

    signed_in(client, vic)
    claim_form = client.get(reverse("directory:claim", kwargs={"organization_id": claimed_by(None, name="Other").id}))
    assert "Ask to keep the entry for Other" in claim_form.content.decode()

    signed_in(client, ada)
    pages = {
        reverse("directory:organisations") + "?q=Rotherham": "Rotherham Walking Trust",
        reverse("directory:organisation", kwargs={"organization_id": unclaimed.id}): "Chair yoga",
        reverse("directory:claim_decision", kwargs={"claim_id": claim.pk}): "Approve the claim",
        reverse("directory:mark_reviewed", kwargs={"service_id": service.id}): "Is Chair yoga still correct?",
        reverse("directory:edit_service", kwargs={"service_id": service.id}): "Kinds of support",
        reverse("directory:history", kwargs={"service_id": service.id}): "Nobody has changed this service",
        reverse("directory:suggestions"): "Something else",
        reverse("directory:suggestion", kwargs={"suggestion_id": suggestion.pk}): "Accept: make this change",
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.content.decode(), url
    navigation = client.get(reverse("directory:claims")).content.decode()
    assert "Directory claims" in navigation and "Suggestions" in navigation

    keeping.decide_claim(Actor.for_membership(ada), claim, approve=True)
    approved = client.get(reverse("directory:claim_decision", kwargs={"claim_id": claim.pk})).content.decode()
    assert "Revoke this claim" in approved
