"""Services: recording, answering, correcting measures and loading instrument files.

Every refusal leaves the database as it was (no response, score, alert or audit row), and
every write is audited in its own transaction.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from carehouse.careplans.models import CarePlan, ImmutableRowError
from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Membership
from carehouse.core.roles import Role
from carehouse.core.tests.factories import UserFactory
from carehouse.measures import selectors
from carehouse.measures.definitions import SHIPPED_DIRECTORY, shipped_definitions
from carehouse.measures.models import (
    CompletedBy,
    Instrument,
    InstrumentSource,
    MeasureAlert,
    MeasureResponse,
    MeasureScore,
    ResponseStatus,
    Timepoint,
)
from carehouse.measures.services import instruments as instrument_services
from carehouse.measures.services import responses
from carehouse.measures.services.responses import ResponseConflict
from carehouse.measures.tests.conftest import SWEMWBS_TEST_TEXT
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

InstrumentOf = Callable[[str], Instrument]


def phq9(*values: int) -> dict[str, object]:
    return {str(n): value for n, value in enumerate(values, start=1)}


CALM = phq9(1, 1, 1, 1, 1, 1, 1, 1, 0)  # 8, mild, no alert
AT_RISK = phq9(1, 1, 1, 1, 1, 1, 1, 1, 2)  # 10, moderate, item 9 alert


def counts() -> tuple[int, int, int, int]:
    return (
        MeasureResponse.objects.count(),
        MeasureScore.objects.count(),
        MeasureAlert.objects.count(),
        AuditEvent.objects.exclude(action="read").count(),
    )


@contextmanager
def nothing_stored() -> Iterator[None]:
    """The block must change no response, score, alert or audit row."""
    before = counts()
    yield
    assert counts() == before


def last_event(object_type: str) -> AuditEvent:
    event = AuditEvent.objects.filter(object_type=object_type).order_by("-sequence").first()
    assert event is not None
    return event


def record(staff: Actor, mary: Person, instrument: Instrument, sent: dict[str, object]) -> MeasureResponse:
    return responses.record_response(staff, mary, instrument, sent, timepoint=Timepoint.BASELINE)


# -- bad input is refused and nothing is stored -----------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "errors"),
    [
        ({**CALM, "3": 4}, {"3": ["Select one of the answers given for question 3"]}),
        ({**CALM, "3": -1}, {"3": ["Select one of the answers given for question 3"]}),
        ({k: v for k, v in CALM.items() if k != "5"}, {"5": ["Select an answer for question 5"]}),
        ({**CALM, "colour": 1}, {"colour": ["PHQ-9 has no question colour"]}),
        (
            {**CALM, "1": "one", "2": True, "3": [1], "4": 1.0},
            {
                "1": ["Select an answer for question 1"],
                "2": ["Select an answer for question 2"],
                "3": ["Select an answer for question 3"],
                "4": ["Select an answer for question 4"],
            },
        ),
    ],
    ids=["out of range", "negative", "missing item", "unknown item", "wrong types"],
)
def test_bad_answers_refused_by_field_and_nothing_stored(
    staff: Actor, mary: Person, instrument: InstrumentOf, sent: dict[str, object], errors: dict[str, list[str]]
) -> None:
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        record(staff, mary, instrument("phq9"), sent)
    assert refused.value.message_dict == errors


def test_bad_timepoint_refused_and_nothing_stored(staff: Actor, mary: Person, instrument: InstrumentOf) -> None:
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        responses.record_response(staff, mary, instrument("phq9"), CALM, timepoint="whenever")
    assert set(refused.value.message_dict) == {"timepoint"}


def test_another_persons_plan_refused(staff: Actor, mary: Person, plan: CarePlan, instrument: InstrumentOf) -> None:
    someone_else = PersonFactory(registered_practice=mary.registered_practice)
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        responses.record_response(staff, someone_else, instrument("phq9"), CALM, timepoint="baseline", plan=plan)
    assert set(refused.value.message_dict) == {"plan"}


def test_unknown_instrument_or_version_not_found(db: None) -> None:
    with pytest.raises(Http404):
        selectors.get_instrument("wemwbs_long")
    with pytest.raises(Http404):
        selectors.get_instrument("phq9", "9")
    assert selectors.get_instrument("phq9", "1").key == "phq9"


def test_swemwbs_without_its_wording_cannot_be_used(staff: Actor, mary: Person, instrument: InstrumentOf) -> None:
    swemwbs = Instrument.objects.get(key="swemwbs")
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        record(staff, mary, swemwbs, {str(n): 3 for n in range(1, 8)})
    assert set(refused.value.message_dict) == {"instrument"}


def test_a_refused_audit_write_stores_nothing(
    staff: Actor, mary: Person, instrument: InstrumentOf, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The response, its scores and alerts are written in the same transaction as their audit row."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(responses.audit, "record", broken)
    with nothing_stored(), pytest.raises(RuntimeError):
        record(staff, mary, instrument("phq9"), AT_RISK)


# -- recording, and the audit ------------------------------------------------------------------------


def test_staff_record_on_behalf_scored_and_audited(
    staff: Actor, priya: Membership, mary: Person, instrument: InstrumentOf
) -> None:
    response = record(staff, mary, instrument("phq9"), CALM)
    assert response.status == ResponseStatus.COMPLETED
    assert response.completed_mode == CompletedBy.STAFF
    assert response.completed_by_label == "Priya Practitioner, Practitioner at Test Medical Centre"
    assert [(s.code, s.value, s.band) for s in response.scores.all()] == [("total", Decimal(8), "Mild")]
    event = last_event("measures.MeasureResponse")
    assert (event.action, event.object_id, event.person_id) == ("create", str(response.pk), mary.pk)
    assert (event.actor_email, event.actor_role, event.actor_organisation) == (
        priya.user.email,
        priya.role,
        priya.organisation.ods_code,
    )
    assert event.changes["scores"] == {"total": "8.00"}


@pytest.mark.parametrize("who", ["cora", "vic", "ada"])
def test_only_direct_care_staff_record(
    who: str, request: pytest.FixtureRequest, mary: Person, instrument: InstrumentOf
) -> None:
    actor = Actor.for_membership(request.getfixturevalue(who))
    with nothing_stored(), pytest.raises(PermissionDenied):
        record(actor, mary, instrument("phq9"), CALM)
    with nothing_stored(), pytest.raises(PermissionDenied):
        responses.send_questionnaire(actor, mary, instrument("phq9"), timepoint="baseline")


def test_person_cannot_record_on_behalf(mary_actor: Actor, mary: Person, instrument: InstrumentOf) -> None:
    with nothing_stored(), pytest.raises(PermissionDenied):
        record(mary_actor, mary, instrument("phq9"), CALM)


# -- answers never change; a correction supersedes ---------------------------------------------------


def test_completed_response_cannot_be_saved_or_deleted(staff: Actor, mary: Person, instrument: InstrumentOf) -> None:
    response = record(staff, mary, instrument("phq9"), CALM)
    stored = MeasureResponse.objects.get(pk=response.pk)
    stored.answers = {**CALM, "1": 3}
    with pytest.raises(ImmutableRowError):
        stored.save()
    with pytest.raises(ImmutableRowError):
        stored.delete()
    assert MeasureResponse.objects.get(pk=response.pk).answers == CALM


def test_correction_supersedes_and_keeps_the_original(staff: Actor, mary: Person, instrument: InstrumentOf) -> None:
    original = record(staff, mary, instrument("phq9"), CALM)
    corrected = responses.correct_response(
        staff, original, phq9(2, 2, 2, 2, 1, 1, 1, 1, 0), reason="Misread question 1"
    )
    assert corrected.supersedes_id == original.pk
    assert corrected.correction_reason == "Misread question 1"
    original.refresh_from_db()
    assert original.answers == CALM
    assert [s.value for s in original.scores.all()] == [Decimal(8)]
    # The current score is the correction's, measured when the original was.
    [current] = selectors.scores_for_person(staff, mary, "phq9")
    assert (current.response_id, current.value, current.band) == (corrected.pk, Decimal(12), "Moderate")
    assert current.effective_at == original.scores.get().effective_at
    event = last_event("measures.MeasureResponse")
    assert event.object_id == str(corrected.pk)
    assert event.changes["supersedes"] == original.pk
    assert event.changes["reason"] == "Misread question 1"


def test_original_corrected_only_once_but_the_correction_can_be(
    staff: Actor, mary: Person, instrument: InstrumentOf
) -> None:
    original = record(staff, mary, instrument("phq9"), CALM)
    first = responses.correct_response(staff, original, phq9(2, 1, 1, 1, 1, 1, 1, 1, 0), reason="Typing error")
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        responses.correct_response(staff, original, phq9(3, 1, 1, 1, 1, 1, 1, 1, 0), reason="Again")
    assert "already been corrected" in refused.value.messages[0]
    second = responses.correct_response(staff, first, phq9(3, 1, 1, 1, 1, 1, 1, 1, 0), reason="Another error")
    assert second.supersedes_id == first.pk
    assert [s.value for s in selectors.scores_for_person(staff, mary, "phq9")] == [Decimal(10)]


def test_correction_needs_a_reason_and_valid_answers(staff: Actor, mary: Person, instrument: InstrumentOf) -> None:
    original = record(staff, mary, instrument("phq9"), CALM)
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        responses.correct_response(staff, original, CALM, reason="  ")
    assert set(refused.value.message_dict) == {"reason"}
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        responses.correct_response(staff, original, {**CALM, "2": 9}, reason="Typing error")
    assert set(refused.value.message_dict) == {"2"}


# -- the person answers online ---------------------------------------------------------------------


def test_draft_saved_one_answer_at_a_time(phq9_sent: MeasureResponse, mary_actor: Actor) -> None:
    first = responses.save_draft(mary_actor, phq9_sent, {"1": "2"}, expected_version=phq9_sent.version)
    second = responses.save_draft(mary_actor, first, {"2": "3"}, expected_version=first.version)
    assert second.answers == {"1": 2, "2": 3}
    cleared = responses.save_draft(mary_actor, second, {"1": ""}, expected_version=second.version)
    assert cleared.answers == {"2": 3}
    assert cleared.version == phq9_sent.version + 3
    assert cleared.status == ResponseStatus.IN_PROGRESS
    assert MeasureScore.objects.filter(response=phq9_sent).count() == 0


def test_draft_with_a_bad_answer_keeps_what_was_saved(phq9_sent: MeasureResponse, mary_actor: Actor) -> None:
    saved = responses.save_draft(mary_actor, phq9_sent, {"1": "2"}, expected_version=phq9_sent.version)
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        responses.save_draft(mary_actor, saved, {"2": "7"}, expected_version=saved.version)
    assert set(refused.value.message_dict) == {"2"}
    saved.refresh_from_db()
    assert saved.answers == {"1": 2}


def test_version_conflict(phq9_sent: MeasureResponse, mary_actor: Actor) -> None:
    opened_at = phq9_sent.version
    responses.save_draft(mary_actor, phq9_sent, {"1": "2"}, expected_version=opened_at)
    with nothing_stored(), pytest.raises(ResponseConflict):
        responses.save_draft(mary_actor, phq9_sent, {"1": "0"}, expected_version=opened_at)
    with nothing_stored(), pytest.raises(ResponseConflict):
        responses.submit(mary_actor, phq9_sent, CALM, expected_version=opened_at)
    phq9_sent.refresh_from_db()
    assert phq9_sent.answers == {"1": 2}


def test_submit_needs_every_question(phq9_sent: MeasureResponse, mary_actor: Actor) -> None:
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        responses.submit(mary_actor, phq9_sent, {"1": "1"}, expected_version=phq9_sent.version)
    assert set(refused.value.message_dict) == {str(n) for n in range(2, 10)}
    phq9_sent.refresh_from_db()
    assert phq9_sent.status == ResponseStatus.IN_PROGRESS


def test_submit_completes_and_then_cannot_be_sent_again(phq9_sent: MeasureResponse, mary_actor: Actor) -> None:
    done = responses.submit(mary_actor, phq9_sent, CALM, expected_version=phq9_sent.version)
    assert done.completed_mode == CompletedBy.PERSON
    assert done.completed_by_id == mary_actor.user.pk
    with nothing_stored(), pytest.raises(ValidationError):
        responses.submit(mary_actor, done, CALM, expected_version=done.version)
    event = last_event("measures.MeasureResponse")
    assert (event.action, event.actor_role, event.changes["scores"]) == ("update", "person", {"total": "8.00"})


def test_only_the_person_answers_their_own(phq9_sent: MeasureResponse, staff: Actor, mary: Person) -> None:
    someone = UserFactory(email="someone@example.org")
    PersonFactory(registered_practice=mary.registered_practice, user=someone)
    other_person = Actor(user=someone, role=Role.PERSON)
    for actor in (staff, other_person):
        with nothing_stored(), pytest.raises(PermissionDenied):
            responses.save_draft(actor, phq9_sent, {"1": "1"}, expected_version=phq9_sent.version)
        with nothing_stored(), pytest.raises(PermissionDenied):
            responses.submit(actor, phq9_sent, CALM, expected_version=phq9_sent.version)


def test_cannot_send_twice_or_send_what_cannot_be_completed(
    phq9_sent: MeasureResponse, staff: Actor, mary: Person, instrument: InstrumentOf
) -> None:
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        responses.send_questionnaire(staff, mary, instrument("phq9"), timepoint="review")
    assert set(refused.value.message_dict) == {"instrument"}
    with nothing_stored(), pytest.raises(ValidationError):
        responses.send_questionnaire(staff, mary, instrument("pam"), timepoint="review")


# -- alerts ----------------------------------------------------------------------------------------


def test_item_9_alert_raised_once_and_acknowledged_once(
    phq9_sent: MeasureResponse, mary_actor: Actor, staff: Actor, mary: Person
) -> None:
    done = responses.submit(mary_actor, phq9_sent, AT_RISK, expected_version=phq9_sent.version)
    [alert] = MeasureAlert.objects.filter(person=mary)
    assert (alert.code, alert.response_id, alert.organisation_id) == ("self_harm_risk", done.pk, staff.organisation.pk)
    assert [s.value for s in done.scores.all()] == [Decimal(10)]
    assert list(selectors.open_alerts(staff)) == [alert]
    acknowledged = responses.acknowledge_alert(staff, alert, action_taken="Phoned Mary; safety plan agreed")
    assert acknowledged.acknowledged_by_label == staff.label
    assert list(selectors.open_alerts(staff)) == []
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        responses.acknowledge_alert(staff, alert, action_taken="Phoned again")
    assert "already recorded what they did" in refused.value.messages[0]
    alert.refresh_from_db()
    assert alert.action_taken == "Phoned Mary; safety plan agreed"


def test_acknowledgement_needs_what_was_done_and_care_staff(
    staff: Actor, mary: Person, instrument: InstrumentOf, cora: Membership
) -> None:
    record(staff, mary, instrument("phq9"), AT_RISK)
    alert = MeasureAlert.objects.get(person=mary)
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        responses.acknowledge_alert(staff, alert, action_taken=" ")
    assert set(refused.value.message_dict) == {"action_taken"}
    with nothing_stored(), pytest.raises(PermissionDenied):
        responses.acknowledge_alert(Actor.for_membership(cora), alert, action_taken="Noted")


def test_correction_does_not_raise_an_alert_again(staff: Actor, mary: Person, instrument: InstrumentOf) -> None:
    original = record(staff, mary, instrument("phq9"), AT_RISK)
    responses.correct_response(staff, original, {**AT_RISK, "1": 3}, reason="Typing error")
    assert MeasureAlert.objects.filter(person=mary).count() == 1


def test_correction_that_newly_flags_raises_the_alert(staff: Actor, mary: Person, instrument: InstrumentOf) -> None:
    original = record(staff, mary, instrument("phq9"), CALM)
    assert not MeasureAlert.objects.filter(person=mary).exists()
    corrected = responses.correct_response(staff, original, AT_RISK, reason="Item 9 was missed")
    assert list(MeasureAlert.objects.filter(person=mary).values_list("response_id", flat=True)) == [corrected.pk]


# -- external results (PAM) ------------------------------------------------------------------------

PAM = {"score": "62.5", "level": "3", "assessed_on": "2025-01-10", "licence_holder": "NHS Test ICB"}


def test_external_pam_measured_on_the_date_assessed(staff: Actor, mary: Person, instrument: InstrumentOf) -> None:
    response = record(staff, mary, instrument("pam"), PAM)
    assert response.completed_mode == CompletedBy.EXTERNAL
    scores = {s.code: s for s in response.scores.all()}
    assert (scores["score"].value, scores["level"].value, scores["level"].band) == (
        Decimal("62.5"),
        Decimal(3),
        "Level 3",
    )
    for scored in scores.values():
        assert timezone.localtime(scored.effective_at).date() == datetime.date(2025, 1, 10)
    assert response.completed_at is not None and response.completed_at.date() == timezone.now().date()
    latest = selectors.latest_activation(staff, mary)
    assert latest is not None and latest.value == 3


def test_external_pam_in_the_future_refused(staff: Actor, mary: Person, instrument: InstrumentOf) -> None:
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    with nothing_stored(), pytest.raises(ValidationError) as refused:
        record(staff, mary, instrument("pam"), {**PAM, "assessed_on": tomorrow})
    assert refused.value.message_dict == {
        "assessed_on": ["The date the PAM was completed must be today or in the past"]
    }


# -- the shipped definitions in the database -------------------------------------------------------


def test_sync_shipped_is_idempotent(db: None) -> None:
    before = {(i.key, i.version): (i.pk, i.definition) for i in Instrument.objects.all()}
    assert {key for key, _ in before} == {d.key for d in shipped_definitions()}
    instrument_services.sync_shipped()
    instrument_services.sync_shipped()
    assert {(i.key, i.version): (i.pk, i.definition) for i in Instrument.objects.all()} == before
    assert set(Instrument.objects.values_list("source", flat=True)) == {InstrumentSource.SHIPPED}
    collaborate = Instrument.objects.get(key="collaborate")
    assert not collaborate.enabled  # a content pack is off until it is loaded


def test_sync_shipped_restores_an_unanswered_definition(db: None) -> None:
    shipped = Instrument.objects.get(key="gad7").definition
    Instrument.objects.filter(key="gad7").update(definition={**shipped, "title": "Changed"})
    instrument_services.sync_shipped()
    assert Instrument.objects.get(key="gad7").definition == shipped


def test_sync_shipped_refuses_to_change_an_answered_definition(
    staff: Actor, mary: Person, instrument: InstrumentOf
) -> None:
    record(staff, mary, instrument("gad7"), {str(n): 1 for n in range(1, 8)})
    shipped = Instrument.objects.get(key="gad7").definition
    Instrument.objects.filter(key="gad7").update(definition={**shipped, "title": "Changed"})
    with pytest.raises(ImproperlyConfigured, match="gad7/1 has been answered"):
        instrument_services.sync_shipped()
    assert Instrument.objects.get(key="gad7").definition["title"] == "Changed"


# -- files an administrator loads -------------------------------------------------------------------


def _pack(**changes: Any) -> bytes:
    data = json.loads(SWEMWBS_TEST_TEXT.read_text())
    data.update(changes)
    return json.dumps(data).encode()


def _file_errors(administrator: Actor, content: bytes) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        instrument_services.load_file(administrator, content)
    return refused.value.message_dict["file"]


def test_pack_enables_swemwbs(administrator: Actor, ada: Membership, instrument: InstrumentOf) -> None:
    assert Instrument.objects.get(key="swemwbs").needs_text
    loaded = instrument_services.load_file(administrator, SWEMWBS_TEST_TEXT.read_bytes())
    assert loaded.can_be_completed
    assert loaded.parsed.items[0].text == "Test statement 1 for wellbeing"
    assert loaded.parsed.scale("frequency").options[0].label == "Test answer 1"
    assert (loaded.text_licence_holder, loaded.text_loaded_by) == (
        "Carehouse test suite (placeholder wording, not the licensed text)",
        ada.user,
    )
    assert instrument("swemwbs").pk == loaded.pk
    assert loaded in selectors.completable_instruments()
    # The definition stored is unchanged: the wording is kept apart from it.
    assert not Instrument.objects.get(pk=loaded.pk).definition["items"][0]["text"]
    event = last_event("measures.Instrument")
    assert (event.action, event.object_id, event.actor_role) == ("update", str(loaded.pk), "administrator")
    assert event.summary.startswith("Loaded the licensed wording of SWEMWBS version 1")


def test_pack_missing_an_item_names_it(administrator: Actor) -> None:
    data = json.loads(SWEMWBS_TEST_TEXT.read_text())
    del data["items"]["4"]
    with nothing_stored():
        errors = _file_errors(administrator, json.dumps(data).encode())
    assert errors == ["items: Give the wording of every item; missing: 4"]
    assert Instrument.objects.get(key="swemwbs").needs_text


def test_pack_for_an_open_instrument_refused(administrator: Actor) -> None:
    errors = _file_errors(administrator, _pack(instrument="phq9"))
    assert errors == ["The wording of PHQ-9 ships with Carehouse: there is nothing to load"]


def test_pack_for_an_unknown_instrument_refused(administrator: Actor) -> None:
    assert _file_errors(administrator, _pack(version="7")) == [
        "There is no instrument swemwbs version 7 to load wording for"
    ]


def test_definition_with_licensed_text_refused(administrator: Actor) -> None:
    data = json.loads((SHIPPED_DIRECTORY / "swemwbs.json").read_text())
    data["version"] = "2"
    data["items"][0]["text"] = "Test statement 1"
    with nothing_stored():
        errors = _file_errors(administrator, json.dumps(data).encode())
    assert errors == [
        "The wording of this instrument is licensed: leave it out of the definition and load it as an item text pack"
    ]
    assert not Instrument.objects.filter(key="swemwbs", version="2").exists()


def test_duplicate_key_and_version_refused(administrator: Actor) -> None:
    with nothing_stored():
        errors = _file_errors(administrator, (SHIPPED_DIRECTORY / "gad7.json").read_bytes())
    assert errors == ["GAD-7 version 1 is already loaded: give the new one a new version"]


def test_a_new_version_loads_and_becomes_the_newest(administrator: Actor, instrument: InstrumentOf) -> None:
    data = json.loads((SHIPPED_DIRECTORY / "gad7.json").read_text())
    data["version"] = "2"
    loaded = instrument_services.load_file(administrator, json.dumps(data).encode())
    assert (loaded.key, loaded.version, loaded.source, loaded.enabled) == ("gad7", "2", InstrumentSource.LOADED, True)
    assert instrument("gad7").pk == loaded.pk
    assert selectors.get_instrument("gad7", "1").version == "1"
    event = last_event("measures.Instrument")
    assert (event.action, event.object_id) == ("create", str(loaded.pk))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The selected file is empty"),
        (b"{oops", "The file is not valid JSON"),
        (b" " + b"x" * (512 * 1024), "The file must be smaller than 512 KB"),
        (b'{"key": "x"}', "version: Field required"),
    ],
)
def test_bad_files_refused(administrator: Actor, content: bytes, message: str) -> None:
    with nothing_stored():
        errors = _file_errors(administrator, content)
    assert any(error.startswith(message) for error in errors), errors


def test_only_an_administrator_loads_files(staff: Actor, cora: Membership) -> None:
    for actor in (staff, Actor.for_membership(cora)):
        with nothing_stored(), pytest.raises(PermissionDenied):
            instrument_services.load_file(actor, SWEMWBS_TEST_TEXT.read_bytes())
    assert Instrument.objects.get(key="swemwbs").needs_text


def test_set_enabled(administrator: Actor, staff: Actor, instrument: InstrumentOf) -> None:
    swemwbs = Instrument.objects.get(key="swemwbs")
    with pytest.raises(ValidationError) as refused:
        instrument_services.set_enabled(administrator, swemwbs, True)
    assert set(refused.value.message_dict) == {"enabled"}
    gad7 = instrument("gad7")
    with pytest.raises(PermissionDenied):
        instrument_services.set_enabled(staff, gad7, False)
    instrument_services.set_enabled(administrator, gad7, False)
    assert not Instrument.objects.get(pk=gad7.pk).enabled
    assert gad7 not in selectors.completable_instruments()
    assert last_event("measures.Instrument").summary == "Switched GAD-7 (version 1) off"
