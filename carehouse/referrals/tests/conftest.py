"""Fixtures the referral tests share.

Mary (``mary``, from the care plan tests, postcode S60 1AA) is in the care of link worker Lena's
network (``lena_actor``, the referrer). ``walks`` is "Riverside Walks", run by ``walkers`` (a
directory organisation claimed by ``voluntary``, where provider Vic works: ``vic_actor``); it covers
S60 and S61 and takes referrals from link workers, professionals and people themselves.
``green_spaces`` is run by an organisation with no Carehouse accounts: it answers from an emailed
link sent to ``GREEN_SPACES_EMAIL``. ``mary_consent`` is Mary's consent to share with both.

``make_referral(**overrides)`` has Lena refer Mary to Riverside Walks (sent, unless ``send=False``);
``move(referral, actor, to, **kwargs)`` applies a transition against the referral's current state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from carehouse.careplans.tests.conftest import (  # noqa: F401 (fixtures)
    agreed_plan,
    as_mary,
    as_priya,
    mary,
    mary_actor,
    mary_user,
    plan,
    reviewer,
    staff,
)
from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation
from carehouse.directory.models import DirectoryOrganization, Service
from carehouse.directory.tests.conftest import ROTHERHAM
from carehouse.directory.tests.factories import DirectoryOrganizationFactory, make_service
from carehouse.people.models import CareTeamMember, Consent, ConsentPurpose, ConsentScope, Person
from carehouse.people.tests.factories import CareTeamMemberFactory, ConsentFactory
from carehouse.referrals.models import Referral
from carehouse.referrals.services import referrals as services

GREEN_SPACES_EMAIL = "referrals@greenspaces.example.org"
ALL_ROUTES = ("link_workers", "professionals", "self_referral")


@pytest.fixture
def mary_in_network(mary: Person, pcn: Organisation, lena: Membership) -> CareTeamMember:
    """Lena's network is in Mary's care team, so Lena may see and refer her."""
    return CareTeamMemberFactory(
        person=mary, organisation=pcn, name=lena.user.full_name, role_title="Link worker", user=lena.user
    )


@pytest.fixture
def lena_actor(lena: Membership, mary_in_network: CareTeamMember) -> Actor:
    return Actor.for_membership(lena)


@pytest.fixture
def vic_actor(vic: Membership) -> Actor:
    return Actor.for_membership(vic)


@pytest.fixture
def walkers(voluntary: Organisation) -> DirectoryOrganization:
    return DirectoryOrganizationFactory(
        name="Riverside Walkers", claimed_by=voluntary, email="hello@walkers.example.org"
    )


@pytest.fixture
def walks(walkers: DirectoryOrganization) -> Service:
    return make_service(
        "Riverside Walks",
        organization=walkers,
        terms=["mtm:walking-groups"],
        at=[ROTHERHAM],
        districts="S60 S61",
        referral_routes=ALL_ROUTES,
        response_time_days=5,
    )


@pytest.fixture
def green_spaces(db: None) -> Service:
    return make_service(
        "Green Spaces Volunteering",
        organization=DirectoryOrganizationFactory(name="Rother Green Spaces"),
        at=[ROTHERHAM],
        districts="S60 S61",
        referral_routes=ALL_ROUTES,
        referral_email=GREEN_SPACES_EMAIL,
    )


@pytest.fixture
def mary_consent(mary: Person, walks: Service, green_spaces: Service) -> Consent:
    """Mary agrees to share what a referral needs with both organisations."""
    mary.postcode = "S60 1AA"
    mary.phone = "07700 900123"
    mary.save()
    return ConsentFactory(
        person=mary,
        purpose=ConsentPurpose.SOCIAL_PRESCRIBING,
        scope=ConsentScope.REFERRAL_MINIMUM,
        recipient_directory_organisations=[walks.organization, green_spaces.organization],
    )


@pytest.fixture
def make_referral(lena_actor: Actor, mary: Person, walks: Service, mary_consent: Consent) -> Callable[..., Referral]:
    def _make(**overrides: Any) -> Referral:
        arguments: dict[str, Any] = {
            "reason_for_referral": "Mary would like to walk with others and feel less lonely",
            "information_for_service": "Prefers mornings",
        }
        arguments.update(overrides)
        actor = arguments.pop("actor", lena_actor)
        person = arguments.pop("person", mary)
        service = arguments.pop("service", walks)
        return services.create_referral(actor, person, service, **arguments)

    return _make


@pytest.fixture
def move() -> Callable[..., Referral]:
    def _move(referral: Referral, actor: Actor, to: str, **kwargs: Any) -> Referral:
        referral.refresh_from_db()
        kwargs.setdefault("expected_status", referral.status)
        return services.transition(actor, referral, to, **kwargs)

    return _move
