"""The person's measures pages: answering a questionnaire (whole or one question at a time), results, trends.

Mary answers a PHQ-9 Priya has sent her (``phq9_sent``). What is checked is what Mary sees and
what is stored: a problem shows the page again with her typing and the message beside the
question, and stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from carehouse.core.actor import Actor
from carehouse.core.models import Membership, Organisation
from carehouse.core.tests.factories import UserFactory
from carehouse.measures.models import Instrument, MeasureAlert, MeasureResponse, MeasureScore, Timepoint
from carehouse.measures.services import responses
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

MILD = {**{str(n): "1" for n in range(1, 9)}, "9": "0"}  # total 8: Mild, item 9 not raised


def answer_url(response: MeasureResponse, question: int | str | None = None) -> str:
    url = reverse("measures:answer", kwargs={"response_id": response.pk})
    return f"{url}?question={question}" if question is not None else url


def page(client: Client, url: str) -> str:
    result = client.get(url)
    assert result.status_code == 200
    return result.content.decode()


def checked(html: str, name: str) -> list[str]:
    """The values of the radios called ``name`` that are selected on the page."""
    return re.findall(rf'<input[^>]*name="{re.escape(name)}" type="radio" value="([^"]*)" checked', html)


def error_beside(html: str, field_id: str) -> str:
    """The error message shown with one question: the NHS.UK error message its fieldset is described by."""
    assert f'aria-describedby="{field_id}-error"' in html
    message = re.search(
        rf'<span class="nhsuk-error-message" id="{field_id}-error"\s*>\s*'
        r'<span class="nhsuk-u-visually-hidden">Error: </span>([^<]*)</span>',
        html,
    )
    assert message is not None, f"no error beside {field_id}"
    return message.group(1).strip()


def summary_links(html: str) -> list[tuple[str, str]]:
    """The error summary's links: (where each goes, what it says)."""
    return [(href, text.strip()) for href, text in re.findall(r'<a href="(#[^"]*)"\s*>\s*([^<]*)</a>', html)]


def post(
    client: Client,
    response: MeasureResponse,
    data: dict[str, str],
    *,
    action: str,
    version: int | None = None,
    question: int | str | None = None,
) -> HttpResponse:
    response.refresh_from_db()
    fields = {**data, "action": action, "version": str(response.version if version is None else version)}
    return client.post(answer_url(response, question), fields)


# -- answering on one page -------------------------------------------------------------------------


