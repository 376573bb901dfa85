"""Staff pages for one person's measures: scores and trends, sending, withdrawing, completing, recording, correcting.

Only staff who give direct care (practitioners and link workers) use these pages; anyone else
who may see scores (the person themselves) is told the page is not found, and has their own
pages (``views/person.py``). A person a member of staff may not see is also "not found".
Every read goes through ``selectors`` (audited) and every write through ``services.responses``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans import selectors as plan_selectors
from carehouse.careplans.models import CarePlan, Goal
from carehouse.careplans.presenters import format_date, possessive, short_name
from carehouse.core.actor import Actor
from carehouse.core.models import User
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.measures import selectors
from carehouse.measures.forms import QuestionnaireForm
from carehouse.measures.models import Instrument, MeasureResponse, ResponseStatus, Timepoint
from carehouse.measures.presenters import PersonMeasures, ResponsePresenter, trends
from carehouse.measures.scoring import clean_answers
from carehouse.measures.services import responses as response_services
from carehouse.measures.services.responses import MAX_REASON
from carehouse.people import selectors as people_selectors
from carehouse.people.models import Person

TIMEPOINT_ERROR = "Select when in the person's support this is"
#: How much of a goal's wording a list of goals shows.
GOAL_LENGTH = 80


# -- who may use these pages ------------------------------------------------------------------------


def _care_actor(request: HttpRequest) -> Actor:
    """The member of staff giving direct care; anyone else is told the page is not found."""
    actor = actor_of(request)
    if not actor.gives_direct_care:
        raise Http404("No such page")
    return actor


def _person(request: HttpRequest, person_id: int, purpose: str) -> tuple[Actor, Person]:
    actor = _care_actor(request)
    return actor, people_selectors.get_person(actor, person_id, purpose=purpose)


# -- forms: what a response is about ------------------------------------------------------------------


class Links:
    """The plans, goals and colleagues a response may be linked to, for one person and member of staff."""

    def __init__(self, actor: Actor, person: Person) -> None:
        self.plans: list[CarePlan] = plan_selectors.plans_for_person(actor, person)
        self.goals: list[Goal] = [goal for plan in self.plans for goal in plan.goals.all()]
        self.staff: list[User] = selectors.encounter_staff(actor)

    def plan(self, value: str) -> CarePlan | None:
        return next((plan for plan in self.plans if str(plan.pk) == value), None)

    def goal(self, value: str) -> Goal | None:
        return next((goal for goal in self.goals if str(goal.pk) == value), None)

    def user(self, value: str) -> User | None:
        return next((user for user in self.staff if str(user.pk) == value), None)

    def plan_title(self, goal: Goal) -> str:
        return next((plan.title for plan in self.plans if plan.pk == goal.plan_id), "")


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= GOAL_LENGTH else f"{text[: GOAL_LENGTH - 1].rstrip()}…"


def add_link_fields(form: forms.Form, links: Links, *, timepoint: str, ask_about_user: bool) -> None:
    """The fields saying when in the person's support a response is, and what it is about."""
    form.fields["timepoint"] = forms.ChoiceField(
        label="When in their support is this?",
        choices=Timepoint.choices,
        widget=forms.RadioSelect,
        error_messages={"required": TIMEPOINT_ERROR, "invalid_choice": TIMEPOINT_ERROR},
    )
    form.initial.setdefault("timepoint", timepoint)
    if links.plans:
        form.fields["plan"] = forms.ChoiceField(
            label="Care and support plan (optional)",
            required=False,
            choices=[("", "Not about a plan")]
            + [(str(plan.pk), f"{plan.title}, started {format_date(plan.created_at)}") for plan in links.plans],
            error_messages={"invalid_choice": "Select one of this person's care and support plans"},
        )
    if links.goals:
        form.fields["goal"] = forms.ChoiceField(
            label="Goal (optional)",
            required=False,
            choices=[("", "Not about one goal")]
            + [(str(goal.pk), f"{_shorten(goal.text)} ({links.plan_title(goal)})") for goal in links.goals],
            error_messages={"invalid_choice": "Select a goal from this person's care and support plans"},
        )
    form.fields["referral_reference"] = forms.CharField(
        label="Referral reference (optional)",
        help_text="For example, the reference of a social prescribing referral",
        required=False,
        max_length=100,
        error_messages={"max_length": "The referral reference must be 100 characters or fewer"},
    )
    if ask_about_user:
        form.fields["about_user"] = forms.ChoiceField(
            label="Who was the appointment with?",
            help_text="For CollaboRATE, which is about one appointment",
            required=False,
            choices=[("", "Select who")] + [(str(user.pk), user.full_name) for user in links.staff],
            error_messages={"invalid_choice": "Select who the appointment was with"},
        )


@dataclass(frozen=True)
class Chosen:
    """What a valid form says a response is about."""

    timepoint: str
    plan: CarePlan | None
    goal: Goal | None
    referral_reference: str
    about_user: User | None

    @classmethod
    def from_form(cls, form: forms.Form, links: Links) -> Chosen:
        data = form.cleaned_data
        return cls(
            timepoint=data["timepoint"],
            plan=links.plan(data.get("plan", "")),
            goal=links.goal(data.get("goal", "")),
            referral_reference=data.get("referral_reference", ""),
            about_user=links.user(data.get("about_user", "")),
        )


