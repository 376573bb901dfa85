"""Notifications: what the app tells a user, shown in the app and (without personal details) by email."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from carehouse.core.models.organisations import Organisation


class Notification(models.Model):
    """One message to one user, read in the app under "Notifications"."""

    contains_personal_data: ClassVar[bool] = True

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The organisation the user works for in this notification; empty for people and carers",
    )
    kind = models.CharField(max_length=40, help_text="What it is about, for example referral_closed")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, help_text="Shown in the app only; never emailed")
    url = models.CharField(max_length=300, blank=True, help_text="Where to go to act on it")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.title
