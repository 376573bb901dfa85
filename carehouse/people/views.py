"""People's records: find, view, add, change, consent, contacts and care team.

Every read goes through ``selectors`` (scoped and audited); every write through ``services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans import selectors as careplan_selectors
from carehouse.careplans.presenters import PersonPlansPresenter
from carehouse.core.roles import Role
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.people import selectors, services
from carehouse.people.forms import (
    CareTeamMemberForm,
    ConsentForm,
    FindPersonForm,
    PersonalContactForm,
    PersonForm,
    WithdrawConsentForm,
)
from carehouse.people.models import Person
from carehouse.people.presenters import PersonPresenter


def _initial(person: Person) -> dict[str, object]:
    initial: dict[str, object] = {key: getattr(person, key) for key in services.PERSON_FIELDS}
    initial["registered_practice"] = person.registered_practice_id
    initial["version"] = person.version
    return initial


@require_GET
@actor_required("people.find_people")
def person_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = FindPersonForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    people = selectors.find_people(actor, query).order_by("family_name", "given_name", "pk")
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    return render(request, "people/list.jinja", {"form": form, "page": page, "query": query})


@require_http_methods(["GET", "POST"])
@actor_required("people.add_person")
def person_add(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    initial = {}
    if actor.organisation is not None and actor.organisation.type == "gp_practice":
        initial["registered_practice"] = actor.organisation.pk
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(actor, form.person_data())
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.info(request, f"{person.full_name} has been added.")
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/form.jinja", {"form": form, "adding": True}, status=400 if form.errors else 200)


@require_GET
@actor_required("people.view_person")
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.get_person(actor, person_id)
    presenter = PersonPresenter(
        person,
        actor,
        consents=selectors.consents_for(person),
        contacts=selectors.personal_contacts_for(person),
        care_team=selectors.care_team_for(person),
    )
    plans = PersonPlansPresenter(
        person,
        actor,
        plans=careplan_selectors.plans_for_person(actor, person),
        answered_pack=careplan_selectors.latest_answered_pack(person),
    )
    return render(request, "people/detail.jinja", {"page": presenter, "plans": plans})


@require_http_methods(["GET", "POST"])
@actor_required("people.change_person")
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.get_person(actor, person_id, purpose="change details")
    form = PersonForm(request.POST or None, initial=_initial(person))
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data.get("version") or 0
        try:
            services.update_person(actor, person, form.person_data(), expected_version=expected)
        except ValidationError as error:
            show_errors(form, error)
            return render(request, "people/form.jinja", {"form": form, "person": person}, status=400)
        except services.EditConflict as conflict:
            differences = services.compare_versions(conflict.current, form.person_data())
            # The next save is against the version now stored, with the user's typing kept.
            data = request.POST.copy()
            data["version"] = str(conflict.current.version)
            form = PersonForm(data, initial=_initial(conflict.current))
            form.is_valid()
            form.add_error(
                None, "Someone else changed this record after you opened it. Your changes have not been saved."
            )
            context = {"form": form, "person": conflict.current, "conflict": differences}
            return render(request, "people/form.jinja", context, status=409)
        messages.info(request, "The details have been saved.")
        return redirect("people:detail", person_id=person.pk)
    return render(request, "people/form.jinja", {"form": form, "person": person}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@actor_required("people.record_consent")
def consent_add(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.get_person(actor, person_id, purpose="record consent")
    form = ConsentForm(request.POST or None, contacts=selectors.personal_contacts_for(person))
    if request.method == "POST" and form.is_valid():
        services.record_consent(
            actor,
            person,
            form.consent_data(),
            recipient_organisations=form.cleaned_data["recipient_organisations"],
            recipient_contacts=form.cleaned_data["recipient_contacts"],
        )
        messages.info(request, "The consent decision has been recorded.")
        return redirect("people:detail", person_id=person.pk)
    context = {"form": form, "person": person}
    return render(request, "people/consent_form.jinja", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@actor_required("people.withdraw_consent")
def consent_withdraw(request: HttpRequest, person_id: int, consent_id: int) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.get_person(actor, person_id, purpose="withdraw consent")
    consent = selectors.get_consent(actor, person, consent_id)
    form = WithdrawConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.withdraw_consent(actor, consent, reason=form.cleaned_data["reason"])
        messages.info(request, "The consent has been withdrawn.")
        if actor.role == Role.PERSON:
            return redirect("people:mine")
        return redirect("people:detail", person_id=person.pk)
    context = {"form": form, "person": person, "consent": consent}
    return render(request, "people/consent_withdraw.jinja", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@actor_required("people.manage_contacts")
def contact_add(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.get_person(actor, person_id, purpose="add contact")
    form = PersonalContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_personal_contact(actor, person, form.cleaned_data)
        messages.info(request, "The contact has been added.")
        return redirect("people:detail", person_id=person.pk)
    context = {"form": form, "person": person}
    return render(request, "people/contact_form.jinja", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@actor_required("people.manage_contacts")
def care_team_add(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.get_person(actor, person_id, purpose="add to care team")
    form = CareTeamMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_care_team_member(actor, person, form.cleaned_data)
        messages.info(request, "The care team has been updated.")
        return redirect("people:detail", person_id=person.pk)
    context = {"form": form, "person": person}
    return render(request, "people/care_team_form.jinja", context, status=400 if form.errors else 200)


@require_GET
@actor_required("people.view_person")
def my_record(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.role != Role.PERSON or actor.user is None:
        return redirect("core:start")
    own = selectors.visible_people(actor).first()
    if own is None:
        return redirect("core:start")
    return person_detail(request, own.pk)


@require_GET
@actor_required("people.view_person")
def cared_for(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.role != Role.CARER:
        return redirect("core:start")
    people = selectors.list_cared_for(actor)
    return render(request, "people/cared_for.jinja", {"people": people})
