"""A small integrated care board for commissioning tests: one network, two practices, a commissioner."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from carehouse.conftest import sign_in
from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation, OrganisationType
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@dataclass
class Board:
    icb: Organisation
    network: Organisation
    north: Organisation
    south: Organisation
    other_icb_practice: Organisation
    commissioner: Membership

    @property
    def actor(self) -> Actor:
        return Actor.for_membership(self.commissioner)


@pytest.fixture
def board(db) -> Board:
    icb = OrganisationFactory(name="Riverside ICB", ods_code="QRV", type=OrganisationType.INTEGRATED_CARE_BOARD)
    network = OrganisationFactory(
        name="Riverside North PCN", ods_code="U99001", type=OrganisationType.PRIMARY_CARE_NETWORK, parent=icb
    )
    north = OrganisationFactory(
        name="North Surgery", ods_code="Y99001", type=OrganisationType.GP_PRACTICE, parent=network
    )
    south = OrganisationFactory(
        name="South Surgery", ods_code="Y99002", type=OrganisationType.GP_PRACTICE, parent=network
    )
    other_icb = OrganisationFactory(name="Elsewhere ICB", ods_code="QXX", type=OrganisationType.INTEGRATED_CARE_BOARD)
    elsewhere = OrganisationFactory(
        name="Elsewhere Surgery", ods_code="Y88001", type=OrganisationType.GP_PRACTICE, parent=other_icb
    )
    commissioner = MembershipFactory(
        user=UserFactory(email="cara@example.org"), organisation=icb, role=Role.COMMISSIONER
    )
    return Board(icb, network, north, south, elsewhere, commissioner)


@pytest.fixture
def commissioner_client(board: Board, client: Client) -> Client:
    return sign_in(client, board.commissioner.user, role=Role.COMMISSIONER, membership=board.commissioner)
