"""The person's measures pages: questionnaires to answer, their answers and their results.

Staff send a questionnaire; it waits on the person's "Your questionnaires" page. The person
answers it on one page, or one question at a time (for small screens, without JavaScript),
saving as they go; then they send it and see their results. Nothing typed is ever lost: a
problem shows the page again with what was typed and the message beside the question, and a
clash with another window shows the typing with the answers' new version, so the next save
counts. Only the person answers their own questionnaire: anything else is "not found".
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans.presenters import format_date
from carehouse.core.actor import Actor
from carehouse.core.roles import Role
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.measures import selectors
from carehouse.measures.forms import DraftForm, QuestionnaireForm
from carehouse.measures.models import MeasureResponse, ResponseStatus
from carehouse.measures.presenters import trends
from carehouse.measures.presenters_person import (
    CHECK,
    QUESTION,
    MinePresenter,
    QuestionnairePresenter,
)
from carehouse.measures.scoring import clean_answers
from carehouse.measures.services import responses as services
from carehouse.measures.services.responses import ResponseConflict
from carehouse.people.models import Person
from carehouse.people.selectors import visible_people

PURPOSE = "answer my questionnaire"
SENT = "Thank you. Your answers have been sent to {organisation}."
SAVED = "Your answers have been saved. You can come back and finish them later."

#: Shows a page again: (the response as now saved, the questions form, the version form, status).
Renderer = Callable[[MeasureResponse, QuestionnaireForm, DraftForm, int], HttpResponse]


def _me(actor: Actor) -> Person:
    """The person's own record (a person signs in as themselves)."""
    person = visible_people(actor).first()
    if person is None:
        raise Http404("No record found")
    return person


@require_GET
@actor_required("measures.complete_questionnaire")
def mine(request: HttpRequest) -> HttpResponse:
    """ "Your questionnaires": those waiting to be answered, and the latest result of each."""
    actor = actor_of(request)
    person = _me(actor)
    page = MinePresenter.build(selectors.waiting_for_me(actor), selectors.scores_for_person(actor, person))
    return render(request, "measures/person/mine.jinja", {"page": page})


@require_GET
@actor_required("measures.complete_questionnaire")
def my_trend(request: HttpRequest, key: str) -> HttpResponse:
    """The person's results for one questionnaire over time: a chart, and the same results as a table."""
    actor = actor_of(request)
    person = _me(actor)
    scores = selectors.scores_for_person(actor, person, key)
    if not scores:
        raise Http404("No results found")
    definition = scores[-1].response.instrument.parsed
    context = {"definition": definition, "charts": trends(definition, scores)}
    return render(request, "measures/person/trend.jinja", context)


@require_http_methods(["GET", "POST"])
@actor_required()
def answer(request: HttpRequest, response_id: int) -> HttpResponse:
    """Answer a questionnaire (all on one page, or one question at a time); once sent, the results."""
    actor = actor_of(request)
    if actor.role != Role.PERSON:
        if actor.gives_direct_care:
            return redirect("measures:response", response_id=response_id)
        raise Http404("No questionnaire found")
    response = selectors.get_response(actor, response_id, purpose=PURPOSE)
    if response.status == ResponseStatus.WITHDRAWN:
        if request.method == "POST":
            return redirect("measures:answer", response_id=response.pk)
        context = {"page": QuestionnairePresenter(response), "withdrawn_on": format_date(response.withdrawn_at)}
        return render(request, "measures/person/unavailable.jinja", context)
    if response.is_completed:
        if request.method == "POST":
            messages.info(request, "You have already sent these answers.")
            return redirect("measures:answer", response_id=response.pk)
        return render(request, "measures/person/results.jinja", {"page": QuestionnairePresenter(response)})
    page = QuestionnairePresenter(response)
    if not page.can_be_answered:
        return render(request, "measures/person/unavailable.jinja", {"page": page})
    question = request.GET.get(QUESTION)
    if question is None:
        return _whole(request, actor, response)
    if question == CHECK:
        return _check(request, actor, response)
    if not question.isdigit() or not 1 <= int(question) <= page.count:
        raise Http404("No such question")
    return _one(request, actor, response, int(question))


# -- all the questions on one page -----------------------------------------------------------------


def _whole(request: HttpRequest, actor: Actor, response: MeasureResponse) -> HttpResponse:
    def show(current: MeasureResponse, form: QuestionnaireForm, draft: DraftForm, status: int) -> HttpResponse:
        context = {"page": QuestionnairePresenter(current), "form": form, "draft": draft}
        return render(request, "measures/person/answer.jinja", context, status=status)

    definition = response.instrument.parsed
    if request.method == "GET":
        form = QuestionnaireForm(definition=definition, answers=response.answers)
        return show(response, form, DraftForm(initial={"version": response.version}), 200)
    form = QuestionnaireForm(request.POST, definition=definition)
    sending = request.POST.get("action") != "save"
    return _save(request, actor, response, form, show, sending=sending)


