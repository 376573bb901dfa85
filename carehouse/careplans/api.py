"""Care and support plans over the API: the same selectors, services and rules as the pages.

Reads go through ``carehouse.careplans.selectors`` (scoped to the token's organisation and
audited); every change goes through ``carehouse.careplans.services`` (one transaction, with
its revision and audit event). Changes name the plan ``version`` they started from: a change
against a plan someone else has saved since is answered 409 with the current version and what
changed, and nothing is overwritten. Every change answers with the plan's new version, so a
client can make its next change without reading the plan again.

Money is sent and returned as decimal strings in pounds and pence ("120.50"), never as floats.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator, ValidationInfo, field_validator

from carehouse.careplans import selectors
from carehouse.careplans.models import (
    Achievement,
    ActionStatus,
    AgreedWith,
    BudgetAllocation,
    BudgetManagement,
    BudgetSpend,
    CarePlan,
    Goal,
    NeedCategory,
    PlanNote,
    PlanRevision,
    PlanStatus,
    Review,
    WhoActs,
    WrittenBy,
)
from carehouse.careplans.pathways import TEMPLATES
from carehouse.careplans.services import budget as budget_service
from carehouse.careplans.services import plans as plan_service
from carehouse.core.actor import Actor
from carehouse.core.api import api, api_actor
from carehouse.core.rules import require_permission
from carehouse.people import selectors as people_selectors
from carehouse.people.models import CareTeamMember

router = Router(tags=["Care plans"])

VERSION_HELP = "The plan version you read; if the plan has been saved since, nothing is changed and the answer is 409"
MONEY_HELP = "Pounds and pence as a decimal string, like 120.50"


# -- validators for the edge ---------------------------------------------------------------


def _today_or_later(value: datetime.date | None) -> datetime.date | None:
    if value is not None and value < timezone.localdate():
        raise ValueError("The review date must be today or in the future")
    return value


def _triggers(value: list[str]) -> list[str]:
    """A contingency plan needs at least one trigger: what might lead to a crisis."""
    triggers = [trigger.strip() for trigger in value if trigger.strip()]
    if not triggers:
        raise ValueError("Enter at least one trigger: what might lead to a crisis")
    return triggers


ReviewDate = Annotated[datetime.date | None, AfterValidator(_today_or_later)]
Triggers = Annotated[list[Annotated[str, Field(max_length=300)]], AfterValidator(_triggers)]
#: The shape ``fhir.bindings.is_sctid`` checks on export, so that a code saved here can always be sent.
SnomedCode = Annotated[
    str,
    Field(pattern=r"^([1-9][0-9]{5,17})?$", description="A SNOMED CT concept id (6 to 18 digits, not starting with 0)"),
]
OneToTen = Annotated[int | None, Field(ge=1, le=10)]
Money = Annotated[Decimal, Field(max_digits=10, decimal_places=2, description=MONEY_HELP)]
MoneyOut = Annotated[str, Field(description=MONEY_HELP, examples=["120.50"])]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


# -- shared shapes ---------------------------------------------------------------------------


class Versioned(Schema):
    version: int = Field(description=VERSION_HELP)


class Change(Versioned):
    """A change to part of a plan: only the fields sent are changed; ``null`` only clears what may be empty."""

    #: Fields that may be sent as null to empty them; any other field sent as null is a 422.
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("Leave this out to keep it as it is; it cannot be empty")
        return value


class VersionQuery(Schema):
    version: int = Field(description=VERSION_HELP)


class Saved[T](Schema):
    """What a change answers: the item as saved and the plan's new version, for the next change."""

    plan_version: int = Field(description="The plan's version after this change; send it with the next change")
    item: T


class PlanVersionOut(Schema):
    plan_version: int = Field(description="The plan's version after this change; send it with the next change")


class RevisionSummary(Schema):
    number: int = Field(description="The plan version this revision saved")
    saved_at: datetime.datetime
    saved_by_label: str = Field(description="Name, role and organisation of whoever saved it, at the time")
    summary: str


class ConflictOut(Schema):
    detail: str
    current_version: int = Field(description="The plan's version now; read the plan again before changing it")
    changes_since: list[RevisionSummary] = Field(description="What was saved after the version you sent")


CONFLICT = {409: ConflictOut}


@api.exception_handler(plan_service.PlanConflict)
def _on_plan_conflict(request: HttpRequest, exc: plan_service.PlanConflict) -> HttpResponse:
    """409, naming the current version and what others saved since, so the client can show it."""
    body = ConflictOut(
        detail="This plan was changed by someone else after you read it; nothing was saved",
        current_version=exc.current.version,
        changes_since=[_revision_summary(r) for r in exc.since],
    )
    return api.create_response(request, body.model_dump(mode="json"), status=409)


# -- reading and choosing the plan -------------------------------------------------------------


def _read_plan(request: HttpRequest, plan_id: int, purpose: str) -> CarePlan:
    """The plan, for a read: 403 for roles that do not see plans, 404 if out of sight, audited."""
    actor = api_actor(request)
    require_permission(actor, "careplans.view_plan")
    return selectors.get_plan(actor, plan_id, purpose=purpose)


def _plan_to_change(request: HttpRequest, plan_id: int, permission: str) -> tuple[Actor, CarePlan]:
    """The plan, for a change: the service audits the change itself, so the lookup is not a second event."""
    actor = api_actor(request)
    require_permission(actor, permission)
    return actor, selectors.get_plan(actor, plan_id, audited=False)


def _version_now(plan: CarePlan) -> int:
    """The plan's version after a service saved it (services lock and save their own copy of the plan)."""
    plan.refresh_from_db(fields=["version"])
    return plan.version


def _in_body[M](lookup: Callable[[], M], field: str, message: str) -> M:
    """A record named in the body that is not there (or not the caller's to see) is bad input, not a 404."""
    try:
        return lookup()
    except Http404 as error:
        raise ValidationError({field: message}) from error


