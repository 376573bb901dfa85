"""The practice's messages back to the GP: the PRSB "message back to GP and referrer", with its codes.

Practitioners and link workers see the messages addressed to the practice they act for
(``selectors_gp``), can download one as text for the GP record, and mark it filed. When the
person asked that only the codes go to their GP record (``codes_only``), only the codes show.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from carehouse.careplans.presenters import format_date, format_datetime
from carehouse.core.views import actor_of, actor_required
from carehouse.referrals import selectors_gp
from carehouse.referrals.models import MessageToGP
from carehouse.referrals.services import gp as gp_services

TITLE = "Message back to GP and referrer"
CODES_ONLY_NOTE = "The person asked that only the codes, not the details, go to their GP record."


@dataclass(frozen=True)
class Code:
    code: str
    display: str
    system: str


@dataclass(frozen=True)
class MessagePresenter:
    """One message, as the practice reads it."""

    message: MessageToGP

    @property
    def reference(self) -> str:
        return self.message.referral.reference

    @property
    def person_name(self) -> str:
        return self.message.referral.person.full_name

    @property
    def nhs_number(self) -> str:
        person = self.message.referral.person
        return person.formatted_nhs_number if person.nhs_number else ""

    @property
    def date_of_birth(self) -> str:
        return format_date(self.message.referral.person.date_of_birth)

    @property
    def kind(self) -> str:
        return self.message.get_kind_display()

    @property
    def written(self) -> str:
        return format_date(self.message.created_at)

    @property
    def filed(self) -> str:
        return format_datetime(self.message.filed_at) if self.message.filed_at else ""

    @property
    def codes(self) -> list[Code]:
        return [
            Code(code=str(c.get("code", "")), display=str(c.get("display", "")), system=str(c.get("system", "")))
            for c in self.message.codes or []
            if isinstance(c, dict)
        ]

    @property
    def codes_text(self) -> str:
        return ", ".join(f"{c.display} ({c.code})" for c in self.codes) or "None"

    @property
    def codes_only(self) -> bool:
        return self.message.codes_only

    @property
    def body_lines(self) -> list[str]:
        return [] if self.codes_only else self.message.body.splitlines()

    def as_text(self) -> str:
        """The plain text a practice files in the GP record."""
        lines = [
            TITLE,
            f"Carehouse referral {self.reference}: {self.kind}",
            f"Written {self.written}",
            f"Person: {self.person_name}, born {self.date_of_birth}"
            + (f", NHS number {self.nhs_number}" if self.nhs_number else ""),
            "",
        ]
        if self.codes_only:
            lines += [CODES_ONLY_NOTE, ""]
        else:
            lines += [*self.body_lines, ""]
        lines.append("SNOMED CT codes:")
        lines += [f"{c.code}  {c.display}" for c in self.codes] or ["None"]
        return "\n".join(lines) + "\n"


@require_GET
@actor_required("referrals.view_gp_messages")
def messages(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    found = [MessagePresenter(message) for message in selectors_gp.list_messages(actor)]
    context = {
        "unfiled": [m for m in found if not m.message.filed_at],
        "filed": [m for m in found if m.message.filed_at],
        "practice": actor.organisation,
    }
    return render(request, "referrals/gp/messages.jinja", context)


@require_http_methods(["GET", "POST"])
@actor_required("referrals.view_gp_messages")
def message(request: HttpRequest, message_id: int) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST":
        found = selectors_gp.get_message(actor, message_id, purpose="file in the GP record")
        was_filed = found.filed_at is not None
        gp_services.mark_filed(actor, found)
        if not was_filed:
            flash.info(request, f"The message about {found.referral.reference} is marked as filed in the GP record.")
        return redirect("referrals:gp_message", message_id=found.pk)
    download = request.GET.get("download") == "text"
    found = selectors_gp.get_message(actor, message_id, purpose="download for the GP record" if download else "")
    page = MessagePresenter(found)
    if download:
        response = HttpResponse(page.as_text(), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{page.reference}-message-to-gp.txt"'
        return response
    return render(
        request, "referrals/gp/message.jinja", {"page": page, "title": TITLE, "codes_only_note": CODES_ONLY_NOTE}
    )
