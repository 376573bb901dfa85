"""Helpers for the tests of keeping entries true: claimed organisations, a second provider, form data."""

from __future__ import annotations

from typing import Any

from carehouse.core.models import Membership, Organisation, OrganisationType
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from carehouse.directory.models import DirectoryOrganization, Service
from carehouse.directory.services import keeping
from carehouse.directory.tests.factories import DirectoryOrganizationFactory


def other_provider() -> Membership:
    """Provider staff at a second community organisation."""
    organisation = OrganisationFactory(
        ods_code="V20002", name="Other Community Trust", type=OrganisationType.VOLUNTARY_OR_COMMUNITY
    )
    user = UserFactory(email="olga@example.org", full_name="Olga Otherprovider")
    return MembershipFactory(user=user, organisation=organisation, role=Role.PROVIDER_STAFF)


def claimed_by(organisation: Organisation | None, name: str = "Rotherham Walking Trust") -> DirectoryOrganization:
    return DirectoryOrganizationFactory(name=name, claimed_by=organisation)


def form_data(service: Service, **changes: Any) -> dict[str, Any]:
    """What the edit form posts for a service unchanged, with ``changes`` applied."""
    values = keeping.current_values(service)
    data: dict[str, Any] = {"version": str(service.version)}
    for key, value in values.items():
        if value is None:
            data[key] = ""
        elif isinstance(value, list):
            data[key] = value
        elif key in ("minimum_age", "maximum_age"):
            data[key] = str(int(value))
        elif hasattr(value, "strftime"):
            data[key] = value.strftime("%H:%M")
        else:
            data[key] = str(value)
    data.update(changes)
    return data
