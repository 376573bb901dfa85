"""Telling users something: a ``Notification`` they read in the app, and an email that says only where to look.

Emails never carry personal details (an inbox is not a secure channel): the subject and text say
what kind of thing happened and link to the page, where the user signs in to read it. Mail goes
through Django's email framework (the console backend in the demo) once the transaction commits,
so a rolled-back change sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from carehouse.core.models import Notification, Organisation, User


def _absolute(url: str) -> str:
    if not url or url.startswith("http"):
        return url
    return settings.SITE_URL.rstrip("/") + url


def send_email_later(subject: str, lines: Iterable[str], recipients: Sequence[str]) -> None:
    """Send a plain email once the current transaction commits (at once outside one)."""
    to = sorted({address for address in recipients if address})
    if not to:
        return
    body = "\n\n".join(lines)
    transaction.on_commit(lambda: send_mail(subject, body, None, to, fail_silently=False))


def notify(
    users: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    organisation: Organisation | None = None,
    email: bool = True,
) -> list[Notification]:
    """One notification per user, and (``email``) an email to each that has an address.

    ``title`` goes into the email too, so it must not name the person the notification is about.
    """
    now = timezone.now()
    created = [
        Notification(
            user=user,
            organisation=organisation,
            kind=kind,
            title=title[:200],
            body=body,
            url=url,
            emailed_at=now if email and user.email else None,
        )
        for user in {u.pk: u for u in users}.values()
    ]
    Notification.objects.bulk_create(created)
    if email:
        for user in {u.pk: u for u in users}.values():
            send_email_later(
                f"Carehouse: {title}",
                [
                    f"Dear {user.full_name},",
                    title + ".",
                    f"Sign in to Carehouse to read it: {_absolute(url or '/notifications')}",
                    "This email does not contain personal details. Do not reply to it.",
                ],
                [user.email],
            )
    return created


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when no ids are given)."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
