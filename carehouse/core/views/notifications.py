"""The signed-in user's notifications: newest first, unread in bold; opening the page marks nothing read."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from carehouse.core.models import Notification, User
from carehouse.core.selectors_notifications import notifications_for
from carehouse.core.services.notifications import mark_read, unread_count

PER_PAGE = 50


def _when(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _signed_in_user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _line(notification: Notification) -> dict[str, Any]:
    # Only links within Carehouse: a notification's link is never allowed to point elsewhere.
    url = notification.url if notification.url.startswith("/") and not notification.url.startswith("//") else ""
    return {
        "id": notification.pk,
        "title": notification.title,
        "body": notification.body,
        "href": url,
        "when": _when(notification.created_at),
        "unread": notification.read_at is None,
    }


@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    if user is None:
        return redirect(f"/login?next={request.path}")
    page = Paginator(notifications_for(user), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "lines": [_line(notification) for notification in page],
        "newer_href": f"?page={page.previous_page_number()}" if page.has_previous() else "",
        "older_href": f"?page={page.next_page_number()}" if page.has_next() else "",
        "unread": unread_count(user),
    }
    return render(request, "core/notifications.jinja", context)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    if user is None:
        return redirect(f"/login?next={request.path}")
    count = mark_read(user)
    if count:
        messages.info(request, "All your notifications are marked as read.")
    return redirect("core:notifications")
