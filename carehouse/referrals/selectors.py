"""Reading referrals: every query here is scoped to what the actor may see.

- The referring organisation's practitioners and link workers see the referrals it made.
- Provider staff see referrals sent to the directory organisation their organisation has claimed
  (never drafts), and only the minimum the person's consent allows (``shared_details``): once
  the consent is withdrawn or expires they see the referral's number, service and status only.
- Someone holding a signed email link sees that one referral, on the same terms.
- A person sees the referrals about them (and their own self-referral drafts).

A referral the actor may not see is "not found" (404). Reading one writes an audit event.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.people.models import Consent
from carehouse.referrals.models import MessageToGP, Referral, ReferralEvent, Source
from carehouse.referrals.services.referrals import REFERRAL_CONSENT_PURPOSES, consent_covers
from carehouse.referrals.states import ReferralState

RELATED = ("person", "service", "receiving_organization", "referring_organisation", "referred_by", "consent", "goal")


def visible_referrals(actor: Actor | None) -> QuerySet[Referral]:
    """Every referral the actor may see (not the link holder's: see ``get_referral_for_link``)."""
    referrals = Referral.objects.select_related(*RELATED)
    if actor is None or actor.user is None or actor.role is None:
        return referrals.none()
    if actor.role in (Role.PRACTITIONER, Role.LINK_WORKER) and actor.organisation is not None:
        return referrals.filter(referring_organisation=actor.organisation)
    if actor.role == Role.PROVIDER_STAFF and actor.organisation is not None:
        return referrals.filter(receiving_organization__claimed_by=actor.organisation).exclude(
            status=ReferralState.DRAFT
        )
    if actor.role == Role.PERSON:
        return referrals.filter(person__user=actor.user).filter(
            ~Q(status=ReferralState.DRAFT) | Q(source=Source.SELF_REFERRAL)
        )
    return referrals.none()


def get_referral(actor: Actor | None, referral_id: int, *, purpose: str = "", audited: bool = True) -> Referral:
    """One referral the actor may see, audited as a read; 404 otherwise."""
    referral = visible_referrals(actor).filter(pk=referral_id).first()
    if referral is None or actor is None:
        raise Http404("No referral found")
    if audited:
        audit.record(
            actor,
            AuditAction.READ,
            obj=referral,
            person_id=referral.person_id,
            summary=f"Viewed referral {referral.reference}",
            purpose=purpose,
        )
    return referral


def get_referral_for_link(actor: Actor, *, nonce: str, audited: bool = True) -> Referral:
    """The one referral a checked email link opens, if the link has not been revoked; 404 otherwise."""
    referral_id = actor.via_referral_link
    if referral_id is None:
        raise Http404("No referral found")
    referral = (
        Referral.objects.select_related(*RELATED)
        .filter(pk=referral_id, provider_link_nonce=nonce)
        .exclude(status=ReferralState.DRAFT)
        .first()
    )
    if referral is None:
        raise Http404("No referral found")
    if audited:
        audit.record(
            actor,
            AuditAction.READ,
            obj=referral,
            person_id=referral.person_id,
            summary=f"Opened referral {referral.reference} from an emailed link",
        )
    return referral


@dataclass(frozen=True)
class SharedDetails:
    """What the receiving service may see about the person: the minimum for a referral, while consent lasts."""

    consent_active: bool
    name: str = ""
    preferred_name: str = ""
    date_of_birth: datetime.date | None = None
    age: int | None = None
    phone: str = ""
    email: str = ""
    preferred_contact_method: str = ""
    may_leave_messages: bool = False
    communication_needs: str = ""
    preferred_language: str = ""
    postcode: str = ""
    reason_for_referral: str = ""
    information_for_service: str = ""


def covered_by_consent(referrals: Iterable[Referral], on: datetime.date | None = None) -> set[int]:
    """The ids of those referrals whose person's consent covers the receiving organisation now: one query for a page.

    The same rule as ``services.referrals.covering_consent``: an active consent (social prescribing or
    direct care) naming the directory organisation, or the Carehouse organisation that has claimed it.
    """
    wanted = list(referrals)
    if not wanted:
        return set()
    consents = (
        Consent.objects.active(on)
        .filter(person_id__in={r.person_id for r in wanted}, purpose__in=REFERRAL_CONSENT_PURPOSES)
        .prefetch_related("recipient_directory_organisations", "recipient_organisations")
    )
    covered: dict[int, set[object]] = {}
    for consent in consents:
        names = covered.setdefault(consent.person_id, set())
        names.update(("directory", o.pk) for o in consent.recipient_directory_organisations.all())
        names.update(("carehouse", o.pk) for o in consent.recipient_organisations.all())
    found = set()
    for referral in wanted:
        names = covered.get(referral.person_id, set())
        claimed_by = referral.receiving_organization.claimed_by_id
        if ("directory", referral.receiving_organization_id) in names or (
            claimed_by is not None and ("carehouse", claimed_by) in names
        ):
            found.add(referral.pk)
    return found


def shared_details(
    referral: Referral, on: datetime.date | None = None, *, consent_active: bool | None = None
) -> SharedDetails:
    """The person's details as the receiving service sees them; nothing personal once consent has gone.

    ``consent_active``: already worked out for a page of referrals (``covered_by_consent``).
    """
    if consent_active is None:
        consent_active = consent_covers(referral, on)
    if not consent_active:
        return SharedDetails(consent_active=False)
    person = referral.person
    day = on or timezone.localdate()
    return SharedDetails(
        consent_active=True,
        name=person.full_name,
        preferred_name=person.preferred_name,
        date_of_birth=person.date_of_birth,
        age=person.age_on(day),
        phone=person.phone,
        email=person.email,
        preferred_contact_method=person.get_preferred_contact_method_display(),
        may_leave_messages=person.may_leave_messages,
        communication_needs=person.communication_needs,
        preferred_language=person.preferred_language,
        postcode=person.postcode,
        reason_for_referral=referral.reason_for_referral,
        information_for_service=referral.information_for_service,
    )


def events_for(referral: Referral, *, for_service: bool) -> list[ReferralEvent]:
    """A referral's history, oldest first; the receiving service does not see internal notes."""
    events = ReferralEvent.objects.filter(referral=referral).select_related("actor_user")
    if for_service:
        events = events.filter(shared_with_service=True)
    return list(events.order_by("sequence"))


def gp_messages_for(referral: Referral) -> list[MessageToGP]:
    return list(MessageToGP.objects.filter(referral=referral).select_related("practice"))


def rerouted_to(referral: Referral) -> list[Referral]:
    """The referrals that were sent on from this one (the caller may already see this one)."""
    return list(Referral.objects.filter(replaces=referral).select_related("service"))
