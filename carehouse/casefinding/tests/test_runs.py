"""A commissioner runs a stratification: from a configured extract or an upload, queued, run by a worker."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from carehouse.casefinding import extracts, services
from carehouse.casefinding.models import Invitation, RunSource, RunStatus, StratificationRun
from carehouse.casefinding.tests.conftest import EXTRACT_NAME, extract_files
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent
from carehouse.core.tests.test_jobs import run_queued_tasks
from carehouse.people.models import Person

pytestmark = pytest.mark.django_db

ALL_COHORTS = [cohort.key for cohort in extracts.available_cohorts()]


def post_run(client, django_capture_on_commit_callbacks, data, files=None):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/case-finding/", {**data, **(files or {})})
    return response, callbacks


def test_the_shipped_cohorts_are_offered():
    assert len(ALL_COHORTS) >= 3
    assert "mltc-and-emergency-admission" in ALL_COHORTS


def test_the_form_offers_configured_extracts_and_every_cohort(client, signed_in, cora, extracts_dir):
    signed_in(client, cora)
    page = client.get("/case-finding/").content.decode()
    assert f'<option value="{EXTRACT_NAME}"' in page
    for key in ALL_COHORTS:
        assert re.search(rf'value="{key}"\s+checked', page)  # every cohort is chosen to start with
    assert "No stratification has been run yet." in page


def test_a_run_from_a_configured_extract_is_queued_then_run_by_the_worker(
    client, signed_in, cora, priya, omar, practice, other_practice, outside_practice, extracts_dir,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    persons = pq.read_table(extracts_dir / "persons.parquet").to_pylist()
    # Everyone the extract has at Priya's practice has a Carehouse record there; nobody at Omar's does.
    Person.objects.bulk_create(
        Person(
            nhs_number=row["nhs_number"],
            given_name="Given",
            family_name=f"Family{n}",
            date_of_birth="1950-01-01",
            registered_practice=practice,
        )
        for n, row in enumerate(persons)
        if row["practice_code"] == "Y10001"
    )
    signed_in(client, cora)
    response, callbacks = post_run(
        client,
        django_capture_on_commit_callbacks,
        {"source": "configured", "extract": EXTRACT_NAME, "cohorts": ALL_COHORTS},
    )
    run = StratificationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/case-finding/{run.pk}"
    assert len(callbacks) == 1  # queued once the run is committed
    assert (run.status, run.source, run.extract_name, run.cohorts) == (
        RunStatus.QUEUED,
        RunSource.CONFIGURED,
        EXTRACT_NAME,
        ALL_COHORTS,
    )
    assert run.organisation == cora.organisation
    assert run.created_by == cora.user
    assert DBTaskResult.objects.get(pk=run.task_result_id).status == "READY"
    started = AuditEvent.objects.get(action="create", object_type="casefinding.StratificationRun")
    assert started.actor_email == cora.user.email
    assert started.object_id == str(run.pk)

    waiting = client.get(f"/case-finding/{run.pk}").content.decode()
    assert 'data-job-refresh="3000"' in waiting  # app.js reloads it (a meta refresh fails WCAG 2.2.1)
    assert "Waiting for a worker to start this stratification" in waiting

    assert run_queued_tasks() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED, run.error
    assert run.started_at is not None
    assert run.finished_at is not None
    assert run.version == 3  # queued, running, finished
    assert run.summary["people"] > 900
    assert "input_report" not in run.summary
    assert run.input_report["usable"] is True
    assert run.input_report["tables"]["persons"]["rows_read"] == 1000
    assert run.settings["as_at"] == "2026-03-31"
    assert {c["key"] for c in run.summary["cohorts"]} == set(ALL_COHORTS)
    assert not services.work_dir(run.pk).exists()  # the output (person-level) is removed
    assert extracts_dir.exists()  # the configured extract stays

    # Every invitation row of a practice under Cora's board is stored, and no other.
    stored = Counter(Invitation.objects.values_list("cohort_key", "practice__ods_code"))
    expected: Counter[tuple[str, str]] = Counter()
    elsewhere = 0
    for cohort in run.summary["cohorts"]:
        for row in cohort["by_practice"]:
            if row["practice_code"] in {"Y10001", "Y10002"}:
                expected[(cohort["key"], row["practice_code"])] = row["people"]
            else:
                elsewhere += row["people"]
    assert stored == expected
    assert sum(stored.values()) == run.invitations_stored > 0
    assert run.invitations_elsewhere == elsewhere > 0
    # Matched by NHS number at the practice: everyone at Priya's, nobody at Omar's.
    ours = Invitation.objects.filter(practice=practice).select_related("person")
    assert ours.exists()
    assert all(i.person is not None and i.person.nhs_number == i.nhs_number for i in ours)
    assert not Invitation.objects.filter(practice=other_practice, person__isnull=False).exists()
    assert run.invitations_matched == ours.count()
    # Ranks run 1, 2, 3 … within each practice and cohort.
    for key in ALL_COHORTS:
        ranks = list(ours.filter(cohort_key=key).order_by("rank").values_list("rank", flat=True))
        assert ranks == list(range(1, len(ranks) + 1))

    statuses = list(
        AuditEvent.objects.filter(object_type="casefinding.StratificationRun", action="update")
        .order_by("sequence")
        .values_list("summary", flat=True)
    )
    assert statuses[0] == f"Stratification {run.pk} started"
    assert statuses[1].startswith(f"Stratification {run.pk} finished: {run.invitations_stored} invitations stored")

    finished = client.get(f"/case-finding/{run.pk}").content.decode()
    assert "data-job-refresh" not in finished
    assert "Results" in finished
    assert "Frailty and dementia" in finished
    assert "Test Medical Centre (Y10001)" in finished
    assert "Z99001" in finished
    assert "What was read from the extract" in finished
    assert "Settings used" in finished
    for invitation in Invitation.objects.all()[:50]:
        assert invitation.nhs_number not in finished  # commissioners never see a person
    assert f'href="/case-finding/{run.pk}"' in client.get("/case-finding/").content.decode()


def test_a_run_from_an_uploaded_zip(
    client, signed_in, cora, practice, generated_extract, upload_of, django_capture_on_commit_callbacks
):
    signed_in(client, cora)
    upload = upload_of(extract_files(generated_extract, prefix="march/"), name="March extract.zip")
    response, _ = post_run(
        client,
        django_capture_on_commit_callbacks,
        {"source": "upload", "cohorts": ["frail-65-and-over"]},
        {"upload": upload},
    )
    assert response.status_code == 302
    run = StratificationRun.objects.get()
    assert (run.source, run.extract_name, run.cohorts) == (RunSource.UPLOAD, "March extract.zip", ["frail-65-and-over"])
    unpacked = services.work_dir(run.pk) / "extract"
    assert sorted(p.name for p in unpacked.iterdir()) == sorted(p.name for p in generated_extract.iterdir())
    assert run_queued_tasks() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED, run.error
    assert [c["key"] for c in run.summary["cohorts"]] == ["frail-65-and-over"]
    assert set(Invitation.objects.values_list("cohort_key", flat=True)) == {"frail-65-and-over"}
    assert not services.work_dir(run.pk).exists()  # the uploaded extract is removed once it has been read
    assert not any((Path(settings.CASEFINDING_WORK_DIR) / "incoming").iterdir())


def test_an_unusable_extract_fails_the_run_and_shows_why(
    client, signed_in, cora, upload_of, django_capture_on_commit_callbacks
):
    signed_in(client, cora)
    upload = upload_of(
        {
            "persons.csv": b"person_id,practice_code\nP1,Y10001\nP2,Y10001\n",  # no sex column
            "diagnoses.csv": b"person_id,code,code_system,date\nP1,E11,icd10,2025-01-01\n",
            "activity.csv": b"person_id,setting,date\nP1,gp,2025-02-01\n",
        }
    )
    post_run(
        client, django_capture_on_commit_callbacks, {"source": "upload", "cohorts": ALL_COHORTS}, {"upload": upload}
    )
    run = StratificationRun.objects.get()
    run_queued_tasks()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error.startswith("The extract cannot be used: ")
    assert run.input_report["usable"] is False
    assert run.input_report["problems"]
    assert not Invitation.objects.exists()
    assert not services.work_dir(run.pk).exists()
    page = client.get(f"/case-finding/{run.pk}").content.decode()
    assert "The stratification did not finish" in page
    assert "data-job-refresh" not in page
    for problem in run.input_report["problems"]:
        assert str(problem).replace("'", "&#39;").replace('"', "&#34;") in page
    assert AuditEvent.objects.filter(summary=f"Stratification {run.pk} failed").count() == 1


def zip_problem(client, django_capture_on_commit_callbacks, upload, data=None) -> str:
    response, callbacks = post_run(
        client,
        django_capture_on_commit_callbacks,
        {"source": "upload", "cohorts": ["frail-65-and-over"], **(data or {})},
        {"upload": upload} if upload is not None else None,
    )
    assert response.status_code == 400
    assert callbacks == []
    assert not StratificationRun.objects.exists()
    page = response.content.decode()
    assert "There is a problem" in page
    # Nothing the commissioner chose is lost: the choices are still made.
    assert re.search(r'value="upload"\s+checked', page)
    assert re.search(r'value="frail-65-and-over"\s+checked', page)
    assert not re.search(r'value="low-activation-mltc"\s+checked', page)
    work = Path(settings.CASEFINDING_WORK_DIR)
    assert not work.exists() or not any(p.is_file() for p in work.rglob("*"))  # nothing is kept
    return page


@pytest.mark.parametrize(
    ("files", "name", "message"),
    [
        (None, "extract.csv", "The selected file must be a ZIP file"),
        ({"persons.parquet": b"x", "activity.csv": b"x"}, "extract.zip", "Missing: diagnoses"),
        (
            {"../persons.csv": b"x", "diagnoses.csv": b"x", "activity.csv": b"x"},
            "extract.zip",
            "a name that is not allowed: ../persons.csv",
        ),
        (
            {"/etc/persons.csv": b"x", "diagnoses.csv": b"x", "activity.csv": b"x"},
            "extract.zip",
            "a name that is not allowed",
        ),
        (
            {"a/b/persons.csv": b"x", "a/b/diagnoses.csv": b"x", "a/b/activity.csv": b"x"},
            "extract.zip",
            "at the top, or in a single folder",
        ),
        (
            {"persons.csv": b"x", "a/persons.parquet": b"x", "diagnoses.csv": b"x", "activity.csv": b"x"},
            "extract.zip",
            "only one persons table",
        ),
    ],
)
def test_a_bad_zip_file_is_refused_beside_the_field(
    client, signed_in, cora, upload_of, django_capture_on_commit_callbacks, files, name, message
):
    signed_in(client, cora)
    upload = upload_of(files or {"persons.csv": b"x"}, name=name)
    page = zip_problem(client, django_capture_on_commit_callbacks, upload)
    assert message in page
    assert 'href="#id_upload"' in page  # the error summary links to the field


def test_a_file_that_is_not_really_a_zip_is_refused(client, signed_in, cora, django_capture_on_commit_callbacks):
    signed_in(client, cora)
    page = zip_problem(client, django_capture_on_commit_callbacks, SimpleUploadedFile("x.zip", b"not a zip at all"))
    assert "The selected file must be a ZIP file" in page


def test_an_empty_or_too_large_file_is_refused(
    client, signed_in, cora, upload_of, generated_extract, django_capture_on_commit_callbacks, settings
):
    signed_in(client, cora)
    page = zip_problem(client, django_capture_on_commit_callbacks, SimpleUploadedFile("x.zip", b""))
    assert "The selected file is empty" in page
    settings.CASEFINDING_MAX_UPLOAD_BYTES = 1024
    page = zip_problem(client, django_capture_on_commit_callbacks, upload_of(extract_files(generated_extract)))
    assert "The selected file must be smaller than 1.0\xa0KB" in page


def test_a_zip_that_unpacks_too_large_is_refused(
    client, signed_in, cora, upload_of, generated_extract, django_capture_on_commit_callbacks, settings
):
    signed_in(client, cora)
    settings.CASEFINDING_MAX_UNPACKED_BYTES = 10_000
    page = zip_problem(client, django_capture_on_commit_callbacks, upload_of(extract_files(generated_extract)))
    assert "once unpacked" in page


def test_no_file_no_cohort_and_no_extract_are_all_listed(client, signed_in, cora, django_capture_on_commit_callbacks):
    signed_in(client, cora)
    response, _ = post_run(client, django_capture_on_commit_callbacks, {"source": "upload"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Select a ZIP file to upload" in page
    assert "Select at least one group of people to find" in page
    response, _ = post_run(
        client, django_capture_on_commit_callbacks, {"source": "configured", "cohorts": ["frail-65-and-over"]}
    )
    assert "Select an extract from the list" in response.content.decode()
    assert not StratificationRun.objects.exists()


def test_only_configured_extracts_can_be_chosen(cora, extracts_dir, settings):
    actor = Actor.for_membership(cora)
    for name in ["../extracts", "/etc", "missing", ""]:
        with pytest.raises(ValidationError, match="Select an extract from the list"):
            services.start_run(actor, source="configured", extract_name=name, cohorts=ALL_COHORTS)
    with pytest.raises(ValidationError, match="Select groups of people from the list"):
        services.start_run(actor, source="configured", extract_name=EXTRACT_NAME, cohorts=["no-such-cohort"])
    assert not StratificationRun.objects.exists()


def test_a_run_is_started_and_finished_once(cora, extracts_dir):
    run = services.start_run(
        Actor.for_membership(cora), source="configured", extract_name=EXTRACT_NAME, cohorts=ALL_COHORTS[:1], queue=False
    )
    assert services.execute_run(run.pk)["status"] == RunStatus.FINISHED
    assert services.execute_run(run.pk) == {"run": run.pk, "status": "not queued"}
    run.refresh_from_db()
    with pytest.raises(services.InvalidTransition):
        services.fail_run(run, error="too late")
    stale = StratificationRun.objects.get(pk=run.pk)
    stale.status = RunStatus.RUNNING  # as a second worker that read it before it finished would have it
    with pytest.raises(services.ConcurrentChange):
        services.fail_run(stale, error="too late")
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FINISHED, "")


def test_progress_is_written_when_the_step_changes_and_at_most_every_interval(cora, extracts_dir):
    run = services.start_run(
        Actor.for_membership(cora), source="configured", extract_name=EXTRACT_NAME, cohorts=ALL_COHORTS[:1], queue=False
    )
    services.mark_running(run.pk)
    report = services.progress_reporter(run.pk, interval=3600)
    report("Reading the extract", 0, 10)
    report("Reading the extract", 1, 10)  # same step, too soon: not written
    run.refresh_from_db()
    assert (run.progress_step, run.progress_done, run.progress_total) == ("Reading the extract", 0, 10)
    report("Segmenting", 5, 10)
    run.refresh_from_db()
    assert (run.progress_step, run.progress_done, run.percent) == ("Segmenting", 5, 50)
