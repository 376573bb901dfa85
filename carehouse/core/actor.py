"""Who is acting: a user in one role, usually on behalf of one organisation.

Every service function takes an ``Actor``; it decides what may be seen and it is what
the audit log records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from carehouse.core.roles import CARE_ROLES, STAFF_ROLES, Role

if TYPE_CHECKING:
    from carehouse.core.models import Membership, Organisation, User


@dataclass(frozen=True)
class Actor:
    user: User | None
    role: Role | None
    organisation: Organisation | None = None
    membership: Membership | None = None
    ip_address: str | None = None
    purpose: str = field(default="")
    #: Set only by the referral email-link view, once the link's signature is checked: the one
    #: referral a service without Carehouse accounts may answer (``referrals.links``).
    via_referral_link: int | None = None

    @classmethod
    def system(cls, purpose: str = "system") -> Actor:
        """The system itself (scheduled jobs, seeding), recorded as such in the audit log."""
        return cls(user=None, role=None, purpose=purpose)

    @classmethod
    def for_membership(cls, membership: Membership, ip_address: str | None = None) -> Actor:
        return cls(
            user=membership.user,
            role=Role(membership.role),
            organisation=membership.organisation,
            membership=membership,
            ip_address=ip_address,
        )

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def gives_direct_care(self) -> bool:
        return self.role in CARE_ROLES

    @property
    def label(self) -> str:
        if self.user is None:
            return "System"
        role = self.role.label if self.role else "No role"
        where = f" at {self.organisation.name}" if self.organisation else ""
        return f"{self.user.full_name}, {role}{where}"