# -- plans: shapes ----------------------------------------------------------------------------


class PlanSummary(Schema):
    id: int
    person: int = Field(description="The person's id")
    title: str
    status: PlanStatus
    next_review_due: datetime.date | None
    version: int


class PlanFilter(Schema):
    person: int = Field(description="The person whose plans to list")
    status: PlanStatus | None = Field(None, description="Only plans with this status")


class StartPlanIn(Schema):
    person: int = Field(description="The person the plan is for")
    template: str = Field(
        "",
        description=f"A pathway template ({', '.join(TEMPLATES)}) or empty for none; it only decides the prompts",
    )
    preparation_pack: int | None = Field(None, description="The person's preparation pack the plan follows on from")
    title: str = Field("", max_length=200, description="Leave empty for 'My care and support plan'")


class CareTeamMemberOut(Schema):
    id: int
    name: str
    role: str


class DetailsOut(Schema):
    title: str
    formulation: str
    funding_source: str
    other_documents: str
    key_worker: CareTeamMemberOut | None
    review_owner: CareTeamMemberOut | None = Field(description="Who will review the plan")
    next_review_due: datetime.date | None


class DetailsChange(Change):
    nullable = frozenset({"key_worker", "review_owner", "next_review_due"})

    title: str | None = Field(None, min_length=1, max_length=200)
    formulation: str | None = Field(None, description="A shared understanding of the person's situation")
    funding_source: str | None = Field(None, max_length=200)
    other_documents: str | None = Field(None, description="For example an advance care plan or end of life plan")
    key_worker: int | None = Field(None, description="A current care team member's id, or null for none")
    review_owner: int | None = Field(None, description="A current care team member's id, or null for none")
    next_review_due: ReviewDate = Field(None, description="An agreed plan must keep a review date")


class AboutMe(Schema):
    """About me, in the person's own words (the seven PRSB headings)."""

    most_important: str = Field("", description="What is most important to me")
    people: str = Field("", description="People who are important to me")
    communication: str = Field("", description="How I communicate and how to communicate with me")
    wellness: str = Field("", description="My wellness")
    do_and_dont: str = Field("", description="Please do and please don't")
    support: str = Field("", description="How and when to support me")
    also_worth_knowing: str = Field("", description="Also worth knowing about me")
    supported_by: str = Field("", max_length=200, description="Who supported the person to write this")


class AboutMeIn(AboutMe, Versioned):
    """The whole of About me: a heading left out is emptied."""


class StrengthOut(Schema):
    id: int
    text: str
    snomed_code: str


class StrengthChange(Change):
    text: str | None = Field(None, min_length=1, max_length=500)
    snomed_code: SnomedCode | None = None


class StrengthIn(StrengthChange):
    text: str = Field(min_length=1, max_length=500, description="Something the person is good at or has going for them")
    snomed_code: SnomedCode = ""


class NeedOut(Schema):
    id: int
    text: str
    snomed_code: str
    category: NeedCategory


class NeedChange(Change):
    text: str | None = Field(None, min_length=1, max_length=500)
    snomed_code: SnomedCode | None = None
    category: NeedCategory | None = None


class NeedIn(NeedChange):
    text: str = Field(min_length=1, max_length=500, description="A need, concern or problem")
    snomed_code: SnomedCode = ""
    category: NeedCategory = NeedCategory.HEALTH_CONCERN


class StageGoalOut(Schema):
    id: int
    stage: str
    text: str
    outcome: str
    achievement: Achievement


class StageGoalChange(Change):
    stage: str | None = Field(None, max_length=100, description="For example emotional support")
    text: str | None = Field(None, min_length=1)
    outcome: str | None = None
    achievement: Achievement | None = None


class StageGoalIn(StageGoalChange):
    stage: str = Field("", max_length=100, description="For example emotional support")
    text: str = Field(min_length=1, description="A step towards the goal")
    outcome: str = ""
    achievement: Achievement = Achievement.IN_PROGRESS


class ActionOut(Schema):
    id: int
    what: str
    who: WhoActs
    who_name: str
    when: str
    due_date: datetime.date | None
    barriers_and_strategies: str
    confidence: int | None
    status: ActionStatus
    referral_reference: str


class ActionChange(Change):
    nullable = frozenset({"due_date", "confidence"})

    what: str | None = Field(None, min_length=1, description="What will be done")
    who: WhoActs | None = None
    who_name: str | None = Field(None, max_length=200, description="Name or service")
    when: str | None = Field(None, max_length=200, description="For example every Tuesday morning")
    due_date: datetime.date | None = None
    barriers_and_strategies: str | None = Field(None, description="What might get in the way, and what will help")
    confidence: OneToTen = Field(None, description="How confident the person feels about doing this, 1 to 10")
    status: ActionStatus | None = None
    referral_reference: str | None = Field(None, max_length=200)


class ActionIn(ActionChange):
    what: str = Field(min_length=1, description="What will be done")
    who: WhoActs = WhoActs.PERSON
    who_name: str = Field("", max_length=200, description="Name or service")
    when: str = Field("", max_length=200, description="For example every Tuesday morning")
    barriers_and_strategies: str = Field("", description="What might get in the way, and what will help")
    status: ActionStatus = ActionStatus.NOT_STARTED
    referral_reference: str = Field("", max_length=200)


class GoalOut(Schema):
    id: int
    text: str = Field(description="What the person wants to achieve")
    in_own_words: bool
    written_by: WrittenBy
    why_it_matters: str
    importance: int | None
    target_date: datetime.date | None
    achievement: Achievement
    needs: list[int] = Field(description="Ids of the needs this goal meets")
    stage_goals: list[StageGoalOut]
    actions: list[ActionOut]


