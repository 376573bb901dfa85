from __future__ import annotations

from carehouse.core.models import AuditEvent
from carehouse.people.models import ConsentPurpose
from carehouse.people.tests.factories import ConsentFactory, PersonFactory


def test_person_in_another_practice_is_hidden_until_consent_names_the_practice(client, signed_in, priya, other_practice):
    person = PersonFactory(registered_practice=other_practice)
    signed_in(client, priya)
    assert client.get(f"/people/{person.pk}").status_code == 404

    consent = ConsentFactory(person=person, purpose=ConsentPurpose.DIRECT_CARE, recipient_organisations=[priya.organisation])
    response = client.get(f"/people/{person.pk}")
    assert response.status_code == 200
    assert person.family_name in response.content.decode()
    assert AuditEvent.objects.filter(action="read", person_id=person.pk).count() == 1
