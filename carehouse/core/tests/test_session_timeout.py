"""A session ends after 15 minutes without activity; each request starts the 15 minutes again."""

from __future__ import annotations

import datetime

import time_machine
from django.utils import timezone


def _sign_in(client, priya) -> None:
    response = client.post("/login", {"email": priya.user.email, "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.get("/choose-role").status_code == 302  # one role: chosen straight away
    assert client.get("/start").status_code == 200


def test_fifteen_minutes_without_activity_signs_the_user_out(client, priya):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _sign_in(client, priya)
        clock.move_to(start + datetime.timedelta(minutes=15, seconds=5))
        response = client.get("/start")
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_activity_keeps_the_session_alive(client, priya):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _sign_in(client, priya)
        for minutes in (10, 20, 30, 44):  # 44 minutes in all, never 15 idle
            clock.move_to(start + datetime.timedelta(minutes=minutes))
            assert client.get("/start").status_code == 200
