"""Presenters: what a page shows, worked out in Python so that templates hold no logic."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from carehouse.core.actor import Actor
from carehouse.core.models import AuditEvent, Job, Membership, Organisation, User
from carehouse.core.roles import CARE_ROLES, Role

if TYPE_CHECKING:
    from carehouse.careplans.aggregates import PlanQuality
    from carehouse.people.aggregates import PopulationSummary


class StartPagePresenter:
    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    @property
    def heading(self) -> str:
        if self.actor.user is None:
            return "Carehouse"
        return f"Hello {self.actor.user.get_short_name()}"

    @property
    def organisation_name(self) -> str:
        return self.actor.organisation.name if self.actor.organisation else ""

    @cached_property
    def people_in_care_count(self) -> int:
        from carehouse.people.selectors import visible_people

        if self.actor.role not in CARE_ROLES:
            return 0
        return visible_people(self.actor).count()

    @cached_property
    def cared_for_count(self) -> int:
        from carehouse.people.selectors import visible_people

        return visible_people(self.actor).count() if self.actor.role == Role.CARER else 0

    @cached_property
    def colleagues(self) -> list[Membership]:
        if self.actor.organisation is None:
            return []
        return list(
            Membership.objects.filter(organisation=self.actor.organisation, is_active=True).select_related("user")
        )

    @cached_property
    def population(self) -> PopulationSummary | None:
        from carehouse.people.aggregates import registered_population_by_practice

        if self.actor.role != Role.COMMISSIONER:
            return None
        return registered_population_by_practice(self.actor)

    @cached_property
    def preparation_packs(self) -> list[dict[str, str]]:
        """Links to the person's preparation packs still waiting for their answers."""
        from carehouse.careplans.presenters_person import pack_link
        from carehouse.careplans.selectors_person import unanswered_packs

        if self.actor.role != Role.PERSON:
            return []
        return [pack_link(pack) for pack in unanswered_packs(self.actor)]

    @cached_property
    def questionnaires_waiting(self) -> str:
        """ "You have 2 questionnaires to answer", for the person, or "" when none is waiting."""
        from carehouse.measures.selectors import count_waiting_for_me

        if self.actor.role != Role.PERSON:
            return ""
        count = count_waiting_for_me(self.actor)
        if count == 0:
            return ""
        return f"You have {count} questionnaire{'' if count == 1 else 's'} to answer"

    @cached_property
    def plan_quality(self) -> PlanQuality | None:
        from carehouse.careplans.aggregates import five_criteria

        if self.actor.role != Role.COMMISSIONER:
            return None
        return five_criteria(self.actor)

    @cached_property
    def admin_counts(self) -> dict[str, int]:
        if self.actor.role != Role.ADMINISTRATOR:
            return {}
        return {
            "organisations": Organisation.objects.count(),
            "users": User.objects.filter(is_active=True).count(),
            "audit_events": AuditEvent.objects.count(),
        }

    @cached_property
    def recent_jobs(self) -> list[Job]:
        if self.actor.role != Role.ADMINISTRATOR:
            return []
        return list(Job.objects.all()[:5])
