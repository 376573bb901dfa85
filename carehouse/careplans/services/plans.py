"""Every change to a care and support plan goes through one of these functions.

Each runs in one transaction that also writes the plan's new revision (who, when, what
changed and the whole plan as it now is) and the audit event. Changes by staff name the plan
version they started from; a save against a newer version is refused with ``PlanConflict``
and nothing is overwritten.

The person may write About me, mark progress on goals and actions and add notes; they may not
change a professional's wording (``PermissionDenied``, a 403).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from carehouse.careplans import lifecycle, revisions
from carehouse.careplans.models import (
    Achievement,
    Action,
    ActionStatus,
    AdditionalSupportPlan,
    CarePlan,
    ContingencyPlan,
    Goal,
    Need,
    PlanNote,
    PlanRevision,
    PlanStatus,
    PreparationPack,
    Review,
    StageGoal,
    Strength,
)
from carehouse.careplans.pathways import template_for
from carehouse.core.actor import Actor
from carehouse.core.models.audit import AuditAction
from carehouse.core.roles import Role
from carehouse.core.rules import require_permission
from carehouse.core.services import audit
from carehouse.people.models import CareTeamMember, Person


class PlanConflict(Exception):
    """Someone else saved the plan after the editor opened it."""

    def __init__(self, current: CarePlan, since: list[PlanRevision]) -> None:
        super().__init__("This plan was changed by someone else after you opened it")
        self.current = current
        self.since = since


#: Plan-level fields a professional edits on the plan details page.
DETAIL_FIELDS = (
    "title",
    "formulation",
    "funding_source",
    "other_documents",
    "key_worker",
    "review_owner",
    "next_review_due",
)
ABOUT_ME_FIELDS = (*CarePlan.ABOUT_ME_FIELDS, "about_supported_by")


@dataclass(frozen=True)
class ItemKind:
    """One kind of item inside a plan: its model, what it hangs from, and the fields a form sets."""

    name: str
    label: str
    model: type[models.Model]
    parent: str  # "plan" or "goal"
    fields: tuple[str, ...]


ITEM_KINDS: dict[str, ItemKind] = {
    k.name: k
    for k in (
        ItemKind("strength", "strength", Strength, "plan", revisions.STRENGTH_FIELDS),
        ItemKind("need", "need", Need, "plan", revisions.NEED_FIELDS),
        ItemKind(
            "goal",
            "goal",
            Goal,
            "plan",
            ("text", "in_own_words", "why_it_matters", "importance", "target_date", "achievement"),
        ),
        ItemKind("stage_goal", "step towards a goal", StageGoal, "goal", revisions.STAGE_GOAL_FIELDS),
        ItemKind("action", "action", Action, "goal", revisions.ACTION_FIELDS),
        ItemKind("contingency", "contingency plan", ContingencyPlan, "plan", revisions.CONTINGENCY_FIELDS),
        ItemKind(
            "additional_plan",
            "additional support plan",
            AdditionalSupportPlan,
            "plan",
            revisions.ADDITIONAL_PLAN_FIELDS,
        ),
    )
}


# The shared write path ---------------------------------------------------------------------


def _lock(plan: CarePlan, expected_version: int | None) -> CarePlan:
    """The plan, locked for this transaction; ``PlanConflict`` if it moved on since ``expected_version``.

    The key worker and who reviews it come in the same query: every save's snapshot names them.
    ``of=("self",)`` locks the plan's row only: PostgreSQL will not lock the nullable side of an outer join.
    """
    current = (
        CarePlan.objects.select_for_update(of=("self",)).select_related("key_worker", "review_owner").get(pk=plan.pk)
    )
    if expected_version is not None and current.version != expected_version:
        since = list(PlanRevision.objects.filter(plan=current, number__gt=expected_version).order_by("number"))
        raise PlanConflict(current, since)
    return current


def _validate(plan: CarePlan) -> None:
    """``full_clean`` without looking up each linked row again: they were read (and checked) here already."""
    plan.full_clean(exclude=[f.name for f in CarePlan._meta.concrete_fields if f.is_relation])


def _latest_snapshot(plan: CarePlan) -> dict[str, Any] | None:
    return PlanRevision.objects.filter(plan=plan).order_by("-number").values_list("snapshot", flat=True).first()


def refresh_criteria(plan: CarePlan, state: dict[str, Any]) -> None:
    """The five criteria for a personalised care and support plan (NHS England), from the plan as it is.

    ``state`` is the plan's snapshot (``revisions.snapshot``), which has just read its goals and
    actions; the preparation packs are asked about only when nothing else shows the person's part.
    """
    goals = state["goals"]
    plan.involved_person = bool(plan.agreed_with) and (
        bool(goals)
        or any(getattr(plan, name).strip() for name in CarePlan.ABOUT_ME_FIELDS)
        # A preparation pack counts only once the person has answered it.
        or plan.preparation_packs.exclude(completed_at=None).exists()
    )
    plan.shared_with_person = plan.shared_with_person_at is not None
    plan.goals_in_own_words = bool(goals) and all(goal["in_own_words"] for goal in goals)
    plan.actions_agreed = plan.agreed_at is not None and any(
        action["status"] != ActionStatus.CANCELLED for goal in goals for action in goal["actions"]
    )
    plan.review_date_set = plan.next_review_due is not None


def _commit(
    actor: Actor,
    plan: CarePlan,
    summary: str,
    *,
    action: AuditAction = AuditAction.UPDATE,
    new: bool = False,
    only_if_changed: bool = False,
) -> PlanRevision | None:
    """Save the plan as a new version and write its revision and audit event (inside the caller's transaction).

    With ``only_if_changed``, a save that changes nothing in the plan (the same words sent again)
    writes no version: it would only fill the history with empty entries and make others' open
    forms out of date for nothing.
    """
    previous = None if new else _latest_snapshot(plan)
    state = revisions.snapshot(plan)
    refresh_criteria(plan, state)
    changes = revisions.diff(previous, state)
    if only_if_changed and not new and not changes:
        return None
    if not new:
        plan.version += 1
    plan.save()
    user = actor.user
    revision = PlanRevision.objects.create(
        plan=plan,
        number=plan.version,
        saved_at=timezone.now(),
        saved_by=user,
        saved_by_label=actor.label,
        saved_by_role=actor.role.value if actor.role else "system",
        summary=summary[:300],
        status=plan.status,
        snapshot=state,
        changes=list(changes),
    )
    audit.record(
        actor,
        action,
        obj=plan,
        person_id=plan.person_id,
        summary=f"Care plan: {summary}"[:300],
        changes={"version": plan.version, "changed": sorted({c["section"] for c in changes})},
    )
    return revision


def _require_staff_wording(actor: Actor) -> None:
    """Only professionals change the wording of a plan; the person and carers are refused (403)."""
    require_permission(actor, "careplans.edit_plan")


def _check_open(plan: CarePlan) -> None:
    if not plan.is_open:
        raise ValidationError(f"This plan is {plan.get_status_display().lower()}: it can no longer be changed")


# Starting a plan ------------------------------------------------------------------------------


def start_plan(
    actor: Actor,
    person: Person,
    *,
    template: str = "",
    preparation_pack: PreparationPack | None = None,
    title: str = "",
) -> CarePlan:
    """Start a draft plan, from a pathway template if chosen, linked to the person's preparation pack.

    A template only decides which prompts and suggestions the pages offer; nothing is written in
    the person's name. About me carries over from the person's most recent plan: those are their
    own words, and they would not want to say them again.
    """
    require_permission(actor, "careplans.start_plan")
    if template and template_for(template) is None:
        raise ValidationError({"template": "Select a template from the list, or none"})
    if actor.organisation is None:
        raise PermissionDenied("careplans.start_plan")
    if preparation_pack is not None and preparation_pack.person_id != person.pk:
        raise ValidationError("That preparation pack belongs to someone else")
    with transaction.atomic():
        plan = CarePlan(
            person=person,
            organisation=actor.organisation,
            template=template,
            lead=actor.user,
            created_by=actor.user,
            preparation_pack=preparation_pack,
        )
        if title:
            plan.title = title
        earlier = (
            CarePlan.objects.filter(person=person)
            .exclude(status=PlanStatus.ENTERED_IN_ERROR)
            .order_by("-created_at", "-pk")
            .first()
        )
        if earlier is not None:
            for name in ABOUT_ME_FIELDS:
                setattr(plan, name, getattr(earlier, name))
        plan.key_worker = CareTeamMember.objects.filter(person=person, is_key_worker=True, ended_on=None).first()
        _validate(plan)
        plan.save()
        if preparation_pack is not None:
            PreparationPack.objects.filter(pk=preparation_pack.pk).update(plan=plan)
        _commit(actor, plan, "Started the plan", action=AuditAction.CREATE, new=True)
    return plan


# Plan-level details -------------------------------------------------------------------------


def _care_team_member(person_id: int, value: Any, field: str) -> CareTeamMember | None:
    if value in (None, ""):
        return None
    member_id = value.pk if isinstance(value, CareTeamMember) else int(value)
    member = CareTeamMember.objects.filter(person_id=person_id, pk=member_id, ended_on=None).first()
    if member is None:
        raise ValidationError({field: "Select someone from the person's care team"})
    return member


def update_plan_details(actor: Actor, plan: CarePlan, data: dict[str, Any], *, expected_version: int) -> CarePlan:
    """Title, formulation, funding, other documents, named key worker, review date and who reviews."""
    _require_staff_wording(actor)
    with transaction.atomic():
        current = _lock(plan, expected_version)
        _check_open(current)
        for name in DETAIL_FIELDS:
            if name not in data:
                continue
            value = data[name]
            if name in ("key_worker", "review_owner"):
                value = _care_team_member(current.person_id, value, name)
            setattr(current, name, value)
        if current.next_review_due is None and current.status != PlanStatus.DRAFT:
            raise ValidationError({"next_review_due": "An agreed plan must keep a review date"})
        _validate(current)
        _commit(actor, current, "Changed the plan details", only_if_changed=True)
    return current


def update_about_me(actor: Actor, plan: CarePlan, data: dict[str, Any], *, expected_version: int) -> CarePlan:
    """About me, in the person's own words. The person may write it; so may staff, with them."""
    require_permission(actor, "careplans.edit_about_me")
    _check_own_plan(actor, plan)
    with transaction.atomic():
        current = _lock(plan, expected_version)
        _check_open(current)
        for name in ABOUT_ME_FIELDS:
            if name in data:
                setattr(current, name, (data[name] or "").strip())
        _validate(current)
        who = "the person" if actor.role == Role.PERSON else "a professional, with the person"
        _commit(actor, current, f"Updated About me ({who})", only_if_changed=True)
    return current


def _check_own_plan(actor: Actor, plan: CarePlan) -> None:
    """A person acts only on their own plan (selectors already hide others' plans; this is belt and braces)."""
    if actor.role == Role.PERSON and (actor.user is None or plan.person.user_id != actor.user.pk):
        raise PermissionDenied("Not your plan")
    if actor.role == Role.CARER:
        raise PermissionDenied("Carers can see the plan but not change it")


# Items: strengths, needs, goals, steps, actions, contingency and additional plans ------------------


def _parent_check(plan: CarePlan, kind: ItemKind, parent: Goal | None) -> None:
    if kind.parent == "goal" and (parent is None or parent.plan_id != plan.pk):
        raise ValidationError("Choose a goal in this plan")


def _goal_needs(plan: CarePlan, values: Any) -> list[Need]:
    ids = [v.pk if isinstance(v, Need) else int(v) for v in (values or [])]
    needs = list(Need.objects.filter(plan=plan, pk__in=ids))
    if len(needs) != len(set(ids)):
        raise ValidationError({"needs": "Select needs from this plan"})
    return needs


def save_item(
    actor: Actor,
    plan: CarePlan,
    kind_name: str,
    data: dict[str, Any],
    *,
    expected_version: int,
    item: models.Model | None = None,
    parent: Goal | None = None,
) -> models.Model:
    """Add an item to the plan (``item`` None) or change one; refuses a stale version."""
    _require_staff_wording(actor)
    kind = ITEM_KINDS[kind_name]
    with transaction.atomic():
        current = _lock(plan, expected_version)
        _check_open(current)
        if item is None:
            _parent_check(current, kind, parent)
            owner = {"goal": parent} if kind.parent == "goal" else {"plan": current}
            target = kind.model(**owner)
            target.position = kind.model._default_manager.filter(**owner).count()  # type: ignore[attr-defined]
            verb = "Added"
        else:
            if _plan_of(item) != current.pk:
                raise ValidationError("That item is not in this plan")
            target = kind.model._default_manager.get(pk=item.pk)
            verb = "Changed"
        for name in kind.fields:
            if name in data:
                value = data[name]
                if isinstance(value, str):
                    value = value.strip()
                setattr(target, name, value)
        if kind_name == "contingency":
            target.triggers = _lines(data.get("triggers", target.triggers))  # type: ignore[attr-defined]
        target.full_clean(exclude=["plan", "goal"])
        target.save()
        if kind_name == "goal" and "needs" in data:
            target.needs.set(_goal_needs(current, data["needs"]))  # type: ignore[attr-defined]
        _commit(actor, current, f"{verb} {_article(kind.label)} {kind.label}: {_short(target)}", only_if_changed=True)
    return target


def remove_item(actor: Actor, plan: CarePlan, kind_name: str, item: models.Model, *, expected_version: int) -> None:
    _require_staff_wording(actor)
    kind = ITEM_KINDS[kind_name]
    with transaction.atomic():
        current = _lock(plan, expected_version)
        _check_open(current)
        if _plan_of(item) != current.pk:
            raise ValidationError("That item is not in this plan")
        label = _short(item)
        kind.model._default_manager.filter(pk=item.pk).delete()
        _commit(actor, current, f"Removed {_article(kind.label)} {kind.label}: {label}")


def _plan_of(item: models.Model) -> int:
    if isinstance(item, (StageGoal, Action)):
        return item.goal.plan_id
    return int(item.plan_id)  # type: ignore[attr-defined]


def _article(label: str) -> str:
    return "an" if label[:1] in "aeiou" else "a"


def _short(item: models.Model) -> str:
    text = str(item)
    return text if len(text) <= 80 else text[:77] + "..."


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    return [str(v).strip() for v in (value or []) if str(v).strip()]


# Agreeing, reviewing and ending -------------------------------------------------------------


def agree_plan(
    actor: Actor,
    plan: CarePlan,
    *,
    agreed_with: str,
    agreed_with_name: str = "",
    next_review_due: datetime.date | None,
    expected_version: int,
) -> CarePlan:
    """Agree the plan with the person (or their representative) and make it active. Needs a review date."""
    require_permission(actor, "careplans.agree_plan")
    lifecycle.check_ready_to_agree(agreed_with, next_review_due)
    with transaction.atomic():
        current = _lock(plan, expected_version)
        current.agreed_with = agreed_with
        current.agreed_with_name = agreed_with_name.strip()
        current.agreed_at = timezone.now()
        current.next_review_due = next_review_due
        lifecycle.check_move(current, PlanStatus.ACTIVE)
        review = Review.objects.filter(plan=current, completed_at=None).first()
        if review is not None:
            review.completed_at = current.agreed_at
            review.completed_by = actor.user
            review.revision_at_end = current.version + 1
            review.next_review_due = next_review_due
            review.save()
        current.status = PlanStatus.ACTIVE
        if current.person.user_id is not None and current.shared_with_person_at is None:
            # The person has online access: an agreed plan is shared with them there.
            current.shared_with_person_at = current.agreed_at
        _commit(actor, current, "Agreed the plan with the person" if review is None else "Completed the review")
    return current


def start_review(actor: Actor, plan: CarePlan, *, attendees: str = "", expected_version: int) -> Review:
    require_permission(actor, "careplans.review_plan")
    with transaction.atomic():
        current = _lock(plan, expected_version)
        lifecycle.check_move(current, PlanStatus.UNDER_REVIEW)
        review = Review.objects.create(
            plan=current,
            started_at=timezone.now(),
            started_by=actor.user,
            revision_at_start=current.version,
            attendees=attendees.strip(),
        )
        current.status = PlanStatus.UNDER_REVIEW
        _commit(actor, current, "Started a review")
    return review


def record_review_notes(
    actor: Actor, plan: CarePlan, *, summary: str, attendees: str = "", expected_version: int
) -> Review:
    """What was talked about at the review, and who took part."""
    require_permission(actor, "careplans.review_plan")
    with transaction.atomic():
        current = _lock(plan, expected_version)
        review = Review.objects.filter(plan=current, completed_at=None).first()
        if review is None:
            raise ValidationError("Start a review first")
        review.summary = summary.strip()
        if attendees:
            review.attendees = attendees.strip()
        review.save()
        _commit(actor, current, "Recorded what was said at the review")
    return review


def end_plan(actor: Actor, plan: CarePlan, target: PlanStatus, *, reason: str, expected_version: int) -> CarePlan:
    """Complete the plan, stop it (revoked) or mark it entered in error, with the reason."""
    require_permission(actor, "careplans.agree_plan")
    if target not in lifecycle.ENDINGS:
        raise ValidationError("Choose completed, stopped or entered in error")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the plan is ending"})
    with transaction.atomic():
        current = _lock(plan, expected_version)
        lifecycle.check_move(current, target)
        Review.objects.filter(plan=current, completed_at=None).update(
            completed_at=timezone.now(), completed_by=actor.user, summary=reason.strip()
        )
        current.status = target
        _commit(actor, current, f"{target.label}: {reason.strip()}")
    return current


def record_shared(actor: Actor, plan: CarePlan, *, how: str, expected_version: int) -> CarePlan:
    """Record that the person has a copy of their plan (printed, posted or online)."""
    _require_staff_wording(actor)
    with transaction.atomic():
        current = _lock(plan, expected_version)
        current.shared_with_person_at = timezone.now()
        _commit(actor, current, f"Shared the plan with the person ({how.strip() or 'a copy'})")
    return current


# What the person does: progress and notes -------------------------------------------------------


def record_goal_progress(actor: Actor, goal: Goal, achievement: str, *, expected_version: int | None = None) -> Goal:
    """The person (or a professional) says how a goal is going. The goal's wording is untouched."""
    require_permission(actor, "careplans.record_progress")
    _check_own_plan(actor, goal.plan)
    if achievement not in Achievement.values:
        raise ValidationError({"achievement": "Select how the goal is going"})
    with transaction.atomic():
        current = _lock(goal.plan, expected_version)
        _check_open(current)
        Goal.objects.filter(pk=goal.pk).update(achievement=achievement)
        goal.achievement = achievement
        _commit(actor, current, f"Progress on a goal: {goal.get_achievement_display()}")
    return goal


def record_action_progress(actor: Actor, action: Action, status: str, *, expected_version: int | None = None) -> Action:
    """The person (or a professional) marks an action started or done. Its wording is untouched."""
    require_permission(actor, "careplans.record_progress")
    _check_own_plan(actor, action.goal.plan)
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Select how the action is going"})
    with transaction.atomic():
        current = _lock(action.goal.plan, expected_version)
        _check_open(current)
        Action.objects.filter(pk=action.pk).update(status=status)
        action.status = status
        _commit(actor, current, f"Progress on an action: {action.get_status_display()}")
    return action


def add_note(
    actor: Actor, plan: CarePlan, text: str, *, goal: Goal | None = None, action: Action | None = None
) -> PlanNote:
    """A note on the plan, a goal or an action. Notes are added, never edited."""
    require_permission(actor, "careplans.add_note")
    _check_own_plan(actor, plan)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Enter your note"})
    if len(text) > 5000:
        raise ValidationError({"text": "Your note must be 5,000 characters or fewer"})
    if goal is not None and goal.plan_id != plan.pk:
        raise ValidationError("That goal is not in this plan")
    if action is not None and action.goal.plan_id != plan.pk:
        raise ValidationError("That action is not in this plan")
    with transaction.atomic():
        note = PlanNote.objects.create(
            plan=plan,
            goal=goal,
            action=action,
            text=text,
            written_by=actor.user,
            written_by_label=actor.label,
            written_by_role=actor.role.value if actor.role else "",
            written_at=timezone.now(),
        )
        audit.record(actor, AuditAction.CREATE, obj=note, person_id=plan.person_id, summary="Added a note to a plan")
    return note
