"""The roles people play in Carehouse, in the NHS's own words."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    PERSON = "person", "Person"
    CARER = "carer", "Carer"
    PRACTITIONER = "practitioner", "Practitioner"
    LINK_WORKER = "link_worker", "Link worker"
    PROVIDER_STAFF = "provider_staff", "Provider staff"
    COMMISSIONER = "commissioner", "Commissioner"
    ADMINISTRATOR = "administrator", "Administrator"


#: Roles held through membership of an organisation.
STAFF_ROLES = frozenset(
    {Role.PRACTITIONER, Role.LINK_WORKER, Role.PROVIDER_STAFF, Role.COMMISSIONER, Role.ADMINISTRATOR}
)
#: Roles that work with individual people's records (direct care).
CARE_ROLES = frozenset({Role.PRACTITIONER, Role.LINK_WORKER})
