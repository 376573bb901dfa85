"""Two people answer the same referral at the same moment: exactly one wins, the other changes nothing.

Real threads, each with its own database connection, released together by a barrier. The
referral row is locked first thing in ``transition`` (an ``UPDATE``: a row lock on PostgreSQL, the
write lock of an ``IMMEDIATE`` transaction on SQLite), and the state change itself is a
conditional ``UPDATE``; so the second one in sees the first one's result.
"""

from __future__ import annotations

import importlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models.signals import post_migrate
from django.test import Client

from carehouse.core.actor import Actor
from carehouse.core.models import Organisation
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.services import audit
from carehouse.core.tests.factories import MembershipFactory, UserFactory
from carehouse.referrals.models import EventKind, IdempotencyKey, Referral, ReferralEvent
from carehouse.referrals.services import referrals as services
from carehouse.referrals.states import Reason, ReferralState
from carehouse.referrals.tests.test_api import Api, body

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 10
S = ReferralState
append_only = importlib.import_module("carehouse.core.migrations.0002_audit_append_only")
RESTORE_TRIGGERS = "carehouse.referrals.tests.test_concurrency.restore_audit_triggers"


@pytest.fixture(scope="module", autouse=True)
def threads_share_a_file_database(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """On SQLite, run these tests against a copy of the test database in a file.

    The test database is in memory, and SQLite's shared cache (how threads see one in-memory
    database) refuses a second writer at once ("database table is locked") instead of making it
    wait as a file database does. In a file, the settings' IMMEDIATE transactions and busy timeout
    apply, as they do in production. PostgreSQL needs nothing.
    """
    connection = connections["default"]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    with django_db_blocker.unblock():
        connection.ensure_connection()
        in_memory = connection.settings_dict["NAME"]
        keep_alive = sqlite3.connect(in_memory, uri=True)  # the in-memory database lives while one is open
        path = tmp_path_factory.mktemp("referrals") / "concurrency.sqlite3"
        copy = sqlite3.connect(path)
        connection.connection.backup(copy)
        copy.close()
        connection.settings_dict["NAME"] = str(path)  # shared with every thread's connection
        connection.close()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            connections.close_all()
            connection.settings_dict["NAME"] = in_memory
            connection.ensure_connection()
            keep_alive.close()


def _put_back_audit_triggers(using: str = "default", **kwargs: Any) -> None:
    post_migrate.disconnect(sender=apps.get_app_config("core"), dispatch_uid=RESTORE_TRIGGERS)
    with connections[using].schema_editor() as editor:
        append_only.backwards(None, editor)
        append_only.forwards(None, editor)


@pytest.fixture(autouse=True)
def flushable_audit_log(transactional_db: None) -> Iterator[None]:
    """Committed tests are emptied afterwards ("flush"), which the audit triggers forbid: lift them
    just for the flush, and put them back when it ends (as ``tests/system/conftest.py`` does)."""
    _put_back_audit_triggers()
    yield
    with connections["default"].schema_editor() as editor:
        append_only.backwards(None, editor)
    post_migrate.connect(
        _put_back_audit_triggers, sender=apps.get_app_config("core"), dispatch_uid=RESTORE_TRIGGERS, weak=False
    )


@pytest.fixture
def wren_actor(voluntary: Organisation) -> Actor:
    """A second member of the walking group's staff, next to Vic."""
    user = UserFactory(email="wren@example.org", full_name="Wren Provider")
    membership = MembershipFactory(user=user, organisation=voluntary, role=Role.PROVIDER_STAFF)
    return Actor.for_membership(membership)


def race(referral: Referral, *moves: Callable[[Referral], Referral]) -> list[Any]:
    """Run the moves on the referral in threads released at the same moment; each one's result or exception."""
    barrier = threading.Barrier(len(moves))
    results: list[Any] = [None] * len(moves)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = moves[index](referral)
        except Exception as error:  # noqa: BLE001 (the test looks at what each one raised)
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(moves))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a thread is stuck"
    return results


def after_sending(referral: Referral) -> list[tuple[str, str, str]]:
    """The referral's status events after the one that sent it: (from, to, party)."""
    events = ReferralEvent.objects.filter(referral=referral).order_by("sequence")
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    status = [(e.from_status, e.to_status, e.party) for e in events if e.kind == EventKind.STATUS]
    assert status[0][:2] == ("draft", "sent")
    return status[1:]