class GoalChange(Change):
    nullable = frozenset({"importance", "target_date"})

    text: str | None = Field(None, min_length=1, description="What the person wants to achieve, in their words")
    in_own_words: bool | None = Field(None, description="False if this is a professional's summary")
    why_it_matters: str | None = None
    importance: OneToTen = Field(None, description="How important this is to the person, 1 to 10")
    target_date: datetime.date | None = None
    achievement: Achievement | None = None
    needs: list[int] | None = Field(None, description="Ids of needs in this plan that the goal meets")


class GoalIn(GoalChange):
    text: str = Field(min_length=1, description="What the person wants to achieve, in their words")
    in_own_words: bool = True
    why_it_matters: str = ""


class ContingencyOut(Schema):
    id: int
    name: str
    triggers: list[str]
    early_warning_signs: str
    what_to_do: str
    who_to_contact: str
    coping_strategies: str
    has_advance_statement: bool
    advance_statement_location: str
    anticipatory_medicines: str


class ContingencyChange(Change):
    name: str | None = Field(None, min_length=1, max_length=200)
    triggers: Triggers | None = Field(None, description="What might lead to a crisis; at least one")
    early_warning_signs: str | None = None
    what_to_do: str | None = Field(None, description="What should happen")
    who_to_contact: str | None = None
    coping_strategies: str | None = None
    has_advance_statement: bool | None = Field(None, description="Has an advance statement (Mental Capacity Act 2005)")
    advance_statement_location: str | None = Field(None, max_length=300)
    anticipatory_medicines: str | None = Field(None, description="Anticipatory medicines or equipment")


class ContingencyIn(ContingencyChange):
    name: str = Field("If things get worse", min_length=1, max_length=200)
    triggers: Triggers = Field(description="What might lead to a crisis; at least one")


class AdditionalPlanOut(Schema):
    id: int
    name: str
    content: str
    review_date: datetime.date | None
    review_responsibility: str


class AdditionalPlanChange(Change):
    nullable = frozenset({"review_date"})

    name: str | None = Field(None, min_length=1, max_length=200)
    content: str | None = None
    review_date: datetime.date | None = None
    review_responsibility: str | None = Field(None, max_length=200)


class AdditionalPlanIn(AdditionalPlanChange):
    name: str = Field(min_length=1, max_length=200, description="For example a falls prevention plan")


class AgreementOut(Schema):
    agreed_with: AgreedWith | None
    agreed_with_name: str
    agreed_at: datetime.datetime | None
    shared_with_person_at: datetime.datetime | None


class ReviewOut(Schema):
    id: int
    started_at: datetime.datetime
    started_by: str
    revision_at_start: int
    completed_at: datetime.datetime | None
    completed_by: str
    revision_at_end: int | None
    attendees: str = Field(description="Who took part")
    summary: str = Field(description="What was talked about and what changed")
    next_review_due: datetime.date | None


class FiveCriteria(Schema):
    """NHS England's five criteria for a personalised care and support plan, as the plan stands."""

    involved_person: bool
    shared_with_person: bool
    goals_in_own_words: bool
    actions_agreed: bool
    review_date_set: bool


class PlanOut(Schema):
    id: int
    person: int = Field(description="The person's id")
    organisation: str = Field(description="ODS code of the organisation holding the plan")
    template: str
    status: PlanStatus
    details: DetailsOut
    about_me: AboutMe
    strengths: list[StrengthOut]
    needs: list[NeedOut]
    goals: list[GoalOut]
    contingency_plans: list[ContingencyOut]
    additional_plans: list[AdditionalPlanOut]
    agreement: AgreementOut
    review: ReviewOut | None = Field(description="The review in progress, if there is one")
    five_criteria: FiveCriteria
    version: int = Field(description="Send this with your next change")
    created_at: datetime.datetime
    updated_at: datetime.datetime


# -- plans: building the answers ----------------------------------------------------------------


def _member(member: CareTeamMember | None) -> CareTeamMemberOut | None:
    if member is None:
        return None
    return CareTeamMemberOut(id=member.pk, name=member.name, role=member.role_title)


def _summary(plan: CarePlan) -> PlanSummary:
    return PlanSummary(
        id=plan.pk,
        person=plan.person_id,
        title=plan.title,
        status=PlanStatus(plan.status),
        next_review_due=plan.next_review_due,
        version=plan.version,
    )


def _goal(goal: Goal) -> GoalOut:
    return GoalOut(
        id=goal.pk,
        text=goal.text,
        in_own_words=goal.in_own_words,
        written_by=WrittenBy(goal.written_by),
        why_it_matters=goal.why_it_matters,
        importance=goal.importance,
        target_date=goal.target_date,
        achievement=Achievement(goal.achievement),
        needs=[need.pk for need in goal.needs.all()],
        stage_goals=[StageGoalOut.model_validate(step) for step in goal.stage_goals.all()],
        actions=[ActionOut.model_validate(action) for action in goal.actions.all()],
    )


def _user_name(user: Any) -> str:
    return str(user.full_name) if user is not None else ""


def _review(review: Review) -> ReviewOut:
    return ReviewOut(
        id=review.pk,
        started_at=review.started_at,
        started_by=_user_name(review.started_by),
        revision_at_start=review.revision_at_start,
        completed_at=review.completed_at,
        completed_by=_user_name(review.completed_by),
        revision_at_end=review.revision_at_end,
        attendees=review.attendees,
        summary=review.summary,
        next_review_due=review.next_review_due,
    )


def _about_me(plan: CarePlan) -> AboutMe:
    return AboutMe(**{name: getattr(plan, f"about_{name}") for name in AboutMe.model_fields})


