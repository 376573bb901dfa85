"""The needs and gaps pages: figures built from real plans, referrals and directory records, then shown
only after disclosure control, within the commissioner's own area."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db.models import QuerySet, Sum
from django.test import Client
from django.utils import timezone

from carehouse.careplans.models import PlanStatus
from carehouse.careplans.tests.factories import CarePlanFactory, GoalFactory, NeedFactory
from carehouse.commissioning import facts
from carehouse.commissioning.dimensions import parse_filters
from carehouse.commissioning.models import AggregateCell, Grouping
from carehouse.commissioning.presenters_gaps import board_section as gaps_section
from carehouse.commissioning.presenters_needs import board_section as needs_section
from carehouse.commissioning.tests.conftest import Board
from carehouse.core.models import Organisation
from carehouse.directory.models import PostcodeKind, PostcodePoint
from carehouse.directory.tests.factories import make_service
from carehouse.people.tests.factories import PersonFactory
from carehouse.referrals.models import Referral
from carehouse.referrals.states import Reason, ReferralState

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 15)
AGREED = timezone.make_aware(datetime.datetime(2026, 2, 10, 10, 0))


def _plans(
    practice: Organisation, count: int, *, goal: str, need_code: str = "", status: str = PlanStatus.ACTIVE
) -> None:
    for _ in range(count):
        plan = CarePlanFactory(
            person=PersonFactory(registered_practice=practice),
            status=status,
            agreed_at=AGREED,
            about_most_important="Seeing my grandchildren more often",
        )
        GoalFactory(plan=plan, text=goal)
        NeedFactory(plan=plan, text="Feels isolated at home", snomed_code=need_code)


def _refer(practice: Organisation, service: object, count: int, status: str, reason: str) -> None:
    for _ in range(count):
        Referral.objects.create(
            person=PersonFactory(registered_practice=practice),
            service=service,
            receiving_organization=service.organization,
            reason_for_referral="Befriending",
            status=status,
            status_reason=reason,
            business_status="waitlisted" if status == ReferralState.ON_HOLD else "",
            closed_at=AGREED if status != ReferralState.ON_HOLD else None,
            last_activity_at=AGREED,
        )


@pytest.fixture
def figures(board: Board, settings: object) -> Board:
    settings.COMMISSIONING_THEME_METHOD = "keywords"
    PostcodePoint.objects.update_or_create(
        code="S60", defaults={"kind": PostcodeKind.DISTRICT, "latitude": 53.43, "longitude": -1.36}
    )
    Organisation.objects.filter(pk__in=[board.north.pk, board.south.pk]).update(postcode="S60 1AA")
    _plans(board.north, 12, goal="I feel lonely and want to meet new people", need_code="1144779008")
    _plans(board.south, 3, goal="I want to lose weight")
    _plans(board.north, 4, goal="I want to lose weight", status=PlanStatus.DRAFT)  # drafts never count
    _plans(board.other_icb_practice, 20, goal="Help with my debts and money worries")
    walks = make_service("Riverside Walks", terms=["mtm:walking-groups"], at=[(53.431, -1.361)], index=False)
    befriending = make_service("Far Away Friends", terms=["mtm:befriending"], at=[(51.5, -0.12)], index=False)
    _refer(board.north, befriending, 9, ReferralState.REJECTED, Reason.NO_CAPACITY)
    _refer(board.south, walks, 2, ReferralState.ON_HOLD, Reason.WAITLISTED)
    _refer(board.other_icb_practice, befriending, 30, ReferralState.CANCELLED, Reason.EXPIRED)
    facts.refresh(TODAY)
    return board


def _shown(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', page)
    assert match is not None
    return match[1]


def _row(page: str, label: str) -> list[str]:
    """The cells of the first table row whose heading is ``label``."""
    match = re.search(rf'<th scope="row" class="nhsuk-table__header">{re.escape(label)}</th>(.*?)</tr>', page, re.S)
    assert match is not None, label
    return re.findall(r'<td class="nhsuk-table__cell[^"]*">([^<]*)</td>', match[1])


def test_agreed_plans_become_needs_cells_by_the_month_agreed(figures: Board) -> None:
    plans = AggregateCell.objects.filter(grouping=Grouping.NONE, measure="need_plans")
    assert sum(plans.values_list("people", flat=True)) == 35  # 12 + 3 + 20 agreed; the 4 drafts are left out
    assert set(plans.values_list("month", flat=True)) == {datetime.date(2026, 2, 1)}
    lonely = AggregateCell.objects.filter(grouping=Grouping.NONE, measure="goal_theme", key="loneliness")
    assert set(lonely.values_list("practice_id", flat=True)) == {figures.north.pk}
    assert _sum(lonely, "people") == 12
    coded = AggregateCell.objects.filter(grouping=Grouping.NONE, measure="need", key="1144779008")
    assert set(coded.values_list("detail", flat=True)) == {"Feels isolated at home"}  # used 8+ times: its label
    unmet = AggregateCell.objects.filter(grouping=Grouping.NONE, measure="theme_reach", key="loneliness")
    assert (_sum(unmet, "people"), _sum(unmet, "improved")) == (35, 35)  # everyone is isolated; befriending is far
    diet = AggregateCell.objects.filter(grouping=Grouping.NONE, measure="theme_reach", key="diet_weight")
    assert (_sum(diet, "people"), _sum(diet, "improved")) == (3, 3)  # no healthy eating service anywhere


def _sum(cells: QuerySet[AggregateCell], field: str) -> int:
    return int(cells.aggregate(total=Sum(field))["total"] or 0)


def test_the_needs_page_shows_only_disclosure_controlled_figures(figures: Board, commissioner_client: Client) -> None:
    everyone = commissioner_client.get("/commissioning/needs?from=2026-01&to=2026-03").content.decode()
    assert _shown(everyone, "people-with-a-plan") == "15"  # 12 + 3 in this ICB; the other ICB's 20 never
    assert _row(everyone, "Loneliness and social contact")[0] == "10"
    assert _row(everyone, "Diet and weight")[0] == "*"
    assert _row(everyone, "North Surgery")[0] == "10"
    assert _row(everyone, "South Surgery") == ["*", "*", "*"]  # fewer than 8: no breakdown
    assert "Money, debt and benefits" not in everyone
    north = commissioner_client.get(f"/commissioning/needs?from=2026-01&to=2026-03&area={figures.north.pk}")
    assert _shown(north.content.decode(), "people-with-a-plan") == "10"
    south = commissioner_client.get(f"/commissioning/needs?from=2026-01&to=2026-03&area={figures.south.pk}")
    assert _shown(south.content.decode(), "people-with-a-plan") == "*"
    later = commissioner_client.get("/commissioning/needs?from=2026-03&to=2026-03").content.decode()
    assert _shown(later, "people-with-a-plan") == "0"


def test_the_gaps_page_counts_referrals_and_unmet_needs_in_the_icb(figures: Board, commissioner_client: Client) -> None:
    page = commissioner_client.get("/commissioning/gaps?from=2026-01&to=2026-03").content.decode()
    assert _row(page, "Declined: no places or capacity") == ["10"]
    assert _row(page, "On a waiting list now") == ["*"]
    assert _row(page, "No answer from the service in time") == ["0"]  # the 30 are another ICB's
    assert _row(page, "Loneliness and social contact")[1:3] == ["15", "15"]
    directory = page[page.index("Active services near at least one practice") :]
    assert _row(directory, "Physical activity") == ["1", "0"]  # one walking group, near both practices
    assert _row(page, "North Surgery")[:2] == ["10", "10"]
    north_only = commissioner_client.get(f"/commissioning/gaps?area={figures.north.pk}&from=2026-01&to=2026-03")
    figures_shown = north_only.content.decode().split("Show figures", 1)[1]  # after the filter form
    assert "North Surgery" in figures_shown
    assert "South Surgery" not in figures_shown


def test_a_bad_filter_gets_an_nhs_error_message(figures: Board, commissioner_client: Client) -> None:
    for path in ("/commissioning/needs", "/commissioning/gaps"):
        response = commissioner_client.get(f"{path}?from=yesterday")
        page = response.content.decode()
        assert "There is a problem" in page
        assert "Enter the first month as a year and month, like 2026-01" in page


def test_board_sections_are_plain_and_controlled(figures: Board) -> None:
    filters = parse_filters(figures.actor, {"from": "2026-01", "to": "2026-03"}, today=TODAY)
    needs = needs_section(figures.actor, filters)
    assert needs.paragraphs[0] == "15 people had a care plan agreed in this time."
    gaps = gaps_section(figures.actor, filters)
    assert gaps.paragraphs[0] == "Services turned down 10 referrals because they were full."
