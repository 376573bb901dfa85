"""How a stratification reads on the page: the commissioner's counts and the practice's invitation list.

Every count a commissioner sees goes through ``core.disclosure``: 0 stays 0, 1 to 7 show as *,
the rest are rounded to the nearest 5, percentages come from the rounded figures, and a group of
fewer than 8 people is never broken down (its cells show a dash). The input report's figures are
rows of the extract, not people, and are shown as they are. Presenters only format what views
have read through ``selectors``; they never query or write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from carehouse.careplans.presenters import format_datetime
from carehouse.casefinding.extracts import Cohort
from carehouse.casefinding.models import Invitation, RunSource, RunStatus, StratificationRun
from carehouse.core.disclosure import SafeCount, breakdown_allowed, safe_count, safe_percentage
from carehouse.people.identifiers import format_nhs_number

NO_BREAKDOWN = "–"  # noqa: RUF001 - an en dash, as the NHS style guide writes "no figure"
STATUS_TAGS = {
    RunStatus.QUEUED: "nhsuk-tag--grey",
    RunStatus.RUNNING: "nhsuk-tag--blue",
    RunStatus.FINISHED: "nhsuk-tag--green",
    RunStatus.FAILED: "nhsuk-tag--red",
}
SETTING_LABELS = {
    "as_at": "Counted as at",
    "charlson_lookback_months": "Charlson index look-back (months)",
    "elixhauser_lookback_months": "Elixhauser index look-back (months)",
    "hfrs_lookback_months": "Hospital Frailty Risk Score look-back (months)",
    "cms_cancer_months": "Cambridge Multimorbidity Score cancer look-back (months)",
    "utilisation_months": "Hospital and GP use counted over (months)",
    "lace_ae_months": "LACE A&E look-back (months)",
    "activation_lookback_months": "Patient activation look-back (months)",
    "priority": "Priority weights",
    "segmentation": "Segmentation",
}


def status_tag(run: StratificationRun) -> dict[str, str]:
    return {"text": run.get_status_display(), "classes": STATUS_TAGS[RunStatus(run.status)]}


def decile_label(value: Any) -> str:
    if value in (None, "", 0, "0"):
        return "Not known"
    if str(value) == "1":
        return "1 (most deprived)"
    if str(value) == "10":
        return "10 (least deprived)"
    return str(value)


def _people(value: Any) -> int:
    return int(value or 0)


@dataclass(frozen=True)
class MatrixRow:
    label: str
    total: SafeCount
    cells: list[str]
    broken_down: bool


@dataclass(frozen=True)
class Matrix:
    """Counts of people by one thing (practice, age band, decile) and segment."""

    caption: str
    heading: str
    columns: list[str]
    rows: list[MatrixRow]

    @property
    def any_hidden(self) -> bool:
        return any(not row.broken_down for row in self.rows)


@dataclass(frozen=True)
class CountRow:
    label: str
    people: SafeCount
    percentage: str


@dataclass(frozen=True)
class CohortResult:
    name: str
    description: str
    people: SafeCount
    broken_down: bool
    tables: list[tuple[str, str, list[CountRow]]]  # (caption, first column heading, rows)


@dataclass(frozen=True)
class TableReportRow:
    table: str
    rows_read: int
    rows_used: int
    rejected: list[tuple[str, int]]
    notes: list[str]


class RunPresenter:
    """One run: where it has got to, then its results, for the commissioner who started it (or a colleague)."""

    def __init__(
        self, run: StratificationRun, *, practice_names: Mapping[str, str], cohorts: Mapping[str, Cohort]
    ) -> None:
        self.run = run
        self.practice_names = practice_names
        self.cohorts = cohorts
        self.summary: dict[str, Any] = run.summary or {}
        segments = self.summary.get("segments") or []
        self.segment_keys = [str(s["segment"]) for s in segments]
        self.segment_labels = {str(s["segment"]): str(s.get("label") or s["segment"]) for s in segments}

    # -- the run itself ------------------------------------------------------------------------

    @property
    def title(self) -> str:
        return f"Stratification of {self.run.extract_name}"

    @property
    def tag(self) -> dict[str, str]:
        return status_tag(self.run)

    @property
    def refreshing(self) -> bool:
        return not self.run.is_finished

    @property
    def progress_text(self) -> str:
        run = self.run
        if run.status == RunStatus.QUEUED:
            return "Waiting for a worker to start this stratification"
        if run.status == RunStatus.RUNNING:
            steps = f" (step {run.progress_done + 1} of {run.progress_total})" if run.progress_total else ""
            return f"{run.progress_step or 'Starting'}{steps}"
        return ""

    @property
    def about(self) -> list[dict[str, Any]]:
        run = self.run
        cohort_names = [self.cohorts[k].name if k in self.cohorts else k for k in run.cohorts]
        rows = [
            ("Extract", f"{run.extract_name} ({RunSource(run.source).label.lower()})"),
            ("Groups of people to find", "; ".join(cohort_names) or "None"),
            ("Started by", run.created_by.full_name if run.created_by else "System"),
            ("Started", format_datetime(run.created_at)),
            ("Finished", format_datetime(run.finished_at) if run.finished_at else "Not yet"),
        ]
        return [{"key": {"text": key}, "value": {"text": value}} for key, value in rows]

    # -- results -------------------------------------------------------------------------------

    @property
    def has_results(self) -> bool:
        return self.run.status == RunStatus.FINISHED and bool(self.summary)

    @property
    def people(self) -> SafeCount:
        return safe_count(_people(self.summary.get("people")))

    @property
    def as_at(self) -> str:
        return str(self.summary.get("as_at") or "")

    @property
    def segments(self) -> list[CountRow]:
        total = _people(self.summary.get("people"))
        if not breakdown_allowed(total):
            return []
        return [
            CountRow(self.segment_labels[key], safe_count(_people(s["people"])), safe_percentage(s["people"], total))
            for key, s in zip(self.segment_keys, self.summary.get("segments") or [], strict=True)
        ]

    def _matrix(
        self, rows: Iterable[Mapping[str, Any]], field: str, *, caption: str, heading: str, label: Any
    ) -> Matrix:
        counts: dict[str, dict[str, int]] = {}
        order: list[str] = []
        for row in rows:
            key = "" if row.get(field) is None else str(row.get(field))
            if key not in counts:
                counts[key] = {}
                order.append(key)
            segment = str(row["segment"])
            counts[key][segment] = counts[key].get(segment, 0) + _people(row["people"])
        matrix_rows = []
        for key in order:
            by_segment = counts[key]
            total = sum(by_segment.values())
            allowed = breakdown_allowed(total)
            cells = [str(safe_count(by_segment.get(s, 0))) if allowed else NO_BREAKDOWN for s in self.segment_keys]
            matrix_rows.append(MatrixRow(label(key), safe_count(total), cells, allowed))
        columns = [self.segment_labels[s] for s in self.segment_keys]
        return Matrix(caption, heading, columns, matrix_rows)

    def practice_label(self, code: str) -> str:
        name = self.practice_names.get(code)
        return f"{name} ({code})" if name else (code or "Not known")

    @property
    def matrices(self) -> list[Matrix]:
        if not breakdown_allowed(_people(self.summary.get("people"))):
            return []
        practices = sorted(self.summary.get("by_practice") or [], key=lambda r: str(r.get("practice_code") or ""))
        deciles = sorted(
            self.summary.get("by_deprivation") or [],
            key=lambda r: (r.get("deprivation_decile") is None, int(r.get("deprivation_decile") or 0)),
        )
        return [
            self._matrix(
                practices,
                "practice_code",
                caption="People by practice and segment",
                heading="Practice",
                label=self.practice_label,
            ),
            self._matrix(
                self.summary.get("by_age_band") or [],
                "age_band",
                caption="People by age band and segment",
                heading="Age band",
                label=lambda key: key or "Not known",
            ),
            self._matrix(
                deciles,
                "deprivation_decile",
                caption="People by deprivation decile and segment",
                heading="Deprivation decile",
                label=decile_label,
            ),
        ]

    def _cohort_table(self, rows: Iterable[Mapping[str, Any]], field: str, total: int, label: Any) -> list[CountRow]:
        return [
            CountRow(label(row.get(field)), safe_count(_people(row["people"])), safe_percentage(row["people"], total))
            for row in rows
        ]

    @property
    def cohort_results(self) -> list[CohortResult]:
        results = []
        for cohort in self.summary.get("cohorts") or []:
            total = _people(cohort.get("people"))
            allowed = breakdown_allowed(total)
            tables: list[tuple[str, str, list[CountRow]]] = []
            if allowed:
                segments = cohort.get("by_segment") or []
                practices = sorted(cohort.get("by_practice") or [], key=lambda r: str(r.get("practice_code") or ""))
                deciles = sorted(
                    cohort.get("by_deprivation") or [],
                    key=lambda r: (r.get("deprivation_decile") is None, int(r.get("deprivation_decile") or 0)),
                )
                tables = [
                    (
                        "By segment",
                        "Segment",
                        self._cohort_table(
                            segments, "segment", total, lambda key: self.segment_labels.get(str(key), str(key))
                        ),
                    ),
                    (
                        "By practice",
                        "Practice",
                        self._cohort_table(practices, "practice_code", total, lambda k: self.practice_label(str(k))),
                    ),
                    (
                        "By age band",
                        "Age band",
                        self._cohort_table(cohort.get("by_age_band") or [], "age_band", total, str),
                    ),
                    (
                        "By deprivation decile",
                        "Deprivation decile",
                        self._cohort_table(deciles, "deprivation_decile", total, decile_label),
                    ),
                ]
            results.append(
                CohortResult(
                    name=str(cohort.get("name") or cohort.get("key")),
                    description=str(cohort.get("description") or ""),
                    people=safe_count(total),
                    broken_down=allowed,
                    tables=[t for t in tables if t[2]],
                )
            )
        return results

    @property
    def invitations_text(self) -> str:
        run = self.run
        kept = safe_count(run.invitations_stored)
        elsewhere = safe_count(run.invitations_elsewhere)
        return (
            f"Invitation lists went to practices in Carehouse: {kept} people. "
            f"{elsewhere} people on the lists are registered at practices that do not use Carehouse, "
            "so their rows were not kept. Only staff at each practice see its own list."
        )

    # -- the input report and settings ----------------------------------------------------------

    @property
    def input_problems(self) -> list[str]:
        return [str(p) for p in (self.run.input_report or {}).get("problems") or []]

    @property
    def input_tables(self) -> list[TableReportRow]:
        tables = (self.run.input_report or {}).get("tables") or {}
        return [
            TableReportRow(
                table=str(t.get("table") or name),
                rows_read=int(t.get("rows_read") or 0),
                rows_used=int(t.get("rows_used") or 0),
                rejected=sorted((str(reason), int(n)) for reason, n in (t.get("rejected") or {}).items()),
                notes=[str(note) for note in t.get("notes") or []],
            )
            for name, t in tables.items()
        ]

    @property
    def models(self) -> list[dict[str, Any]]:
        """The models the run used, from its summary: what each is and how far back it looks."""
        return [
            {
                "key": {"text": str(m.get("name") or m.get("key"))},
                "value": {"text": f"{m.get('source', '')}. {m.get('lookback', '')}".strip(". ")},
            }
            for m in self.summary.get("models") or []
        ]

    @property
    def settings_rows(self) -> list[dict[str, Any]]:
        rows = []
        for key, value in (self.run.settings or {}).items():
            if isinstance(value, Mapping):
                text = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items())
            elif isinstance(value, (list, tuple)):
                text = ", ".join(str(v) for v in value)
            else:
                text = str(value)
            label = SETTING_LABELS.get(key, key.replace("_", " ").capitalize())
            rows.append({"key": {"text": label}, "value": {"text": text}})
        return rows


@dataclass(frozen=True)
class RunRow:
    run: StratificationRun

    @property
    def href(self) -> str:
        return reverse("casefinding:run", kwargs={"run_id": self.run.pk})

    @property
    def started(self) -> str:
        return format_datetime(self.run.created_at)

    @property
    def tag(self) -> dict[str, str]:
        return status_tag(self.run)

    @property
    def started_by(self) -> str:
        return self.run.created_by.full_name if self.run.created_by else "System"


@dataclass(frozen=True)
class InvitationRow:
    """One line of the practice's list: a matched person links to their record and to a preparation pack."""

    invitation: Invitation
    segment_labels: Mapping[str, str]

    @property
    def rank(self) -> int:
        return self.invitation.rank

    @property
    def score(self) -> str:
        return f"{self.invitation.priority_score:.1f}"

    @property
    def segment(self) -> str:
        return self.segment_labels.get(self.invitation.segment, self.invitation.segment)

    @property
    def reasons(self) -> str:
        return "; ".join(str(r) for r in self.invitation.reasons or []) or "None given"

    @property
    def nhs_number(self) -> str:
        return format_nhs_number(self.invitation.nhs_number) if self.invitation.nhs_number else "Not given"

    @property
    def name(self) -> str:
        person = self.invitation.person
        return person.full_name if person is not None else ""

    @property
    def record_href(self) -> str:
        person_id = self.invitation.person_id
        return reverse("people:detail", kwargs={"person_id": person_id}) if person_id else ""

    @property
    def preparation_href(self) -> str:
        person_id = self.invitation.person_id
        return reverse("careplans:preparation_send", kwargs={"person_id": person_id}) if person_id else ""

    @property
    def age_and_sex(self) -> str:
        details = self.invitation.details or {}
        parts = []
        if details.get("age") is not None:
            parts.append(f"{details['age']}")
        if details.get("sex"):
            parts.append(str(details["sex"]).capitalize())
        return ", ".join(parts)