def _plan(plan: CarePlan) -> PlanOut:
    contents = selectors.plan_contents(plan)
    current_review = selectors.open_review(plan)
    return PlanOut(
        id=plan.pk,
        person=plan.person_id,
        organisation=plan.organisation.ods_code,
        template=plan.template,
        status=PlanStatus(plan.status),
        details=DetailsOut(
            title=plan.title,
            formulation=plan.formulation,
            funding_source=plan.funding_source,
            other_documents=plan.other_documents,
            key_worker=_member(plan.key_worker),
            review_owner=_member(plan.review_owner),
            next_review_due=plan.next_review_due,
        ),
        about_me=_about_me(plan),
        strengths=[StrengthOut.model_validate(s) for s in contents["strengths"]],
        needs=[NeedOut.model_validate(n) for n in contents["needs"]],
        goals=[_goal(g) for g in contents["goals"] if isinstance(g, Goal)],
        contingency_plans=[ContingencyOut.model_validate(c) for c in contents["contingency_plans"]],
        additional_plans=[AdditionalPlanOut.model_validate(a) for a in contents["additional_plans"]],
        agreement=AgreementOut(
            agreed_with=AgreedWith(plan.agreed_with) if plan.agreed_with else None,
            agreed_with_name=plan.agreed_with_name,
            agreed_at=plan.agreed_at,
            shared_with_person_at=plan.shared_with_person_at,
        ),
        review=_review(current_review) if current_review is not None else None,
        five_criteria=FiveCriteria(
            involved_person=plan.involved_person,
            shared_with_person=plan.shared_with_person,
            goals_in_own_words=plan.goals_in_own_words,
            actions_agreed=plan.actions_agreed,
            review_date_set=plan.review_date_set,
        ),
        version=plan.version,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


# -- plans: endpoints ---------------------------------------------------------------------------


@router.get("", response=list[PlanSummary], summary="List a person's care and support plans")
def list_plans(request: HttpRequest, filters: Query[PlanFilter]) -> list[PlanSummary]:
    actor = api_actor(request)
    require_permission(actor, "careplans.view_plan")
    person = people_selectors.get_person(actor, filters.person, purpose="api care plans")
    plans = selectors.plans_for_person(actor, person)
    return [_summary(p) for p in plans if filters.status is None or p.status == filters.status]


@router.post("", response={201: PlanOut}, summary="Start a care and support plan")
def start_plan(request: HttpRequest, payload: StartPlanIn) -> Status[PlanOut]:
    actor = api_actor(request)
    require_permission(actor, "careplans.start_plan")
    person = _in_body(
        lambda: people_selectors.get_person(actor, payload.person, purpose="api start plan"),
        "person",
        "No person in your care has this id",
    )
    pack = None
    if payload.preparation_pack is not None:
        pack_id = payload.preparation_pack
        pack = _in_body(
            lambda: selectors.get_pack(actor, pack_id, purpose="api start plan"),
            "preparation_pack",
            "No preparation pack you may see has this id",
        )
    plan = plan_service.start_plan(
        actor, person, template=payload.template, preparation_pack=pack, title=payload.title.strip()
    )
    return Status(201, _plan(plan))


@router.get("/{plan_id}", response=PlanOut, summary="Read the whole plan (audited)")
def get_plan(request: HttpRequest, plan_id: int) -> PlanOut:
    return _plan(_read_plan(request, plan_id, "api"))


@router.patch("/{plan_id}", response={200: PlanOut, **CONFLICT}, summary="Change the plan's details")
def update_details(request: HttpRequest, plan_id: int, payload: DetailsChange) -> PlanOut:
    actor, plan = _plan_to_change(request, plan_id, "careplans.edit_plan")
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "title" in data:
        data["title"] = data["title"].strip()
    return _plan(plan_service.update_plan_details(actor, plan, data, expected_version=payload.version))


@router.put("/{plan_id}/about-me", response={200: PlanOut, **CONFLICT}, summary="Write About me")
def update_about_me(request: HttpRequest, plan_id: int, payload: AboutMeIn) -> PlanOut:
    actor, plan = _plan_to_change(request, plan_id, "careplans.edit_about_me")
    data = {f"about_{name}": getattr(payload, name) for name in AboutMe.model_fields}
    return _plan(plan_service.update_about_me(actor, plan, data, expected_version=payload.version))


# -- items ----------------------------------------------------------------------------------------


def _save_item[O: Schema](
    request: HttpRequest,
    plan_id: int,
    kind: str,
    payload: Versioned,
    out: Callable[[Any], O],
    *,
    item_id: int | None = None,
    goal_id: int | None = None,
) -> Saved[O]:
    """Add an item (no ``item_id``) or change the fields sent; the item as ``out`` shows it, and the plan's new version."""
    actor, plan = _plan_to_change(request, plan_id, "careplans.edit_plan")
    item = selectors.get_item(plan, kind, item_id) if item_id is not None else None
    parent = selectors.get_goal(plan, goal_id) if goal_id is not None else None
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    saved = plan_service.save_item(actor, plan, kind, data, expected_version=payload.version, item=item, parent=parent)
    return Saved(plan_version=_version_now(plan), item=out(saved))


def _remove_item(request: HttpRequest, plan_id: int, kind: str, item_id: int, version: int) -> PlanVersionOut:
    actor, plan = _plan_to_change(request, plan_id, "careplans.edit_plan")
    item = selectors.get_item(plan, kind, item_id)
    plan_service.remove_item(actor, plan, kind, item, expected_version=version)
    return PlanVersionOut(plan_version=_version_now(plan))


REMOVED = {200: PlanVersionOut, **CONFLICT}


@router.post("/{plan_id}/strengths", response={201: Saved[StrengthOut], **CONFLICT}, summary="Add a strength")
def add_strength(request: HttpRequest, plan_id: int, payload: StrengthIn) -> Status[Saved[StrengthOut]]:
    return Status(201, _save_item(request, plan_id, "strength", payload, StrengthOut.model_validate))


@router.patch(
    "/{plan_id}/strengths/{strength_id}",
    response={200: Saved[StrengthOut], **CONFLICT},
    summary="Change a strength",
)
def change_strength(
    request: HttpRequest, plan_id: int, strength_id: int, payload: StrengthChange
) -> Saved[StrengthOut]:
    return _save_item(request, plan_id, "strength", payload, StrengthOut.model_validate, item_id=strength_id)


@router.delete("/{plan_id}/strengths/{strength_id}", response=REMOVED, summary="Remove a strength")
def remove_strength(request: HttpRequest, plan_id: int, strength_id: int, query: Query[VersionQuery]) -> PlanVersionOut:
    return _remove_item(request, plan_id, "strength", strength_id, query.version)


@router.post("/{plan_id}/needs", response={201: Saved[NeedOut], **CONFLICT}, summary="Add a need")
def add_need(request: HttpRequest, plan_id: int, payload: NeedIn) -> Status[Saved[NeedOut]]:
    return Status(201, _save_item(request, plan_id, "need", payload, NeedOut.model_validate))


@router.patch("/{plan_id}/needs/{need_id}", response={200: Saved[NeedOut], **CONFLICT}, summary="Change a need")
def change_need(request: HttpRequest, plan_id: int, need_id: int, payload: NeedChange) -> Saved[NeedOut]:
    return _save_item(request, plan_id, "need", payload, NeedOut.model_validate, item_id=need_id)


@router.delete("/{plan_id}/needs/{need_id}", response=REMOVED, summary="Remove a need")
def remove_need(request: HttpRequest, plan_id: int, need_id: int, query: Query[VersionQuery]) -> PlanVersionOut:
    return _remove_item(request, plan_id, "need", need_id, query.version)


@router.post("/{plan_id}/goals", response={201: Saved[GoalOut], **CONFLICT}, summary="Add a goal")
def add_goal(request: HttpRequest, plan_id: int, payload: GoalIn) -> Status[Saved[GoalOut]]:
    return Status(201, _save_item(request, plan_id, "goal", payload, _goal))


@router.patch("/{plan_id}/goals/{goal_id}", response={200: Saved[GoalOut], **CONFLICT}, summary="Change a goal")
def change_goal(request: HttpRequest, plan_id: int, goal_id: int, payload: GoalChange) -> Saved[GoalOut]:
    return _save_item(request, plan_id, "goal", payload, _goal, item_id=goal_id)


@router.delete("/{plan_id}/goals/{goal_id}", response=REMOVED, summary="Remove a goal, with its steps and actions")
def remove_goal(request: HttpRequest, plan_id: int, goal_id: int, query: Query[VersionQuery]) -> PlanVersionOut:
    return _remove_item(request, plan_id, "goal", goal_id, query.version)


@router.post(
    "/{plan_id}/goals/{goal_id}/stage-goals",
    response={201: Saved[StageGoalOut], **CONFLICT},
    summary="Add a step towards a goal",
)
def add_stage_goal(
    request: HttpRequest, plan_id: int, goal_id: int, payload: StageGoalIn
) -> Status[Saved[StageGoalOut]]:
    return Status(
        201, _save_item(request, plan_id, "stage_goal", payload, StageGoalOut.model_validate, goal_id=goal_id)
    )


@router.patch(
    "/{plan_id}/stage-goals/{stage_goal_id}",
    response={200: Saved[StageGoalOut], **CONFLICT},
    summary="Change a step towards a goal",
)
def change_stage_goal(
    request: HttpRequest, plan_id: int, stage_goal_id: int, payload: StageGoalChange
) -> Saved[StageGoalOut]:
    return _save_item(request, plan_id, "stage_goal", payload, StageGoalOut.model_validate, item_id=stage_goal_id)


@router.delete("/{plan_id}/stage-goals/{stage_goal_id}", response=REMOVED, summary="Remove a step towards a goal")
def remove_stage_goal(
    request: HttpRequest, plan_id: int, stage_goal_id: int, query: Query[VersionQuery]
) -> PlanVersionOut:
    return _remove_item(request, plan_id, "stage_goal", stage_goal_id, query.version)


@router.post(
    "/{plan_id}/goals/{goal_id}/actions",
    response={201: Saved[ActionOut], **CONFLICT},
    summary="Add an action towards a goal",
)
def add_action(request: HttpRequest, plan_id: int, goal_id: int, payload: ActionIn) -> Status[Saved[ActionOut]]:
    return Status(201, _save_item(request, plan_id, "action", payload, ActionOut.model_validate, goal_id=goal_id))


@router.patch(
    "/{plan_id}/actions/{action_id}", response={200: Saved[ActionOut], **CONFLICT}, summary="Change an action"
)
def change_action(request: HttpRequest, plan_id: int, action_id: int, payload: ActionChange) -> Saved[ActionOut]:
    return _save_item(request, plan_id, "action", payload, ActionOut.model_validate, item_id=action_id)


@router.delete("/{plan_id}/actions/{action_id}", response=REMOVED, summary="Remove an action")
def remove_action(request: HttpRequest, plan_id: int, action_id: int, query: Query[VersionQuery]) -> PlanVersionOut:
    return _remove_item(request, plan_id, "action", action_id, query.version)


@router.post(
    "/{plan_id}/contingency-plans",
    response={201: Saved[ContingencyOut], **CONFLICT},
    summary="Add a contingency plan (at least one trigger)",
)
def add_contingency(request: HttpRequest, plan_id: int, payload: ContingencyIn) -> Status[Saved[ContingencyOut]]:
    return Status(201, _save_item(request, plan_id, "contingency", payload, ContingencyOut.model_validate))


@router.patch(
    "/{plan_id}/contingency-plans/{contingency_id}",
    response={200: Saved[ContingencyOut], **CONFLICT},
    summary="Change a contingency plan",
)
def change_contingency(
    request: HttpRequest, plan_id: int, contingency_id: int, payload: ContingencyChange
) -> Saved[ContingencyOut]:
    return _save_item(request, plan_id, "contingency", payload, ContingencyOut.model_validate, item_id=contingency_id)


@router.delete("/{plan_id}/contingency-plans/{contingency_id}", response=REMOVED, summary="Remove a contingency plan")
def remove_contingency(
    request: HttpRequest, plan_id: int, contingency_id: int, query: Query[VersionQuery]
) -> PlanVersionOut:
    return _remove_item(request, plan_id, "contingency", contingency_id, query.version)


@router.post(
    "/{plan_id}/additional-plans",
    response={201: Saved[AdditionalPlanOut], **CONFLICT},
    summary="Add an additional support plan",
)
def add_additional_plan(
    request: HttpRequest, plan_id: int, payload: AdditionalPlanIn
) -> Status[Saved[AdditionalPlanOut]]:
    return Status(201, _save_item(request, plan_id, "additional_plan", payload, AdditionalPlanOut.model_validate))


@router.patch(
    "/{plan_id}/additional-plans/{additional_plan_id}",
    response={200: Saved[AdditionalPlanOut], **CONFLICT},
    summary="Change an additional support plan",
)
def change_additional_plan(
    request: HttpRequest, plan_id: int, additional_plan_id: int, payload: AdditionalPlanChange
) -> Saved[AdditionalPlanOut]:
    return _save_item(
        request, plan_id, "additional_plan", payload, AdditionalPlanOut.model_validate, item_id=additional_plan_id
    )


@router.delete(
    "/{plan_id}/additional-plans/{additional_plan_id}", response=REMOVED, summary="Remove an additional support plan"
)
def remove_additional_plan(
    request: HttpRequest, plan_id: int, additional_plan_id: int, query: Query[VersionQuery]
) -> PlanVersionOut:
    return _remove_item(request, plan_id, "additional_plan", additional_plan_id, query.version)


# -- agreeing, reviewing and ending -----------------------------------------------------------------


class AgreeIn(Versioned):
    agreed_with: AgreedWith = Field(description="Who the plan was agreed with")
    agreed_with_name: str = Field("", max_length=200, description="Their name, if not the person themselves")
    next_review_due: datetime.date = Field(description="When the plan will be reviewed: today or later")


class ReviewStartIn(Versioned):
    attendees: str = Field("", max_length=300, description="Who is taking part")


class ReviewNotesIn(Versioned):
    summary: str = Field(description="What was talked about and what changed")
    attendees: str = Field("", max_length=300, description="Who took part; left as it was if empty")


class EndIn(Versioned):
    status: Literal["completed", "revoked", "entered_in_error"] = Field(
        description="completed, revoked (stopped) or entered_in_error"
    )
    reason: str = Field(min_length=1, max_length=250, description="Why the plan is ending")


@router.post(
    "/{plan_id}/agree",
    response={200: PlanOut, **CONFLICT},
    summary="Agree the plan with the person and make it active (also completes a review)",
)
def agree_plan(request: HttpRequest, plan_id: int, payload: AgreeIn) -> PlanOut:
    actor, plan = _plan_to_change(request, plan_id, "careplans.agree_plan")
    agreed = plan_service.agree_plan(
        actor,
        plan,
        agreed_with=payload.agreed_with,
        agreed_with_name=payload.agreed_with_name,
        next_review_due=payload.next_review_due,
        expected_version=payload.version,
    )
    return _plan(agreed)


@router.post("/{plan_id}/reviews", response={201: Saved[ReviewOut], **CONFLICT}, summary="Start a review of the plan")
def start_review(request: HttpRequest, plan_id: int, payload: ReviewStartIn) -> Status[Saved[ReviewOut]]:
    actor, plan = _plan_to_change(request, plan_id, "careplans.review_plan")
    review = plan_service.start_review(actor, plan, attendees=payload.attendees, expected_version=payload.version)
    return Status(201, Saved[ReviewOut](plan_version=_version_now(plan), item=_review(review)))


@router.patch(
    "/{plan_id}/reviews/current",
    response={200: Saved[ReviewOut], **CONFLICT},
    summary="Record what was said at the review in progress",
)
def record_review_notes(request: HttpRequest, plan_id: int, payload: ReviewNotesIn) -> Saved[ReviewOut]:
    actor, plan = _plan_to_change(request, plan_id, "careplans.review_plan")
    review = plan_service.record_review_notes(
        actor, plan, summary=payload.summary, attendees=payload.attendees, expected_version=payload.version
    )
    return Saved[ReviewOut](plan_version=_version_now(plan), item=_review(review))


@router.get("/{plan_id}/reviews", response=list[ReviewOut], summary="The plan's reviews, newest first")
def list_reviews(request: HttpRequest, plan_id: int) -> list[ReviewOut]:
    plan = _read_plan(request, plan_id, "api reviews")
    return [_review(r) for r in selectors.reviews_of(plan)]


@router.post(
    "/{plan_id}/end",
    response={200: PlanOut, **CONFLICT},
    summary="Complete the plan, stop it, or mark it entered in error",
)
def end_plan(request: HttpRequest, plan_id: int, payload: EndIn) -> PlanOut:
    actor, plan = _plan_to_change(request, plan_id, "careplans.agree_plan")
    ended = plan_service.end_plan(
        actor, plan, PlanStatus(payload.status), reason=payload.reason, expected_version=payload.version
    )
    return _plan(ended)


# -- progress and notes ---------------------------------------------------------------------------


class GoalProgressIn(Schema):
    achievement: Achievement = Field(description="How the goal is going")
    version: int | None = Field(None, description=f"Optional. {VERSION_HELP}")


class ActionProgressIn(Schema):
    status: ActionStatus = Field(description="How the action is going")
    version: int | None = Field(None, description=f"Optional. {VERSION_HELP}")


class NoteIn(Schema):
    text: str = Field(min_length=1, max_length=5000)
    goal: int | None = Field(None, description="The goal the note is about, if any")
    action: int | None = Field(None, description="The action the note is about, if any")


class NoteOut(Schema):
    id: int
    text: str
    goal: int | None = Field(description="The goal's id, if the note is about one")
    action: int | None = Field(description="The action's id, if the note is about one")
    written_by_label: str
    written_by_role: str
    written_at: datetime.datetime


def _note(note: PlanNote) -> NoteOut:
    return NoteOut(
        id=note.pk,
        text=note.text,
        goal=note.goal_id,
        action=note.action_id,
        written_by_label=note.written_by_label,
        written_by_role=note.written_by_role,
        written_at=note.written_at,
    )


@router.post(
    "/{plan_id}/goals/{goal_id}/progress",
    response={200: Saved[GoalOut], **CONFLICT},
    summary="Record how a goal is going",
)
def goal_progress(request: HttpRequest, plan_id: int, goal_id: int, payload: GoalProgressIn) -> Saved[GoalOut]:
    actor, plan = _plan_to_change(request, plan_id, "careplans.record_progress")
    goal = selectors.get_goal(plan, goal_id)
    saved = plan_service.record_goal_progress(actor, goal, payload.achievement, expected_version=payload.version)
    return Saved(plan_version=_version_now(plan), item=_goal(saved))


@router.post(
    "/{plan_id}/actions/{action_id}/progress",
    response={200: Saved[ActionOut], **CONFLICT},
    summary="Record how an action is going",
)
def action_progress(request: HttpRequest, plan_id: int, action_id: int, payload: ActionProgressIn) -> Saved[ActionOut]:
    actor, plan = _plan_to_change(request, plan_id, "careplans.record_progress")
    action = selectors.get_action(plan, action_id)
    saved = plan_service.record_action_progress(actor, action, payload.status, expected_version=payload.version)
    return Saved(plan_version=_version_now(plan), item=ActionOut.model_validate(saved))


@router.post("/{plan_id}/notes", response={201: NoteOut}, summary="Add a note to the plan, a goal or an action")
def add_note(request: HttpRequest, plan_id: int, payload: NoteIn) -> Status[NoteOut]:
    actor, plan = _plan_to_change(request, plan_id, "careplans.add_note")
    goal = action = None
    if payload.goal is not None:
        goal_id = payload.goal
        goal = _in_body(lambda: selectors.get_goal(plan, goal_id), "goal", "Choose a goal in this plan")
    if payload.action is not None:
        action_id = payload.action
        action = _in_body(lambda: selectors.get_action(plan, action_id), "action", "Choose an action in this plan")
    note = plan_service.add_note(actor, plan, payload.text, goal=goal, action=action)
    return Status(201, _note(note))


@router.get("/{plan_id}/notes", response=list[NoteOut], summary="Notes on the plan, newest first")
def list_notes(request: HttpRequest, plan_id: int) -> list[NoteOut]:
    plan = _read_plan(request, plan_id, "api notes")
    return [_note(n) for n in selectors.notes_of(plan)]


# -- history ----------------------------------------------------------------------------------------


class ChangeOut(Schema):
    section: str = Field(description="For example Goal, Action, Plan")
    item: str = Field(description="Which item, by its wording")
    field: str = Field(description="The field's name as the pages show it; empty when added or removed")
    before: str
    after: str
    kind: Literal["added", "removed", "changed"]


class RevisionOut(RevisionSummary):
    status: PlanStatus = Field(description="The plan's status once saved")
    changes: list[ChangeOut]


def _revision_summary(revision: PlanRevision) -> RevisionSummary:
    return RevisionSummary(
        number=revision.number,
        saved_at=revision.saved_at,
        saved_by_label=revision.saved_by_label,
        summary=revision.summary,
    )


@router.get("/{plan_id}/revisions", response=list[RevisionOut], summary="Every saved version, newest first")
def list_revisions(request: HttpRequest, plan_id: int) -> list[RevisionOut]:
    plan = _read_plan(request, plan_id, "api revisions")
    return [
        RevisionOut(
            number=r.number,
            saved_at=r.saved_at,
            saved_by_label=r.saved_by_label,
            summary=r.summary,
            status=PlanStatus(r.status),
            changes=[ChangeOut.model_validate(change) for change in r.changes],
        )
        for r in selectors.revisions_of(plan)
    ]


# -- personal health budget ---------------------------------------------------------------------------


class AllocationOut(Schema):
    id: int
    description: str
    amount: MoneyOut
    action: int | None = Field(description="The action the money is for, if any")
    spent: MoneyOut
    remaining: MoneyOut


class SpendOut(Schema):
    id: int
    spent_on: datetime.date
    payee: str
    description: str
    amount: MoneyOut = Field(description=f"{MONEY_HELP}; negative for a correction")
    allocation: int | None
    overspend_confirmed: bool
    overspend_reason: str
    recorded_at: datetime.datetime


class BudgetOut(Schema):
    managed_as: BudgetManagement
    indicative_amount: MoneyOut | None
    agreed_amount: MoneyOut | None
    agreed_on: datetime.date | None
    period_start: datetime.date | None
    period_end: datetime.date | None
    not_to_be_spent_on: str
    allocated: MoneyOut
    unallocated: MoneyOut
    spent: MoneyOut
    balance: MoneyOut = Field(description="What is left of the agreed budget; negative when overspent")
    overspent: bool
    allocations: list[AllocationOut]
    spends: list[SpendOut]
    plan_version: int = Field(description="Send this with your next change")


class BudgetIn(Versioned):
    """The whole budget: a field left out is emptied (except what it may not be spent on)."""

    managed_as: BudgetManagement = BudgetManagement.NOTIONAL
    indicative_amount: Money | None = Field(None, ge=0)
    agreed_amount: Money | None = Field(None, ge=0)
    agreed_on: datetime.date | None = None
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    not_to_be_spent_on: str = Field(
        "", description="What the budget may not be spent on; left as it was when empty (it cannot yet be cleared)"
    )


class AllocationIn(Versioned):
    description: str = Field(min_length=1, max_length=300, description="What the money is for")
    amount: Money = Field(gt=0)
    action: int | None = Field(None, description="The action in this plan the money is for, if any")


class SpendIn(Schema):
    spent_on: datetime.date = Field(description="Today or in the past")
    payee: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=300)
    amount: Money = Field(description=f"{MONEY_HELP}; negative to correct an earlier entry")
    allocation: int | None = Field(None, description="The allocation the money came from, if any")
    confirm_overspend: bool = Field(False, description="Needed when the spend takes spending past the agreed budget")
    overspend_reason: str = Field("", max_length=300, description="Why, when confirming an overspend")


