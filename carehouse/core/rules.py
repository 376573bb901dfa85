"""Who may do what: ``rules`` predicates over the acting role.

Object-level scoping (which people a practitioner may see) is done by the scoped
querysets in each app's ``selectors``; these rules decide which kinds of action a role
may take at all. The UI and the API both ask ``has_permission``.
"""

from __future__ import annotations

from typing import Any

import rules
from django.core.exceptions import PermissionDenied

from carehouse.core.actor import Actor
from carehouse.core.roles import Role


def _role_is(*roles: Role) -> rules.Predicate:
    allowed = frozenset(roles)

    def acting_in_role(actor: Actor | None) -> bool:
        return actor is not None and actor.role in allowed

    return rules.Predicate(acting_in_role, name=f"role_is_{'_or_'.join(r.value for r in roles)}")


is_person = _role_is(Role.PERSON)
is_carer = _role_is(Role.CARER)
is_practitioner = _role_is(Role.PRACTITIONER)
is_link_worker = _role_is(Role.LINK_WORKER)
is_provider_staff = _role_is(Role.PROVIDER_STAFF)
is_commissioner = _role_is(Role.COMMISSIONER)
is_administrator = _role_is(Role.ADMINISTRATOR)
gives_direct_care = is_practitioner | is_link_worker

permissions = rules.RuleSet()
permissions.add_rule("people.view_person", gives_direct_care | is_person | is_carer)
permissions.add_rule("people.find_people", gives_direct_care)
permissions.add_rule("people.add_person", gives_direct_care)
permissions.add_rule("people.change_person", gives_direct_care)
permissions.add_rule("people.record_consent", gives_direct_care)
permissions.add_rule("people.withdraw_consent", gives_direct_care | is_person)
permissions.add_rule("people.manage_contacts", gives_direct_care)
permissions.add_rule("careplans.view_plan", gives_direct_care | is_person | is_carer)
permissions.add_rule("careplans.start_plan", gives_direct_care)
permissions.add_rule("careplans.edit_plan", gives_direct_care)
permissions.add_rule("careplans.edit_about_me", gives_direct_care | is_person)
permissions.add_rule("careplans.agree_plan", gives_direct_care)
permissions.add_rule("careplans.review_plan", gives_direct_care)
permissions.add_rule("careplans.record_progress", gives_direct_care | is_person)
permissions.add_rule("careplans.add_note", gives_direct_care | is_person)
permissions.add_rule("careplans.view_caseload", gives_direct_care)
permissions.add_rule("careplans.send_preparation", gives_direct_care)
permissions.add_rule("careplans.answer_preparation", is_person)
permissions.add_rule("careplans.manage_budget", gives_direct_care)
permissions.add_rule("careplans.view_plan_aggregates", is_commissioner)
permissions.add_rule("measures.view_scores", gives_direct_care | is_person)
permissions.add_rule("measures.complete_questionnaire", is_person)
permissions.add_rule("measures.send_questionnaire", gives_direct_care)
permissions.add_rule("measures.record_on_behalf", gives_direct_care)
permissions.add_rule("measures.correct_response", gives_direct_care)
permissions.add_rule("measures.acknowledge_alert", gives_direct_care)
permissions.add_rule("measures.view_experience", gives_direct_care | is_commissioner)
permissions.add_rule("measures.load_instruments", is_administrator)
permissions.add_rule("directory.use_shortlist", gives_direct_care)
permissions.add_rule("directory.see_referral_details", gives_direct_care | is_provider_staff | is_administrator)
permissions.add_rule("directory.claim_organisation", is_provider_staff)
permissions.add_rule("directory.keep_entries", is_provider_staff | is_administrator)
permissions.add_rule("directory.suggest_change", gives_direct_care | is_provider_staff | is_person | is_carer)
permissions.add_rule("directory.moderate", is_provider_staff | is_administrator)
permissions.add_rule("directory.decide_claims", is_administrator)
permissions.add_rule("directory.manage_directory", is_administrator)
permissions.add_rule("referrals.refer", gives_direct_care | is_person)
permissions.add_rule("referrals.view_referrals", gives_direct_care | is_person | is_provider_staff)
permissions.add_rule("referrals.answer_referrals", is_provider_staff)
permissions.add_rule("referrals.view_caseload", gives_direct_care)
permissions.add_rule("referrals.give_feedback", is_person)
permissions.add_rule("referrals.view_gp_messages", gives_direct_care)
permissions.add_rule("casefinding.run_stratification", is_commissioner)
permissions.add_rule("casefinding.view_invitations", gives_direct_care)
permissions.add_rule("core.view_aggregates", is_commissioner)
permissions.add_rule("commissioning.view_intelligence", is_commissioner)
permissions.add_rule("commissioning.run_evaluation", is_commissioner)
permissions.add_rule("commissioning.manage_local_settings", is_commissioner)
permissions.add_rule("commissioning.make_board_paper", is_commissioner)
permissions.add_rule("commissioning.refresh_figures", is_commissioner | is_administrator)
permissions.add_rule("core.manage_organisations", is_administrator)
permissions.add_rule("core.manage_users", is_administrator)
permissions.add_rule("core.view_audit", is_administrator)
permissions.add_rule("core.run_jobs", is_administrator)
permissions.add_rule("core.use_api", gives_direct_care | is_provider_staff | is_commissioner | is_administrator)


def has_permission(actor: Actor | None, name: str, obj: Any = None) -> bool:
    return bool(permissions.test_rule(name, actor, obj))


def require_permission(actor: Actor | None, name: str, obj: Any = None) -> None:
    """Raise ``PermissionDenied`` (403 in pages and the API) unless the actor holds the permission."""
    if not has_permission(actor, name, obj):
        raise PermissionDenied(name)
