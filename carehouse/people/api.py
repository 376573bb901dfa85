"""People and consent over the API: scoped, audited and validated exactly as in the UI."""

from __future__ import annotations

import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator

from carehouse.core.api import api_actor
from carehouse.core.models import Organisation
from carehouse.core.rules import require_permission
from carehouse.people import selectors, services
from carehouse.people.identifiers import nhs_number_problem, normalise_nhs_number, normalise_postcode
from carehouse.people.identifiers import validate_postcode as _validate_postcode
from carehouse.people.models import (
    ConsentDecision,
    ConsentGivenBy,
    ConsentPurpose,
    ConsentScope,
    ContactMethod,
    EthnicCategory,
    Person,
    Sex,
)

router = Router(tags=["People"])


def _nhs_number(value: str) -> str:
    if not value.strip():
        return ""
    problem = nhs_number_problem(value)
    if problem:
        raise ValueError(problem)
    return normalise_nhs_number(value)


def _postcode(value: str) -> str:
    if not value.strip():
        return ""
    try:
        _validate_postcode(value)
    except Exception as error:
        raise ValueError("Enter a full UK postcode, like LS1 4AP") from error
    return normalise_postcode(value)


def _date_of_birth(value: datetime.date) -> datetime.date:
    if value > timezone.localdate():
        raise ValueError("Date of birth must be today or in the past")
    if value.year < 1900:
        raise ValueError("Date of birth must be after 1 January 1900")
    return value


def _email(value: str) -> str:
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except ValidationError as error:
            raise ValueError("Enter an email address in the correct format, like name@example.com") from error
    return value


Email = Annotated[str, AfterValidator(_email)]
NhsNumber = Annotated[str, AfterValidator(_nhs_number)]
Postcode = Annotated[str, AfterValidator(_postcode)]
DateOfBirth = Annotated[datetime.date, AfterValidator(_date_of_birth)]


class PersonIn(Schema):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    preferred_name: str = Field("", max_length=100)
    nhs_number: NhsNumber = ""
    date_of_birth: DateOfBirth
    sex: Sex = Sex.NOT_KNOWN
    gender_identity: str = Field("", max_length=100)
    pronouns: str = Field("", max_length=40)
    ethnicity: EthnicCategory = EthnicCategory.NOT_KNOWN
    address: str = ""
    postcode: Postcode = ""
    phone: str = Field("", max_length=30)
    email: Email = ""
    preferred_contact_method: ContactMethod | None = None
    may_leave_messages: bool = False
    preferred_language: str = Field("", max_length=60)
    communication_needs: str = Field("", max_length=300)
    registered_practice: str | None = Field(
        None,
        description="ODS code of the registered GP practice; when adding a person and this is left out, "
        "your own practice if you work at one",
    )


class PersonUpdate(PersonIn):
    version: int = Field(description="The version you read; a newer stored version is a conflict (409)")


class PersonOut(Schema):
    id: int
    nhs_number: str
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: datetime.date
    sex: str
    gender_identity: str
    ethnicity: str
    postcode: str
    phone: str
    email: str
    preferred_contact_method: str
    registered_practice: str | None
    version: int


class PersonSummary(Schema):
    id: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date


class ConsentIn(Schema):
    purpose: ConsentPurpose
    decision: ConsentDecision = ConsentDecision.GIVEN
    scope: ConsentScope = ConsentScope.WHOLE_RECORD
    recipient_organisations: list[str] = Field(default_factory=list, description="ODS codes")
    given_by: ConsentGivenBy = ConsentGivenBy.PERSON
    given_by_name: str = ""
    expires_on: datetime.date | None = None
    reason_not_sought: str = ""


class ConsentOut(Schema):
    id: int
    purpose: str
    decision: str
    scope: str
    recipient_organisations: list[str]
    given_at: datetime.datetime
    expires_on: datetime.date | None
    withdrawn_at: datetime.datetime | None
    active: bool


class WithdrawIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


def _person_out(person: Person) -> PersonOut:
    return PersonOut(
        id=person.pk,
        nhs_number=person.nhs_number,
        given_name=person.given_name,
        family_name=person.family_name,
        preferred_name=person.preferred_name,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        gender_identity=person.gender_identity,
        ethnicity=person.ethnicity,
        postcode=person.postcode,
        phone=person.phone,
        email=person.email,
        preferred_contact_method=person.preferred_contact_method,
        registered_practice=person.registered_practice.ods_code if person.registered_practice else None,
        version=person.version,
    )


def _person_data(payload: PersonIn) -> dict[str, object]:
    data = payload.dict(exclude={"version", "registered_practice"})
    data["preferred_contact_method"] = data["preferred_contact_method"] or ""
    practice = None
    if payload.registered_practice:
        practice = Organisation.objects.filter(ods_code=payload.registered_practice.upper(), type="gp_practice").first()
        if practice is None:
            raise ValidationError({"registered_practice": "No GP practice has this ODS code"})
    data["registered_practice"] = practice
    return data


