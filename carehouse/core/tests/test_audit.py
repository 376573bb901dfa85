"""The audit log: every read and write recorded, append-only in the database, and tamper-evident."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carehouse.core.actor import Actor
from carehouse.core.models import AuditChainHead, AuditEvent
from carehouse.core.models.audit import AppendOnlyError, AuditAction
from carehouse.core.services import audit
from carehouse.core.tests.audit_assertions import assert_event_about
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

# -- helpers ---------------------------------------------------------------------------------


def record_some(n: int = 5) -> list[AuditEvent]:
    system = Actor.system("test")
    return [audit.record(system, AuditAction.UPDATE, summary=f"event {i}", changes={"i": i}) for i in range(n)]


def run_verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", stdout=out, stderr=StringIO())
    return out.getvalue()


def verify_fails() -> tuple[str, str]:
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError, match="tampered with") as raised:
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    return str(raised.value), err.getvalue()


def execute(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.fixture
def without_append_only_triggers(db: None) -> Iterator[None]:
    """What someone with direct database access could do: lift the append-only triggers.

    Dropping a trigger is transactional on both SQLite and PostgreSQL, so the test's
    rollback puts them back.
    """
    if connection.vendor == "postgresql":
        execute("DROP TRIGGER core_auditevent_append_only ON core_auditevent")
    else:
        execute("DROP TRIGGER core_auditevent_no_update")
        execute("DROP TRIGGER core_auditevent_no_delete")
    yield


# -- reads and searches ----------------------------------------------------------------------


def test_every_read_of_a_persons_page_is_audited_once(client, signed_in, priya, practice):
    person = PersonFactory(registered_practice=practice)
    signed_in(client, priya)
    assert client.get(f"/people/{person.pk}").status_code == 200

    [event] = AuditEvent.objects.filter(action="read")
    assert_event_about(event, person, by=priya)
    assert event.ip_address == "127.0.0.1"

    assert client.get(f"/people/{person.pk}").status_code == 200
    reads = AuditEvent.objects.filter(action="read")
    assert reads.count() == 2
    assert set(reads.values_list("person_id", flat=True)) == {person.pk}


def test_opening_the_edit_page_is_audited_as_a_read_with_its_purpose(client, signed_in, priya, practice):
    person = PersonFactory(registered_practice=practice)
    signed_in(client, priya)
    assert client.get(f"/people/{person.pk}/edit").status_code == 200
    event = AuditEvent.objects.get(action="read")
    assert (event.person_id, event.purpose) == (person.pk, "change details")


def test_search_is_audited_without_storing_what_was_typed(client, signed_in, priya):
    signed_in(client, priya)
    assert client.get("/people/", {"q": "Seacole"}).status_code == 200
    event = AuditEvent.objects.get(action="search")
    assert event.changes == {"query_length": 7}
    assert "Seacole" not in event.summary
    assert "Seacole" not in str(event.changes)


# -- writes ----------------------------------------------------------------------------------


def test_writes_through_the_pages_are_audited(client, signed_in, priya, practice):
    signed_in(client, priya)
    response = client.post(
        "/people/add",
        {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "date_of_birth_day": "10",
            "date_of_birth_month": "12",
            "date_of_birth_year": "1951",
            "sex": "female",
            "ethnicity": "99",
            "registered_practice": str(practice.pk),
        },
    )
    assert response.status_code == 302
    person = Person.objects.get()
    created = AuditEvent.objects.get(action="create")
    assert (created.person_id, created.object_id, created.actor_email) == (
        person.pk,
        str(person.pk),
        "priya@example.org",
    )


# -- the hash chain --------------------------------------------------------------------------


def test_events_form_a_chain(db):
    events = record_some(4)
    assert [e.sequence for e in events] == [1, 2, 3, 4]
    assert events[0].previous_hash == audit.GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.previous_hash == before.hash
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (4, events[-1].hash)


def test_verify_passes_on_an_intact_chain(db):
    record_some(5)
    result = audit.verify()
    assert result.ok
    assert result.checked == 5
    assert "The audit log is intact: 5 events checked" in run_verify()


def test_verify_passes_on_an_empty_log(db):
    assert audit.verify().ok
    assert "intact: 0 events checked" in run_verify()


def test_verify_walks_the_chain_in_batches(db):
    record_some(7)
    progress = list(audit.iter_verify(batch_size=3))
    assert [(done, total) for done, total, _ in progress] == [(3, 7), (6, 7), (7, 7)]
    assert all(not problems for _, _, problems in progress)


#: Text a user can get into Carehouse: Django's forms refuse NUL, and HTTP cannot carry lone surrogates.
typed_text = st.characters(codec="utf-8", exclude_characters="\x00")


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    changes=st.dictionaries(
        st.text(alphabet=typed_text, max_size=10),
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers(min_value=-(2**63), max_value=2**63 - 1)
            | st.text(alphabet=typed_text, max_size=20)
            | st.dates()
            | st.decimals(allow_nan=False, allow_infinity=False, places=2),
            lambda children: (
                st.lists(children, max_size=3)
                | st.dictionaries(st.text(alphabet=typed_text, max_size=5), children, max_size=3)
            ),
            max_leaves=8,
        ),
        max_size=5,
    ),
    summary=st.text(alphabet=typed_text, max_size=300),
)
def test_any_event_content_survives_the_database_round_trip(db, changes, summary):
    """The hash is of what is stored, so whatever a service records must read back the same."""
    audit.record(Actor.system("test"), AuditAction.UPDATE, summary=summary, changes=changes)
    assert audit.verify().ok


# -- append-only -----------------------------------------------------------------------------


def test_the_model_refuses_to_change_or_delete_an_event(db):
    [event] = record_some(1)
    event.summary = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get().summary == "event 0"


def test_the_database_refuses_updates_and_deletes(db):
    [event, _] = record_some(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute("UPDATE core_auditevent SET summary = %s WHERE id = %s", ["changed", event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.get(pk=event.pk).summary == "event 0"
    assert AuditEvent.objects.count() == 2
    assert audit.verify().ok


def test_emptying_the_table_in_bulk_is_refused(db):
    # Each database's bulk way of emptying a table: TRUNCATE on PostgreSQL (which skips
    # row triggers, so it has its own), the truncate optimisation of DELETE on SQLite.
    record_some(3)
    bulk_empty = "TRUNCATE core_auditevent" if connection.vendor == "postgresql" else "DELETE FROM core_auditevent"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute(bulk_empty)
    assert AuditEvent.objects.count() == 3
    assert audit.verify().ok


# -- tampering is detected -------------------------------------------------------------------


def test_changing_an_events_content_is_detected(without_append_only_triggers):
    events = record_some(5)
    execute("UPDATE core_auditevent SET summary = %s WHERE id = %s", ["nothing to see here", events[2].pk])
    message, err = verify_fails()
    assert "1 problem(s) in 5 events" in message
    assert "event 3: its content has been changed" in err
    assert [p.sequence for p in audit.verify().problems] == [3]


def test_changing_content_and_recomputing_its_hash_is_detected_by_the_next_event(without_append_only_triggers):
    events = record_some(5)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.summary = "nothing to see here"
    new_hash = audit._digest(forged.hashed_content())
    execute(
        "UPDATE core_auditevent SET summary = %s, hash = %s WHERE id = %s",
        [forged.summary, new_hash, forged.pk],
    )
    _, err = verify_fails()
    assert "event 3: does not follow on from the event before it" in err


def test_changing_the_newest_event_and_its_hash_is_detected_by_the_chain_head(without_append_only_triggers):
    events = record_some(3)
    forged = AuditEvent.objects.get(pk=events[-1].pk)
    forged.summary = "nothing to see here"
    execute(
        "UPDATE core_auditevent SET summary = %s, hash = %s WHERE id = %s",
        [forged.summary, audit._digest(forged.hashed_content()), forged.pk],
    )
    verify_fails()


def test_deleting_an_event_is_detected(without_append_only_triggers):
    events = record_some(5)
    execute("DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
    _, err = verify_fails()
    assert "event 4: events 3 to 3 are missing" in err
    assert "event 4: does not follow on from the event before it" in err


def test_deleting_the_first_event_is_detected(without_append_only_triggers):
    events = record_some(3)
    execute("DELETE FROM core_auditevent WHERE id = %s", [events[0].pk])
    _, err = verify_fails()
    assert "event 2: events 1 to 1 are missing" in err


def test_deleting_the_newest_event_is_detected(without_append_only_triggers):
    events = record_some(5)
    execute("DELETE FROM core_auditevent WHERE id = %s", [events[-1].pk])
    _, err = verify_fails()
    assert "the newest events have been removed" in err


def test_deleting_every_event_is_detected(without_append_only_triggers):
    record_some(3)
    execute("DELETE FROM core_auditevent")
    _, err = verify_fails()
    assert "the newest events have been removed" in err


def test_backdating_an_event_is_detected(without_append_only_triggers):
    events = record_some(3)
    earlier = events[1].occurred_at - datetime.timedelta(days=30)
    AuditEvent.objects.filter(pk=events[1].pk).update(occurred_at=earlier)
    _, err = verify_fails()
    assert "event 2: its content has been changed" in err


def test_the_log_keeps_working_after_a_failed_check(without_append_only_triggers):
    """A new event after tampering does not hide the tampering."""
    events = record_some(3)
    execute("UPDATE core_auditevent SET summary = %s WHERE id = %s", ["changed", events[0].pk])
    record_some(2)
    assert [p.sequence for p in audit.verify().problems] == [1]
