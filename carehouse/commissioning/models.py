"""Commissioning: the linked hospital activity, the precomputed figures, and what commissioners set up.

Personal data (read only through ``carehouse.commissioning.selectors`` and the fact builders, never
shown to a commissioner):

- ``PersonProfile``: what the latest population extract says about a person with a Carehouse
  record (deprivation decile, number of long-term conditions, segment), matched by NHS number.
- ``HospitalActivity``: their A&E attendances, admissions and outpatient appointments by month,
  from the same extract, for utilisation before and after support.

Aggregates (no person in them):

- ``AggregateCell``: one precomputed count (and sums) for one measure, month, practice, age band,
  sex, deprivation decile and condition. The pages read only these cells, so they stay fast at a
  national scale; ``carehouse.commissioning.facts.refresh`` rebuilds them (ADR 19).
- ``AggregateRefresh``: when the cells were last rebuilt ("figures as at").

What a commissioner sets up, scoped to their organisation: ``AnalysisPlan`` (an evaluation's plan,
saved before its results are shown, then its results), ``UnitCost`` (local unit costs),
``IncentiveScheme`` and ``IncentiveIndicator`` (CQUIN-style), ``HierarchyEntry`` (the local
measurement hierarchy's owners and purposes) and ``BoardPaper`` (generated papers).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from carehouse.core.models import Organisation
from carehouse.people.models import Person


class ActivitySetting(models.TextChoices):
    AE = "ae", "A&E attendances"
    EMERGENCY_ADMISSION = "emergency_admission", "Emergency admissions"
    ELECTIVE_ADMISSION = "elective_admission", "Planned (elective) admissions"
    OUTPATIENT = "outpatient", "Outpatient appointments"


class PersonProfile(models.Model):
    """What the latest population extract says about one person with a Carehouse record."""

    contains_personal_data: ClassVar[bool] = True

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="commissioning_profile")
    imd_decile = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 = most deprived")
    ltc_count = models.PositiveSmallIntegerField(default=0, help_text="Long-term conditions (Cambridge list)")
    segment = models.CharField(max_length=60, blank=True)
    as_at = models.DateField(help_text="The extract's as-at date")
    extract_name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"Profile of person {self.person_id}"


class HospitalActivity(models.Model):
    """One person's hospital activity of one kind in one month, from a population extract."""

    contains_personal_data: ClassVar[bool] = True

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="hospital_activity")
    setting = models.CharField(max_length=20, choices=ActivitySetting.choices)
    month = models.DateField(help_text="The first day of the month")
    count = models.PositiveIntegerField()
    bed_days = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["person", "setting", "month"], name="one_activity_row_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.setting} in {self.month:%Y-%m}"


class Grouping(models.TextChoices):
    """Which one of the population's splits a cell is for (a page filters on at most one of them)."""

    NONE = "", "Everyone"
    AGE = "a", "By age band"
    DEPRIVATION = "d", "By deprivation"
    CONDITION = "c", "By condition"


class AggregateCell(models.Model):
    """One precomputed figure: a count (and sums) for one measure in one cell of the population.

    ``measure`` says what is counted (see ``carehouse.commissioning.facts``); ``key`` and ``detail``
    say which thing within it (a need's code, a theme, a referral's status or reason, a
    questionnaire's score, a hospital setting). Each figure is stored once for everyone at a
    practice in a month (``grouping`` blank) and once split by each of age band, deprivation and
    condition, so a page reads only the cells for what it shows. ``people`` is the count;
    ``value_sum`` and friends carry sums for means, changes and rates. Raw: shown only through
    ``core.disclosure``.
    """

    measure = models.CharField(max_length=40)
    month = models.DateField(help_text="The first day of the month the events belong to")
    practice = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Registered practice"
    )
    grouping = models.CharField(max_length=1, choices=Grouping.choices, blank=True)
    age_band = models.CharField(max_length=8, blank=True)
    deprivation = models.CharField(max_length=8, blank=True, help_text="Fifth of England (IMD), or unknown")
    condition = models.CharField(max_length=40, blank=True, help_text="The care plan's pathway")
    key = models.CharField(max_length=100, blank=True)
    detail = models.CharField(max_length=100, blank=True)
    people = models.PositiveIntegerField(default=0)
    improved = models.PositiveIntegerField(default=0)
    value_sum = models.FloatField(default=0)
    value_sum_squares = models.FloatField(default=0)
    second_sum = models.FloatField(default=0)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["measure", "grouping", "month"], name="cell_measure_grouping_month"),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.month:%Y-%m} {self.key}: {self.people}"


