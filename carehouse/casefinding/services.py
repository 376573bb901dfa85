"""Running a stratification: start it, let the worker run it, keep its counts and the practices' lists.

Every change of a run is one action function here, which writes its audit event in the same
transaction. A run moves only along ``TRANSITIONS`` (queued, running, then finished or failed);
each move checks the run's ``version`` and raises it, so two workers can never both start or
finish one run. Progress updates are the exception: they change only the step and counts a
running run shows (no personal data), at most about once a second, and are not audited.

The work (``execute_run``) is done by the ``run_stratification`` task. It runs
``carehouse.population.api.run`` into a folder of its own under ``CASEFINDING_WORK_DIR``, keeps
the aggregate summary and the input report, stores the invitation rows for practices in
Carehouse under the commissioner's organisation (matched to Carehouse records by NHS number at
that practice), counts the rest, and removes the folder (and an uploaded extract) when it ends.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from carehouse.casefinding import extracts
from carehouse.casefinding.models import Invitation, RunSource, RunStatus, StratificationRun
from carehouse.core.actor import Actor
from carehouse.core.models import Organisation, OrganisationType
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit
from carehouse.people.aggregates import organisations_within
from carehouse.people.models import Person
from carehouse.population.api import run as run_pipeline
from carehouse.population.load import UnusableExtract

logger = logging.getLogger(__name__)

SYSTEM_PURPOSE = "case finding"
TRANSITIONS: dict[str, frozenset[str]] = {
    RunStatus.QUEUED: frozenset({RunStatus.RUNNING, RunStatus.FAILED}),
    RunStatus.RUNNING: frozenset({RunStatus.FINISHED, RunStatus.FAILED}),
    RunStatus.FINISHED: frozenset(),
    RunStatus.FAILED: frozenset(),
}
#: Seconds between progress updates within one step.
PROGRESS_INTERVAL = 1.0
BATCH_SIZE = 2000
DETAIL_COLUMNS = (
    "age",
    "sex",
    "ltc_count",
    "charlson",
    "hfrs_band",
    "efi_category",
    "activation_level",
    "emergency_admissions",
)


class InvalidTransition(Exception):
    """The run cannot move from its status to the one asked for."""


class ConcurrentChange(Exception):
    """The run was changed by someone else since it was read."""


def _system() -> Actor:
    return Actor.system(SYSTEM_PURPOSE)


def work_dir(run_id: int) -> Path:
    """The run's own folder: its unpacked upload (``extract``) and the pipeline's output (``output``)."""
    return Path(settings.CASEFINDING_WORK_DIR) / "runs" / str(run_id)


def _check_cohorts(keys: Sequence[str]) -> list[str]:
    known = extracts.cohorts_by_key()
    chosen = list(dict.fromkeys(keys))
    if not chosen:
        raise ValidationError({"cohorts": "Select at least one group of people to find"})
    unknown = [key for key in chosen if key not in known]
    if unknown:
        raise ValidationError({"cohorts": "Select groups of people from the list"})
    return chosen


def start_run(
    actor: Actor,
    *,
    source: str,
    cohorts: Sequence[str],
    extract_name: str = "",
    upload: UploadedFile[bytes] | None = None,
    queue: bool = True,
) -> StratificationRun:
    """Check the choices, keep an uploaded extract, create the run and queue its task once committed.

    Raises ``ValidationError`` (by form field: ``source``, ``extract``, ``upload``, ``cohorts``)
    when a choice or the upload cannot be used; nothing is kept then. ``queue=False`` leaves the
    run queued for the caller to run with ``execute_run`` (the demo data does).
    """
    require_permission(actor, "casefinding.run_stratification")
    if actor.organisation is None:
        raise PermissionDenied("casefinding.run_stratification")
    errors: dict[str, list[str]] = {}
    chosen: list[str] = []
    try:
        chosen = _check_cohorts(cohorts)
    except ValidationError as error:
        errors.update(error.message_dict)
    incoming: Path | None = None
    if source == RunSource.CONFIGURED:
        try:
            extracts.configured_extract_path(extract_name)
        except ValidationError as error:
            errors.update(error.message_dict)
        name = extract_name
    elif source == RunSource.UPLOAD:
        name = Path(upload.name or "upload.zip").name[:200] if upload is not None else ""
        if errors:
            try:  # the cheap checks, so that every problem is listed together
                extracts.check_upload(upload)
            except ValidationError as error:
                errors.update(error.message_dict)
        else:
            incoming = Path(settings.CASEFINDING_WORK_DIR) / "incoming" / uuid.uuid4().hex
            try:
                extracts.unpack_upload(upload, incoming)  # type: ignore[arg-type]  # None fails check_upload
            except ValidationError as error:
                errors.update(error.message_dict)
                incoming = None
    else:
        errors["source"] = ["Select where the extract comes from"]
        name = ""
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            run = StratificationRun.objects.create(
                organisation=actor.organisation,
                created_by=actor.user,
                source=source,
                extract_name=name,
                cohorts=chosen,
            )
            audit.record(
                actor,
                AuditAction.CREATE,
                obj=run,
                summary=f"Started a stratification of {name}",
                changes={"source": source, "extract": name, "cohorts": chosen},
            )
            if incoming is not None:
                target = work_dir(run.pk) / "extract"
                target.parent.mkdir(parents=True, exist_ok=True)
                incoming.rename(target)
                incoming = None
            if queue:
                transaction.on_commit(lambda: _enqueue(run.pk))
    finally:
        if incoming is not None:
            shutil.rmtree(incoming, ignore_errors=True)
    return run


def _enqueue(run_id: int) -> None:
    from carehouse.casefinding.tasks import run_stratification

    result = run_stratification.enqueue(run_id)
    StratificationRun.objects.filter(pk=run_id).update(task_result_id=str(result.id))


def _move(run: StratificationRun, to: RunStatus, *, note: str, **fields: Any) -> StratificationRun:
    """Move the run to ``to`` (checked against ``TRANSITIONS`` and the run's version), audited by the system."""
    if to not in TRANSITIONS[run.status]:
        raise InvalidTransition(f"A run that is {run.get_status_display().lower()} cannot become {to.label.lower()}")
    with transaction.atomic():
        changed = StratificationRun.objects.filter(pk=run.pk, version=run.version, status=run.status).update(
            status=to, version=F("version") + 1, **fields
        )
        if not changed:
            raise ConcurrentChange(f"Stratification {run.pk} was changed by someone else")
        audit.record(_system(), AuditAction.UPDATE, obj=run, summary=note, changes={"status": to.value})
    run.refresh_from_db()
    return run


def mark_running(run_id: int) -> StratificationRun | None:
    """Start a queued run; None when it is not waiting (already started, or gone)."""
    run = StratificationRun.objects.filter(pk=run_id).first()
    if run is None or run.status != RunStatus.QUEUED:
        return None
    try:
        return _move(
            run,
            RunStatus.RUNNING,
            note=f"Stratification {run.pk} started",
            started_at=timezone.now(),
            progress_step="Starting",
        )
    except ConcurrentChange:
        return None


def report_progress(run_id: int, step: str, done: int, total: int) -> None:
    """The step a running run has reached (not audited: no personal data, and frequent)."""
    StratificationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        progress_step=step[:120], progress_done=max(done, 0), progress_total=max(total, 0)
    )