class SendForm(forms.Form):
    """Which questionnaire to send the person to complete online, and what it is about."""

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, instruments: Sequence[Instrument], links: Links, timepoint: str
    ) -> None:
        super().__init__(data)
        self.fields["instrument"] = forms.ChoiceField(
            label="Which questionnaire?",
            choices=[(instrument.key, instrument.title) for instrument in instruments],
            widget=forms.RadioSelect,
            error_messages={
                "required": "Select a questionnaire to send",
                "invalid_choice": "Select one of the questionnaires listed",
            },
        )
        add_link_fields(
            self,
            links,
            timepoint=timepoint,
            ask_about_user=any(instrument.parsed.rates_encounter for instrument in instruments),
        )


class RecordForm(QuestionnaireForm):
    """Every question of an instrument (or an external report's fields), and what the response is about."""

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, instrument: Instrument, links: Links, timepoint: str
    ) -> None:
        super().__init__(data, definition=instrument.parsed)
        add_link_fields(self, links, timepoint=timepoint, ask_about_user=instrument.parsed.rates_encounter)

    def link_fields(self) -> list[forms.BoundField]:
        names = ("timepoint", "plan", "goal", "referral_reference", "about_user")
        return [self[name] for name in names if name in self.fields]


class CorrectForm(QuestionnaireForm):
    """The answers, started from the ones being corrected, and why they are being corrected."""

    def __init__(self, data: Mapping[str, Any] | None = None, *, response: MeasureResponse) -> None:
        super().__init__(data, definition=response.instrument.parsed, answers=response.answers)
        self.fields["reason"] = forms.CharField(
            label="Why are you correcting these answers?",
            help_text="For example, an answer was typed in wrongly. This is kept with the correction",
            widget=forms.Textarea(attrs={"rows": 3}),
            max_length=MAX_REASON,
            strip=True,
            error_messages={
                "required": "Enter why the answers are being corrected",
                "max_length": f"The reason must be {MAX_REASON:,} characters or fewer",
            },
        )


class WithdrawForm(forms.Form):
    """Why a questionnaire sent to the person is being withdrawn before they answer it."""

    reason = forms.CharField(
        label="Why are you withdrawing this questionnaire?",
        help_text="For example, it was sent by mistake. This is kept with the record",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_REASON,
        strip=True,
        error_messages={
            "required": "Enter why you are withdrawing this questionnaire",
            "max_length": f"The reason must be {MAX_REASON:,} characters or fewer",
        },
    )


def check_answers(form: QuestionnaireForm) -> None:
    """On a form that is already invalid, also put each question's own problems beside it.

    The services check answers only once the form is valid; this shows every problem at once.
    """
    try:
        clean_answers(form.definition, form.sent(), complete=True)
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            if field in form.fields and field not in form.errors:
                form.add_error(field, problems)


def preselect(form: forms.Form, query: Mapping[str, str], links: Links) -> None:
    """Start the form at the plan and timepoint a link asked for (as the plan page's prompts do), when valid."""
    timepoint = query.get("timepoint", "")
    if timepoint in Timepoint.values:
        form.initial["timepoint"] = timepoint
    plan = links.plan(query.get("plan", ""))
    if plan is not None and "plan" in form.fields:
        form.initial["plan"] = str(plan.pk)


def _usual_timepoint(responses: Sequence[MeasureResponse], key: str | None = None) -> str:
    """Baseline until the person has completed a questionnaire (this one, if ``key``), then review."""
    done = [r for r in responses if r.is_completed and (key is None or r.instrument.key == key)]
    return Timepoint.REVIEW if done else Timepoint.BASELINE


# -- pages ------------------------------------------------------------------------------------------


@require_GET
@actor_required("measures.view_scores")
def person_measures(request: HttpRequest, person_id: int) -> HttpResponse:
    actor, person = _person(request, person_id, "questionnaires and scores")
    page = PersonMeasures(
        person,
        selectors.responses_for_person(actor, person),
        selectors.scores_for_person(actor, person),
        selectors.alerts_for_person(actor, person),
    )
    newest = selectors.newest_versions()
    context = {
        "person": person,
        "page": page,
        "completable": selectors.completable_instruments(newest),
        "recordable": selectors.recordable_instruments(newest),
    }
    return render(request, "measures/staff/person.jinja", context)


@require_GET
@actor_required("measures.view_scores")
def trend(request: HttpRequest, person_id: int, key: str) -> HttpResponse:
    actor, person = _person(request, person_id, "questionnaire trend")
    page = PersonMeasures(person, selectors.responses_for_person(actor, person), [], [])
    definition = page.definitions.get(key) or selectors.get_instrument(key).parsed
    charts = trends(definition, selectors.scores_for_person(actor, person, key))
    context = {"person": person, "definition": definition, "charts": charts}
    return render(request, "measures/staff/trend.jinja", context)