def _allocation(line: budget_service.AllocationLine) -> AllocationOut:
    allocation = line.allocation
    return AllocationOut(
        id=allocation.pk,
        description=allocation.description,
        amount=f"{allocation.amount:.2f}",
        action=allocation.action_id,
        spent=f"{line.spent:.2f}",
        remaining=f"{line.remaining:.2f}",
    )


def _spend(spend: BudgetSpend) -> SpendOut:
    return SpendOut(
        id=spend.pk,
        spent_on=spend.spent_on,
        payee=spend.payee,
        description=spend.description,
        amount=f"{spend.amount:.2f}",
        allocation=spend.allocation_id,
        overspend_confirmed=spend.overspend_confirmed,
        overspend_reason=spend.overspend_reason,
        recorded_at=spend.recorded_at,
    )


def _budget(plan: CarePlan) -> BudgetOut:
    budget = selectors.budget_of(plan)
    if budget is None:
        raise Http404("No personal health budget")
    summary = budget_service.summarise(budget)
    return BudgetOut(
        managed_as=BudgetManagement(budget.managed_as),
        indicative_amount=_money(budget.indicative_amount),
        agreed_amount=_money(budget.agreed_amount),
        agreed_on=budget.agreed_on,
        period_start=budget.period_start,
        period_end=budget.period_end,
        not_to_be_spent_on=budget.not_to_be_spent_on,
        allocated=f"{summary.allocated:.2f}",
        unallocated=f"{summary.unallocated:.2f}",
        spent=f"{summary.spent:.2f}",
        balance=f"{summary.balance:.2f}",
        overspent=summary.overspent,
        allocations=[_allocation(line) for line in summary.lines],
        spends=[_spend(s) for s in budget.spends.all()],
        plan_version=plan.version,
    )


