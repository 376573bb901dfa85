"""A page of referrals works out whose consent still covers the service in one query, by the same rule as one."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carehouse.people.models import ConsentPurpose
from carehouse.people.services import withdraw_consent
from carehouse.people.tests.factories import ConsentFactory, PersonFactory
from carehouse.referrals import selectors
from carehouse.referrals.services.referrals import consent_covers

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_referrals(make_referral, lena_actor, mary, mary_consent, walks, walkers, pcn, voluntary):
    """Mary's (consent naming the directory organisation), Nell's (naming the claiming Carehouse
    organisation) and Olive's (consent withdrawn after sending)."""
    made = [make_referral()]
    for name, recipient in (("Nell", "carehouse"), ("Olive", "directory")):
        person = PersonFactory(given_name=name, family_name="Test", postcode="S60 1AA")
        person.care_team.create(organisation=pcn, name="Lena", role_title="Link worker")
        consent = ConsentFactory(
            person=person,
            purpose=ConsentPurpose.SOCIAL_PRESCRIBING,
            recipient_organisations=[voluntary] if recipient == "carehouse" else [],
            recipient_directory_organisations=[walkers] if recipient == "directory" else [],
        )
        made.append(make_referral(person=person))
        if name == "Olive":
            withdraw_consent(lena_actor, consent, reason="Changed her mind")
    return made


def test_the_batch_agrees_with_the_rule_for_one(three_referrals):
    expected = {r.pk for r in three_referrals if consent_covers(r)}
    assert len(expected) == 2  # Mary's and Nell's, not Olive's
    assert selectors.covered_by_consent(three_referrals) == expected


def test_the_inbox_reads_consent_once_for_the_page(client, signed_in, vic, three_referrals, make_referral):
    signed_in(client, vic)
    with CaptureQueriesContext(connection) as page:
        response = client.get("/referrals/inbox")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Mary" in text and "Nell Test" in text and "Olive Test" not in text
    consent_reads = [q for q in page.captured_queries if 'FROM "people_consent"' in q["sql"]]
    assert len(consent_reads) == 1
