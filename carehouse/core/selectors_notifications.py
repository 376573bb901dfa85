"""Reading notifications: a user sees only their own, by construction."""

from __future__ import annotations

from django.db.models import QuerySet

from carehouse.core.models import Notification, User


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")
