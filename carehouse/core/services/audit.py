"""Writing and checking the audit log.

``record`` is called by every service function that reads or writes personal data, inside
the same transaction as the change it describes, so a change and its audit row are
committed together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction, AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def _digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _jsonable(value: Any) -> Any:
    """Changes are stored as text so that their hash survives any database's JSON type."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, bool, int)):
        return value
    return str(value)


def record(
    actor: Actor,
    action: AuditAction,
    *,
    obj: models.Model | None = None,
    person_id: int | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    purpose: str = "",
) -> AuditEvent:
    """Append one event to the audit log, chained to the one before it."""
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            # The very first event: two writers may both find no head; one creation wins, the other waits for it.
            try:
                with transaction.atomic():
                    AuditChainHead.objects.create(pk=1, sequence=0, hash=GENESIS_HASH)
            except IntegrityError:
                pass
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        user = actor.user
        event = AuditEvent(
            sequence=head.sequence + 1,
            occurred_at=timezone.now(),
            actor_user_id=user.pk if user is not None else None,
            actor_email=user.email if user is not None else "",
            actor_role=actor.role.value if actor.role else ("" if user is not None else "system"),
            actor_organisation=actor.organisation.ods_code if actor.organisation else "",
            action=action.value,
            object_type=obj._meta.label if obj is not None else "",
            object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
            person_id=person_id,
            purpose=purpose or actor.purpose,
            summary=summary[:300],
            changes=_jsonable(changes or {}),
            ip_address=actor.ip_address,
            previous_hash=head.hash,
            hash="",
        )
        event.hash = _digest(event.hashed_content())
        event.save()
        AuditChainHead.objects.filter(pk=1).update(sequence=event.sequence, hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    problem: str


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def iter_verify(batch_size: int = 2000) -> Iterator[tuple[int, int, list[ChainProblem]]]:
    """Walk the chain in order; yield (checked so far, total, problems found in this batch)."""
    total = AuditEvent.objects.count()
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    last_sequence = 0
    while True:
        batch = list(AuditEvent.objects.filter(sequence__gt=last_sequence).order_by("sequence")[:batch_size])
        if not batch:
            break
        problems: list[ChainProblem] = []
        for event in batch:
            if event.sequence != expected_sequence:
                problems.append(
                    ChainProblem(event.sequence, f"events {expected_sequence} to {event.sequence - 1} are missing")
                )
            if event.previous_hash != previous_hash:
                problems.append(ChainProblem(event.sequence, "does not follow on from the event before it"))
            if _digest(event.hashed_content()) != event.hash:
                problems.append(ChainProblem(event.sequence, "its content has been changed"))
            previous_hash = event.hash
            expected_sequence = event.sequence + 1
            last_sequence = event.sequence
            checked += 1
        yield checked, total, problems
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence != last_sequence or head.hash != previous_hash):
        yield checked, total, [ChainProblem(head.sequence, "the newest events have been removed")]


def verify() -> VerifyResult:
    problems: list[ChainProblem] = []
    checked = 0
    for done, _total, found in iter_verify():
        checked = done
        problems.extend(found)
    return VerifyResult(checked=checked, problems=problems)