@router.get(
    "/{plan_id}/budget",
    response=BudgetOut,
    summary="The personal health budget: amounts, allocations, spending and balance (404 if none)",
)
def get_budget(request: HttpRequest, plan_id: int) -> BudgetOut:
    return _budget(_read_plan(request, plan_id, "api budget"))


@router.put("/{plan_id}/budget", response={200: BudgetOut, **CONFLICT}, summary="Set up or change the budget")
def set_budget(request: HttpRequest, plan_id: int, payload: BudgetIn) -> BudgetOut:
    actor, plan = _plan_to_change(request, plan_id, "careplans.manage_budget")
    data = payload.model_dump(exclude={"version"})
    budget_service.set_budget(actor, plan, data, expected_version=payload.version)
    _version_now(plan)
    return _budget(plan)


@router.post(
    "/{plan_id}/budget/allocations",
    response={201: Saved[AllocationOut], **CONFLICT},
    summary="Set part of the agreed budget aside",
)
def add_allocation(request: HttpRequest, plan_id: int, payload: AllocationIn) -> Status[Saved[AllocationOut]]:
    actor, plan = _plan_to_change(request, plan_id, "careplans.manage_budget")
    action = None
    if payload.action is not None:
        action_id = payload.action
        action = _in_body(lambda: selectors.get_action(plan, action_id), "action", "Choose an action in this plan")
    allocation = budget_service.add_allocation(
        actor,
        plan,
        description=payload.description,
        amount=payload.amount,
        action=action,
        expected_version=payload.version,
    )
    line = budget_service.AllocationLine(allocation, Decimal("0.00"))
    return Status(201, Saved[AllocationOut](plan_version=_version_now(plan), item=_allocation(line)))


@router.post(
    "/{plan_id}/budget/spends",
    response={201: Saved[SpendOut]},
    summary="Record spending (an overspend must be confirmed with a reason)",
)
def record_spend(request: HttpRequest, plan_id: int, payload: SpendIn) -> Status[Saved[SpendOut]]:
    actor, plan = _plan_to_change(request, plan_id, "careplans.manage_budget")
    allocation: BudgetAllocation | None = None
    if payload.allocation is not None:
        budget = selectors.budget_of(plan)
        lines = budget_service.summarise(budget).lines if budget is not None else []
        allocation = next((line.allocation for line in lines if line.allocation.pk == payload.allocation), None)
        if allocation is None:
            raise ValidationError({"allocation": "Choose an allocation from this plan's budget"})
    spend = budget_service.record_spend(
        actor,
        plan,
        spent_on=payload.spent_on,
        payee=payload.payee,
        description=payload.description,
        amount=payload.amount,
        allocation=allocation,
        confirm_overspend=payload.confirm_overspend,
        overspend_reason=payload.overspend_reason,
    )
    return Status(201, Saved[SpendOut](plan_version=_version_now(plan), item=_spend(spend)))