@require_http_methods(["GET", "POST"])
@actor_required("measures.send_questionnaire")
def send(request: HttpRequest, person_id: int) -> HttpResponse:
    actor, person = _person(request, person_id, "send a questionnaire")
    instruments = selectors.completable_instruments()
    links = Links(actor, person)
    timepoint = _usual_timepoint(selectors.responses_for_person(actor, person))
    form = SendForm(
        request.POST if request.method == "POST" else None, instruments=instruments, links=links, timepoint=timepoint
    )
    if request.method == "GET":
        preselect(form, request.GET, links)
    if request.method == "POST" and form.is_valid():
        chosen = next(i for i in instruments if i.key == form.cleaned_data["instrument"])
        try:
            about = Chosen.from_form(form, links)
            response_services.send_questionnaire(
                actor,
                person,
                chosen,
                timepoint=about.timepoint,
                plan=about.plan,
                goal=about.goal,
                referral_reference=about.referral_reference,
                about_user=about.about_user,
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.info(
                request,
                f"{chosen.title} has been sent to {person.full_name}. They can complete it when they sign in.",
            )
            return redirect("measures:person", person_id=person.pk)
    context = {"person": person, "form": form, "instruments": instruments}
    return render(request, "measures/staff/send.jinja", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@actor_required("measures.record_on_behalf")
def record(request: HttpRequest, person_id: int, key: str) -> HttpResponse:
    actor, person = _person(request, person_id, "record a questionnaire")
    instrument = selectors.get_instrument(key)
    if not (instrument.can_be_completed or instrument.can_be_recorded):
        raise Http404("This questionnaire cannot be used yet")
    links = Links(actor, person)
    timepoint = _usual_timepoint(selectors.responses_for_person(actor, person), key)
    form = RecordForm(
        request.POST if request.method == "POST" else None, instrument=instrument, links=links, timepoint=timepoint
    )
    if request.method == "POST":
        if form.is_valid():
            about = Chosen.from_form(form, links)
            try:
                recorded = response_services.record_response(
                    actor,
                    person,
                    instrument,
                    form.sent(),
                    timepoint=about.timepoint,
                    plan=about.plan,
                    goal=about.goal,
                    referral_reference=about.referral_reference,
                    about_user=about.about_user,
                )
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.info(request, f"{instrument.title} has been recorded for {person.full_name}.")
                return redirect("measures:response", response_id=recorded.pk)
        else:
            check_answers(form)
    context = {
        "person": person,
        "instrument": instrument,
        "definition": instrument.parsed,
        "form": form,
        "on_behalf_of": possessive(short_name(person)),
        "actor_label": actor.label,
    }
    return render(request, "measures/staff/record.jinja", context, status=400 if form.errors else 200)


@require_GET
@actor_required("measures.view_scores")
def response(request: HttpRequest, response_id: int) -> HttpResponse:
    """One response's answers and scores. Staff only: people read their own results on their own pages."""
    actor = _care_actor(request)
    found = selectors.get_response(actor, response_id, purpose="questionnaire answers")
    page = ResponsePresenter(found, selectors.correction_of(found))
    return render(request, "measures/staff/response.jinja", {"page": page, "person": found.person})


@require_http_methods(["GET", "POST"])
@actor_required("measures.correct_response")
def correct(request: HttpRequest, response_id: int) -> HttpResponse:
    actor = _care_actor(request)
    original = selectors.get_response(actor, response_id, purpose="correct questionnaire answers")
    if not original.is_completed:
        raise Http404("Only completed answers can be corrected")
    correction = selectors.correction_of(original)
    if correction is not None:
        messages.info(request, "These answers have already been corrected. You can correct the latest answers.")
        return redirect("measures:response", response_id=correction.pk)
    form = CorrectForm(request.POST if request.method == "POST" else None, response=original)
    if request.method == "POST":
        if form.is_valid():
            try:
                corrected = response_services.correct_response(
                    actor, original, form.sent(), reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                show_errors(form, error)
            else:
                messages.info(request, "The corrected answers have been saved. The original answers are kept.")
                return redirect("measures:response", response_id=corrected.pk)
        else:
            check_answers(form)
    context = {"page": ResponsePresenter(original, None), "person": original.person, "form": form}
    return render(request, "measures/staff/correct.jinja", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@actor_required("measures.send_questionnaire")
def withdraw(request: HttpRequest, response_id: int) -> HttpResponse:
    """Withdraw a questionnaire the person has not answered yet: they no longer see it."""
    actor = _care_actor(request)
    found = selectors.get_response(actor, response_id, purpose="withdraw a questionnaire")
    person = found.person
    if found.status != ResponseStatus.IN_PROGRESS:
        messages.info(request, "This questionnaire is no longer waiting to be answered, so it cannot be withdrawn.")
        return redirect("measures:response", response_id=found.pk)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            response_services.withdraw_request(actor, found, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.info(
                request,
                f"{found.instrument.title} has been withdrawn. {person.full_name} will no longer see it.",
            )
            return redirect("measures:person", person_id=person.pk)
    context = {"page": ResponsePresenter(found, None), "person": person, "form": form}
    return render(request, "measures/staff/withdraw.jinja", context, status=400 if form.errors else 200)
