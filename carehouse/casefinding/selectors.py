"""Reading case finding: every query here is scoped to what the actor may see.

- A commissioner sees the runs of their own organisation: their status and aggregate counts
  (shown only through disclosure control), never an invitation.
- Direct-care staff at a GP practice see their own practice's invitations, from the newest
  finished run that has any for it; never another practice's. Reading the list is audited.

A run the actor may not see is "not found" (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from carehouse.casefinding.models import Invitation, RunStatus, StratificationRun
from carehouse.core.actor import Actor
from carehouse.core.models import Organisation, OrganisationType
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import CARE_ROLES, Role
from carehouse.core.rules import has_permission
from carehouse.core.services import audit

PAGE_SIZE = 100


def visible_runs(actor: Actor | None) -> QuerySet[StratificationRun]:
    """The runs of the commissioner's own organisation; none for anyone else."""
    runs = StratificationRun.objects.select_related("created_by", "organisation")
    if actor is None or actor.user is None or actor.role != Role.COMMISSIONER or actor.organisation is None:
        return runs.none()
    if not has_permission(actor, "casefinding.run_stratification"):
        return runs.none()
    return runs.filter(organisation=actor.organisation)


def get_run(actor: Actor | None, run_id: int) -> StratificationRun:
    run = visible_runs(actor).filter(pk=run_id).first()
    if run is None:
        raise Http404("No stratification found")
    return run


def works_at_practice(actor: Actor | None) -> bool:
    return (
        actor is not None
        and actor.role in CARE_ROLES
        and actor.organisation is not None
        and actor.organisation.type == OrganisationType.GP_PRACTICE
    )


def visible_invitations(actor: Actor | None) -> QuerySet[Invitation]:
    """Invitations of finished runs for the actor's own practice; none unless they give direct care there."""
    invitations = Invitation.objects.select_related("person")
    if actor is None or actor.user is None or not works_at_practice(actor):
        return invitations.none()
    if not has_permission(actor, "casefinding.view_invitations"):
        return invitations.none()
    return invitations.filter(practice=actor.organisation, run__status=RunStatus.FINISHED)


@dataclass(frozen=True)
class InvitationList:
    """One page of the practice's list for one cohort of the newest run with invitations for it."""

    run: StratificationRun | None
    cohort_keys: list[str]
    cohort_key: str
    page: Page[Invitation] | None
    total: int


def invitation_list(actor: Actor, *, cohort_key: str = "", page_number: str | int = 1) -> InvitationList:
    """The practice's invitation list; reading a page writes one audit event with how many were shown."""
    invitations = visible_invitations(actor)
    latest = invitations.order_by("-run__finished_at", "-run_id").values_list("run_id", flat=True).first()
    if latest is None:
        return InvitationList(None, [], "", None, 0)
    run = StratificationRun.objects.get(pk=latest)
    of_run = invitations.filter(run_id=latest)
    present = set(of_run.values_list("cohort_key", flat=True).distinct())
    keys = [key for key in run.cohorts if key in present] + sorted(present - set(run.cohorts))
    chosen = cohort_key if cohort_key in keys else keys[0]
    rows = of_run.filter(cohort_key=chosen).order_by("rank", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(page_number)
    audit.record(
        actor,
        AuditAction.READ,
        obj=run,
        summary=f"Viewed the invitation list ({chosen}): {len(page.object_list)} of {page.paginator.count} people",
        changes={"cohort": chosen, "page": page.number, "shown": len(page.object_list)},
    )
    return InvitationList(run, keys, chosen, page, page.paginator.count)


def practice_names(codes: list[str]) -> dict[str, str]:
    """The names of the organisations in Carehouse with these ODS codes (not personal data)."""
    return dict(Organisation.objects.filter(ods_code__in=[c for c in codes if c]).values_list("ods_code", "name"))