def progress_reporter(run_id: int, interval: float = PROGRESS_INTERVAL) -> Callable[[str, int, int], None]:
    """A progress callback that writes when the step changes, or at most every ``interval`` seconds."""
    last: dict[str, Any] = {"step": None, "at": 0.0}

    def report(step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if step == last["step"] and now - last["at"] < interval and done < total:
            return
        last.update(step=step, at=now)
        report_progress(run_id, step, done, total)

    return report


def fail_run(run: StratificationRun, *, error: str, input_report: dict[str, Any] | None = None) -> StratificationRun:
    return _move(
        run,
        RunStatus.FAILED,
        note=f"Stratification {run.pk} failed",
        error=error,
        input_report=input_report if input_report is not None else run.input_report,
        finished_at=timezone.now(),
    )


def _reasons(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return [str(part) for part in value if part is not None and str(part).strip()]


def _practices_of(organisation: Organisation) -> dict[str, Organisation]:
    """The GP practices in Carehouse under the organisation, by ODS code."""
    return {o.ods_code: o for o in organisations_within(organisation) if o.type == OrganisationType.GP_PRACTICE}


def _store_invitations(run: StratificationRun, files: Iterable[tuple[str, Path]]) -> tuple[int, int, int]:
    """Store the rows for practices in Carehouse; (stored, rows for other practices, matched to a record)."""
    practices = _practices_of(run.organisation)
    stored = elsewhere = matched = 0
    for cohort_key, path in files:
        if not path.exists():
            continue
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_SIZE):
            rows = batch.to_pylist()
            ours = [row for row in rows if str(row.get("practice_code") or "") in practices]
            elsewhere += len(rows) - len(ours)
            wanted: dict[int, set[str]] = {}
            for row in ours:
                if row.get("nhs_number"):
                    wanted.setdefault(practices[str(row["practice_code"])].pk, set()).add(str(row["nhs_number"]))
            records: dict[tuple[int, str], int] = {}
            for practice_id, numbers in wanted.items():
                for number, record_id in Person.objects.filter(
                    registered_practice_id=practice_id, nhs_number__in=numbers
                ).values_list("nhs_number", "pk"):
                    records[(practice_id, number)] = record_id
            invitations = []
            for row in ours:
                practice = practices[str(row["practice_code"])]
                number = str(row.get("nhs_number") or "")
                person_id = records.get((practice.pk, number)) if number else None
                matched += person_id is not None
                invitations.append(
                    Invitation(
                        run=run,
                        practice=practice,
                        cohort_key=cohort_key,
                        person_id=person_id,
                        nhs_number=number[:10],
                        rank=int(row["priority_rank"]),
                        priority_score=float(row["priority_score"]),
                        segment=str(row.get("segment") or "")[:60],
                        reasons=_reasons(row.get("priority_reasons")),
                        details={name: row.get(name) for name in DETAIL_COLUMNS if name in row},
                    )
                )
            Invitation.objects.bulk_create(invitations, batch_size=BATCH_SIZE)
            stored += len(invitations)
    return stored, elsewhere, matched


def finish_run(run: StratificationRun, summary: dict[str, Any], output: Path) -> StratificationRun:
    """Keep the counts and store the practices' invitation lists, in one transaction with its audit event."""
    summary = dict(summary)
    input_report = summary.pop("input_report", {})
    used_settings = summary.pop("settings", {})
    files = [(key, output / "invitations" / f"{key}.parquet") for key in run.cohorts]
    with transaction.atomic():
        stored, elsewhere, matched = _store_invitations(run, files)
        return _move(
            run,
            RunStatus.FINISHED,
            note=(
                f"Stratification {run.pk} finished: {stored} invitations stored for practices in Carehouse, "
                f"{elsewhere} for other practices not kept"
            ),
            summary=summary,
            input_report=input_report,
            settings=used_settings,
            invitations_stored=stored,
            invitations_elsewhere=elsewhere,
            invitations_matched=matched,
            finished_at=timezone.now(),
            progress_step="Finished",
        )


def execute_run(run_id: int) -> dict[str, Any]:
    """Run a queued stratification to the end (the task's work); what happened, for the task's result."""
    run = mark_running(run_id)
    if run is None:
        return {"run": run_id, "status": "not queued"}
    folder = work_dir(run.pk)
    try:
        if run.source == RunSource.CONFIGURED:
            extract = extracts.configured_extract_path(run.extract_name)
        else:
            extract = folder / "extract"
        known = extracts.cohorts_by_key()
        missing = [key for key in run.cohorts if key not in known]
        if missing:
            run = fail_run(run, error=f"These cohorts are no longer available: {', '.join(missing)}")
            return {"run": run.pk, "status": run.status}
        try:
            result = run_pipeline(
                extract,
                folder / "output",
                cohorts=[known[key].path for key in run.cohorts],
                progress=progress_reporter(run.pk),
            )
        except UnusableExtract as error:
            run = fail_run(
                run,
                error="The extract cannot be used: " + "; ".join(error.report.problems),
                input_report=error.report.as_dict(),
            )
            return {"run": run.pk, "status": run.status}
        run.refresh_from_db()
        run = finish_run(run, result.as_dict(), folder / "output")
        return {"run": run.pk, "status": run.status, "invitations": run.invitations_stored}
    except ValidationError as error:
        run.refresh_from_db()
        run = fail_run(run, error=" ".join(error.messages))
        return {"run": run.pk, "status": run.status}
    except Exception as error:  # the run page must say it failed, whatever the cause
        logger.exception("Stratification %s stopped", run_id)
        run.refresh_from_db()
        if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
            fail_run(run, error=f"The stratification stopped: {error}")
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
