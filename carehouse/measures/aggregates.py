"""CollaboRATE's top score for groups of appointments: never a person, never a single appointment.

CollaboRATE asks the person, after one appointment, how much effort was made to involve them in
decisions. The figure reported is the *top score*: the share of appointments at which every answer
was the highest (``scoring.top_score``). Its authors ask that it is shown only once there are at
least 25 complete appointments (the definition's ``minimum_reportable``), so below that a page says
how many more are needed instead of a figure.

- Staff giving direct care see their organisation's figure (appointments recorded by their
  organisation) and their own (appointments with them).
- Commissioners see one row for each organisation within theirs (their integrated care board's
  networks, practices and trusts), with the 25-appointment rule and the usual disclosure control
  for small numbers as well (``carehouse.core.disclosure``): counts rounded to 5, 1 to 7 hidden,
  and percentages worked out from the rounded figures.

Only completed answers that have not been replaced by a correction count. These figures are not
personal data, but each is computed only over what the role may see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from carehouse.core.actor import Actor
from carehouse.core.disclosure import SUPPRESSED, SafeCount, safe_count, safe_percentage
from carehouse.core.models import Organisation
from carehouse.core.roles import CARE_ROLES, Role
from carehouse.core.rules import require_permission
from carehouse.measures import selectors
from carehouse.measures.definitions import InstrumentDefinition
from carehouse.measures.models import Instrument, MeasureResponse, ResponseStatus, is_corrected
from carehouse.measures.scoring import TopScore, top_score
from carehouse.people.aggregates import organisations_within

COLLABORATE = "collaborate"


def collaborate() -> Instrument | None:
    """The CollaboRATE version in use, or None when its content pack has not been loaded and switched on."""
    instrument = selectors.newest_versions().get(COLLABORATE)
    return instrument if instrument is not None and instrument.can_be_completed else None


def _completed() -> QuerySet[MeasureResponse]:
    """Completed CollaboRATE answers that no correction has replaced (any version)."""
    return MeasureResponse.objects.filter(
        instrument__key=COLLABORATE, status=ResponseStatus.COMPLETED, about_user__isnull=False
    ).exclude(is_corrected())


def _answers(responses: QuerySet[MeasureResponse]) -> list[Mapping[str, Any]]:
    return list(responses.values_list("answers", flat=True))


# -- staff -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffFigure:
    """One top score for staff: a figure once there are enough appointments, otherwise how many more."""

    heading: str
    result: TopScore

    @property
    def text(self) -> str:
        shown = self.result.shown_percent
        if shown is None:
            return (
                f"Not enough answers yet: {self.result.complete} of the {self.result.minimum} needed "
                "before a figure is shown"
            )
        appointments = "appointment" if self.result.complete == 1 else "appointments"
        return f"{shown}% of {self.result.complete} {appointments}: every answer was the highest"


@dataclass(frozen=True)
class StaffExperience:
    organisation: StaffFigure
    mine: StaffFigure


def for_staff(actor: Actor, definition: InstrumentDefinition) -> StaffExperience:
    """The top score of the actor's organisation, and of their own appointments."""
    require_permission(actor, "measures.view_experience")
    if actor.role not in CARE_ROLES or actor.organisation is None or actor.user is None:
        raise PermissionDenied("measures.view_experience")
    completed = _completed()
    organisation = top_score(_answers(completed.filter(organisation=actor.organisation)), definition)
    mine = top_score(_answers(completed.filter(about_user=actor.user)), definition)
    return StaffExperience(
        organisation=StaffFigure(actor.organisation.name, organisation),
        mine=StaffFigure("Your appointments", mine),
    )


# -- commissioners ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFigure:
    """One organisation's row for a commissioner: disclosure-controlled, never an exact small number."""

    organisation: Organisation
    appointments: SafeCount
    reportable: bool
    top_score: str

    @property
    def text(self) -> str:
        if not self.reportable:
            return "Fewer than 25 appointments: no figure yet"
        if self.top_score == SUPPRESSED:
            return "Hidden: too few appointments with every answer the highest"
        return f"{self.top_score} of appointments: every answer was the highest"


@dataclass(frozen=True)
class CommissionerExperience:
    organisations: list[OrganisationFigure]
    total: OrganisationFigure


def _figure(organisation: Organisation, result: TopScore) -> OrganisationFigure:
    return OrganisationFigure(
        organisation=organisation,
        appointments=safe_count(result.complete),
        reportable=result.reportable,
        top_score=safe_percentage(result.top, result.complete) if result.reportable else "",
    )


def _by_organisation(rows: Iterable[tuple[int, Mapping[str, Any]]]) -> dict[int, list[Mapping[str, Any]]]:
    grouped: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for organisation_id, answers in rows:
        grouped[organisation_id].append(answers)
    return grouped


def for_commissioner(actor: Actor, definition: InstrumentDefinition) -> CommissionerExperience:
    """One disclosure-controlled row for each organisation within the commissioner's, and the total."""
    require_permission(actor, "measures.view_experience")
    if actor.role != Role.COMMISSIONER or actor.organisation is None:
        raise PermissionDenied("measures.view_experience")
    within = [o for o in organisations_within(actor.organisation) if o.pk != actor.organisation.pk]
    grouped = _by_organisation(
        _completed().filter(organisation__in=[actor.organisation, *within]).values_list("organisation_id", "answers")
    )
    rows = [
        _figure(organisation, top_score(grouped.get(organisation.pk, []), definition))
        for organisation in sorted(within, key=lambda o: o.name)
    ]
    everything = [answers for answers_list in grouped.values() for answers in answers_list]
    # The total is worked out from the true total, never summed from rounded parts.
    total = _figure(actor.organisation, top_score(everything, definition))
    return CommissionerExperience(rows, total)
