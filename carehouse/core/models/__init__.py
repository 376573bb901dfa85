from carehouse.core.models.audit import AuditChainHead, AuditEvent
from carehouse.core.models.jobs import Job
from carehouse.core.models.notifications import Notification
from carehouse.core.models.organisations import Organisation, OrganisationType
from carehouse.core.models.users import ApiToken, LoginFailure, Membership, User

__all__ = [
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Job",
    "LoginFailure",
    "Membership",
    "Notification",
    "Organisation",
    "OrganisationType",
    "User",
]