# -- one question at a time ------------------------------------------------------------------------


def _one(request: HttpRequest, actor: Actor, response: MeasureResponse, number: int) -> HttpResponse:
    page = QuestionnairePresenter(response)
    item = page.item_at(number)

    def show(current: MeasureResponse, form: QuestionnaireForm, draft: DraftForm, status: int) -> HttpResponse:
        context = {
            "page": QuestionnairePresenter(current),
            "number": number,
            "form": form,
            "draft": draft,
            "action": page.question_href(number),
            "back": page.back_href(number),
        }
        return render(request, "measures/person/question.jinja", context, status=status)

    definition = response.instrument.parsed
    if request.method == "GET":
        form = QuestionnaireForm(definition=definition, items=[item.id], answers=response.answers)
        return show(response, form, DraftForm(initial={"version": response.version}), 200)
    form = QuestionnaireForm(request.POST, definition=definition, items=[item.id])
    if form.is_valid() and item.required and form.sent()[item.id] == "":
        form.add_error(item.id, _missing(response, item.id))
    return _save(request, actor, response, form, show, sending=False, then=page.next_href(number))


def _missing(response: MeasureResponse, item_id: str) -> str:
    """The message for a required question left blank, in the same words as when sending."""
    try:
        clean_answers(response.instrument.parsed, {}, complete=True)
    except ValidationError as error:
        return " ".join(error.message_dict.get(item_id, []))
    return ""


def _check(request: HttpRequest, actor: Actor, response: MeasureResponse) -> HttpResponse:
    """ "Check your answers", then send them; a missing answer links back to its question."""
    draft = DraftForm(request.POST if request.method == "POST" else None, initial={"version": response.version})
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    current = response
    if request.method == "POST":
        if not draft.is_valid():
            general = [str(message) for problems in draft.errors.values() for message in problems]
            status = 400
        else:
            try:
                done = services.submit(actor, response, {}, expected_version=draft.cleaned_data["version"])
            except ResponseConflict as error:
                general, status = list(error.messages), 409
                current = selectors.get_response(actor, response.pk, purpose=PURPOSE)
                if current.is_completed:
                    return _already_sent(request, current)
                draft = DraftForm(initial={"version": current.version})
            except ValidationError as error:
                status = 400
                if hasattr(error, "error_dict"):
                    errors = error.message_dict
                else:
                    general = list(error.messages)
            else:
                return _sent(request, done)
    page = QuestionnairePresenter(current)
    summary = [{"text": message, "href": "#check"} for message in general]
    summary += [
        {"text": message, "href": f"#question-{row.number}"}
        for row in page.answers
        for message in errors.get(row.item_id, [])
    ]
    context = {"page": page, "draft": draft, "errors": errors, "error_summary": summary}
    return render(request, "measures/person/check.jinja", context, status=status)


# -- saving and sending ----------------------------------------------------------------------------


def _save(
    request: HttpRequest,
    actor: Actor,
    response: MeasureResponse,
    form: QuestionnaireForm,
    show: Renderer,
    *,
    sending: bool,
    then: str = "",
) -> HttpResponse:
    """Save (or send) what the page sent; on any problem, show the page again with the typing."""
    draft = DraftForm(request.POST)
    valid = form.is_valid()
    if not draft.is_valid():
        for problems in draft.errors.values():
            form.add_error(None, problems)
        valid = False
    if not valid:
        return show(response, form, draft, 400)
    write = services.submit if sending else services.save_draft
    try:
        saved = write(actor, response, form.sent(), expected_version=draft.cleaned_data["version"])
    except ResponseConflict as error:
        show_errors(form, error)
        # After a clash with another window, the next save is against the answers now saved.
        latest = selectors.get_response(actor, response.pk, purpose=PURPOSE)
        if latest.is_completed:
            return _already_sent(request, latest)
        return show(latest, form, DraftForm(initial={"version": latest.version}), 409)
    except ValidationError as error:
        show_errors(form, error)
        return show(response, form, draft, 400)
    if sending:
        return _sent(request, saved)
    if then:
        return redirect(then)
    messages.info(request, SAVED)
    return redirect("measures:mine")


def _sent(request: HttpRequest, response: MeasureResponse) -> HttpResponse:
    messages.info(request, SENT.format(organisation=response.organisation.name))
    return redirect("measures:answer", response_id=response.pk)


def _already_sent(request: HttpRequest, response: MeasureResponse) -> HttpResponse:
    messages.info(request, "These answers were already sent, perhaps from another window. Your results are below.")
    return redirect("measures:answer", response_id=response.pk)
