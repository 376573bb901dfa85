"""People who receive care, their carers and contacts, their care team and their consent.

Each of these holds personal data: read them only through ``carehouse.people.selectors``,
which scope every query to what the actor may see (``scripts/lint_scoped_queries.py``
fails CI when a view or API endpoint goes round them).
"""

from __future__ import annotations

import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from carehouse.core.models import Organisation, OrganisationType, User
from carehouse.people.identifiers import format_nhs_number, validate_nhs_number, validate_postcode


class Sex(models.TextChoices):
    """NHS Data Dictionary: person phenotypic sex."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INDETERMINATE = "indeterminate", "Indeterminate (unable to be classified as either male or female)"
    NOT_KNOWN = "not_known", "Not known"


class EthnicCategory(models.TextChoices):
    """NHS Data Dictionary: ethnic category (2001 census classification)."""

    A = "A", "White - British"
    B = "B", "White - Irish"
    C = "C", "White - Any other White background"
    D = "D", "Mixed - White and Black Caribbean"
    E = "E", "Mixed - White and Black African"
    F = "F", "Mixed - White and Asian"
    G = "G", "Mixed - Any other mixed background"
    H = "H", "Asian or Asian British - Indian"
    J = "J", "Asian or Asian British - Pakistani"
    K = "K", "Asian or Asian British - Bangladeshi"
    L = "L", "Asian or Asian British - Any other Asian background"
    M = "M", "Black or Black British - Caribbean"
    N = "N", "Black or Black British - African"
    P = "P", "Black or Black British - Any other Black background"
    R = "R", "Other ethnic groups - Chinese"
    S = "S", "Other ethnic groups - Any other ethnic group"
    Z = "Z", "Not stated"
    NOT_KNOWN = "99", "Not known"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class PersonQuerySet(models.QuerySet["Person"]):
    def with_active_consent_for(self, organisation: Organisation) -> PersonQuerySet:
        consents = Consent.objects.active().filter(
            person=OuterRef("pk"), purpose__in=RECORD_SHARING_PURPOSES, recipient_organisations=organisation
        )
        return self.filter(Exists(consents))

    def in_care_of(self, organisation: Organisation) -> PersonQuerySet:
        """People registered with the organisation, on a care team it is part of, or sharing by consent."""
        care_team = CareTeamMember.objects.filter(person=OuterRef("pk"), organisation=organisation, ended_on=None)
        consents = Consent.objects.active().filter(
            person=OuterRef("pk"), purpose__in=RECORD_SHARING_PURPOSES, recipient_organisations=organisation
        )
        return self.filter(Q(registered_practice=organisation) | Exists(care_team) | Exists(consents))

    def cared_for_by(self, user: User) -> PersonQuerySet:
        """People whose carer this user is, with the person's active consent for carer access."""
        consents = Consent.objects.active().filter(
            person=OuterRef("pk"),
            purpose=ConsentPurpose.CARER_ACCESS,
            recipient_contacts__user=user,
            recipient_contacts__is_carer=True,
        )
        return self.filter(Exists(consents))


class Person(models.Model):
    """Someone who receives care and support."""

    contains_personal_data: ClassVar[bool] = True

    nhs_number = models.CharField("NHS number", max_length=10, blank=True, validators=[validate_nhs_number])
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.NOT_KNOWN)
    gender_identity = models.CharField(max_length=100, blank=True, help_text="In the person's own words")
    pronouns = models.CharField(max_length=40, blank=True)
    ethnicity = models.CharField(max_length=2, choices=EthnicCategory.choices, default=EthnicCategory.NOT_KNOWN)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode])
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    preferred_contact_method = models.CharField(max_length=10, choices=ContactMethod.choices, blank=True)
    may_leave_messages = models.BooleanField(default=False)
    preferred_language = models.CharField(max_length=60, blank=True)
    communication_needs = models.CharField(
        max_length=300, blank=True, help_text="For example an interpreter, British Sign Language or large print"
    )
    registered_practice = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_people",
        limit_choices_to={"type": OrganisationType.GP_PRACTICE},
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    version = models.PositiveIntegerField(default=1, help_text="Raised by every change, for optimistic concurrency")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"], condition=~Q(nhs_number=""), name="unique_nhs_number_when_known"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def formatted_nhs_number(self) -> str:
        return format_nhs_number(self.nhs_number) if self.nhs_number else ""

    def age_on(self, day: datetime.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class PersonalContact(models.Model):
    """A carer, relative, friend or other personal contact of a person."""

    contains_personal_data: ClassVar[bool] = True

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="personal_contacts")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=60, help_text="For example daughter, husband, friend, neighbour")
    is_carer = models.BooleanField(default=False, help_text="Gives unpaid care or support to the person")
    is_next_of_kin = models.BooleanField(default=False)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    notes = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_of",
        help_text="Set when this contact has a Carehouse account",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class CareTeamMember(models.Model):
    """A professional in a person's care team; one at a time may be the named key worker."""

    contains_personal_data: ClassVar[bool] = True

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="care_team")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="care_team_members")
    name = models.CharField(max_length=200)
    role_title = models.CharField("role", max_length=100, help_text="For example practice nurse, link worker")
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    is_key_worker = models.BooleanField("named key worker", default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="care_team_roles"
    )
    started_on = models.DateField(default=datetime.date.today)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_key_worker", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(is_key_worker=True, ended_on=None),
                name="one_current_key_worker_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.role_title}"


