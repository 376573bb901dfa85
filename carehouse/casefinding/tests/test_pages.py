"""The results a commissioner reads (through disclosure control only) and the list a practice reads (its own)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from carehouse.casefinding.models import Invitation, RunSource, RunStatus, StratificationRun
from carehouse.casefinding.presenters import NO_BREAKDOWN
from carehouse.conftest import sign_in
from carehouse.core.models import AuditEvent, Organisation
from carehouse.core.roles import Role
from carehouse.core.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from carehouse.people.models import Person
from carehouse.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

SEGMENTS = [
    {"segment": "frailty_dementia", "label": "Frailty and dementia", "people": 3},
    {"segment": "long_term_conditions", "label": "Long-term conditions", "people": 12},
    {"segment": "organ_failure", "label": "Organ failure", "people": 0},
]


def made_run(organisation: Organisation, **overrides) -> StratificationRun:
    summary = {
        "as_at": "2026-03-31",
        "engine": "duckdb",
        "people": 15,
        "segments": SEGMENTS,
        "by_practice": [
            {"practice_code": "Y10001", "segment": "frailty_dementia", "people": 3},
            {"practice_code": "Y10001", "segment": "long_term_conditions", "people": 7},
            {"practice_code": "Y10002", "segment": "long_term_conditions", "people": 5},
        ],
        "by_age_band": [
            {"age_band": "65-74", "segment": "frailty_dementia", "people": 3},
            {"age_band": "65-74", "segment": "long_term_conditions", "people": 12},
        ],
        "by_deprivation": [
            {"deprivation_decile": 1, "segment": "frailty_dementia", "people": 3},
            {"deprivation_decile": 1, "segment": "long_term_conditions", "people": 12},
        ],
        "models": [{"key": "charlson", "name": "Charlson Comorbidity Index", "source": "Quan 2005", "lookback": ""}],
        "cohorts": [
            {
                "key": "frail-65-and-over",
                "name": "Aged 65 and over with moderate or severe frailty",
                "description": "Frail older people.",
                "people": 6,
                "by_practice": [{"practice_code": "Y10001", "people": 6}],
                "by_segment": [{"segment": "frailty_dementia", "people": 6}],
                "by_age_band": [],
                "by_deprivation": [],
            },
            {
                "key": "mltc-and-emergency-admission",
                "name": "Two or more long-term conditions and an emergency admission",
                "description": "",
                "people": 12,
                "by_practice": [{"practice_code": "Y10001", "people": 9}, {"practice_code": "Y10002", "people": 3}],
                "by_segment": [{"segment": "long_term_conditions", "people": 12}],
                "by_age_band": [{"age_band": "65-74", "people": 12}],
                "by_deprivation": [{"deprivation_decile": 1, "people": 12}],
            },
        ],
    }
    values = {
        "organisation": organisation,
        "source": RunSource.CONFIGURED,
        "extract_name": "march",
        "cohorts": ["mltc-and-emergency-admission", "frail-65-and-over"],
        "status": RunStatus.FINISHED,
        "summary": summary,
        "input_report": {
            "usable": True,
            "problems": [],
            "tables": {
                "persons": {
                    "table": "persons",
                    "rows_read": 17,
                    "rows_used": 15,
                    "rejected": {"sex is not known": 2},
                    "notes": ["2 people have no deprivation decile"],
                }
            },
        },
        "settings": {"as_at": "2026-03-31", "utilisation_months": 12, "priority": {"frailty": 0.2}},
        "finished_at": timezone.now(),
    }
    values.update(overrides)
    return StratificationRun.objects.create(**values)


def cell(page: str, row_label: str) -> list[str]:
    """The cells of the table row headed ``row_label``, in order."""
    match = re.search(rf'<th scope="row" class="nhsuk-table__header">{re.escape(row_label)}</th>(.*?)</tr>', page, re.S)
    assert match, f"No row {row_label!r}"
    return re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)


# -- the commissioner's results --------------------------------------------------------------------


def test_counts_are_shown_only_through_disclosure_control(client, signed_in, cora, practice, other_practice):
    run = made_run(cora.organisation)
    signed_in(client, cora)
    page = client.get(f"/case-finding/{run.pk}").content.decode()
    # Segments: 3 is hidden, 12 is rounded to 10, 0 stays 0; shares come from the rounded figures.
    assert cell(page, "Frailty and dementia")[:2] == ["*", "*"]
    assert cell(page, "Long-term conditions")[:2] == ["10", "67%"]
    assert cell(page, "Organ failure")[:2] == ["0", "0%"]
    assert "Counted as at 2026-03-31: 15 people." in page
    # Practice by segment: a practice of 10 is broken down, one of 5 is not.
    assert cell(page, "Test Medical Centre (Y10001)") == ["*", "*", "0", "10"]
    assert cell(page, "Other Surgery (Y10002)") == [NO_BREAKDOWN, NO_BREAKDOWN, NO_BREAKDOWN, "*"]
    assert "fewer than 8 people in this row" in page
    assert cell(page, "65-74") == ["*", "10", "0", "15"]
    assert cell(page, "1 (most deprived)") == ["*", "10", "0", "15"]
    # A cohort of 6 is not broken down; one of 12 is, each figure controlled.
    assert "Aged 65 and over with moderate or severe frailty: * people" in page
    assert "Too few people to show a breakdown." in page
    assert "Two or more long-term conditions and an emergency admission: 10 people" in page
    # The input report counts rows, not people: as they are.
    assert "Set aside: sex is not known" in page
    assert re.search(r"Rows read</dt><dd[^>]*>17<", page)
    assert "2 people have no deprivation decile" in page
    assert "Utilisation months" in page or "Hospital and GP use counted over (months)" in page
    assert "Charlson Comorbidity Index" in page
    for raw in (">3<", ">12<", ">7<"):
        assert raw not in page  # no raw figure anywhere


def test_a_run_of_fewer_than_eight_people_is_not_broken_down(client, signed_in, cora):
    run = made_run(
        cora.organisation,
        summary={"as_at": "2026-03-31", "people": 5, "segments": SEGMENTS[:1], "by_practice": [], "cohorts": []},
    )
    signed_in(client, cora)
    page = client.get(f"/case-finding/{run.pk}").content.decode()
    assert "Counted as at 2026-03-31: * people." in page
    assert "Too few people to show a breakdown." in page
    assert "Frailty and dementia" not in page


def test_a_running_run_refreshes_itself_and_shows_its_step(client, signed_in, cora):
    run = made_run(
        cora.organisation,
        status=RunStatus.RUNNING,
        summary={},
        progress_step="Segmenting",
        progress_done=5,
        progress_total=10,
        finished_at=None,
    )
    signed_in(client, cora)
    page = client.get(f"/case-finding/{run.pk}").content.decode()
    assert 'data-job-refresh="3000"' in page  # app.js reloads it; a meta refresh would fail WCAG 2.2.1
    assert "http-equiv" not in page
    assert "Segmenting (step 6 of 10)" in page
    assert 'value="50"' in page
    assert "<script>" not in page  # the refresh needs no inline script (the CSP forbids them)


def test_a_commissioner_elsewhere_cannot_see_the_run(client, signed_in, cora):
    run = made_run(cora.organisation)
    other_board = OrganisationFactory(ods_code="QT2", type="integrated_care_board")
    other = MembershipFactory(
        user=UserFactory(email="carl@example.org"), organisation=other_board, role=Role.COMMISSIONER
    )
    signed_in(client, other)
    assert client.get(f"/case-finding/{run.pk}").status_code == 404
    assert "march" not in client.get("/case-finding/").content.decode()


# -- the practice's list ----------------------------------------------------------------------------


@pytest.fixture
def lists(cora, practice, other_practice) -> dict[str, object]:
    run = made_run(cora.organisation)
    matched = Person.objects.get(
        pk=PersonFactory(given_name="Maud", family_name="Matched", registered_practice=practice).pk
    )
    rows = []
    wanted: list[tuple[Organisation, Person | None, str]] = [
        (practice, matched, matched.nhs_number),
        (practice, None, "9990000018"),
        (other_practice, None, "9990000026"),
    ]
    for rank, (at, person, number) in enumerate(wanted, start=1):
        rows.append(
            Invitation.objects.create(
                run=run,
                practice=at,
                cohort_key="mltc-and-emergency-admission",
                person=person,
                nhs_number=number,
                rank=rank if at == practice else 1,
                priority_score=90.0 - rank,
                segment="long_term_conditions",
                reasons=["2 emergency admissions in 12 months", "4 long-term conditions"],
                details={"age": 70 + rank, "sex": "female"},
            )
        )
    Invitation.objects.create(
        run=run,
        practice=practice,
        cohort_key="frail-65-and-over",
        nhs_number="9990000034",
        rank=1,
        priority_score=50.0,
        segment="frailty_dementia",
        reasons=[],
        details={},
    )
    return {"run": run, "matched": matched, "rows": rows}


def test_a_practitioner_sees_their_own_practice_list_ranked_with_links(client, signed_in, priya, lists):
    signed_in(client, priya)
    response = client.get("/case-finding/invitations")
    assert response.status_code == 200
    page = response.content.decode()
    matched = lists["matched"]
    assert "Two or more long-term conditions and an emergency admission in the last 12 months (2)" in page
    assert f'href="/people/{matched.pk}">Maud Matched</a>' in page
    assert f'href="/careplans/preparation/send/{matched.pk}">Send a preparation pack' in page
    assert "999 000 0018" in page  # unmatched: the NHS number only
    assert "No Carehouse record" in page
    assert "999 000 0026" not in page  # Omar's practice's row
    assert "2 emergency admissions in 12 months; 4 long-term conditions" in page
    assert "Long-term conditions" in page
    assert "89.0" in page
    assert page.index("Maud Matched") < page.index("999 000 0018")  # in rank order
    assert "999 000 0034" not in page  # another cohort's row, on its own tab
    other = client.get("/case-finding/invitations?cohort=frail-65-and-over").content.decode()
    assert "999 000 0034" in other
    assert "999 000 0018" not in other


def test_reading_the_list_is_audited_once_per_page(client, signed_in, priya, lists):
    signed_in(client, priya)
    before = AuditEvent.objects.count()
    client.get("/case-finding/invitations")
    events = list(AuditEvent.objects.filter(sequence__gt=before))
    assert len(events) == 1
    event = events[0]
    assert (event.action, event.actor_email, event.actor_organisation) == ("read", priya.user.email, "Y10001")
    assert event.object_type == "casefinding.StratificationRun"
    assert event.changes == {"cohort": "mltc-and-emergency-admission", "page": 1, "shown": 2}
    assert "2 of 2 people" in event.summary


def test_another_practice_sees_only_its_own_rows(client, signed_in, omar, lists):
    signed_in(client, omar)
    page = client.get("/case-finding/invitations").content.decode()
    assert "999 000 0026" in page
    for hidden in ("999 000 0018", "Maud Matched", "999 000 0034"):
        assert hidden not in page
    assert "No Carehouse record" in page


def test_a_practice_with_no_list_is_told_so(client, signed_in, priya):
    signed_in(client, priya)
    page = client.get("/case-finding/invitations").content.decode()
    assert "There is no invitation list for your practice yet." in page


def test_unfinished_runs_give_no_list(client, signed_in, priya, lists):
    StratificationRun.objects.update(status=RunStatus.RUNNING)
    signed_in(client, priya)
    assert (
        "There is no invitation list for your practice yet." in client.get("/case-finding/invitations").content.decode()
    )


def test_a_link_worker_in_a_network_has_no_practice_list(client, signed_in, lena, lists):
    signed_in(client, lena)
    page = client.get("/case-finding/invitations").content.decode()
    assert "Invitation lists are made for GP practices." in page
    assert "999 000" not in page


# -- who may do what ------------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["priya", "vic", "ada"])
def test_only_commissioners_run_stratifications(request, client, signed_in, member, cora):
    run = made_run(cora.organisation)
    signed_in(client, request.getfixturevalue(member))
    assert client.get("/case-finding/").status_code == 403
    assert client.post("/case-finding/", {"source": "configured"}).status_code == 403
    assert client.get(f"/case-finding/{run.pk}").status_code == 403
    assert StratificationRun.objects.count() == 1


@pytest.mark.parametrize("member", ["cora", "vic", "ada"])
def test_only_direct_care_staff_read_invitations(request, client, signed_in, member, lists):
    signed_in(client, request.getfixturevalue(member))
    assert client.get("/case-finding/invitations").status_code == 403


def test_a_person_reaches_neither_page(client, lists):
    person = PersonFactory(user=UserFactory(email="pat@example.org"))
    sign_in(client, person.user, role=Role.PERSON)
    assert client.get("/case-finding/invitations").status_code == 403
    assert client.get("/case-finding/").status_code == 403


def test_not_signed_in_goes_to_sign_in(client):
    response = client.get("/case-finding/invitations")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=/case-finding/invitations"


def test_the_header_offers_each_role_its_page(client, signed_in, cora, priya, lena):
    signed_in(client, cora)
    page = client.get("/start").content.decode()
    assert 'href="/case-finding/"' in page
    assert 'href="/case-finding/invitations"' not in page
    signed_in(client, priya)
    page = client.get("/start").content.decode()
    assert 'href="/case-finding/invitations"' in page
    assert 'href="/case-finding/"' not in page
    signed_in(client, lena)
    assert "/case-finding/" not in client.get("/start").content.decode()
