"""The link worker's referrals caseload: overdue and needs-follow-up first, only mine by default."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, UserFactory
from carehouse.referrals.services import referrer as referrer_services
from carehouse.referrals.states import Reason, ReferralState

CASELOAD = reverse("referrals:caseload")


@pytest.fixture
def as_lena(client: Client, signed_in, lena, mary_in_network) -> Client:
    return signed_in(client, lena)


def _section(html: str, table_id: str) -> str:
    start = html.find(f'id="{table_id}"')
    return html[start : html.find("</table>", start)] if start >= 0 else ""


def test_overdue_referrals_come_first(as_lena, signed_in, lena, make_referral):
    referral = make_referral()
    assert referral.respond_by is not None
    assert referral.reference not in _section(as_lena.get(CASELOAD).content.decode(), "overdue")
    later = timezone.make_aware(datetime.datetime.combine(referral.respond_by, datetime.time(12)))
    with time_machine.travel(later + datetime.timedelta(days=2), tick=False):
        html = signed_in(Client(), lena).get(CASELOAD).content.decode()  # a fresh session: the old one expired
    overdue = _section(html, "overdue")
    assert referral.reference in overdue and "Mary Seacole" in overdue and "Answer overdue" in overdue


def test_closed_referrals_need_a_follow_up_until_followed_up(as_lena, make_referral, move, vic_actor):
    referral = make_referral()
    move(referral, vic_actor, ReferralState.REJECTED, reason=Reason.NO_CAPACITY)
    assert referral.reference in _section(as_lena.get(CASELOAD).content.decode(), "follow-up")
    as_lena.post(reverse("referrals:follow_up", args=[referral.pk]), {"follow-note": "Spoke to Mary"})
    assert referral.reference not in _section(as_lena.get(CASELOAD).content.decode(), "follow-up")


def test_only_mine_by_default_and_everyones_on_request(as_lena, make_referral, pcn, green_spaces):
    colleague = MembershipFactory(
        user=UserFactory(email="lou@example.org", full_name="Lou Linkworker"), organisation=pcn, role=Role.LINK_WORKER
    )
    mine = make_referral()
    theirs = make_referral(actor=Actor.for_membership(colleague), service=green_spaces)
    html = as_lena.get(CASELOAD).content.decode()
    assert mine.reference in html and theirs.reference not in html
    everyone = as_lena.get(CASELOAD, {"mine": "0"}).content.decode()
    assert mine.reference in everyone and theirs.reference in everyone


def test_filters_by_state_with_counts(as_lena, lena_actor, make_referral, green_spaces):
    open_one = make_referral()
    closed = make_referral(service=green_spaces)
    referrer_services.cancel(lena_actor, closed, reason=Reason.WITHDRAWN_BY_REFERRER)
    html = as_lena.get(CASELOAD, {"show": "closed"}).content.decode()
    listed = _section(html, "referrals")
    assert closed.reference in listed and open_one.reference not in listed
    assert "Open (1)" in html and "Closed (1)" in html


@pytest.mark.parametrize("who", ["vic", "cora"])
def test_other_roles_cannot_see_a_caseload(client, signed_in, request, who):
    membership = request.getfixturevalue(who)
    assert signed_in(client, membership).get(CASELOAD).status_code == 403


def test_the_navigation_links_to_the_caseload(as_lena):
    assert f'href="{CASELOAD}"' in as_lena.get(reverse("core:start")).content.decode()
