"""The notifications page: each user's own, newest first, unread in bold, marked read only when they ask."""

from __future__ import annotations

import datetime
from html import unescape

from django.test import Client
from django.utils import timezone

from carehouse.core.models import Notification
from carehouse.core.selectors_notifications import notifications_for


def _make(user, title, *, minutes_ago=0, url="/start", read=False):
    notification = Notification.objects.create(user=user, kind="test", title=title, url=url)
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        read_at=timezone.now() if read else None,
    )
    return notification


def test_a_user_sees_only_their_own_notifications_newest_first(client, lena, vic, signed_in):
    _make(lena.user, "Older news", minutes_ago=30, read=True)
    _make(lena.user, "Newest news", minutes_ago=1, url="/referrals/1")
    _make(vic.user, "Vic's private news")
    response = signed_in(client, lena).get("/notifications")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "<title>Notifications - Carehouse</title>" in html
    assert "Vic's private news" not in html
    assert html.index("Newest news") < html.index("Older news")
    assert '<strong><span class="nhsuk-u-visually-hidden">Unread: </span>' in html
    assert html.count("Unread: ") == 1
    assert '<a href="/referrals/1">Newest news</a>' in html
    assert "You have 1 unread notification." in html
    assert [n.title for n in notifications_for(lena.user)] == ["Newest news", "Older news"]


def test_opening_the_page_marks_nothing_read(client, lena, signed_in):
    notification = _make(lena.user, "Something happened")
    signed_in(client, lena).get("/notifications")
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_as_read_marks_only_the_users_own(client, lena, vic, signed_in):
    mine = [_make(lena.user, "One"), _make(lena.user, "Two")]
    theirs = _make(vic.user, "Not yours")
    browser = signed_in(client, lena)
    assert browser.get("/notifications/read").status_code == 405
    response = browser.post("/notifications/read")
    assert response.status_code == 302 and response["Location"] == "/notifications"
    assert all(Notification.objects.get(pk=n.pk).read_at is not None for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    html = unescape(browser.get("/notifications").content.decode())
    assert "All your notifications are marked as read." in html
    assert "You have no unread notifications." in html and "Mark all as read" not in html


def test_mark_all_as_read_needs_the_csrf_token(lena, signed_in):
    notification = _make(lena.user, "One")
    browser = signed_in(Client(enforce_csrf_checks=True), lena)
    assert browser.post("/notifications/read").status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_header_shows_the_unread_count(client, lena, signed_in):
    _make(lena.user, "One")
    _make(lena.user, "Two")
    _make(lena.user, "Three", read=True)
    browser = signed_in(client, lena)
    html = unescape(browser.get("/start").content.decode())
    assert "Notifications (2)" in html and 'href="/notifications"' in html
    browser.post("/notifications/read")
    assert "Notifications (0)" in unescape(browser.get("/start").content.decode())


def test_links_only_go_within_carehouse(client, lena, signed_in):
    _make(lena.user, "Odd link", url="javascript:alert(1)")
    _make(lena.user, "Other site", url="//evil.example.org/x")
    html = signed_in(client, lena).get("/notifications").content.decode()
    assert "javascript:" not in html and "evil.example.org" not in html
    assert "Odd link" in html


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/notifications")
    assert response.status_code == 302 and response["Location"].startswith("/login")
    assert client.post("/notifications/read").status_code == 302
