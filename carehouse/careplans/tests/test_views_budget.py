"""Personal health budget pages: the balance, allocations within the agreed budget, confirmed overspends."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from carehouse.careplans.models import (
    BudgetAllocation,
    BudgetSpend,
    PersonalHealthBudget,
    PlanRevision,
)
from carehouse.careplans.services import budget
from carehouse.careplans.services import plans as services
from carehouse.careplans.tests.conftest import add_action, add_goal, agree, spend
from carehouse.conftest import sign_in
from carehouse.core.roles import Role


@pytest.fixture
def plan(staff, mary):
    """An agreed plan with a goal and an action for the budget to pay for."""
    plan = services.start_plan(staff, mary)
    add_action(staff, plan, add_goal(staff, plan, "Get out more"), "Join the walking group")
    return agree(staff, plan)


@pytest.fixture
def with_budget(staff, plan):
    budget.set_budget(
        staff, plan, {"managed_as": "direct_payment", "agreed_amount": "1000.00"}, expected_version=plan.version
    )
    plan.refresh_from_db()
    return plan


def spend_data(**overrides: str) -> dict[str, str]:
    today = timezone.localdate()
    data = {
        "spent_on_day": str(today.day),
        "spent_on_month": str(today.month),
        "spent_on_year": str(today.year),
        "payee": "Walking group",
        "description": "Membership for a year",
        "amount": "300.00",
        "allocation": "",
    }
    data.update(overrides)
    return data


def test_setting_up_the_budget(as_priya, plan):
    page = as_priya.get(f"/careplans/{plan.pk}/budget")
    assert page.status_code == 200
    assert "No personal health budget has been set up" in page.content.decode()
    plan.refresh_from_db()
    response = as_priya.post(
        f"/careplans/{plan.pk}/budget/edit",
        {
            "managed_as": "third_party",
            "indicative_amount": "£1,500",
            "agreed_amount": "1,250.50",
            "not_to_be_spent_on": "Alcohol, tobacco, gambling",
            "version": str(plan.version),
        },
    )
    assert response.status_code == 302
    held = PersonalHealthBudget.objects.get(plan=plan)
    assert held.managed_as == "third_party"
    assert held.indicative_amount == Decimal("1500.00")
    assert held.agreed_amount == Decimal("1250.50")
    assert PlanRevision.objects.filter(plan=plan).order_by("-number").first().summary == (
        "Set up the personal health budget"
    )


def test_a_stale_budget_form_is_refused_with_the_typing_kept(as_priya, staff, with_budget):
    plan = with_budget
    old_version = plan.version
    budget.set_budget(staff, plan, {"agreed_amount": "900"}, expected_version=plan.version)
    response = as_priya.post(
        f"/careplans/{plan.pk}/budget/edit",
        {"managed_as": "notional", "agreed_amount": "2000", "version": str(old_version)},
    )
    assert response.status_code == 409
    html = unescape(response.content.decode())
    assert "Someone else changed this plan after you opened this page" in html
    assert "Changed the personal health budget" in html
    assert 'value="2000"' in html
    plan.refresh_from_db()
    assert f'name="version" value="{plan.version}"' in html
    assert PersonalHealthBudget.objects.get(plan=plan).agreed_amount == Decimal("900.00")


def test_the_budget_page_shows_the_balance(as_priya, staff, with_budget):
    plan = with_budget
    allocation = budget.add_allocation(
        staff, plan, description="Walking group", amount="400", expected_version=plan.version
    )
    spend(staff, plan, "150.25", payee="Walking group", description="Fees", allocation=allocation)
    spend(staff, plan, "-50.00", payee="Walking group", description="Fees", allocation=allocation)
    response = as_priya.get(f"/careplans/{plan.pk}/budget")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Direct payment" in html
    assert 'id="balance">£899.75<' in html  # 1,000.00 - (150.25 - 50.00)
    assert "£600.00" in html  # not allocated yet
    assert "£100.25" in html  # spent, and spent from the allocation
    assert "£299.75" in html  # remaining in the allocation
    assert "-£50.00" in html and "Correction" in html


def test_allocating_beyond_the_agreed_budget_is_refused(as_priya, staff, with_budget):
    plan = with_budget
    budget.add_allocation(staff, plan, description="Personal assistant", amount="800", expected_version=plan.version)
    plan.refresh_from_db()
    response = as_priya.post(
        f"/careplans/{plan.pk}/budget/allocate",
        {"description": "Gym", "amount": "250", "action": "", "version": str(plan.version)},
    )
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "Only £200.00 of the agreed budget of £1,000.00 is left to allocate" in html
    assert 'href="#id_amount"' in html
    assert 'value="Gym"' in html
    assert BudgetAllocation.objects.filter(budget__plan=plan).count() == 1


def test_an_allocation_can_be_linked_to_an_action(as_priya, with_budget):
    plan = with_budget
    action = plan.goals.get().actions.get()
    response = as_priya.post(
        f"/careplans/{plan.pk}/budget/allocate",
        {"description": "Walking group", "amount": "120", "action": str(action.pk), "version": str(plan.version)},
    )
    assert response.status_code == 302
    allocation = BudgetAllocation.objects.get(budget__plan=plan)
    assert allocation.action == action
    assert allocation.amount == Decimal("120.00")


def test_an_overspend_is_refused_then_recorded_when_confirmed_with_a_reason(as_priya, staff, with_budget):
    plan = with_budget
    spend(staff, plan, "900", payee="Care agency", description="Support")
    refused = as_priya.post(f"/careplans/{plan.pk}/budget/spend", spend_data(amount="300"))
    assert refused.status_code == 400
    html = unescape(refused.content.decode())
    assert "£200.00 over the agreed budget of £1,000.00" in html
    assert 'href="#id_confirm_overspend"' in html
    assert "Confirm the overspend" in html
    assert 'name="overspend_reason"' in html
    assert 'value="Walking group"' in html and 'value="300"' in html
    assert BudgetSpend.objects.filter(budget__plan=plan).count() == 1

    no_reason = as_priya.post(f"/careplans/{plan.pk}/budget/spend", spend_data(amount="300", confirm_overspend="on"))
    assert no_reason.status_code == 400
    assert "Enter why the agreed budget is being overspent" in unescape(no_reason.content.decode())
    assert BudgetSpend.objects.filter(budget__plan=plan).count() == 1

    confirmed = as_priya.post(
        f"/careplans/{plan.pk}/budget/spend",
        spend_data(amount="300", confirm_overspend="on", overspend_reason="Agreed by the panel on 3 March"),
    )
    assert confirmed.status_code == 302
    entry = BudgetSpend.objects.filter(budget__plan=plan).order_by("-pk").first()
    assert entry.amount == Decimal("300.00")
    assert entry.overspend_confirmed is True
    assert entry.overspend_reason == "Agreed by the panel on 3 March"
    summary = unescape(as_priya.get(f"/careplans/{plan.pk}/budget").content.decode())
    assert 'id="balance">-£200.00<' in summary
    assert "Overspend confirmed: Agreed by the panel on 3 March" in summary


def test_a_correction_is_a_negative_amount(as_priya, staff, with_budget):
    plan = with_budget
    spend(staff, plan, "100", payee="Gym", description="Fees")
    response = as_priya.post(f"/careplans/{plan.pk}/budget/spend", spend_data(payee="Gym", amount="-40"))
    assert response.status_code == 302
    assert [s.amount for s in BudgetSpend.objects.filter(budget__plan=plan).order_by("pk")] == [
        Decimal("100.00"),
        Decimal("-40.00"),
    ]


def test_an_amount_that_is_not_money_is_refused(as_priya, with_budget):
    plan = with_budget
    response = as_priya.post(f"/careplans/{plan.pk}/budget/spend", spend_data(amount="twelve pounds"))
    assert response.status_code == 400
    assert "Enter an amount in pounds and pence, like 120.50" in unescape(response.content.decode())
    assert not BudgetSpend.objects.exists()


def test_the_person_and_other_practices_cannot_use_the_budget_pages(client, signed_in, omar, mary_user, with_budget):
    plan = with_budget
    signed_in(client, omar)
    assert client.get(f"/careplans/{plan.pk}/budget").status_code == 404
    assert client.post(f"/careplans/{plan.pk}/budget/spend", spend_data()).status_code == 404
    sign_in(client, mary_user, role=Role.PERSON)
    assert client.get(f"/careplans/{plan.pk}/budget").status_code == 403
    assert client.post(f"/careplans/{plan.pk}/budget/spend", spend_data()).status_code == 403
    assert not BudgetSpend.objects.exists()
