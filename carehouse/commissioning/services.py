"""Writes for commissioning: every one checks permission and leaves an audit record in the same transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.rules import require_permission
from carehouse.core.services import audit


def queue_refresh(actor: Actor) -> None:
    """Ask the job worker to work the figures out again now."""
    from carehouse.commissioning.tasks import refresh_figures_now

    require_permission(actor, "commissioning.refresh_figures")
    with transaction.atomic():
        audit.record(actor, AuditAction.CREATE, summary="Asked for the commissioning figures to be worked out again")
        transaction.on_commit(refresh_figures_now.enqueue)


def link_extract(actor: Actor, extract_dir: Path) -> LinkSummary:
    """Link a population extract to Carehouse records: replace matched people's profiles and hospital activity.

    ``actor`` is the system (the ``commissioning_link`` command, the demo) or someone who may
    refresh the figures; a member of an organisation links only people registered at practices
    within it. One transaction, one audit record holding counts only.
    """
    from carehouse.commissioning.linkage import read_extract
    from carehouse.commissioning.models import HospitalActivity, PersonProfile
    from carehouse.people.aggregates import organisations_within
    from carehouse.people.models import Person

    if actor.user is not None:
        require_permission(actor, "commissioning.refresh_figures")
    extract = read_extract(extract_dir)
    people = Person.objects.filter(nhs_number__in=list(extract.persons))
    if actor.organisation is not None:
        people = people.filter(registered_practice__in=[org.pk for org in organisations_within(actor.organisation)])
    matched = dict(people.values_list("nhs_number", "pk"))
    segments = _latest_segments(extract_dir.name, list(matched.values()))
    profiles = [
        PersonProfile(
            person_id=person_id,
            imd_decile=extract.persons[number].imd_decile,
            ltc_count=extract.persons[number].ltc_count,
            segment=segments.get(person_id, "")[:60],
            as_at=extract.as_at,
            extract_name=extract_dir.name[:200],
        )
        for number, person_id in sorted(matched.items())
    ]
    activity = [
        HospitalActivity(person_id=person_id, setting=setting, month=month, count=count, bed_days=bed_days)
        for number, person_id in sorted(matched.items())
        for (setting, month), (count, bed_days) in sorted(extract.activity.get(number, {}).items())
    ]
    summary = LinkSummary(
        extract_name=extract_dir.name,
        as_at=extract.as_at,
        persons_in_extract=extract.persons_used,
        matched=len(matched),
        activity_rows=len(activity),
        duplicate_numbers=extract.duplicate_numbers,
    )
    with transaction.atomic():
        ids = list(matched.values())
        HospitalActivity.objects.filter(person_id__in=ids).delete()
        PersonProfile.objects.filter(person_id__in=ids).delete()
        PersonProfile.objects.bulk_create(profiles, batch_size=5_000)
        HospitalActivity.objects.bulk_create(activity, batch_size=5_000)
        audit.record(
            actor,
            AuditAction.UPDATE,
            summary=f"Linked population extract {extract_dir.name[:100]} to Carehouse records",
            changes=summary.counts(),
        )
    return summary


@dataclass(frozen=True)
class LinkSummary:
    """What a linkage did, in counts only."""

    extract_name: str
    as_at: datetime.date
    persons_in_extract: int
    matched: int
    activity_rows: int
    duplicate_numbers: int

    def counts(self) -> dict[str, int | str]:
        return {
            "extract": self.extract_name,
            "as_at": self.as_at.isoformat(),
            "persons_in_extract": self.persons_in_extract,
            "matched": self.matched,
            "activity_rows": self.activity_rows,
            "duplicate_nhs_numbers_not_linked": self.duplicate_numbers,
        }


def _latest_segments(extract_name: str, person_ids: list[int]) -> dict[int, str]:
    """Each person's segment on the newest finished stratification run of this extract, where they were listed."""
    from carehouse.casefinding.models import Invitation, RunStatus, StratificationRun

    run = (
        StratificationRun.objects.filter(extract_name=extract_name, status=RunStatus.FINISHED)
        .order_by("-finished_at", "-pk")
        .first()
    )
    if run is None or not person_ids:
        return {}
    found: dict[int, str] = {}
    rows = Invitation.objects.filter(run=run, person_id__in=person_ids).order_by("rank", "pk")
    for person_id, segment in rows.values_list("person_id", "segment"):
        if person_id is not None:
            found.setdefault(person_id, segment)
    return found
