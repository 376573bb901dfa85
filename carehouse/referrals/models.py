"""Referrals to community services (social prescribing), tracked until the loop is closed.

A ``Referral`` is one FHIR ``ServiceRequest`` (what is asked for, by whom, for whom, with which
consent) and its ``Task`` (how the receiving service is getting on). Its state changes only
through ``carehouse.referrals.services.referrals.transition``, which checks ``states.TRANSITIONS``
and appends a ``ReferralEvent``; events are never changed or deleted.

Every model here holds personal data: views and API endpoints read them only through
``carehouse.referrals.selectors`` and change them only through ``carehouse.referrals.services``.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from carehouse.careplans.models import Action, Goal
from carehouse.core.models import Organisation
from carehouse.directory.models import DirectoryOrganization, Service
from carehouse.people.models import Consent, Person
from carehouse.referrals.states import OPEN_STATES, Outcome, Party, Reason, ReferralState


class ImmutableEventError(Exception):
    """Referral events are history: they are added, never changed or deleted."""


class Source(models.TextChoices):
    """Where the referral was started from."""

    PLAN_ACTION = "plan_action", "An action in a care and support plan"
    SHORTLIST = "shortlist", "A shortlist of services"
    DIRECTORY = "directory", "The directory of services"
    SELF_REFERRAL = "self_referral", "The person referred themselves"
    REROUTE = "reroute", "Sent on after another service could not help"
    API = "api", "Another system, through the API"


class Priority(models.TextChoices):
    """FHIR request-priority (the two that social prescribing uses)."""

    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"


def new_link_nonce() -> str:
    return secrets.token_urlsafe(12)


class Referral(models.Model):
    """A request that a community service supports a person, and where it has got to."""

    contains_personal_data: ClassVar[bool] = True

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    receiving_organization = models.ForeignKey(
        DirectoryOrganization,
        on_delete=models.PROTECT,
        related_name="referrals_received",
        help_text="The directory organisation that runs the service; its Carehouse staff (if any) answer",
    )
    referring_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
        help_text="Empty when the person referred themselves",
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals_made"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.DIRECTORY)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    plan_action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals")
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals")
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rerouted_to",
        help_text="The referral this one was sent on from (FHIR ServiceRequest.replaces)",
    )
    consent = models.ForeignKey(
        Consent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        help_text="The consent that lets the receiving organisation see what is shared (ServiceRequest.supportingInfo)",
    )

    # What is asked for, shared with the receiving service while consent lasts.
    reason_for_referral = models.TextField("What the person would like help with")
    information_for_service = models.TextField(
        "Anything else the service should know", blank=True, help_text="Shared with the service"
    )

    # Where it has got to (FHIR Task.status, businessStatus, statusReason).
    status = models.CharField(max_length=20, choices=ReferralState.choices, default=ReferralState.DRAFT)
    business_status = models.CharField(max_length=40, blank=True, help_text="For example waitlisted, attending")
    status_reason = models.CharField(max_length=30, choices=Reason.choices, blank=True)
    status_note = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    sessions_attended = models.PositiveIntegerField(default=0)

    # When things happened, and the timers.
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateField(null=True, blank=True, help_text="The service must answer by this day")
    viewed_at = models.DateTimeField(null=True, blank=True, help_text="When the service first opened it")
    accepted_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)

    # Closing the loop.
    referrer_notified_at = models.DateTimeField(null=True, blank=True)
    followed_up_at = models.DateTimeField(
        null=True, blank=True, help_text="When the referrer dealt with the closed referral"
    )
    goal_update_due = models.BooleanField(default=False, help_text="The linked goal's achievement needs updating")
    feedback_requested_at = models.DateTimeField(null=True, blank=True)

    # A service without Carehouse accounts answers from a signed email link; changing this revokes links.
    provider_link_nonce = models.CharField(max_length=24, default=new_link_nonce)
    version = models.PositiveIntegerField(default=1, help_text="Raised by every change, for optimistic concurrency")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["receiving_organization", "status"], name="referral_receiver_status"),
            models.Index(fields=["referring_organisation", "status"], name="referral_referrer_status"),
            models.Index(fields=["status", "respond_by"], name="referral_status_respond_by"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service"],
                condition=Q(status__in=sorted(OPEN_STATES)),
                name="one_open_referral_per_person_and_service",
                violation_error_message="There is already an open referral for this person to this service",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.service.name}"

    @property
    def reference(self) -> str:
        """The number people quote on the phone and in letters."""
        return f"REF-{self.pk:06d}" if self.pk else "REF-NEW"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def is_self_referral(self) -> bool:
        return self.source == Source.SELF_REFERRAL


class EventKind(models.TextChoices):
    CREATED = "created", "Referral started"
    STATUS = "status", "Status changed"
    VIEWED = "viewed", "Opened by the service"
    CONTACT = "contact", "Contact with the person"
    ATTENDANCE = "attendance", "Attendance"
    NOTE = "note", "Note"
    REMINDER = "reminder", "Reminder sent to the service"
    MESSAGE_TO_GP = "message_to_gp", "Message back to the GP"
    FEEDBACK = "feedback", "Feedback from the person"
    GOAL_UPDATED = "goal_updated", "Goal updated"
    FOLLOWED_UP = "followed_up", "Followed up by the referrer"


class ReferralEvent(models.Model):
    """One entry in a referral's history: append-only, numbered in order within the referral."""

    contains_personal_data: ClassVar[bool] = True

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, choices=ReferralState.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralState.choices, blank=True)
    party = models.CharField(max_length=10, choices=Party.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=300, help_text="Who acted, as shown in the history")
    occurred_at = models.DateTimeField()
    reason = models.CharField(max_length=30, choices=Reason.choices, blank=True)
    note = models.TextField(blank=True)
    shared_with_service = models.BooleanField(
        default=True, help_text="False: an internal note the receiving service does not see"
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["referral", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "sequence"], name="one_event_per_referral_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} #{self.sequence}: {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableEventError("Referral events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEventError("Referral events cannot be deleted")


class Helpfulness(models.TextChoices):
    VERY = "very", "Very helpful"
    QUITE = "quite", "Quite helpful"
    NOT_VERY = "not_very", "Not very helpful"
    NOT_AT_ALL = "not_at_all", "Not at all helpful"


class ReferralFeedback(models.Model):
    """What the person thought of the support, asked for when the loop closes (Gravity step 12)."""

    contains_personal_data: ClassVar[bool] = True

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="feedback")
    helpfulness = models.CharField(max_length=12, choices=Helpfulness.choices)
    comments = models.TextField(blank=True)
    would_recommend = models.BooleanField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Feedback on {self.referral_id}: {self.get_helpfulness_display()}"


class GPMessageKind(models.TextChoices):
    ACCEPTED = "accepted", "Referral accepted"
    DECLINED = "declined", "Social prescribing declined"
    OUTCOME = "outcome", "Outcome of referral"


class MessageToGP(models.Model):
    """The PRSB "message back to GP and referrer", with the SNOMED CT codes for the GP record."""

    contains_personal_data: ClassVar[bool] = True

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="messages_to_gp")
    practice = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="referral_messages"
    )
    kind = models.CharField(max_length=12, choices=GPMessageKind.choices)
    codes = models.JSONField(default=list, blank=True, help_text='[{"system", "code", "display"}] for the GP record')
    body = models.TextField()
    codes_only = models.BooleanField(
        default=False, help_text="The person asked that only the codes, not the details, go to their GP record"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    filed_at = models.DateTimeField(null=True, blank=True, help_text="When the practice filed it in the GP record")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.referral_id}"


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` an API client sent with a create: a retry returns the same referral."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_referral_per_idempotency_key")]

    def __str__(self) -> str:
        return self.key
