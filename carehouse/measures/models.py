"""Outcome, activation and experience measures: instruments, responses, scores and alerts.

- ``Instrument``: one version of a definition (``definitions.InstrumentDefinition``), shipped
  or loaded by an administrator, with any licensed wording loaded for it. Responses point at
  the exact version they answered, so a definition that has been answered is never changed.
- ``MeasureResponse`` (a FHIR QuestionnaireResponse): the answers. A person can save a draft
  and come back; once completed, the answers never change. A correction is a new response
  that supersedes the old one, with the reason.
- ``MeasureScore`` (a FHIR Observation): one derived score of a completed response.
- ``MeasureAlert``: a flag raised by an answer (PHQ-9 item 9 above 0) for the care team.

Every model but ``Instrument`` holds personal data: views and API endpoints read them only
through ``carehouse.measures.selectors`` and change them only through ``services``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from carehouse.careplans.models import AppendOnly, CarePlan, Goal, ImmutableRowError
from carehouse.core.models import Organisation
from carehouse.measures.definitions import InstrumentDefinition, ItemTextPack
from carehouse.people.models import Person


class InstrumentSource(models.TextChoices):
    SHIPPED = "shipped", "Shipped with Carehouse"
    LOADED = "loaded", "Loaded by an administrator"


class Instrument(models.Model):
    key = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=60, help_text="From the definition: for ordering and lists")
    definition = models.JSONField(help_text="The definition, without any licensed wording")
    source = models.CharField(max_length=10, choices=InstrumentSource.choices)
    enabled = models.BooleanField(default=True, help_text="Whether new responses may be started")
    item_text = models.JSONField(default=dict, blank=True, help_text="Licensed wording, loaded from a file")
    text_licence_holder = models.CharField(max_length=200, blank=True)
    text_loaded_at = models.DateTimeField(null=True, blank=True)
    text_loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "created_at"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="instrument_key_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    @cached_property
    def parsed(self) -> InstrumentDefinition:
        """The definition, with its licensed wording when that has been loaded."""
        definition = InstrumentDefinition.model_validate(self.definition)
        if self.item_text:
            return definition.with_text(ItemTextPack.model_validate(self.item_text))
        return definition

    @property
    def needs_text(self) -> bool:
        """A licensed instrument whose wording has not been loaded yet cannot be completed."""
        return self.parsed.text_is_licensed and not self.item_text

    @property
    def can_be_completed(self) -> bool:
        return self.enabled and not self.needs_text and not self.parsed.is_external

    @property
    def can_be_recorded(self) -> bool:
        """External results (PAM, POET) are typed in from the licence holder's report."""
        return self.enabled and self.parsed.is_external


class Timepoint(models.TextChoices):
    BASELINE = "baseline", "Baseline (start of support)"
    SESSION = "session", "During support"
    REVIEW = "review", "Review"
    END_OF_SUPPORT = "end_of_support", "End of support"
    FOLLOW_UP = "follow_up", "Follow-up"


class ResponseStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "Not finished"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn before it was answered"


#: A response in one of these states is history: it is never changed again.
FINAL_STATUSES = frozenset({ResponseStatus.COMPLETED, ResponseStatus.WITHDRAWN})


class CompletedBy(models.TextChoices):
    PERSON = "person", "The person, online"
    STAFF = "staff", "Staff, on the person's behalf"
    EXTERNAL = "external", "Recorded from the licence holder's report"


class MeasureResponse(models.Model):
    """The answers to one questionnaire: a FHIR QuestionnaireResponse."""

    contains_personal_data: ClassVar[bool] = True
    _loaded_status: str | None = None

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="measure_responses")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", help_text="Who asked for it, or recorded it"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.IN_PROGRESS)
    answers = models.JSONField(default=dict, blank=True)
    timepoint = models.CharField(max_length=20, choices=Timepoint.choices)
    plan = models.ForeignKey(CarePlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    referral_reference = models.CharField(max_length=100, blank=True)
    about_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a questionnaire about one appointment (CollaboRATE): who it was with",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_by_label = models.CharField(max_length=300, blank=True, help_text="Name, role and organisation then")
    completed_mode = models.CharField(max_length=20, choices=CompletedBy.choices, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    not_scored_reason = models.CharField(max_length=200, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True)
    withdrawn_reason = models.TextField(blank=True, help_text="Why staff withdrew it before it was answered")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by_label = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_at", "-created_at", "-pk"]
        indexes = [models.Index(fields=["person", "status", "completed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="measure_response_completed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | (Q(withdrawn_at__isnull=False) & ~Q(withdrawn_reason="")),
                name="measure_response_withdrawn_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(correction_reason=""),
                name="measure_response_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.title} for person {self.person_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self._loaded_status in FINAL_STATUSES:
            raise ImmutableRowError("A completed or withdrawn response cannot be changed: record a correction instead")
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status in FINAL_STATUSES:
            raise ImmutableRowError("A completed or withdrawn response cannot be deleted")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> MeasureResponse:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    @property
    def is_completed(self) -> bool:
        return self.status == ResponseStatus.COMPLETED


def is_corrected(response: str = "pk") -> Exists:
    """Whether a correction has replaced the response at ``response`` (a field of the outer query).

    The one definition of "current": a completed response is current unless this is true.
    """
    return Exists(MeasureResponse.objects.filter(supersedes=OuterRef(response)))


class MeasureScore(AppendOnly):
    """One derived score of a completed response: a FHIR Observation ``derivedFrom`` it."""

    contains_personal_data: ClassVar[bool] = True

    response = models.ForeignKey(MeasureResponse, on_delete=models.PROTECT, related_name="scores")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    instrument_key = models.CharField(max_length=40)
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    value = models.DecimalField(max_digits=8, decimal_places=2)
    band = models.CharField(max_length=100, blank=True)
    effective_at = models.DateTimeField(help_text="When it was measured: completion, or the date on an external report")

    class Meta:
        ordering = ["effective_at", "pk"]
        indexes = [models.Index(fields=["person", "instrument_key", "code", "effective_at"])]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"


class MeasureAlert(models.Model):
    """Something an answer raised that the care team must act on, until someone records what they did."""

    contains_personal_data: ClassVar[bool] = True

    response = models.ForeignKey(MeasureResponse, on_delete=models.PROTECT, related_name="alerts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    message = models.TextField()
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_by_label = models.CharField(max_length=300, blank=True)
    action_taken = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "acknowledged_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