def close(referral: Referral, lena_actor: Actor) -> None:
    """Out of the way, so the next round may refer Mary to the same service again."""
    referral.refresh_from_db()
    if referral.is_open:
        services.transition(lena_actor, referral, S.ENTERED_IN_ERROR)


def test_accept_and_decline_at_once_with_expected_status(make_referral, vic_actor, wren_actor, lena_actor) -> None:
    winners: set[str] = set()
    for _ in range(ROUNDS):
        referral = make_referral()
        results = race(
            referral,
            lambda r: services.transition(vic_actor, r, S.ACCEPTED, expected_status=S.SENT),
            lambda r: services.transition(wren_actor, r, S.REJECTED, expected_status=S.SENT, reason=Reason.NO_CAPACITY),
        )
        won = [r for r in results if isinstance(r, Referral)]
        lost = [r for r in results if not isinstance(r, Referral)]
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], services.ReferralConflict), lost
        assert lost[0].current_status == won[0].status
        referral.refresh_from_db()
        assert referral.status == won[0].status
        assert referral.version == 3  # created, sent, one answer
        assert after_sending(referral) == [("sent", won[0].status, "provider")]
        winners.add(referral.status)
        close(referral, lena_actor)
    assert winners <= {S.ACCEPTED, S.REJECTED}


def test_accept_and_decline_at_once_without_expected_status(make_referral, vic_actor, wren_actor, lena_actor) -> None:
    for _ in range(ROUNDS):
        referral = make_referral()
        results = race(
            referral,
            lambda r: services.transition(vic_actor, r, S.ACCEPTED),
            lambda r: services.transition(wren_actor, r, S.REJECTED, reason=Reason.NO_CAPACITY),
        )
        won = [r for r in results if isinstance(r, Referral)]
        lost = [r for r in results if not isinstance(r, Referral)]
        assert len(won) == 1 and len(lost) == 1, results
        # Accepted cannot become declined, nor declined accepted: the loser's move is impossible now.
        assert isinstance(lost[0], ValidationError), lost
        referral.refresh_from_db()
        assert referral.status == won[0].status
        assert after_sending(referral) == [("sent", won[0].status, "provider")]
        close(referral, lena_actor)


def test_the_service_accepts_as_the_referrer_cancels(make_referral, vic_actor, lena_actor) -> None:
    for _ in range(ROUNDS):
        referral = make_referral()
        results = race(
            referral,
            lambda r: services.transition(vic_actor, r, S.ACCEPTED, expected_status=S.SENT),
            lambda r: services.transition(
                lena_actor, r, S.CANCELLED, expected_status=S.SENT, reason=Reason.WITHDRAWN_BY_REFERRER
            ),
        )
        won = [r for r in results if isinstance(r, Referral)]
        lost = [r for r in results if not isinstance(r, Referral)]
        assert len(won) == 1 and isinstance(lost[0], services.ReferralConflict), results
        referral.refresh_from_db()
        party = "provider" if won[0].status == S.ACCEPTED else "referrer"
        assert after_sending(referral) == [("sent", won[0].status, party)]
        close(referral, lena_actor)


def test_the_same_person_answering_twice_at_once_counts_once(make_referral, vic_actor, lena_actor) -> None:
    """A double click from two tabs: the same move twice; the second is refused, one event."""
    for _ in range(ROUNDS // 2):
        referral = make_referral()
        results = race(referral, *[lambda r: services.transition(vic_actor, r, S.ACCEPTED)] * 2)
        won = [r for r in results if isinstance(r, Referral)]
        lost = [r for r in results if not isinstance(r, Referral)]
        assert len(won) == 1 and isinstance(lost[0], ValidationError), results
        referral.refresh_from_db()
        assert after_sending(referral) == [("sent", "accepted", "provider")]
        close(referral, lena_actor)


def test_two_concurrent_requests_with_one_key_write_one_referral(lena, lena_actor, mary, walks, mary_consent):
    """Really at once: both answers name the same referral, and only one was written."""
    # The audit chain's head row is created by the first audit event ever; make it exist, as it does in use.
    audit.record(lena_actor, AuditAction.READ, summary="Before the race")
    barrier = threading.Barrier(2)
    answers: list[Any] = []

    def send() -> None:
        try:
            client = Api(Client(), lena)
            barrier.wait(timeout=10)
            answers.append(client.post("", body(mary, walks), HTTP_IDEMPOTENCY_KEY="at-once"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answer.status_code for answer in answers) == [200, 201], [a.content for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert Referral.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    assert ReferralEvent.objects.filter(kind=EventKind.CREATED).count() == 1