class PersonFilter(Schema):
    q: str = Field("", description="Name or NHS number")


@router.get("", response=list[PersonSummary], summary="Find people in your care")
def list_people(request: HttpRequest, filters: Query[PersonFilter]) -> list[PersonSummary]:
    require_permission(api_actor(request), "people.find_people")
    people = selectors.find_people(api_actor(request), filters.q)[:100]
    return [
        PersonSummary(
            id=p.pk,
            nhs_number=p.nhs_number,
            given_name=p.given_name,
            family_name=p.family_name,
            date_of_birth=p.date_of_birth,
        )
        for p in people
    ]


@router.post("", response={201: PersonOut}, summary="Add a person")
def create_person(request: HttpRequest, payload: PersonIn) -> Status[PersonOut]:
    require_permission(api_actor(request), "people.add_person")
    data = _person_data(payload)
    if "registered_practice" not in payload.model_fields_set:
        del data["registered_practice"]  # the service defaults it to the actor's practice, as the UI form does
    person = services.create_person(api_actor(request), data)
    return Status(201, _person_out(person))


@router.get("/{person_id}", response=PersonOut, summary="Read a person's record (audited)")
def get_person(request: HttpRequest, person_id: int) -> PersonOut:
    require_permission(api_actor(request), "people.view_person")
    return _person_out(selectors.get_person(api_actor(request), person_id, purpose="api"))


@router.put("/{person_id}", response={200: PersonOut, 409: dict}, summary="Change a person's details")
def update_person(request: HttpRequest, person_id: int, payload: PersonUpdate) -> Status[object]:
    require_permission(api_actor(request), "people.change_person")
    actor = api_actor(request)
    person = selectors.get_person(actor, person_id, purpose="api change")
    try:
        updated = services.update_person(actor, person, _person_data(payload), expected_version=payload.version)
    except services.EditConflict as conflict:
        return Status(
            409,
            {
                "detail": "This record was changed by someone else after you read it; nothing was saved",
                "current": _person_out(conflict.current).dict(),
            },
        )
    return Status(200, _person_out(updated))


def _consent_out(consent: object) -> ConsentOut:
    from carehouse.people.models import Consent

    assert isinstance(consent, Consent)
    return ConsentOut(
        id=consent.pk,
        purpose=consent.purpose,
        decision=consent.decision,
        scope=consent.scope,
        recipient_organisations=sorted(o.ods_code for o in consent.recipient_organisations.all()),
        given_at=consent.given_at,
        expires_on=consent.expires_on,
        withdrawn_at=consent.withdrawn_at,
        active=consent.is_active(),
    )


@router.get("/{person_id}/consents", response=list[ConsentOut], summary="A person's consent decisions")
def list_consents(request: HttpRequest, person_id: int) -> list[ConsentOut]:
    require_permission(api_actor(request), "people.view_person")
    person = selectors.get_person(api_actor(request), person_id, purpose="api consents")
    return [_consent_out(c) for c in selectors.consents_for(person)]


@router.post("/{person_id}/consents", response={201: ConsentOut}, summary="Record a consent decision")
def create_consent(request: HttpRequest, person_id: int, payload: ConsentIn) -> Status[ConsentOut]:
    require_permission(api_actor(request), "people.record_consent")
    actor = api_actor(request)
    person = selectors.get_person(actor, person_id, purpose="api record consent")
    codes = [c.upper() for c in payload.recipient_organisations]
    organisations = list(Organisation.objects.filter(ods_code__in=codes))
    missing = sorted(set(codes) - {o.ods_code for o in organisations})
    if missing:
        raise ValidationError({"recipient_organisations": f"Unknown ODS code(s): {', '.join(missing)}"})
    data = payload.dict(exclude={"recipient_organisations"})
    try:
        consent = services.record_consent(actor, person, data, recipient_organisations=organisations)
    except ValueError as error:
        raise ValidationError({"reason_not_sought": str(error)}) from error
    return Status(201, _consent_out(consent))


@router.post("/{person_id}/consents/{consent_id}/withdraw", response=ConsentOut, summary="Withdraw a consent")
def withdraw_consent(request: HttpRequest, person_id: int, consent_id: int, payload: WithdrawIn) -> ConsentOut:
    require_permission(api_actor(request), "people.withdraw_consent")
    actor = api_actor(request)
    person = selectors.get_person(actor, person_id, purpose="api withdraw consent")
    consent = selectors.get_consent(actor, person, consent_id)
    return _consent_out(services.withdraw_consent(actor, consent, reason=payload.reason))
