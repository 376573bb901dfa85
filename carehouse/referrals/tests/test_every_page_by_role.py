"""Every referral page, walked by everyone who has no part in the referral: nobody outside it sees Mary.

The pages are read from ``carehouse.referrals.urls``, so a page added later is walked too. The
outsiders: a practitioner at another practice, a commissioner, an administrator, provider staff at
another organisation, another person, and someone not signed in. A page may answer them (a list of
their own, empty of Mary), refuse them or send them to sign in, but never show Mary's name; a post
to one of Mary's referral's pages is refused and changes nothing. The signed email link is a
capability (whoever holds it is the service), so it is left to ``test_provider_link.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from carehouse.conftest import sign_in
from carehouse.core.models import Membership, Organisation, OrganisationType
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from carehouse.people.tests.factories import PersonFactory
from carehouse.referrals.models import MessageToGP, Referral
from carehouse.referrals.states import ReferralState
from carehouse.referrals.urls import urlpatterns

pytestmark = pytest.mark.django_db

CAPABILITY_PAGES = {"link", "link_measure"}
PAGES: list[URLPattern] = [p for p in urlpatterns if p.name not in CAPABILITY_PAGES]


def outsiders(omar: Membership, cora: Membership, ada: Membership) -> dict[str, Callable[[Client], Client]]:
    other_provider = MembershipFactory(
        user=UserFactory(email="pat@example.org"),
        organisation=OrganisationFactory(ods_code="V20002", type=OrganisationType.VOLUNTARY_OR_COMMUNITY),
        role=Role.PROVIDER_STAFF,
    )
    other_person = PersonFactory(user=UserFactory(email="percy@example.org"), given_name="Percy", family_name="Other")
    return {
        "practitioner elsewhere": lambda c: sign_in(c, omar.user, role=Role.PRACTITIONER, membership=omar),
        "commissioner": lambda c: sign_in(c, cora.user, role=Role.COMMISSIONER, membership=cora),
        "administrator": lambda c: sign_in(c, ada.user, role=Role.ADMINISTRATOR, membership=ada),
        "provider elsewhere": lambda c: sign_in(
            c, other_provider.user, role=Role.PROVIDER_STAFF, membership=other_provider
        ),
        "another person": lambda c: sign_in(c, other_person.user, role=Role.PERSON),
        "not signed in": lambda c: c,
    }


def url_for(pattern: URLPattern, referral: Referral, message: MessageToGP) -> str:
    values: dict[str, Any] = {
        "referral_id": referral.pk,
        "person_id": referral.person_id,
        "service_id": referral.service_id,
        "message_id": message.pk,
    }
    wanted = pattern.pattern.converters.keys()
    return reverse(f"referrals:{pattern.name}", kwargs={name: values[name] for name in wanted})


@pytest.fixture
def mary_referral(make_referral, move, vic_actor) -> tuple[Referral, MessageToGP]:
    referral = move(make_referral(), vic_actor, ReferralState.ACCEPTED)
    return referral, MessageToGP.objects.get(referral=referral)


def test_the_pages_are_all_walked():
    names = {p.name for p in PAGES}
    assert {"detail", "inbox_detail", "caseload", "inbox", "mine", "feedback", "gp_message", "new"} <= names


@pytest.mark.parametrize(
    "who",
    [
        "practitioner elsewhere",
        "commissioner",
        "administrator",
        "provider elsewhere",
        "another person",
        "not signed in",
    ],
)
def test_no_outsider_sees_or_changes_marys_referral(who, mary_referral, omar, cora, ada, practice: Organisation):
    referral, message = mary_referral
    client = outsiders(omar, cora, ada)[who](Client())
    before = (referral.status, referral.version)
    for pattern in PAGES:
        url = url_for(pattern, referral, message)
        answer = client.get(url)
        assert answer.status_code in (200, 302, 400, 403, 404, 405), (who, url, answer.status_code)
        assert "Seacole" not in answer.content.decode(), (who, url)
        if {"referral_id", "message_id", "person_id"} & set(pattern.pattern.converters):
            posted = client.post(url, {"to": "cancelled", "expected_status": referral.status, "reason": "other"})
            assert posted.status_code in (302, 403, 404, 405), (who, url, posted.status_code)
            if posted.status_code == 302:
                assert "/login" in posted["Location"], (who, url)
    referral.refresh_from_db()
    assert (referral.status, referral.version) == before
    message.refresh_from_db()
    assert message.filed_at is None


def test_those_in_the_referral_do_see_mary(mary_referral, lena, vic, lena_actor, signed_in):
    """The check above would find her name: the referrer and the service see it on the same pages."""
    referral, _ = mary_referral
    assert "Seacole" in signed_in(Client(), lena).get(f"/referrals/{referral.pk}").content.decode()
    assert "Seacole" in signed_in(Client(), vic).get(f"/referrals/inbox/{referral.pk}").content.decode()
