"""Preparation packs: sent by staff, opened and answered by the person, the answers kept as a draft first."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from carehouse.careplans.models import PreparationPack
from carehouse.careplans.pathways import TEMPLATES
from carehouse.careplans.services import preparation
from carehouse.careplans.tests.conftest import in_days
from carehouse.conftest import sign_in
from carehouse.core.models import AuditEvent
from carehouse.core.roles import Role


def send_data(**overrides: str) -> dict[str, str]:
    conversation = in_days(14)
    taken = timezone.localdate() - datetime.timedelta(days=7)
    data = {
        "template": "diabetes",
        "prompts": "What would you like to talk about?\n\nHow are your feet?\n",
        "conversation_on_day": str(conversation.day),
        "conversation_on_month": str(conversation.month),
        "conversation_on_year": str(conversation.year),
        "message": "Please bring your blood glucose diary.",
        "result_1_name": "HbA1c",
        "result_1_value": "52",
        "result_1_unit": "mmol/mol",
        "result_1_taken_on_day": str(taken.day),
        "result_1_taken_on_month": str(taken.month),
        "result_1_taken_on_year": str(taken.year),
        "result_1_note": "A little higher than last time",
        "result_2_name": "Blood pressure",
        "result_2_value": "128/80",
    }
    data.update(overrides)
    return data


@pytest.fixture
def pack(staff, mary) -> PreparationPack:
    return preparation.send_preparation_pack(
        staff,
        mary,
        template="diabetes",
        conversation_on=in_days(14),
        results=[{"name": "HbA1c", "value": "52", "unit": "mmol/mol", "taken_on": "2026-01-05"}],
        prompts=["What would you like to talk about?", "How are your feet?"],
    )


def answer(client, pack, first: str, second: str = "", *, send: bool, version=None):
    """Post answers to the pack's two questions, to send them or to save them for later.

    The version is the one the page was opened at: the pack's current one unless given.
    """
    version = pack.version if version is None else version
    data = {"version": str(version), "answer_1": first, "answer_2": second, "send": "yes" if send else "no"}
    return client.post(f"/careplans/preparation/{pack.pk}", data)


# Sending -----------------------------------------------------------------------------------------


def test_the_send_page_fills_in_the_templates_questions_and_suggests_its_results(as_priya, mary):
    response = as_priya.get(f"/careplans/preparation/send/{mary.pk}?template=copd")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    for prompt in TEMPLATES["copd"].preparation_prompts:
        assert prompt in html
    assert "Spirometry (FEV1)" in html
    assert 'name="template" value="copd"' in html


def test_staff_send_a_pack_with_results_and_questions(as_priya, mary, priya):
    response = as_priya.post(f"/careplans/preparation/send/{mary.pk}", send_data())
    assert response.status_code == 302
    pack = PreparationPack.objects.get(person=mary)
    assert response["Location"] == f"/careplans/preparation/{pack.pk}"
    assert pack.template == "diabetes"
    assert pack.prompts == ["What would you like to talk about?", "How are your feet?"]
    assert pack.answers == ["", ""]
    assert pack.conversation_on == in_days(14)
    assert pack.created_by == priya.user
    assert pack.organisation == priya.organisation
    assert pack.results[0] == {
        "name": "HbA1c",
        "value": "52",
        "unit": "mmol/mol",
        "taken_on": (timezone.localdate() - datetime.timedelta(days=7)).isoformat(),
        "note": "A little higher than last time",
    }
    assert pack.results[1]["name"] == "Blood pressure"
    assert len(pack.results) == 2
    page = unescape(as_priya.get(response["Location"]).content.decode())
    assert "Preparation pack" in page
    assert "HbA1c" in page
    assert "has not sent their answers yet" in page


def test_a_result_without_a_value_is_refused_with_the_typing_kept(as_priya, mary):
    response = as_priya.post(
        f"/careplans/preparation/send/{mary.pk}", send_data(result_2_value="", result_2_unit="mmHg")
    )
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "Enter result 2, or clear the row" in html
    assert 'href="#id_result_2_value"' in html
    assert 'value="Blood pressure"' in html
    assert "Please bring your blood glucose diary." in html
    assert not PreparationPack.objects.exists()


def test_a_conversation_date_in_the_past_is_refused(as_priya, mary):
    past = timezone.localdate() - datetime.timedelta(days=1)
    response = as_priya.post(
        f"/careplans/preparation/send/{mary.pk}",
        send_data(
            conversation_on_day=str(past.day),
            conversation_on_month=str(past.month),
            conversation_on_year=str(past.year),
        ),
    )
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "The conversation date must be today or in the future" in html
    assert 'href="#id_conversation_on_day"' in html
    assert not PreparationPack.objects.exists()


def test_another_practice_cannot_send_a_pack(client, signed_in, omar, mary):
    signed_in(client, omar)
    assert client.get(f"/careplans/preparation/send/{mary.pk}").status_code == 404
    assert client.post(f"/careplans/preparation/send/{mary.pk}", send_data()).status_code == 404
    assert not PreparationPack.objects.exists()


def test_the_person_cannot_send_packs(as_mary, mary):
    assert as_mary.post(f"/careplans/preparation/send/{mary.pk}", send_data()).status_code == 403


# Reading and answering ----------------------------------------------------------------------------------


def test_the_person_opens_the_pack_and_it_is_marked_viewed(as_mary, pack):
    assert pack.viewed_at is None
    response = as_mary.get(f"/careplans/preparation/{pack.pk}")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Your results" in html
    assert "Things to think about before your appointment" in html
    assert "HbA1c" in html and "52 mmol/mol" in html
    assert 'name="answer_1"' in html and 'name="answer_2"' in html
    assert "Save and come back later" in html and "Send my answers" in html
    pack.refresh_from_db()
    assert pack.viewed_at is not None
    assert AuditEvent.objects.filter(summary="Opened a preparation pack", object_id=str(pack.pk)).count() == 1
    as_mary.get(f"/careplans/preparation/{pack.pk}")
    first_viewed = pack.viewed_at
    pack.refresh_from_db()
    assert pack.viewed_at == first_viewed


def test_answers_are_saved_as_a_draft_then_sent(as_mary, signed_in, priya, pack):
    as_mary.get(f"/careplans/preparation/{pack.pk}")
    pack.refresh_from_db()
    saved = answer(as_mary, pack, "My feet are sore", send=False)
    assert saved.status_code == 302
    pack.refresh_from_db()
    assert pack.answers == ["My feet are sore", ""]
    assert pack.completed_at is None
    page = unescape(as_mary.get(f"/careplans/preparation/{pack.pk}").content.decode())
    assert "My feet are sore" in page
    assert "Your answers have been saved" in page

    # Staff do not see answers that have not been sent.
    staff_client = Client()
    signed_in(staff_client, priya)
    assert "My feet are sore" not in staff_client.get(f"/careplans/preparation/{pack.pk}").content.decode()

    sent = answer(as_mary, pack, "My feet are sore", "Walking more", send=True)
    assert sent.status_code == 302
    pack.refresh_from_db()
    assert pack.answers == ["My feet are sore", "Walking more"]
    assert pack.completed_at is not None
    staff_page = unescape(staff_client.get(f"/careplans/preparation/{pack.pk}").content.decode())
    assert "My feet are sore" in staff_page and "Walking more" in staff_page
    assert "Answered on" in staff_page


def test_sending_no_answers_at_all_is_refused(as_mary, pack):
    response = answer(as_mary, pack, "", send=True)
    assert response.status_code == 400
    assert "Answer at least one question before you send your answers" in unescape(response.content.decode())
    pack.refresh_from_db()
    assert pack.completed_at is None


def test_answers_from_an_old_page_are_not_lost_or_saved_over_newer_ones(as_mary, pack):
    old_version = str(pack.version)
    answer(as_mary, pack, "From the first window", send=False, version=old_version)
    response = answer(as_mary, pack, "From the second window", send=False, version=old_version)
    assert response.status_code == 409
    html = unescape(response.content.decode())
    assert "From the second window" in html  # the typing is kept
    pack.refresh_from_db()
    assert pack.answers[0] == "From the first window"
    assert f'name="version" value="{pack.version}"' in html


def test_staff_cannot_answer_for_the_person(as_priya, pack):
    response = answer(as_priya, pack, "x", send=True)
    assert response.status_code == 403
    pack.refresh_from_db()
    assert pack.answers == ["", ""]


def test_staff_opening_the_pack_does_not_mark_it_viewed(as_priya, pack):
    assert as_priya.get(f"/careplans/preparation/{pack.pk}").status_code == 200
    pack.refresh_from_db()
    assert pack.viewed_at is None


def test_packs_are_not_found_for_another_practice_or_a_carer(client, signed_in, omar, carer_user, carer_consent, pack):
    signed_in(client, omar)
    assert client.get(f"/careplans/preparation/{pack.pk}").status_code == 404
    sign_in(client, carer_user, role=Role.CARER)
    assert client.get(f"/careplans/preparation/{pack.pk}").status_code == 404


def test_the_person_lists_their_packs(as_mary, pack):
    response = as_mary.get("/careplans/preparation/mine")
    assert response.status_code == 200
    assert f'href="/careplans/preparation/{pack.pk}"' in response.content.decode()