class AggregateRefresh(models.Model):
    """One rebuild of the precomputed figures."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cells = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Refresh at {self.started_at:%Y-%m-%d %H:%M}"


class AnalysisMethod(models.TextChoices):
    PRE_POST = "pre_post", "Before and after, no comparison group"
    MATCHED = "matched", "Matched comparison (propensity score matching)"
    DID = "did", "Difference in differences on a matched comparison"
    IPW = "ipw", "Inverse probability weighting"


class AnalysisStatus(models.TextChoices):
    PLANNED = "planned", "Plan saved"
    FINISHED = "finished", "Results ready"
    FAILED = "failed", "Could not be run"


class AnalysisPlan(models.Model):
    """An evaluation: its plan is saved (and cannot change) before any result is worked out."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="analysis_plans")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(max_length=200)
    question = models.TextField(help_text="What the evaluation asks, in plain words")
    cohort = models.CharField(max_length=40, help_text="Who received support: a cohort key")
    area = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=20, choices=AnalysisMethod.choices)
    outcome = models.CharField(max_length=40, help_text="The outcome measure's key")
    covariates = models.JSONField(default=list, blank=True)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=12, choices=AnalysisStatus.choices, default=AnalysisStatus.PLANNED)
    result = models.JSONField(default=dict, blank=True, help_text="Aggregates only; shown through disclosure control")
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.title


class UnitCost(models.Model):
    """A local unit cost for one kind of activity, replacing the shipped default."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="unit_costs")
    activity = models.CharField(max_length=40)
    currency = models.CharField(max_length=20, help_text="attendance, spell, episode or consultation")
    unit_cost_gbp = models.DecimalField(max_digits=10, decimal_places=2)
    price_year = models.CharField(max_length=7, help_text="Like 2023/24")
    source = models.CharField(max_length=300)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organisation", "activity"], name="one_local_cost_an_activity")
        ]

    def __str__(self) -> str:
        return f"{self.activity}: £{self.unit_cost_gbp} ({self.price_year})"


class IncentiveScheme(models.Model):
    """A CQUIN-style scheme: indicators with thresholds, paid on a sliding scale."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="incentive_schemes")
    name = models.CharField(max_length=200)
    paid_to = models.CharField(max_length=20, help_text="practice or provider")
    period_start = models.DateField()
    period_end = models.DateField()
    value_gbp = models.DecimalField(max_digits=12, decimal_places=2, help_text="The most each one can earn")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return self.name


class IncentiveIndicator(models.Model):
    """One indicator of a scheme: achievement = numerator / denominator over the period."""

    scheme = models.ForeignKey(IncentiveScheme, on_delete=models.CASCADE, related_name="indicators")
    measure_key = models.CharField(max_length=40, help_text="Which indicator from the measurement hierarchy")
    lower = models.DecimalField(max_digits=6, decimal_places=4, help_text="Below this nothing is paid (a fraction)")
    upper = models.DecimalField(max_digits=6, decimal_places=4, help_text="At or above this all is paid")
    weight = models.DecimalField(max_digits=6, decimal_places=4, help_text="Share of the scheme's value")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("position", "pk")

    def __str__(self) -> str:
        return self.measure_key


class HierarchyEntry(models.Model):
    """The local measurement hierarchy: who owns an indicator here, and what it is used for."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="hierarchy_entries")
    measure_key = models.CharField(max_length=40)
    owner = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20, help_text="improvement, judgement or research")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["organisation", "measure_key"], name="one_hierarchy_entry_a_measure")
        ]

    def __str__(self) -> str:
        return f"{self.measure_key}: {self.owner}"


class BoardPaper(models.Model):
    """A generated board paper: plain-language HTML (the PDF is made from it on download)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="board_papers")
    area = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(max_length=300)
    html = models.TextField()
    reading_age = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.title
