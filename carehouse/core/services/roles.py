"""Which roles a signed-in user can act in, and which one they chose for this session."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation, User
from carehouse.core.roles import Role

SESSION_ROLE = "carehouse_role"
SESSION_MEMBERSHIP = "carehouse_membership"


@dataclass(frozen=True)
class RoleChoice:
    key: str
    role: Role
    organisation: Organisation | None
    membership: Membership | None

    @property
    def label(self) -> str:
        if self.organisation is not None:
            return f"{self.role.label} at {self.organisation.name}"
        if self.role == Role.PERSON:
            return "Myself: my own record"
        return "Carer: the people I care for"


def role_choices(user: User) -> list[RoleChoice]:
    from carehouse.people.selectors import cares_for_anyone, own_person

    choices = [
        RoleChoice(f"m{m.pk}", Role(m.role), m.organisation, m)
        for m in user.memberships.filter(is_active=True, organisation__is_active=True).select_related("organisation")
    ]
    person = own_person(user)
    if person is not None:
        choices.append(RoleChoice("person", Role.PERSON, person.registered_practice, None))
    if cares_for_anyone(user):
        choices.append(RoleChoice("carer", Role.CARER, None, None))
    return choices


def needs_second_factor(choice: RoleChoice) -> bool:
    return choice.role == Role.ADMINISTRATOR


def choose_role(request: HttpRequest, choice: RoleChoice) -> None:
    request.session[SESSION_ROLE] = choice.role.value
    request.session[SESSION_MEMBERSHIP] = choice.membership.pk if choice.membership else None


def actor_from_session(request: HttpRequest, ip_address: str | None) -> Actor | None:
    user = request.user
    assert isinstance(user, User)
    role_value = request.session.get(SESSION_ROLE)
    if not role_value:
        return None
    role = Role(role_value)
    membership_id = request.session.get(SESSION_MEMBERSHIP)
    if membership_id:
        membership = (
            Membership.objects.select_related("organisation", "user")
            .filter(pk=membership_id, user=user, is_active=True, organisation__is_active=True)
            .first()
        )
        if membership is None or membership.role != role:
            return None
        if role == Role.ADMINISTRATOR and not user.is_verified():  # type: ignore[attr-defined]
            return None
        return Actor.for_membership(membership, ip_address)
    if role == Role.PERSON:
        from carehouse.people.selectors import own_person

        person = own_person(user)
        if person is None:
            return None
        return Actor(user=user, role=role, organisation=person.registered_practice, ip_address=ip_address)
    if role == Role.CARER:
        return Actor(user=user, role=role, ip_address=ip_address)
    return None
