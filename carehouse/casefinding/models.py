"""Case finding: stratification runs over a population extract, and the invitation lists they give practices.

A ``StratificationRun`` belongs to the commissioner's organisation that started it. It holds
only aggregate counts (``summary``, raw: shown to people only through ``core.disclosure``) and the
input report (rows read, used and set aside, by table and reason). Its status changes only
through ``carehouse.casefinding.services`` (queued, running, then finished or failed).

An ``Invitation`` is one person on one practice's list for one cohort: person-level data, read
only through ``carehouse.casefinding.selectors`` by direct-care staff at that practice.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from carehouse.core.models import Organisation
from carehouse.people.models import Person


class RunSource(models.TextChoices):
    CONFIGURED = "configured", "An extract set up on the server"
    UPLOAD = "upload", "An uploaded file"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


class StratificationRun(models.Model):
    """One run of the risk stratification and segmentation over one extract."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="stratification_runs",
        help_text="The commissioner's organisation; invitations go to its practices",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=12, choices=RunSource.choices)
    extract_name = models.CharField(max_length=200, help_text="The configured extract's folder, or the file's name")
    cohorts = models.JSONField(default=list, blank=True, help_text="The keys of the cohorts chosen")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress_step = models.CharField(max_length=120, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    settings = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(
        default=dict, blank=True, help_text="Raw aggregate counts: shown only through disclosure control"
    )
    input_report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    invitations_stored = models.PositiveIntegerField(default=0)
    invitations_elsewhere = models.PositiveIntegerField(
        default=0, help_text="Invitation rows for practices not in Carehouse under this organisation: not stored"
    )
    invitations_matched = models.PositiveIntegerField(
        default=0, help_text="Stored invitations matched to a Carehouse record"
    )
    task_result_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Raised by every change of status")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Stratification {self.pk} of {self.extract_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in {RunStatus.FINISHED, RunStatus.FAILED}

    @property
    def percent(self) -> int:
        if self.status == RunStatus.FINISHED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class Invitation(models.Model):
    """One person a run suggests a practice invites for personalised care and support planning."""

    contains_personal_data: ClassVar[bool] = True

    run = models.ForeignKey(StratificationRun, on_delete=models.CASCADE, related_name="invitations")
    practice = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="case_finding_invitations")
    cohort_key = models.CharField(max_length=80)
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case_finding_invitations",
        help_text="The Carehouse record with this NHS number at this practice, if there is one",
    )
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    rank = models.PositiveIntegerField(help_text="1 is the first to invite, within the practice and cohort")
    priority_score = models.FloatField()
    segment = models.CharField(max_length=60)
    reasons = models.JSONField(default=list, blank=True, help_text="Why the person is high on the list")
    details = models.JSONField(default=dict, blank=True, help_text="Age, sex, scores and use of services")

    class Meta:
        ordering = ["rank", "pk"]
        indexes = [
            models.Index(fields=["practice", "run", "cohort_key", "rank"], name="casefinding_inv_practice_rank"),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.rank} ({self.cohort_key})"
