"""Year of Care preparation packs: staff send one; the person reads it and answers before the conversation.

The person can save their answers and come back later, or send them; either way nothing is lost
if they are interrupted. Opening the pack is recorded, so staff know it has been seen.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans import selectors
from carehouse.careplans.forms_person import AnswerPackForm, ChooseTemplateForm, SendPreparationForm
from carehouse.careplans.models import PreparationPack
from carehouse.careplans.pathways import template_for
from carehouse.careplans.presenters_person import PackPresenter
from carehouse.careplans.services import preparation as preparation_services
from carehouse.core.actor import Actor
from carehouse.core.roles import Role
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.people import selectors as people_selectors


@require_http_methods(["GET", "POST"])
@actor_required("careplans.send_preparation")
def send(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = actor_of(request)
    person = people_selectors.get_person(actor, person_id, purpose="send a preparation pack")
    if request.method == "POST":
        form = SendPreparationForm(request.POST)
        template_key = request.POST.get("template", "")
    else:
        chooser = ChooseTemplateForm(request.GET or None, auto_id="choose_%s")
        template_key = chooser.cleaned_data["template"] if chooser.is_valid() else ""
        prompts = "\n".join(preparation_services.default_prompts(template_key))
        form = SendPreparationForm(initial={"template": template_key, "prompts": prompts})
    template = template_for(template_key)
    if request.method == "POST" and form.is_valid():
        try:
            pack = preparation_services.send_preparation_pack(
                actor,
                person,
                template=form.cleaned_data["template"],
                conversation_on=form.cleaned_data["conversation_on"],
                message=form.cleaned_data["message"],
                results=form.results(),
                prompts=form.prompt_lines(),
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.info(request, f"The preparation pack has been sent to {person.full_name}.")
            return redirect("careplans:preparation", pack_id=pack.pk)
    context = {
        "person": person,
        "form": form,
        "chooser": ChooseTemplateForm(initial={"template": template_key if template else ""}, auto_id="choose_%s"),
        "template": template,
        "suggested_results": ", ".join(template.suggested_results) if template else "",
        "earlier": [PackPresenter(p, actor) for p in selectors.packs_for_person(person)],
    }
    return render(request, "careplans/preparation/send.jinja", context, status=400 if form.errors else 200)


def _answer_form(pack: PreparationPack, data: dict[str, str] | None = None) -> AnswerPackForm:
    initial: dict[str, object] = {"version": pack.version}
    for number, answer in enumerate(pack.answers or [], start=1):
        initial[f"answer_{number}"] = answer
    return AnswerPackForm(data, prompts=[str(p) for p in pack.prompts or []], initial=initial)


def _render_pack(
    request: HttpRequest, actor: Actor, pack: PreparationPack, form: AnswerPackForm | None, *, status: int = 200
) -> HttpResponse:
    context = {"page": PackPresenter(pack, actor), "form": form}
    template = "careplans/preparation/answer.jinja" if actor.role == Role.PERSON else "careplans/preparation/sent.jinja"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@actor_required()
def pack(request: HttpRequest, pack_id: int) -> HttpResponse:
    """Staff see what was sent and the answers; the person reads and answers their pack."""
    actor = actor_of(request)
    if actor.role != Role.PERSON and not actor.gives_direct_care:
        raise Http404("No preparation pack found")
    found = selectors.get_pack(actor, pack_id, purpose="preparation pack")
    if actor.role != Role.PERSON:
        if request.method == "POST":
            raise PermissionDenied("careplans.answer_preparation")
        return _render_pack(request, actor, found, None)
    found = preparation_services.mark_viewed(actor, found)
    if request.method == "GET":
        return _render_pack(request, actor, found, _answer_form(found))
    form = _answer_form(found, request.POST)
    finished = request.POST.get("send") == "yes"
    if form.is_valid():
        try:
            preparation_services.answer_preparation_pack(
                actor, found, form.answers(), expected_version=form.cleaned_data["version"], finished=finished
            )
        except ValidationError as error:
            show_errors(form, error)
            # After a clash with another window, the next save is against the answers now saved.
            latest = selectors.get_pack(actor, pack_id, purpose="preparation pack")
            if latest.version != form.cleaned_data["version"]:
                data = request.POST.copy()
                data["version"] = str(latest.version)
                retry = _answer_form(latest, data)
                retry.is_valid()
                for field, problems in form.errors.items():
                    retry.add_error(field if field != "__all__" else None, problems)
                return _render_pack(request, actor, latest, retry, status=409)
        else:
            if finished:
                messages.info(request, "Thank you. Your answers have been sent to your care team.")
            else:
                messages.info(request, "Your answers have been saved. You can come back and finish them later.")
            return redirect("careplans:preparation", pack_id=found.pk)
    return _render_pack(request, actor, found, form, status=400)


@require_GET
@actor_required("careplans.answer_preparation")
def mine(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    packs = [PackPresenter(p, actor) for p in selectors.my_packs(actor)]
    return render(request, "careplans/preparation/mine.jinja", {"packs": packs})
