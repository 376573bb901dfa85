"""Provider staff keep their directory entries true: claim an organisation, change and check its services.

Administrators can do all of this for any organisation. Provider staff change only the services of
organisations their own organisation has claimed (checked here and again in ``services.keeping``).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans.presenters import format_date
from carehouse.core.roles import Role
from carehouse.core.views import actor_of, actor_required, show_errors
from carehouse.directory import presenters_keeping as present
from carehouse.directory import selectors
from carehouse.directory.forms import ClaimForm, FindOrganisationForm, ServiceForm
from carehouse.directory.models import Service
from carehouse.directory.services import keeping

ORGANISATIONS_PER_PAGE = 25


@require_GET
@actor_required("directory.keep_entries")
def organisation_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = FindOrganisationForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.directory_organisations(query), ORGANISATIONS_PER_PAGE).get_page(request.GET.get("page"))
    claims = selectors.my_organisation_claims(actor)
    context = {
        "form": form,
        "query": query,
        "page": page,
        "results": present.organisation_summaries(list(page.object_list)),
        "kept": present.organisation_summaries(selectors.organisations_kept_by(actor)),
        "claims": [(claim, present.claim_tag(claim)) for claim in claims],
        "is_provider": actor.role == Role.PROVIDER_STAFF,
        "is_administrator": actor.role == Role.ADMINISTRATOR,
    }
    return render(request, "directory/keeping/organisations.jinja", context)


@require_GET
@actor_required("directory.keep_entries")
def organisation_detail(request: HttpRequest, organization_id: uuid.UUID) -> HttpResponse:
    actor = actor_of(request)
    organisation = selectors.get_directory_organisation(organization_id)
    can_keep = keeping.can_keep_organization(actor, organisation)
    services = selectors.services_of(organisation)
    waiting = selectors.waiting_suggestions_by_service(actor, [s.id for s in services]) if can_keep else {}
    claims = selectors.claims_by_my_organisation(actor, organisation)
    context = {
        "organisation": organisation,
        "can_keep": can_keep,
        "rows": present.service_rows(services, waiting) if can_keep else [],
        "services": services,
        "claim": present.claim_state(actor, organisation, claims) if actor.role == Role.PROVIDER_STAFF else None,
        "is_administrator": actor.role == Role.ADMINISTRATOR,
    }
    return render(request, "directory/keeping/organisation.jinja", context)


@require_http_methods(["GET", "POST"])
@actor_required("directory.claim_organisation")
def claim(request: HttpRequest, organization_id: uuid.UUID) -> HttpResponse:
    actor = actor_of(request)
    organisation = selectors.get_directory_organisation(organization_id)
    if keeping.can_keep_organization(actor, organisation):
        messages.info(request, "Your organisation already keeps this entry.")
        return redirect("directory:organisation", organization_id=organisation.id)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            keeping.request_claim(
                actor,
                organisation,
                role_at_organization=form.cleaned_data["role_at_organization"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.info(request, "Your claim has been sent. We will email you when an administrator has decided.")
            return redirect("directory:organisation", organization_id=organisation.id)
    context = {"form": form, "organisation": organisation}
    return render(request, "directory/keeping/claim.jinja", context, status=400 if form.errors else 200)


def _service_to_keep(request: HttpRequest, service_id: uuid.UUID) -> Service:
    service = selectors.get_service_to_keep(service_id)
    if not keeping.can_keep(actor_of(request), service):
        raise PermissionDenied("directory.keep_entries")
    return service


def _initial(service: Service) -> dict[str, object]:
    initial = keeping.current_values(service)
    initial["version"] = service.version
    for key in ("minimum_age", "maximum_age"):
        if initial[key] is not None:
            initial[key] = int(initial[key])
    return initial


def _edit_context(service: Service, form: ServiceForm, **extra: object) -> dict[str, object]:
    return {
        "form": form,
        "service": service,
        "detailed_opening_times": keeping.has_detailed_opening_times(service),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@actor_required("directory.keep_entries")
def edit_service(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    actor = actor_of(request)
    service = _service_to_keep(request, service_id)
    form = ServiceForm(request.POST or None, initial=_initial(service))
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data.get("version") or 0
        try:
            saved, changes = keeping.update_service(actor, service, form.service_data(), expected_version=expected)
        except ValidationError as error:
            show_errors(form, error)
            return render(request, "directory/keeping/edit_service.jinja", _edit_context(service, form), status=400)
        except keeping.EditConflict as conflict:
            # The next save is against the version now stored, with the user's typing kept.
            data = request.POST.copy()
            data["version"] = str(conflict.current.version)
            form = ServiceForm(data, initial=_initial(conflict.current))
            form.is_valid()
            form.add_error(
                None,
                "Someone else changed this service after you opened it. Your changes have not been saved. "
                "Check your changes below, then save again.",
            )
            history = present.history_rows(selectors.service_history(conflict.current)[:10])
            context = _edit_context(conflict.current, form, conflict=history)
            return render(request, "directory/keeping/edit_service.jinja", context, status=409)
        if changes:
            messages.info(request, f"Your changes to {saved.name} have been saved.")
        else:
            messages.info(request, f"You did not change anything, so {saved.name} has not been changed.")
        if saved.organization_id is None:
            return redirect("directory:history", service_id=saved.id)
        return redirect("directory:organisation", organization_id=saved.organization_id)
    status = 400 if form.errors else 200
    return render(request, "directory/keeping/edit_service.jinja", _edit_context(service, form), status=status)


@require_http_methods(["GET", "POST"])
@actor_required("directory.keep_entries")
def mark_reviewed(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    actor = actor_of(request)
    service = _service_to_keep(request, service_id)
    if request.method == "POST":
        saved = keeping.mark_reviewed(actor, service)
        messages.info(
            request,
            f"Thank you. {saved.name} has been marked as correct on {format_date(saved.last_reviewed_at)}.",
        )
        if saved.organization_id is None:
            return redirect("directory:history", service_id=saved.id)
        return redirect("directory:organisation", organization_id=saved.organization_id)
    context = {"service": service, "last_checked": present.last_checked(service)}
    return render(request, "directory/keeping/reviewed.jinja", context)


@require_GET
@actor_required("directory.keep_entries")
def history(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    service = _service_to_keep(request, service_id)
    rows = present.history_rows(selectors.service_history(service))
    return render(request, "directory/keeping/history.jinja", {"service": service, "rows": rows})
