"""What the person does with their own referrals: agree to share, refer themselves, say how it went.

A person acts only for themselves. ``carehouse.people.services.record_consent`` is for staff
recording a decision; when the person ticks "I agree to share ..." on their own self-referral,
``give_own_consent`` records it (given by the person, for social prescribing, only what a
referral needs, naming the one organisation). ``self_refer`` records that consent and the
referral in one transaction, so a refused referral leaves no consent behind. ``give_feedback``
is asked for when the loop closes (Gravity step 12) and is given once.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.directory.models import DirectoryOrganization, Service
from carehouse.people.models import Consent, ConsentDecision, ConsentGivenBy, ConsentPurpose, ConsentScope, Person
from carehouse.referrals.models import EventKind, Helpfulness, Referral, ReferralFeedback, Source
from carehouse.referrals.services import referrals as referral_services
from carehouse.referrals.states import CLOSING_STATES, Party

MAX_COMMENTS = 5000
ALREADY_TOLD_US = "You have already told us how this referral went"


def _require_self(actor: Actor, person: Person, permission: str) -> None:
    """The actor is the person, signed in as themselves."""
    if actor.role != Role.PERSON or actor.user is None or person.user_id != actor.user.pk:
        raise PermissionDenied(permission)


def give_own_consent(
    actor: Actor, person: Person, organization: DirectoryOrganization, *, now: datetime.datetime | None = None
) -> Consent:
    """The person agrees to share their name, contact details and a referral with one organisation."""
    _require_self(actor, person, "referrals.refer")
    now = now or timezone.now()
    with transaction.atomic():
        consent = Consent.objects.create(
            person=person,
            purpose=ConsentPurpose.SOCIAL_PRESCRIBING,
            scope=ConsentScope.REFERRAL_MINIMUM,
            decision=ConsentDecision.GIVEN,
            given_by=ConsentGivenBy.PERSON,
            given_by_name=person.full_name,
            given_at=now,
            recorded_by=actor.user,
        )
        consent.recipient_directory_organisations.set([organization])
        audit.record(
            actor,
            AuditAction.CREATE,
            obj=consent,
            person_id=person.pk,
            summary=f"Agreed to share what a referral needs with {organization.name}",
            changes={
                "purpose": consent.purpose,
                "decision": consent.decision,
                "scope": consent.scope,
                "given_by": consent.given_by,
                "recipient_directory_organisations": [str(organization.pk)],
            },
        )
    return consent


def self_refer(
    actor: Actor,
    person: Person,
    service: Service,
    *,
    reason_for_referral: str,
    information_for_service: str = "",
    agrees_to_share: bool,
    now: datetime.datetime | None = None,
) -> Referral:
    """The person refers themselves: their consent (unless one already covers the service), then the referral.

    Without a covering consent and without the person's agreement nothing is written.
    """
    _require_self(actor, person, "referrals.refer")
    now = now or timezone.now()
    organization = service.organization
    with transaction.atomic():
        if referral_services.covering_consent(person, service, now.date()) is None:
            if not agrees_to_share:
                name = organization.name if organization is not None else service.name
                raise ValidationError({"agree": f"Confirm that you agree to share your details with {name}"})
            if organization is not None:
                give_own_consent(actor, person, organization, now=now)
        return referral_services.create_referral(
            actor,
            person,
            service,
            reason_for_referral=reason_for_referral,
            information_for_service=information_for_service,
            source=Source.SELF_REFERRAL,
            now=now,
        )


def give_feedback(
    actor: Actor,
    referral: Referral,
    *,
    helpfulness: str,
    would_recommend: bool | None,
    comments: str = "",
    now: datetime.datetime | None = None,
) -> ReferralFeedback:
    """The person says how the support went, once, after the referral has ended."""
    now = now or timezone.now()
    if helpfulness not in Helpfulness.values:
        raise ValidationError({"helpfulness": "Select how helpful the service was"})
    text = (comments or "").strip()
    if len(text) > MAX_COMMENTS:
        raise ValidationError({"comments": f"Must be {MAX_COMMENTS:,} characters or fewer"})
    try:
        with transaction.atomic():
            current = referral_services.lock(referral)
            if referral_services.party_for(actor, current) != Party.PERSON:
                raise PermissionDenied("referrals.give_feedback")
            if current.status not in CLOSING_STATES:
                raise ValidationError("You can tell us how it went once the referral has ended")
            if ReferralFeedback.objects.filter(referral=current).exists():
                raise ValidationError(ALREADY_TOLD_US, code="already_given")
            feedback = ReferralFeedback.objects.create(
                referral=current,
                helpfulness=helpfulness,
                would_recommend=would_recommend,
                comments=text,
                submitted_by=actor.user,
                submitted_at=now,
            )
            referral_services.append_event(
                actor,
                current,
                Party.PERSON,
                EventKind.FEEDBACK,
                note=text,
                shared_with_service=True,
                details={"helpfulness": helpfulness, "would_recommend": would_recommend},
                now=now,
            )
            audit.record(
                actor,
                AuditAction.CREATE,
                obj=feedback,
                person_id=current.person_id,
                summary=f"Gave feedback on referral {current.reference}",
                changes={"helpfulness": helpfulness, "would_recommend": would_recommend},
            )
    except IntegrityError as error:
        # Two submissions at once: the one-to-one row lets only the first through.
        raise ValidationError(ALREADY_TOLD_US, code="already_given") from error
    return feedback
