"""The administrator's questionnaires pages, and the ``load_instrument_file`` command."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from carehouse.core.models import AuditEvent, Membership
from carehouse.measures.definitions import SHIPPED_DIRECTORY
from carehouse.measures.models import Instrument, InstrumentSource
from carehouse.measures.tests.conftest import SWEMWBS_TEST_TEXT

SignIn = Callable[[Client, Membership], Client]
LIST = "/measures/instruments"


@pytest.fixture
def as_ada(client: Client, signed_in: SignIn, ada: Membership) -> Client:
    return signed_in(client, ada)


def upload(client: Client, content: bytes, name: str = "pack.json") -> Any:
    return client.post(LIST, {"file": SimpleUploadedFile(name, content, content_type="application/json")})


def page_text(response: Any) -> str:
    return response.content.decode()


def test_list_shows_every_instrument_with_its_licence(as_ada: Client) -> None:
    response = as_ada.get(LIST)
    assert response.status_code == 200
    text = page_text(response)
    for title in ("PHQ-9 (version 1)", "SWEMWBS (version 1)", "PAM (version 1)", "CollaboRATE (version 1)"):
        assert title in text
    assert "Licensed: the scoring ships, your organisation loads the wording" in text
    assert "Off: load its wording first" in text
    assert 'enctype="multipart/form-data"' in text
    assert 'type="file"' in text and 'name="file"' in text


def test_uploading_the_swemwbs_wording_switches_it_on(as_ada: Client, ada: Membership) -> None:
    response = upload(as_ada, SWEMWBS_TEST_TEXT.read_bytes())
    swemwbs = Instrument.objects.get(key="swemwbs")
    assert response.status_code == 302
    assert response["Location"] == f"/measures/instruments/{swemwbs.pk}"
    assert swemwbs.can_be_completed
    assert swemwbs.text_loaded_by == ada.user
    page = as_ada.get(response["Location"])
    text = page_text(page)
    assert "The licensed wording of SWEMWBS (version 1) has been loaded." in text
    assert "Test statement 1 for wellbeing" in text
    assert "by Ada Administrator" in text
    assert "Carehouse test suite (placeholder wording, not the licensed text)" in text
    listed = page_text(as_ada.get(LIST))
    assert "Off: load its wording first" in listed  # MYCaW still waits for its wording
    assert listed.count("by Ada Administrator") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "The file is not valid JSON"),
        (json.dumps({"kind": "item_text", "instrument": "phq9", "version": "1", "licence_holder": "Us", "items": {}}).encode(),
         "The wording of PHQ-9 ships with Carehouse: there is nothing to load"),
        ((SHIPPED_DIRECTORY / "gad7.json").read_bytes(), "GAD-7 version 1 is already loaded"),
    ],
    ids=["not json", "open instrument", "duplicate"],
)  # fmt: skip
def test_bad_file_is_refused_beside_the_field(as_ada: Client, content: bytes, message: str) -> None:
    before = (Instrument.objects.count(), AuditEvent.objects.exclude(action="read").count())
    response = upload(as_ada, content)
    assert response.status_code == 400
    text = page_text(response)
    assert "There is a problem" in text
    assert 'href="#id_file"' in text  # the error summary links to the field
    assert text.count(message) == 2  # in the summary and beside the field
    assert "nhsuk-form-group--error" in text
    assert (Instrument.objects.count(), AuditEvent.objects.exclude(action="read").count()) == before


def test_no_file_selected(as_ada: Client) -> None:
    response = as_ada.post(LIST, {})
    assert response.status_code == 400
    assert page_text(response).count("Select a file to upload") == 2


def test_pack_missing_an_item_names_it(as_ada: Client) -> None:
    data = json.loads(SWEMWBS_TEST_TEXT.read_text())
    del data["items"]["6"]
    response = upload(as_ada, json.dumps(data).encode())
    assert response.status_code == 400
    assert "items: Give the wording of every item; missing: 6" in page_text(response)
    assert Instrument.objects.get(key="swemwbs").needs_text


def test_a_new_definition_version_is_loaded(as_ada: Client) -> None:
    data = json.loads((SHIPPED_DIRECTORY / "gad7.json").read_text())
    data["version"] = "2"
    response = upload(as_ada, json.dumps(data).encode())
    loaded = Instrument.objects.get(key="gad7", version="2")
    assert response.status_code == 302
    assert loaded.source == InstrumentSource.LOADED
    assert "The definition of GAD-7 (version 2) has been loaded." in page_text(as_ada.get(response["Location"]))


def test_detail_shows_the_definition(as_ada: Client) -> None:
    phq9 = Instrument.objects.get(key="phq9")
    text = page_text(as_ada.get(f"/measures/instruments/{phq9.pk}"))
    assert "Thoughts of self-harm" in text
    assert "0 to 4: Minimal; 5 to 9: Mild; 10 to 14: Moderate; 15 to 19: Moderately severe; 20 to 27: Severe" in text
    assert "5 (Löwe B et al. Monitoring depression treatment outcomes with the PHQ-9" in text
    assert "The answers are added up" in text
    assert "Pfizer Inc." in text
    assert phq9.parsed.items[0].text in text  # open wording is shown


def test_detail_of_swemwbs_shows_no_wording_until_loaded(as_ada: Client) -> None:
    swemwbs = Instrument.objects.get(key="swemwbs")
    text = page_text(as_ada.get(f"/measures/instruments/{swemwbs.pk}"))
    assert "questionnaires page</a> before it can be switched on." in text
    assert 'name="enabled"' not in text
    assert text.count("Not loaded") == 8  # each of the 7 statements, and the wording row
    assert "converted with a published table" in text
    assert "SWEMWBS raw score to metric score conversion table" in text


def test_switch_off_and_on(as_ada: Client) -> None:
    gad7 = Instrument.objects.get(key="gad7")
    url = f"/measures/instruments/{gad7.pk}"
    response = as_ada.post(url, {"enabled": "no"})
    assert response.status_code == 302
    assert not Instrument.objects.get(pk=gad7.pk).enabled
    assert "GAD-7 (version 1) has been switched off." in page_text(as_ada.get(url))
    as_ada.post(url, {"enabled": "yes"})
    assert Instrument.objects.get(pk=gad7.pk).enabled


def test_cannot_switch_on_without_the_wording(as_ada: Client) -> None:
    swemwbs = Instrument.objects.get(key="swemwbs")
    response = as_ada.post(f"/measures/instruments/{swemwbs.pk}", {"enabled": "yes"})
    assert response.status_code == 400
    assert page_text(response).count("Load the licensed wording of SWEMWBS before switching it on") == 2
    assert not Instrument.objects.get(pk=swemwbs.pk).can_be_completed


def test_unknown_instrument_is_404(as_ada: Client) -> None:
    assert as_ada.get("/measures/instruments/999999").status_code == 404


@pytest.mark.parametrize("who", ["priya", "lena", "cora", "vic"])
def test_only_administrators(who: str, client: Client, signed_in: SignIn, request: pytest.FixtureRequest) -> None:
    signed_in(client, request.getfixturevalue(who))
    phq9 = Instrument.objects.get(key="phq9")
    assert client.get(LIST).status_code == 403
    assert upload(client, SWEMWBS_TEST_TEXT.read_bytes()).status_code == 403
    assert client.post(f"/measures/instruments/{phq9.pk}", {"enabled": "no"}).status_code == 403
    assert Instrument.objects.get(key="swemwbs").needs_text
    assert Instrument.objects.get(pk=phq9.pk).enabled


def test_the_person_cannot_see_the_page(as_mary: Client) -> None:
    assert as_mary.get(LIST).status_code == 403


def test_administrator_start_page_links_here(as_ada: Client) -> None:
    assert f'href="{LIST}"' in page_text(as_ada.get("/start"))


# -- the command -----------------------------------------------------------------------------------


def test_command_loads_the_wording_as_the_system(db: None) -> None:
    out = StringIO()
    call_command("load_instrument_file", str(SWEMWBS_TEST_TEXT), stdout=out)
    assert "Loaded the licensed wording of SWEMWBS (version 1)" in out.getvalue()
    swemwbs = Instrument.objects.get(key="swemwbs")
    assert swemwbs.can_be_completed
    assert swemwbs.text_loaded_by is None
    event = AuditEvent.objects.filter(object_type="measures.Instrument").order_by("-sequence").first()
    assert event is not None
    assert (event.actor_role, event.actor_user_id, event.purpose) == ("system", None, "load_instrument_file")


def test_command_refuses_a_bad_file(db: None, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    with pytest.raises(CommandError, match="was not loaded: The file is not valid JSON"):
        call_command("load_instrument_file", str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_instrument_file", str(tmp_path / "missing.json"))
    assert Instrument.objects.get(key="swemwbs").needs_text
