"""CollaboRATE over the API: a response about one appointment names who it was with (``about_user_id``).

Who it was with must be a member of staff of the caller's organisation; anyone else, or an id
no one has, is a 422 on ``about_user_id`` and nothing is stored. The CollaboRATE wording is
loaded at run time from a pack with placeholder wording, never the real wording.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from carehouse.core.models import Membership, Organisation, User
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, UserFactory
from carehouse.measures.models import Instrument, MeasureResponse, MeasureScore
from carehouse.measures.tests.test_api import Api, errors, phq9_body
from carehouse.people.models import Person

ALL_NINES = {"1": 9, "2": 9, "3": 9}


@pytest.fixture
def api(client: Client, priya: Membership) -> Api:
    return Api(client, priya)


def body(person: Person, **changes: Any) -> dict[str, Any]:
    return {
        "person_id": person.pk,
        "instrument": "collaborate",
        "timepoint": "session",
        "answers": ALL_NINES,
        **changes,
    }


def count() -> tuple[int, int]:
    return MeasureResponse.objects.count(), MeasureScore.objects.count()


def test_records_who_the_appointment_was_with(
    api: Api, priya: Membership, mary: Person, collaborate: Instrument
) -> None:
    result = api.post("/responses", body(mary, about_user_id=priya.user.pk))

    assert result.status_code == 201, result.content
    data = result.json()
    assert data["about_user_id"] == priya.user.pk
    assert {score["code"]: score["value"] for score in data["scores"]} == {"top": "1", "mean": "9.00"}
    stored = MeasureResponse.objects.get(pk=data["id"])
    assert (stored.instrument.key, stored.about_user_id) == ("collaborate", priya.user.pk)
    assert api.get(f"/responses/{stored.pk}").json()["about_user_id"] == priya.user.pk


def test_a_colleague_at_the_same_practice_may_be_named(
    api: Api, practice: Organisation, mary: Person, collaborate: Instrument
) -> None:
    nurse = UserFactory(email="nia@example.org", full_name="Nia Nurse")
    MembershipFactory(user=nurse, organisation=practice, role=Role.PRACTITIONER)

    result = api.post("/responses", body(mary, about_user_id=nurse.pk))

    assert result.status_code == 201, result.content
    assert MeasureResponse.objects.get(pk=result.json()["id"]).about_user_id == nurse.pk


@pytest.mark.parametrize("who", ["nobody", "omar", "lena", "mary", "ada"])
def test_anyone_but_staff_of_the_callers_organisation_is_refused(
    api: Api,
    mary: Person,
    mary_user: User,
    collaborate: Instrument,
    omar: Membership,
    lena: Membership,
    ada: Membership,
    who: str,
) -> None:
    ids: dict[str, int] = {
        "nobody": 987654,
        "omar": omar.user.pk,  # another practice
        "lena": lena.user.pk,  # the network, not the caller's practice
        "mary": mary_user.pk,  # not staff
        "ada": ada.user.pk,  # an administrator at the ICB
    }
    before = count()

    result = api.post("/responses", body(mary, about_user_id=ids[who]))

    assert errors(result) == {"about_user_id": "No member of staff of your organisation has this id"}
    assert count() == before


def test_who_it_was_with_is_required_for_collaborate(api: Api, mary: Person, collaborate: Instrument) -> None:
    before = count()

    result = api.post("/responses", body(mary))

    assert set(errors(result)) == {"about_user_id"}
    assert count() == before


def test_every_problem_is_named_at_once(api: Api, mary: Person, collaborate: Instrument) -> None:
    result = api.post("/responses", body(mary, about_user_id=987654, answers={"1": 9, "2": 12}))

    assert set(errors(result)) == {"about_user_id", "answers.2", "answers.3"}


def test_about_user_id_is_refused_for_a_questionnaire_not_about_an_appointment(
    api: Api, priya: Membership, mary: Person
) -> None:
    before = count()

    result = api.post("/responses", phq9_body(mary, about_user_id=priya.user.pk))

    assert set(errors(result)) == {"about_user_id"}
    assert count() == before
