"""The demo: a synthetic extract of the demo's practices, stratified by the demo commissioner, with lists for practices."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from carehouse.casefinding.demo_data import EXTRACT_NAME
from carehouse.casefinding.models import Invitation, RunStatus, StratificationRun
from carehouse.conftest import sign_in
from carehouse.core import demo_data
from carehouse.core.models import Membership
from carehouse.core.roles import Role

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_finished_run_and_a_list_for_the_demo_practitioner(client):
    demo_data.seed(people=30, seed_value=3)
    run = StratificationRun.objects.get()
    assert run.status == RunStatus.FINISHED, run.error
    assert run.organisation.ods_code == "QRV"
    assert run.created_by.email == "commissioner@example.org"
    assert run.summary["people"] >= 990
    assert (Path(settings.POPULATION_EXTRACTS_DIR) / EXTRACT_NAME / "persons.parquet").exists()
    assert run.invitations_elsewhere == 0  # every row is at a demo practice
    matched = Invitation.objects.filter(person__isnull=False)
    assert matched.exists()  # the demo's own people are on the lists
    assert all(i.person.registered_practice_id == i.practice_id for i in matched.select_related("person"))

    priya = Membership.objects.select_related("user").get(user__email="practitioner@example.org")
    sign_in(client, priya.user, role=Role.PRACTITIONER, membership=priya)
    page = client.get("/case-finding/invitations").content.decode()
    assert "Send a preparation pack" in page

    alex = Membership.objects.select_related("user").get(user__email="commissioner@example.org")
    sign_in(client, alex.user, role=Role.COMMISSIONER, membership=alex)
    page = client.get(f"/case-finding/{run.pk}").content.decode()
    assert "Results" in page
    assert "Riverside Medical Centre (Y99001)" in page
    assert f'<option value="{EXTRACT_NAME}"' in client.get("/case-finding/").content.decode()
