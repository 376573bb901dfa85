"""Personalised care and support plans (PRSB PCSP standard v2.0), their revisions and budgets.

The plan's sections follow the PRSB standard: About me, strengths, needs, goals (with stage
goals and actions), contingency plans, additional support plans, formulation, the named key
worker, who agreed the plan and when, and the planned review. The process follows Year of Care:
a preparation pack before the conversation, then the plan, its actions and its review.

Every model here holds personal data: views and API endpoints read them only through
``carehouse.careplans.selectors`` and change them only through ``carehouse.careplans.services``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from carehouse.careplans.snomed import validate_sctid
from carehouse.core.models import Organisation
from carehouse.people.models import CareTeamMember, Person

ONE_TO_TEN = [MinValueValidator(1), MaxValueValidator(10)]


class ImmutableRowError(Exception):
    """Revisions, notes and spend entries are history: they are added, never changed."""


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Agreed and active"
    UNDER_REVIEW = "under_review", "Under review"
    COMPLETED = "completed", "Completed"
    REVOKED = "revoked", "Stopped"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


#: Plans that are still being worked on (not ended).
OPEN_STATUSES = (PlanStatus.DRAFT, PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW)
#: Plans whose review date a caseload tracks.
REVIEWABLE_STATUSES = (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW)


class AgreedWith(models.TextChoices):
    PERSON = "person", "The person themselves"
    CARER = "carer", "A carer or family member, with the person"
    ATTORNEY = "attorney", "Someone with lasting power of attorney for health and welfare"
    OTHER_REPRESENTATIVE = "representative", "Another legitimate representative"


class NeedCategory(models.TextChoices):
    """FHIR condition-category: a concern the person raised, or a problem on the problem list."""

    HEALTH_CONCERN = "health-concern", "A concern or need"
    PROBLEM = "problem-list-item", "A problem on the problem list"


class Achievement(models.TextChoices):
    """Goal achievement, as FHIR goal-achievement codes (PRSB care planning goal context)."""

    IN_PROGRESS = "in-progress", "Working on it"
    IMPROVING = "improving", "Getting better"
    WORSENING = "worsening", "Getting worse"
    NO_CHANGE = "no-change", "No change yet"
    ACHIEVED = "achieved", "Achieved"
    SUSTAINING = "sustaining", "Keeping it up"
    NOT_ACHIEVED = "not-achieved", "Not achieved"
    NO_PROGRESS = "no-progress", "No progress"
    NOT_ATTAINABLE = "not-attainable", "No longer possible"


class WhoActs(models.TextChoices):
    PERSON = "person", "The person"
    CARER = "carer", "A carer or family member"
    PROFESSIONAL = "professional", "A professional"
    SERVICE = "service", "A service"


class ActionStatus(models.TextChoices):
    """PRSB action status, as FHIR CarePlan activity status codes."""

    NOT_STARTED = "not-started", "Not started"
    IN_PROGRESS = "in-progress", "Started"
    COMPLETED = "completed", "Done"
    CANCELLED = "cancelled", "Not doing this"


class WrittenBy(models.TextChoices):
    PROFESSIONAL = "professional", "A professional, with the person"
    PERSON = "person", "The person"


class CarePlan(models.Model):
    """One personalised care and support plan for one person."""

    contains_personal_data: ClassVar[bool] = True

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_plans")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="care_plans", help_text="Where the plan is held"
    )
    title = models.CharField(max_length=200, default="My care and support plan")
    template = models.CharField(max_length=40, blank=True, help_text="The pathway template it started from")
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)

    # About me: the seven PRSB headings, in the person's own words.
    about_most_important = models.TextField("What is most important to me", blank=True)
    about_people = models.TextField("People who are important to me", blank=True)
    about_communication = models.TextField("How I communicate and how to communicate with me", blank=True)
    about_wellness = models.TextField("My wellness", blank=True)
    about_do_and_dont = models.TextField("Please do and please don't", blank=True)
    about_support = models.TextField("How and when to support me", blank=True)
    about_also_worth_knowing = models.TextField("Also worth knowing about me", blank=True)
    about_supported_by = models.CharField("Supported to write this by", max_length=200, blank=True)

    formulation = models.TextField(blank=True, help_text="A shared understanding of the person's situation")
    funding_source = models.CharField(max_length=200, blank=True)
    other_documents = models.TextField(
        "Other care planning documents", blank=True, help_text="For example an advance care plan or end of life plan"
    )

    key_worker = models.ForeignKey(
        CareTeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans_as_key_worker"
    )
    review_owner = models.ForeignKey(
        CareTeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans_to_review"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_plans_led",
        help_text="The practitioner or link worker whose caseload the plan is on",
    )
    agreed_with = models.CharField(max_length=20, choices=AgreedWith.choices, blank=True)
    agreed_with_name = models.CharField(max_length=200, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    shared_with_person_at = models.DateTimeField(null=True, blank=True)
    preparation_pack = models.ForeignKey(
        "PreparationPack", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The five criteria for a personalised care and support plan, kept up to date on every save
    # so that commissioners can count them without reading plans.
    involved_person = models.BooleanField(default=False)
    shared_with_person = models.BooleanField(default=False)
    goals_in_own_words = models.BooleanField(default=False)
    actions_agreed = models.BooleanField(default=False)
    review_date_set = models.BooleanField(default=False)

    version = models.PositiveIntegerField(default=1, help_text="Raised by every change, for optimistic concurrency")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="care_plans_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["lead", "status", "next_review_due"], name="careplan_caseload"),
            models.Index(fields=["organisation", "status", "next_review_due"], name="careplan_org_reviews"),
            models.Index(fields=["person", "status"], name="careplan_person_status"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    ABOUT_ME_FIELDS: ClassVar[tuple[str, ...]] = (
        "about_most_important",
        "about_people",
        "about_communication",
        "about_wellness",
        "about_do_and_dont",
        "about_support",
        "about_also_worth_knowing",
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Strength(models.Model):
    contains_personal_data: ClassVar[bool] = True

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="strengths")
    text = models.CharField(max_length=500)
    snomed_code = models.CharField("SNOMED CT code", max_length=18, blank=True, validators=[validate_sctid])
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Need(models.Model):
    """A need, concern or problem, coded (SNOMED CT) or in free text."""

    contains_personal_data: ClassVar[bool] = True

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="needs")
    text = models.CharField(max_length=500)
    snomed_code = models.CharField("SNOMED CT code", max_length=18, blank=True, validators=[validate_sctid])
    category = models.CharField(max_length=20, choices=NeedCategory.choices, default=NeedCategory.HEALTH_CONCERN)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Goal(models.Model):
    """A goal or hope in the person's own words."""

    contains_personal_data: ClassVar[bool] = True

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField("What I want to achieve")
    in_own_words = models.BooleanField(
        "Written in the person's own words", default=True, help_text="Untick if this is a professional's summary"
    )
    written_by = models.CharField(max_length=20, choices=WrittenBy.choices, default=WrittenBy.PROFESSIONAL)
    why_it_matters = models.TextField("Why it matters to me", blank=True)
    importance = models.PositiveSmallIntegerField(
        "How important this is to me, from 1 to 10", null=True, blank=True, validators=ONE_TO_TEN
    )
    target_date = models.DateField(null=True, blank=True)
    achievement = models.CharField(max_length=20, choices=Achievement.choices, default=Achievement.IN_PROGRESS)
    needs = models.ManyToManyField(Need, blank=True, related_name="goals")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class StageGoal(models.Model):
    """A step towards a goal; in a mental health recovery plan, one of the three stages."""

    contains_personal_data: ClassVar[bool] = True

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="stage_goals")
    stage = models.CharField(max_length=100, blank=True, help_text="For example emotional support")
    text = models.TextField()
    outcome = models.TextField(blank=True)
    achievement = models.CharField(max_length=20, choices=Achievement.choices, default=Achievement.IN_PROGRESS)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Action(models.Model):
    """Something the person, a carer, a professional or a service will do towards a goal."""

    contains_personal_data: ClassVar[bool] = True

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    what = models.TextField("What will be done")
    who = models.CharField(max_length=20, choices=WhoActs.choices, default=WhoActs.PERSON)
    who_name = models.CharField("Name or service", max_length=200, blank=True)
    when = models.CharField("When", max_length=200, blank=True, help_text="For example every Tuesday morning")
    due_date = models.DateField(null=True, blank=True)
    barriers_and_strategies = models.TextField("What might get in the way, and what will help", blank=True)
    confidence = models.PositiveSmallIntegerField(
        "How confident I feel about doing this, from 1 to 10", null=True, blank=True, validators=ONE_TO_TEN
    )
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)
    referral_reference = models.CharField(
        "Referral reference", max_length=200, blank=True, help_text="The referral this action is carried out through"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.what


class ContingencyPlan(models.Model):
    """What to do if things go wrong (PRSB contingency/safety plan); at least one trigger."""

    contains_personal_data: ClassVar[bool] = True

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="contingency_plans")
    name = models.CharField(max_length=200, default="If things get worse")
    triggers = models.JSONField(default=list, help_text="What might trigger a crisis, one per line")
    early_warning_signs = models.TextField(blank=True)
    what_to_do = models.TextField("What should happen", blank=True)
    who_to_contact = models.TextField(blank=True)
    coping_strategies = models.TextField(blank=True)
    has_advance_statement = models.BooleanField("Has an advance statement (Mental Capacity Act 2005)", default=False)
    advance_statement_location = models.CharField("Where the advance statement is kept", max_length=300, blank=True)
    anticipatory_medicines = models.TextField("Anticipatory medicines or equipment", blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        triggers = [t for t in (self.triggers or []) if isinstance(t, str) and t.strip()]
        if not triggers:
            raise ValidationError({"triggers": "Enter at least one trigger: what might lead to a crisis"})
        self.triggers = [t.strip() for t in triggers]


class AdditionalSupportPlan(models.Model):
    """Another plan that sits alongside this one (PRSB additional support plans)."""

    contains_personal_data: ClassVar[bool] = True

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="additional_plans")
    name = models.CharField(max_length=200)
    content = models.TextField(blank=True)
    review_date = models.DateField(null=True, blank=True)
    review_responsibility = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class AppendOnly(models.Model):
    """A row of history: it may be added, never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableRowError(f"{self._meta.verbose_name} cannot be changed once saved")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRowError(f"{self._meta.verbose_name} cannot be deleted")


class PlanRevision(AppendOnly):
    """One saved state of a plan: who saved it, when, what changed, and the whole plan as it then was."""

    contains_personal_data: ClassVar[bool] = True

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    saved_at = models.DateTimeField()
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    saved_by_label = models.CharField(max_length=300, help_text="Name, role and organisation at the time")
    saved_by_role = models.CharField(max_length=32, blank=True)
    summary = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=PlanStatus.choices)
    snapshot = models.JSONField()
    changes = models.JSONField(default=list)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="one_revision_number_per_plan")]

    def __str__(self) -> str:
        return f"Revision {self.number} of plan {self.plan_id}"


class NoteAbout(models.TextChoices):
    PLAN = "plan", "The plan"
    GOAL = "goal", "A goal"
    ACTION = "action", "An action"


class PlanNote(AppendOnly):
    """A note added to the plan, by the person, a carer or a professional. Never edited."""

    contains_personal_data: ClassVar[bool] = True

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="notes")
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes")
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes")
    text = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    written_by_label = models.CharField(max_length=300)
    written_by_role = models.CharField(max_length=32)
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["-written_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Review(models.Model):
    """A review of the plan: started, then completed with what changed and the next review date."""

    contains_personal_data: ClassVar[bool] = True

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="reviews")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revision_at_start = models.PositiveIntegerField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision_at_end = models.PositiveIntegerField(null=True, blank=True)
    attendees = models.CharField("Who took part", max_length=300, blank=True)
    summary = models.TextField("What was talked about and what changed", blank=True)
    next_review_due = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["plan"], condition=Q(completed_at=None), name="one_open_review_per_plan"),
        ]

    def __str__(self) -> str:
        return f"Review of plan {self.plan_id} started {self.started_at:%Y-%m-%d}"


class PreparationPack(models.Model):
    """Year of Care preparation: results and prompts sent before the conversation, answered by the person."""

    contains_personal_data: ClassVar[bool] = True

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="preparation_packs")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    template = models.CharField(max_length=40, blank=True)
    conversation_on = models.DateField("Date of the care and support planning conversation", null=True, blank=True)
    message = models.TextField(blank=True, help_text="A short covering note to the person")
    results = models.JSONField(default=list, help_text="Recent results or measures: name, value, unit, date, note")
    prompts = models.JSONField(default=list, help_text="Questions to help the person prepare")
    answers = models.JSONField(default=list, help_text="The person's answers, in the order of the prompts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    plan = models.ForeignKey(
        CarePlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="preparation_packs"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "sent_at"], name="preppack_org_sent")]

    def __str__(self) -> str:
        return f"Preparation pack for person {self.person_id}"


class BudgetManagement(models.TextChoices):
    """The three ways a personal health budget can be held (NHS England)."""

    NOTIONAL = "notional", "Notional budget (held by the NHS)"
    THIRD_PARTY = "third_party", "Third party budget"
    DIRECT_PAYMENT = "direct_payment", "Direct payment"


class PersonalHealthBudget(models.Model):
    contains_personal_data: ClassVar[bool] = True

    plan = models.OneToOneField(CarePlan, on_delete=models.CASCADE, related_name="budget")
    managed_as = models.CharField(max_length=20, choices=BudgetManagement.choices, default=BudgetManagement.NOTIONAL)
    indicative_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    agreed_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    agreed_on = models.DateField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    not_to_be_spent_on = models.TextField(
        "What the budget may not be spent on",
        blank=True,
        help_text="For example alcohol, tobacco, gambling, debt, or anything the NHS already provides",
    )
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"Personal health budget for plan {self.plan_id}"


class BudgetAllocation(models.Model):
    """Part of the agreed budget set aside for something in the plan, usually an action."""

    contains_personal_data: ClassVar[bool] = True

    budget = models.ForeignKey(PersonalHealthBudget, on_delete=models.CASCADE, related_name="allocations")
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="allocations")
    description = models.CharField(max_length=300)
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.description}: £{self.amount}"


class BudgetSpend(AppendOnly):
    """Money spent from the budget. A mistake is put right by a correcting entry, never by editing."""

    contains_personal_data: ClassVar[bool] = True

    budget = models.ForeignKey(PersonalHealthBudget, on_delete=models.PROTECT, related_name="spends")
    allocation = models.ForeignKey(
        BudgetAllocation, null=True, blank=True, on_delete=models.PROTECT, related_name="spends"
    )
    spent_on = models.DateField()
    payee = models.CharField(max_length=200)
    description = models.CharField(max_length=300)
    amount = models.DecimalField(max_digits=10, decimal_places=2, help_text="Negative to correct an earlier entry")
    overspend_confirmed = models.BooleanField(default=False)
    overspend_reason = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["spent_on", "pk"]

    def __str__(self) -> str:
        return f"£{self.amount} to {self.payee} on {self.spent_on}"


class FormDraft(models.Model):
    """What someone has typed into a form but not yet saved, kept so that nothing is lost."""

    contains_personal_data: ClassVar[bool] = True

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="form_drafts")
    plan = models.ForeignKey(CarePlan, null=True, blank=True, on_delete=models.CASCADE, related_name="form_drafts")
    form_key = models.CharField(max_length=120)
    data = models.JSONField(default=dict)
    base_version = models.PositiveIntegerField(default=0, help_text="The plan version the typing started from")
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "form_key"], name="one_draft_per_user_and_form")]

    def __str__(self) -> str:
        return f"Draft of {self.form_key}"
