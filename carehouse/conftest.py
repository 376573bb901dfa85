"""Shared fixtures: a small cast of organisations and users in every role.

``practice`` is a GP practice with practitioner ``priya``; ``other_practice`` is another
practice with practitioner ``omar``; ``pcn`` is their network with link worker ``lena``;
``voluntary`` is a community organisation with provider staff ``vic``; ``icb`` has
commissioner ``cora`` and administrator ``ada`` (who has a confirmed authenticator app).
``signed_in(client, membership)`` signs a Django test client in, in that role.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.test import Client, override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation, OrganisationType, User
from carehouse.core.roles import Role
from carehouse.core.services.roles import SESSION_MEMBERSHIP, SESSION_ROLE
from carehouse.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ADMIN_TOTP_KEY = "3132333435363738393031323334353637383930"


@pytest.fixture(scope="session", autouse=True)
def case_finding_folders_for_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Extracts and case finding work (the demo data writes both) go to a temporary folder, never the project's."""
    base = tmp_path_factory.mktemp("case-finding")
    with override_settings(POPULATION_EXTRACTS_DIR=base / "extracts", CASEFINDING_WORK_DIR=base / "work"):
        yield


@pytest.fixture
def icb(db: None) -> Organisation:
    return OrganisationFactory(ods_code="QT1", name="NHS Test ICB", type=OrganisationType.INTEGRATED_CARE_BOARD)


@pytest.fixture
def pcn(icb: Organisation) -> Organisation:
    return OrganisationFactory(
        ods_code="U00001", name="Test Network", type=OrganisationType.PRIMARY_CARE_NETWORK, parent=icb
    )


@pytest.fixture
def practice(pcn: Organisation) -> Organisation:
    return OrganisationFactory(ods_code="Y10001", name="Test Medical Centre", parent=pcn)


@pytest.fixture
def other_practice(pcn: Organisation) -> Organisation:
    return OrganisationFactory(ods_code="Y10002", name="Other Surgery", parent=pcn)


@pytest.fixture
def voluntary(db: None) -> Organisation:
    return OrganisationFactory(
        ods_code="V10001", name="Test Walking Group", type=OrganisationType.VOLUNTARY_OR_COMMUNITY
    )


def _member(email: str, name: str, organisation: Organisation, role: Role) -> Membership:
    user = UserFactory(email=email, full_name=name)
    return MembershipFactory(user=user, organisation=organisation, role=role)


@pytest.fixture
def priya(practice: Organisation) -> Membership:
    return _member("priya@example.org", "Priya Practitioner", practice, Role.PRACTITIONER)


@pytest.fixture
def omar(other_practice: Organisation) -> Membership:
    return _member("omar@example.org", "Omar Otherpractice", other_practice, Role.PRACTITIONER)


@pytest.fixture
def lena(pcn: Organisation) -> Membership:
    return _member("lena@example.org", "Lena Linkworker", pcn, Role.LINK_WORKER)


@pytest.fixture
def vic(voluntary: Organisation) -> Membership:
    return _member("vic@example.org", "Vic Provider", voluntary, Role.PROVIDER_STAFF)


@pytest.fixture
def cora(icb: Organisation) -> Membership:
    return _member("cora@example.org", "Cora Commissioner", icb, Role.COMMISSIONER)


@pytest.fixture
def ada(icb: Organisation) -> Membership:
    membership = _member("ada@example.org", "Ada Administrator", icb, Role.ADMINISTRATOR)
    TOTPDevice.objects.create(user=membership.user, name="Test app", key=ADMIN_TOTP_KEY, confirmed=True)
    return membership


@pytest.fixture
def actor() -> Callable[[Membership], Actor]:
    return Actor.for_membership


def sign_in(client: Client, user: User, *, role: Role, membership: Membership | None = None) -> Client:
    client.force_login(user)
    session = client.session
    session[SESSION_ROLE] = role.value
    session[SESSION_MEMBERSHIP] = membership.pk if membership else None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def signed_in() -> Callable[[Client, Membership], Client]:
    def _sign_in(client: Client, membership: Membership) -> Client:
        return sign_in(client, membership.user, role=Role(membership.role), membership=membership)

    return _sign_in