class ConsentPurpose(models.TextChoices):
    DIRECT_CARE = "direct_care", "Sharing my record for my direct care"
    CARE_PLANNING = "care_planning", "Personalised care and support planning"
    SOCIAL_PRESCRIBING = "social_prescribing", "Referral to community services (social prescribing)"
    CARER_ACCESS = "carer_access", "Access to my record by my carer"
    RESEARCH = "research", "Research and evaluation"


#: Purposes under which a named organisation may see the person's record.
RECORD_SHARING_PURPOSES = (ConsentPurpose.DIRECT_CARE, ConsentPurpose.CARE_PLANNING)


class ConsentScope(models.TextChoices):
    WHOLE_RECORD = "whole_record", "My whole Carehouse record"
    CARE_PLAN = "care_plan", "My care and support plan"
    REFERRAL_MINIMUM = "referral_minimum", "Only what is needed for a referral"


class ConsentDecision(models.TextChoices):
    GIVEN = "given", "Consent given"
    REFUSED = "refused", "Consent refused"
    NOT_SOUGHT = "not_sought", "Consent not sought"


class ConsentGivenBy(models.TextChoices):
    PERSON = "person", "The person themselves"
    ATTORNEY = "attorney", "Someone with lasting power of attorney for health and welfare"
    BEST_INTERESTS = "best_interests", "A best interests decision (Mental Capacity Act 2005)"
    PARENT = "parent", "A parent or guardian"


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self, on: datetime.date | None = None) -> ConsentQuerySet:
        day = on or timezone.localdate()
        return self.filter(decision=ConsentDecision.GIVEN, withdrawn_at=None).filter(
            Q(expires_on=None) | Q(expires_on__gte=day)
        )


class Consent(models.Model):
    """A person's decision about sharing their information, for one purpose, with named recipients."""

    contains_personal_data: ClassVar[bool] = True

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    scope = models.CharField(max_length=32, choices=ConsentScope.choices, default=ConsentScope.WHOLE_RECORD)
    decision = models.CharField(max_length=12, choices=ConsentDecision.choices, default=ConsentDecision.GIVEN)
    recipient_organisations = models.ManyToManyField(Organisation, blank=True, related_name="consents_received")
    recipient_contacts = models.ManyToManyField(PersonalContact, blank=True, related_name="consents_received")
    recipient_directory_organisations = models.ManyToManyField(
        "directory.DirectoryOrganization",
        blank=True,
        related_name="consents_received",
        help_text="Community services' organisations, which may have no Carehouse accounts (referrals)",
    )
    given_by = models.CharField(max_length=20, choices=ConsentGivenBy.choices, default=ConsentGivenBy.PERSON)
    given_by_name = models.CharField(max_length=200, blank=True)
    given_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField(null=True, blank=True)
    reason_not_sought = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="consents_recorded"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=300, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.get_decision_display()})"

    def is_active(self, on: datetime.date | None = None) -> bool:
        day = on or timezone.localdate()
        return (
            self.decision == ConsentDecision.GIVEN
            and self.withdrawn_at is None
            and (self.expires_on is None or self.expires_on >= day)
        )
