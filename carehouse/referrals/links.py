"""Signed, expiring email links for services that have no Carehouse accounts (the Gravity "light" pattern).

A link carries the referral's id and its ``provider_link_nonce``, signed with the site's secret
key and a salt of its own. It works for ``REFERRAL_LINK_MAX_AGE_DAYS``; a new nonce revokes every
link already sent (``transition`` gives one when a referral is marked entered in error). A closed
referral's link still opens it, read only; once consent is withdrawn it shows no personal details.
Whoever holds a valid link acts as the receiving service for that one referral, and is audited
as such with the address the link was sent to.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from carehouse.core.actor import Actor
from carehouse.core.roles import Role
from carehouse.referrals.models import Referral

SALT = "carehouse.referrals.provider-link"


class LinkProblem(Exception):
    """The link is not one we made, has expired, or has been replaced."""


def make_token(referral: Referral, sent_to: str) -> str:
    return signing.dumps({"r": referral.pk, "n": referral.provider_link_nonce, "to": sent_to}, salt=SALT)


def link_path(referral: Referral, sent_to: str) -> str:
    return reverse("referrals:link", kwargs={"token": make_token(referral, sent_to)})


def absolute_link(referral: Referral, sent_to: str) -> str:
    return settings.SITE_URL.rstrip("/") + link_path(referral, sent_to)


def read_token(token: str) -> tuple[int, str, str]:
    """(referral id, nonce, address it was sent to); ``LinkProblem`` when it is not valid now."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.REFERRAL_LINK_MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired as error:
        raise LinkProblem("This link has expired. Ask the referrer to send the referral again") from error
    except signing.BadSignature as error:
        raise LinkProblem("This link is not valid. Check you copied all of it from the email") from error
    if not isinstance(data, dict) or not {"r", "n", "to"} <= data.keys():
        raise LinkProblem("This link is not valid. Check you copied all of it from the email")
    return int(data["r"]), str(data["n"]), str(data["to"])


def actor_for_link(referral: Referral, sent_to: str, ip_address: str | None = None) -> Actor:
    """The actor for someone holding a checked link: the receiving service, for this referral only."""
    return Actor(
        user=None,
        role=Role.PROVIDER_STAFF,
        organisation=None,
        ip_address=ip_address,
        purpose=f"signed email link sent to {sent_to}"[:120],
        via_referral_link=referral.pk,
    )