def test_the_questionnaire_shows_the_phq9_questions_and_answers(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    html = page(as_mary, answer_url(phq9_sent))
    definition = phq9_sent.instrument.parsed
    assert definition.preamble in html
    for item in definition.items:
        assert item.text in html
    assert "Little interest or pleasure in doing things" in html
    assert "Nearly every day" in html
    assert f'name="version" value="{phq9_sent.version}"' in html
    assert "Send my answers" in html and "Save and come back later" in html
    assert "Priya Practitioner at Test Medical Centre" in html


def test_saving_keeps_the_answers_and_raises_the_version(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    before = phq9_sent.version
    result = post(as_mary, phq9_sent, {"1": "2", "2": "1"}, action="save")
    assert result.status_code == 302
    assert result["Location"] == reverse("measures:mine")
    phq9_sent.refresh_from_db()
    assert phq9_sent.answers == {"1": 2, "2": 1}
    assert phq9_sent.version == before + 1
    assert not phq9_sent.is_completed
    assert not MeasureScore.objects.filter(response=phq9_sent).exists()


def test_coming_back_shows_the_saved_answers(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    post(as_mary, phq9_sent, {"1": "2", "3": "3"}, action="save")
    html = page(as_mary, answer_url(phq9_sent))
    assert checked(html, "1") == ["2"]
    assert checked(html, "3") == ["3"]
    assert checked(html, "2") == []
    mine = page(as_mary, reverse("measures:mine"))
    assert "Started" in mine and "Continue answering" in mine


def test_sending_with_a_missing_answer_stores_nothing(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    answers = {key: value for key, value in MILD.items() if key != "4"}
    result = post(as_mary, phq9_sent, answers, action="send")
    assert result.status_code == 400
    html = result.content.decode()
    assert error_beside(html, "id_4") == "Select an answer for question 4"
    assert summary_links(html) == [("#id_4", "Select an answer for question 4")]
    assert checked(html, "1") == ["1"]  # what was chosen is still chosen
    phq9_sent.refresh_from_db()
    assert not phq9_sent.is_completed
    assert phq9_sent.answers == {}
    assert not MeasureScore.objects.filter(response=phq9_sent).exists()


def test_an_answer_that_is_not_offered_is_refused(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    version = phq9_sent.version
    result = post(as_mary, phq9_sent, {**MILD, "2": "7"}, action="send")
    assert result.status_code == 400
    html = result.content.decode()
    assert error_beside(html, "id_2").startswith("Select one of the answers given for 2.")
    assert checked(html, "3") == ["1"]
    phq9_sent.refresh_from_db()
    assert (phq9_sent.answers, phq9_sent.version, phq9_sent.is_completed) == ({}, version, False)
    assert not MeasureScore.objects.filter(response=phq9_sent).exists()


def test_a_save_from_an_old_page_keeps_the_typing_and_gives_the_new_version(
    as_mary: Client, mary_actor: Actor, phq9_sent: MeasureResponse
) -> None:
    opened_at = phq9_sent.version
    responses.save_draft(mary_actor, phq9_sent, {"1": "3"}, expected_version=opened_at)  # another window
    result = post(as_mary, phq9_sent, {"1": "0", "2": "2"}, action="save", version=opened_at)
    assert result.status_code == 409
    html = result.content.decode()
    assert "changed somewhere else" in html
    assert checked(html, "1") == ["0"] and checked(html, "2") == ["2"]  # Mary's typing, not the saved answer
    assert f'name="version" value="{opened_at + 1}"' in html
    phq9_sent.refresh_from_db()
    assert phq9_sent.answers == {"1": 3}
    # Saving again from the page shown now works.
    again = post(as_mary, phq9_sent, {"1": "0", "2": "2"}, action="save", version=opened_at + 1)
    assert again.status_code == 302
    phq9_sent.refresh_from_db()
    assert phq9_sent.answers == {"1": 0, "2": 2}


def test_sending_scores_the_answers_and_shows_the_results(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    result = post(as_mary, phq9_sent, MILD, action="send")
    assert result.status_code == 302
    assert result["Location"] == answer_url(phq9_sent)
    phq9_sent.refresh_from_db()
    assert phq9_sent.is_completed
    assert [(s.code, int(s.value), s.band) for s in MeasureScore.objects.filter(response=phq9_sent)] == [
        ("total", 8, "Mild")
    ]
    assert not MeasureAlert.objects.filter(response=phq9_sent).exists()
    html = page(as_mary, answer_url(phq9_sent))
    assert "Thank you. Your answers have been sent to Test Medical Centre." in html
    assert "You sent these answers on" in html
    assert "8 out of 27: Mild" in html
    assert "Get help now if you need it" not in html
    assert 'name="action"' not in html  # no form once sent
    mine = page(as_mary, reverse("measures:mine"))
    assert "You have no questionnaires to answer." in mine
    assert "8 out of 27: Mild" in mine
    assert reverse("measures:my_trend", kwargs={"key": "phq9"}) in mine


def test_posting_to_sent_answers_changes_nothing(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    post(as_mary, phq9_sent, MILD, action="send")
    result = post(as_mary, phq9_sent, {**MILD, "1": "3"}, action="send")
    assert result.status_code == 302
    assert MeasureScore.objects.get(response=phq9_sent).value == 8


def test_thoughts_of_self_harm_show_where_to_get_help_and_alert_the_team(
    as_mary: Client, phq9_sent: MeasureResponse
) -> None:
    post(as_mary, phq9_sent, {**MILD, "9": "1"}, action="send")
    alert = MeasureAlert.objects.get(response=phq9_sent)
    assert alert.code == "self_harm_risk"
    html = page(as_mary, answer_url(phq9_sent))
    flag = phq9_sent.instrument.parsed.flags[0]
    message = escape(flag.for_person)
    assert message in html
    assert "nhsuk-card--care--urgent" in html
    assert html.index(message) < html.index("You sent these answers on")  # before everything else
    assert "999" in flag.for_person and "Samaritans" in flag.for_person


# -- one question at a time ------------------------------------------------------------------------


def test_one_question_at_a_time_saves_each_answer_and_the_summary_sends(
    as_mary: Client, phq9_sent: MeasureResponse
) -> None:
    assert answer_url(phq9_sent, 1) in page(as_mary, answer_url(phq9_sent))
    definition = phq9_sent.instrument.parsed
    count = len(definition.items)
    for number, item in enumerate(definition.items, start=1):
        html = page(as_mary, answer_url(phq9_sent, number))
        assert f"Question {number} of {count}" in html
        assert item.text in html
        others = [other.text for other in definition.items if other is not item]
        assert not any(text in html for text in others)
        value = MILD.get(item.id, "")  # the last (difficulty) is optional: left blank
        result = post(as_mary, phq9_sent, {item.id: value}, action="continue", question=number)
        assert result.status_code == 302
        expected = answer_url(phq9_sent, number + 1 if number < count else "check")
        assert result["Location"] == expected
        phq9_sent.refresh_from_db()
        assert phq9_sent.answers.get(item.id) == (int(value) if value else None)
        assert not phq9_sent.is_completed
    summary = page(as_mary, answer_url(phq9_sent, "check"))
    assert "Check your answers" in summary
    assert "Several days" in summary and "Not answered" in summary
    result = post(as_mary, phq9_sent, {}, action="send", question="check")
    assert result.status_code == 302
    assert result["Location"] == answer_url(phq9_sent)
    phq9_sent.refresh_from_db()
    assert phq9_sent.is_completed
    assert MeasureScore.objects.get(response=phq9_sent).band == "Mild"


def test_one_question_page_keeps_the_answers_already_saved(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    post(as_mary, phq9_sent, {"1": "2", "2": "3"}, action="save")
    post(as_mary, phq9_sent, {"2": "0"}, action="continue", question=2)
    phq9_sent.refresh_from_db()
    assert phq9_sent.answers == {"1": 2, "2": 0}
    assert checked(page(as_mary, answer_url(phq9_sent, 1)), "1") == ["2"]


def test_one_question_left_blank_is_asked_again(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    result = post(as_mary, phq9_sent, {}, action="continue", question=3)
    assert result.status_code == 400
    assert error_beside(result.content.decode(), "id_3") == "Select an answer for question 3"
    phq9_sent.refresh_from_db()
    assert phq9_sent.answers == {}


def test_the_summary_links_a_missing_answer_to_its_question(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    post(as_mary, phq9_sent, {"1": "1"}, action="save")
    result = post(as_mary, phq9_sent, {}, action="send", question="check")
    assert result.status_code == 400
    html = result.content.decode()
    assert ("#question-1", "Select an answer for question 1") not in summary_links(html)
    assert ("#question-2", "Select an answer for question 2") in summary_links(html)
    assert 'id="question-2"' in html
    phq9_sent.refresh_from_db()
    assert not phq9_sent.is_completed and phq9_sent.answers == {"1": 1}


def test_the_summary_from_an_old_page_gives_the_new_version(
    as_mary: Client, mary_actor: Actor, phq9_sent: MeasureResponse
) -> None:
    opened_at = phq9_sent.version
    responses.save_draft(mary_actor, phq9_sent, MILD, expected_version=opened_at)
    result = post(as_mary, phq9_sent, {}, action="send", version=opened_at, question="check")
    assert result.status_code == 409
    assert f'name="version" value="{opened_at + 1}"' in result.content.decode()
    phq9_sent.refresh_from_db()
    assert not phq9_sent.is_completed


def test_a_question_that_does_not_exist_is_not_found(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    assert as_mary.get(answer_url(phq9_sent, 11)).status_code == 404
    assert as_mary.get(answer_url(phq9_sent, "x")).status_code == 404


# -- who may answer --------------------------------------------------------------------------------


def test_another_persons_questionnaire_is_not_found(
    as_mary: Client, staff: Actor, practice: Organisation, instrument: Callable[[str], Instrument]
) -> None:
    other = PersonFactory(registered_practice=practice, user=UserFactory())
    theirs = responses.send_questionnaire(staff, other, instrument("phq9"), timepoint=Timepoint.BASELINE)
    assert as_mary.get(answer_url(theirs)).status_code == 404
    assert as_mary.post(answer_url(theirs), {**MILD, "action": "send", "version": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_completed


def test_a_carer_cannot_open_the_questionnaire(as_carer: Client, phq9_sent: MeasureResponse) -> None:
    assert as_carer.get(answer_url(phq9_sent)).status_code == 404
    assert as_carer.get(reverse("measures:mine")).status_code == 403


def test_staff_are_sent_to_their_own_view_of_the_response(as_priya: Client, phq9_sent: MeasureResponse) -> None:
    result = as_priya.get(answer_url(phq9_sent))
    assert result.status_code == 302
    assert result["Location"] == reverse("measures:response", kwargs={"response_id": phq9_sent.pk})
    assert as_priya.post(answer_url(phq9_sent), {**MILD, "action": "send", "version": "1"}).status_code == 302
    phq9_sent.refresh_from_db()
    assert not phq9_sent.is_completed


# -- licensed wording ------------------------------------------------------------------------------


def test_swemwbs_shows_the_wording_loaded_for_it(
    as_mary: Client, staff: Actor, mary: Person, swemwbs_with_text: Instrument
) -> None:
    sent = responses.send_questionnaire(staff, mary, swemwbs_with_text, timepoint=Timepoint.BASELINE)
    html = page(as_mary, answer_url(sent))
    assert "Test instructions: choose how often each test statement has been true for you." in html
    assert "Test statement 1 for wellbeing" in html and "Test statement 7 for wellbeing" in html
    assert "Test answer 5" in html
    result = post(as_mary, sent, {str(n): "3" for n in range(1, 8)}, action="send")
    assert result.status_code == 302
    assert {s.code for s in MeasureScore.objects.filter(response=sent)} == {"raw", "metric"}


def test_swemwbs_without_its_wording_cannot_be_sent(
    staff: Actor, mary: Person, instrument: Callable[[str], Instrument]
) -> None:
    with pytest.raises(ValidationError) as refused:
        responses.send_questionnaire(staff, mary, instrument("swemwbs"), timepoint=Timepoint.BASELINE)
    assert "instrument" in refused.value.message_dict
    assert not MeasureResponse.objects.filter(person=mary).exists()


# -- the person's list and trend -------------------------------------------------------------------


def test_your_questionnaires_lists_what_is_waiting(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    html = page(as_mary, reverse("measures:mine"))
    assert "Patient Health Questionnaire (PHQ-9)" in html
    assert "Sent by Priya Practitioner at Test Medical Centre" in html
    assert "Not started" in html
    assert answer_url(phq9_sent) in html
    assert "You do not have any results yet." in html
    assert f'href="{reverse("measures:mine")}"' in page(as_mary, reverse("core:start"))


def test_your_results_over_time(
    as_mary: Client, mary_actor: Actor, staff: Actor, mary: Person, phq9_sent: MeasureResponse
) -> None:
    responses.submit(mary_actor, phq9_sent, {**MILD, "1": "3", "2": "3"}, expected_version=phq9_sent.version)
    later = responses.send_questionnaire(staff, mary, phq9_sent.instrument, timepoint=Timepoint.REVIEW)
    responses.submit(mary_actor, later, {**MILD, "1": "0"}, expected_version=later.version)
    html = page(as_mary, reverse("measures:my_trend", kwargs={"key": "phq9"}))
    assert "Your PHQ-9 results over time" in html
    assert "<svg" in html
    rows = re.findall(r'<tr class="nhsuk-table__row">\s*<td class="nhsuk-table__cell">(.*?)</tr>', html, re.S)
    assert len(rows) == 2
    assert "12" in rows[0] and "Moderate" in rows[0] and "Baseline" in rows[0]
    assert "7" in rows[1] and "Mild" in rows[1] and "Review" in rows[1]
    mine = page(as_mary, reverse("measures:mine"))
    assert "7 out of 27: Mild" in mine and "12 out of 27" not in mine


def test_no_results_for_an_instrument_is_not_found(as_mary: Client, phq9_sent: MeasureResponse) -> None:
    assert as_mary.get(reverse("measures:my_trend", kwargs={"key": "gad7"})).status_code == 404


def test_staff_do_not_have_your_questionnaires(as_priya: Client, priya: Membership) -> None:
    assert as_priya.get(reverse("measures:mine")).status_code == 403
