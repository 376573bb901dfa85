"""Administrators' pages: organisations, users and the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.core.forms import AuditFilterForm, OrganisationForm, UserForm
from carehouse.core.models import AuditEvent, Organisation, User
from carehouse.core.roles import Role
from carehouse.core.services import accounts
from carehouse.core.views import actor_of, actor_required


@require_GET
@actor_required("core.manage_organisations")
def organisations(request: HttpRequest) -> HttpResponse:
    rows = Organisation.objects.select_related("parent").order_by("type", "name")
    return render(request, "core/admin/organisations.jinja", {"organisations": rows})


@require_http_methods(["GET", "POST"])
@actor_required("core.manage_organisations")
def add_organisation(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = accounts.create_organisation(actor_of(request), form.cleaned_data)
        messages.info(request, f"{organisation.name} has been added.")
        return redirect("core:organisations")
    return render(request, "core/admin/organisation_form.jinja", {"form": form}, status=400 if form.errors else 200)


@require_GET
@actor_required("core.manage_users")
def users(request: HttpRequest) -> HttpResponse:
    rows = User.objects.prefetch_related("memberships__organisation").order_by("full_name")
    return render(request, "core/admin/users.jinja", {"users": rows})


@require_http_methods(["GET", "POST"])
@actor_required("core.manage_users")
def add_user(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = actor_of(request)
        data = form.cleaned_data
        user = accounts.create_user(actor, email=data["email"], full_name=data["full_name"], password=data["password"])
        accounts.add_membership(actor, user, data["organisation"], Role(data["role"]), data["job_title"])
        messages.info(request, f"{user.full_name} has been added.")
        return redirect("core:users")
    return render(request, "core/admin/user_form.jinja", {"form": form}, status=400 if form.errors else 200)


@require_GET
@actor_required("core.view_audit")
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["actor_email"]:
            events = events.filter(actor_email__icontains=data["actor_email"].strip())
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["person_id"] is not None:
            events = events.filter(person_id=data["person_id"])
        if data["organisation"]:
            events = events.filter(actor_organisation=data["organisation"].strip().upper())
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    role_labels = {role.value: role.label for role in Role}
    context = {"form": form, "page": page, "query": query.urlencode(), "role_labels": role_labels}
    return render(request, "core/admin/audit_log.jinja", context, status=400 if form.errors else 200)
