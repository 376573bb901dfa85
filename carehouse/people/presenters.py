"""How a person's record reads on the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.rules import has_permission
from carehouse.people.models import CareTeamMember, Consent, Person, PersonalContact


def _row(key: str, value: str) -> dict[str, Any]:
    return {"key": {"text": key}, "value": {"text": value or "Not recorded"}}


@dataclass
class ConsentPresenter:
    consent: Consent

    @property
    def status(self) -> str:
        if self.consent.withdrawn_at:
            return f"Withdrawn {self.consent.withdrawn_at:%-d %B %Y}"
        if self.consent.decision != "given":
            return self.consent.get_decision_display()
        if self.consent.expires_on and self.consent.expires_on < timezone.localdate():
            return f"Expired {self.consent.expires_on:%-d %B %Y}"
        return "Active"

    @property
    def is_active(self) -> bool:
        return self.consent.is_active()

    @property
    def tag_class(self) -> str:
        return "nhsuk-tag--green" if self.is_active else "nhsuk-tag--grey"

    @property
    def recipients(self) -> str:
        names = [o.name for o in self.consent.recipient_organisations.all()]
        names += [f"{c.name} ({c.relationship})" for c in self.consent.recipient_contacts.all()]
        return ", ".join(names) or "Nobody named"

    @property
    def summary_rows(self) -> list[dict[str, Any]]:
        c = self.consent
        rows = [
            _row("Decision", c.get_decision_display()),
            _row("What may be shared", c.get_scope_display()),
            _row("Shared with", self.recipients),
            _row("Decided by", c.get_given_by_display() + (f": {c.given_by_name}" if c.given_by_name else "")),
            _row("Recorded", f"{c.given_at:%-d %B %Y}" + (f" by {c.recorded_by.full_name}" if c.recorded_by else "")),
            _row("Review or expiry date", f"{c.expires_on:%-d %B %Y}" if c.expires_on else "None"),
        ]
        if c.reason_not_sought:
            rows.append(_row("Why consent was not sought", c.reason_not_sought))
        if c.withdrawn_at:
            rows.append(_row("Why it was withdrawn", c.withdrawn_reason))
        return rows


class PersonPresenter:
    def __init__(
        self,
        person: Person,
        actor: Actor,
        *,
        consents: list[Consent],
        contacts: list[PersonalContact],
        care_team: list[CareTeamMember],
    ) -> None:
        self.person = person
        self.actor = actor
        self.consents = [ConsentPresenter(c) for c in consents]
        self.contacts = contacts
        self.care_team = care_team

    @property
    def name(self) -> str:
        p = self.person
        return p.full_name + (f" ({p.preferred_name})" if p.preferred_name else "")

    @property
    def key_worker(self) -> CareTeamMember | None:
        return next((m for m in self.care_team if m.is_key_worker), None)

    @property
    def can_edit(self) -> bool:
        return has_permission(self.actor, "people.change_person")

    @property
    def can_record_consent(self) -> bool:
        return has_permission(self.actor, "people.record_consent")

    @property
    def can_withdraw_consent(self) -> bool:
        return has_permission(self.actor, "people.withdraw_consent")

    @property
    def can_manage_contacts(self) -> bool:
        return has_permission(self.actor, "people.manage_contacts")

    @property
    def detail_rows(self) -> list[dict[str, Any]]:
        p = self.person
        today = timezone.localdate()
        return [
            _row("NHS number", p.formatted_nhs_number),
            _row("Date of birth", f"{p.date_of_birth:%-d %B %Y} (aged {p.age_on(today)})"),
            _row("Sex", p.get_sex_display()),
            _row("Gender identity", p.gender_identity),
            _row("Pronouns", p.pronouns),
            _row("Ethnic group", p.get_ethnicity_display()),
            _row("Registered GP practice", p.registered_practice.name if p.registered_practice else ""),
        ]

    @property
    def contact_rows(self) -> list[dict[str, Any]]:
        p = self.person
        return [
            _row("Address", ", ".join(line.strip() for line in p.address.splitlines() if line.strip())),
            _row("Postcode", p.postcode),
            _row("Phone", p.phone),
            _row("Email", p.email),
            _row("Preferred contact", p.get_preferred_contact_method_display()),
            _row("We may leave a message", "Yes" if p.may_leave_messages else "No"),
            _row("Preferred language", p.preferred_language),
            _row("Communication needs", p.communication_needs),
        ]
