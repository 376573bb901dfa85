"""How a care and support plan reads on the page.

Shared by the staff plan pages, the person's own view, print and the caseload, so that a
plan says the same thing wherever it is read: dates as "5 March 2027", scales as "8 out of
10", who does an action in words, and the history's changes as sentences. Presenters only
format what the views have already read through ``selectors``; they never write.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django import forms
from django.db import models
from django.urls import reverse
from django.utils import timezone

from carehouse.careplans import lifecycle
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
    WhoActs,
)
from carehouse.careplans.pathways import PlanTemplate, template_for
from carehouse.careplans.revisions import Change
from carehouse.core.actor import Actor
from carehouse.core.rules import has_permission
from carehouse.people.models import CareTeamMember, Person

NOT_RECORDED = "Not recorded"
#: How many notes the plan page shows.
RECENT_NOTES = 10

# Formatting -----------------------------------------------------------------------------------


def _as_date(value: datetime.date | str | None) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _as_datetime(value: datetime.datetime | str | None) -> datetime.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    return timezone.localtime(value) if timezone.is_aware(value) else value


def format_date(value: datetime.date | str | None) -> str:
    """A date as the NHS writes it: 5 March 2027. Empty when there is no date."""
    day = _as_date(value)
    return f"{day.day} {day:%B %Y}" if day else ""


def format_time(value: datetime.datetime | str | None) -> str:
    """A time on the 24-hour clock, local to the service: 14:02."""
    moment = _as_datetime(value)
    return f"{moment:%H:%M}" if moment else ""


def format_datetime(value: datetime.datetime | str | None) -> str:
    """5 March 2027 at 14:02."""
    moment = _as_datetime(value)
    return f"{format_date(moment.date())} at {moment:%H:%M}" if moment else ""


def out_of_ten(value: int | None) -> str:
    return f"{value} out of 10" if value is not None else ""


def short_name(person: Person) -> str:
    """What the pages call the person: their preferred name, or their first name."""
    return person.preferred_name or person.given_name


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def row(key: str, value: str) -> dict[str, Any]:
    """One row of an NHS.UK summary list ("Not recorded" when there is no value)."""
    return {"key": {"text": key}, "value": {"text": value or NOT_RECORDED}}


STATUS_TAGS: dict[str, str] = {
    PlanStatus.DRAFT: "nhsuk-tag--grey",
    PlanStatus.ACTIVE: "nhsuk-tag--green",
    PlanStatus.UNDER_REVIEW: "nhsuk-tag--yellow",
    PlanStatus.COMPLETED: "nhsuk-tag--blue",
    PlanStatus.REVOKED: "nhsuk-tag--red",
    PlanStatus.ENTERED_IN_ERROR: "nhsuk-tag--red",
}
ACHIEVEMENT_TAGS: dict[str, str] = {
    Achievement.ACHIEVED: "nhsuk-tag--green",
    Achievement.SUSTAINING: "nhsuk-tag--green",
    Achievement.IMPROVING: "nhsuk-tag--aqua-green",
    Achievement.WORSENING: "nhsuk-tag--orange",
    Achievement.NOT_ACHIEVED: "nhsuk-tag--grey",
    Achievement.NO_PROGRESS: "nhsuk-tag--grey",
    Achievement.NOT_ATTAINABLE: "nhsuk-tag--grey",
}
ACTION_TAGS: dict[str, str] = {
    ActionStatus.NOT_STARTED: "nhsuk-tag--grey",
    ActionStatus.IN_PROGRESS: "nhsuk-tag--blue",
    ActionStatus.COMPLETED: "nhsuk-tag--green",
    ActionStatus.CANCELLED: "nhsuk-tag--grey",
}


def status_tag(plan: CarePlan) -> dict[str, str]:
    """The plan's status as parameters for the NHS.UK tag component."""
    return {"text": plan.get_status_display(), "classes": STATUS_TAGS.get(plan.status, "")}


def achievement_tag(item: Goal | StageGoal) -> dict[str, str]:
    """How a goal or a step towards it is going, as parameters for the NHS.UK tag component."""
    return {"text": item.get_achievement_display(), "classes": ACHIEVEMENT_TAGS.get(item.achievement, "")}


def action_tag(action: Action) -> dict[str, str]:
    return {"text": action.get_status_display(), "classes": ACTION_TAGS.get(action.status, "")}


def items_of[M: models.Model](contents: Mapping[str, Sequence[models.Model]], section: str, kind: type[M]) -> list[M]:
    """One section of ``selectors.plan_contents`` ("goals", "strengths", ...), as its own model."""
    return [item for item in contents.get(section, []) if isinstance(item, kind)]


def name_and_role(member: CareTeamMember) -> str:
    """A member of the care team as the plan names them: "Priya Shah, Practice nurse"."""
    return f"{member.name}, {member.role_title}"


def agreed_with(plan: CarePlan) -> str:
    """Who agreed the plan, to follow "Agreed with": "the person (Mary Seacole)"."""
    who = plan.get_agreed_with_display()
    if plan.agreed_with_name:
        who += f" ({plan.agreed_with_name})"
    return f"{who[:1].lower()}{who[1:]}"


# Items ------------------------------------------------------------------------------------------


def describe_who(action: Action, the_person: str) -> str:
    """Who does an action, calling the person ``the_person`` ("Mary", "You", "Me")."""
    if action.who == WhoActs.PERSON:
        return the_person + (f" ({action.who_name})" if action.who_name else "")
    label = WhoActs(action.who).label if action.who in WhoActs.values else action.who
    if action.who_name:
        return f"{action.who_name} ({label[:1].lower()}{label[1:]})"
    return label


def who_does(action: Action, person: Person) -> str:
    """Who does an action, in words: "Mary", "Sam (a carer or family member)", "A professional"."""
    return describe_who(action, short_name(person))


def action_when(action: Action) -> str:
    """When an action happens: "Every morning, by 5 March 2027"; empty when nothing is set."""
    parts = [action.when.strip()] if action.when.strip() else []
    if action.due_date:
        parts.append(f"by {format_date(action.due_date)}")
    return ", ".join(parts)


@dataclass
class StagePresenter:
    stage_goal: StageGoal

    @property
    def pk(self) -> int:
        return int(self.stage_goal.pk)

    @property
    def stage(self) -> str:
        return self.stage_goal.stage

    @property
    def text(self) -> str:
        return self.stage_goal.text

    @property
    def achievement(self) -> dict[str, str]:
        return achievement_tag(self.stage_goal)


@dataclass
class ActionPresenter:
    action: Action
    person: Person

    @property
    def pk(self) -> int:
        return int(self.action.pk)

    @property
    def what(self) -> str:
        return self.action.what

    @property
    def who(self) -> str:
        return who_does(self.action, self.person)

    @property
    def when(self) -> str:
        return action_when(self.action)

    @property
    def confidence(self) -> str:
        return out_of_ten(self.action.confidence)

    @property
    def status(self) -> dict[str, str]:
        return action_tag(self.action)

    @property
    def rows(self) -> list[dict[str, Any]]:
        a = self.action
        rows = [
            row("Who", self.who),
            row("When", self.when),
            row("What might get in the way, and what will help", a.barriers_and_strategies),
            row("How confident " + short_name(self.person) + " feels", self.confidence),
            row("Status", a.get_status_display()),
        ]
        if a.referral_reference:
            rows.append(row("Referral reference", a.referral_reference))
        return rows


@dataclass
class GoalPresenter:
    goal: Goal
    person: Person

    @property
    def pk(self) -> int:
        return int(self.goal.pk)

    @property
    def text(self) -> str:
        return self.goal.text

    @property
    def wording(self) -> str:
        """Whose words these are: a plan is only personalised if the goals are the person's own."""
        if self.goal.in_own_words:
            return f"In {possessive(short_name(self.person))} own words"
        return "A professional's summary"

    @property
    def importance(self) -> str:
        return out_of_ten(self.goal.importance)

    @property
    def target_date(self) -> str:
        return format_date(self.goal.target_date)

    @property
    def achievement(self) -> dict[str, str]:
        return achievement_tag(self.goal)

    @property
    def needs(self) -> list[str]:
        return [n.text for n in self.goal.needs.all()]

    @property
    def rows(self) -> list[dict[str, Any]]:
        g = self.goal
        name = short_name(self.person)
        return [
            row(f"Why it matters to {name}", g.why_it_matters),
            row(f"How important this is to {name}", self.importance),
            row("Target date", self.target_date),
            row("How it is going", g.get_achievement_display()),
            row("Needs it meets", "; ".join(self.needs)),
        ]

    @cached_property
    def stage_goals(self) -> list[StagePresenter]:
        return [StagePresenter(s) for s in self.goal.stage_goals.all()]

    @cached_property
    def actions(self) -> Sequence[ActionPresenter]:
        return [ActionPresenter(a, self.person) for a in self.goal.actions.all()]


def advance_statement(contingency: ContingencyPlan) -> str:
    """Whether there is an advance statement, and where it is kept: "Yes, kept at the GP practice"."""
    if not contingency.has_advance_statement:
        return "No"
    where = contingency.advance_statement_location
    return f"Yes, kept at {where}" if where else "Yes"


@dataclass
class ContingencyPresenter:
    contingency: ContingencyPlan

    @property
    def pk(self) -> int:
        return int(self.contingency.pk)

    @property
    def name(self) -> str:
        return self.contingency.name

    @property
    def triggers(self) -> list[str]:
        return [str(t) for t in (self.contingency.triggers or [])]

    @property
    def advance_statement(self) -> str:
        return advance_statement(self.contingency)

    @property
    def rows(self) -> list[dict[str, Any]]:
        c = self.contingency
        return [
            row("What might trigger a crisis", "; ".join(self.triggers)),
            row("Early warning signs", c.early_warning_signs),
            row("What should happen", c.what_to_do),
            row("Who to contact", c.who_to_contact),
            row("Coping strategies", c.coping_strategies),
            row("Advance statement", self.advance_statement),
            row("Anticipatory medicines or equipment", c.anticipatory_medicines),
        ]


@dataclass
class AdditionalPlanPresenter:
    additional: AdditionalSupportPlan

    @property
    def pk(self) -> int:
        return int(self.additional.pk)

    @property
    def name(self) -> str:
        return self.additional.name

    @property
    def rows(self) -> list[dict[str, Any]]:
        a = self.additional
        return [
            row("What it says", a.content),
            row("Review date", format_date(a.review_date)),
            row("Who reviews it", a.review_responsibility),
        ]


# Preparation and notes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    prompt: str
    answer: str


def pack_answers(pack: PreparationPack) -> list[Answer]:
    """Each of a preparation pack's prompts with the person's answer ("Not answered" if blank)."""
    prompts = [str(p) for p in (pack.prompts or [])]
    answers = [str(a) for a in (pack.answers or [])]
    return [
        Answer(prompt, (answers[i] if i < len(answers) else "").strip() or "Not answered")
        for i, prompt in enumerate(prompts)
    ]


def pack_results(pack: PreparationPack) -> list[Mapping[str, Any]]:
    """The results shared with a preparation pack (name, value, unit, when taken, a note)."""
    return [result for result in pack.results or [] if isinstance(result, Mapping)]


def result_value(result: Mapping[str, Any]) -> str:
    """A result's value with its unit: "52 mmol/mol"."""
    return " ".join(str(result.get(k) or "") for k in ("value", "unit")).strip()


def result_taken_on(result: Mapping[str, Any]) -> str:
    """When a result was taken, as the NHS writes dates; empty when not given."""
    return format_date(str(result.get("taken_on") or ""))


@dataclass
class PreparationPresenter:
    """The person's preparation pack answers: they open the conversation (Year of Care)."""

    pack: PreparationPack
    person: Person

    @property
    def heading(self) -> str:
        return f"What {short_name(self.person)} would like to talk about"

    @property
    def answered_on(self) -> str:
        return format_date(self.pack.completed_at)

    @property
    def conversation_on(self) -> str:
        return format_date(self.pack.conversation_on)

    @property
    def answers(self) -> list[Answer]:
        return pack_answers(self.pack)

    @property
    def results(self) -> list[dict[str, Any]]:
        """Results shared before the conversation, as summary list rows."""
        rows = []
        for result in pack_results(self.pack):
            extra = [result_taken_on(result), str(result.get("note") or "")]
            detail = ", ".join(p for p in (result_value(result), *extra) if p)
            rows.append(row(str(result.get("name") or "Result"), detail))
        return rows


@dataclass
class NotePresenter:
    note: PlanNote

    @property
    def text(self) -> str:
        return self.note.text

    @property
    def by(self) -> str:
        return self.note.written_by_label

    @property
    def when(self) -> str:
        return format_datetime(self.note.written_at)

    @property
    def about(self) -> str:
        if self.note.action is not None:
            return f"About the action: {self.note.action.what}"
        if self.note.goal is not None:
            return f"About the goal: {self.note.goal.text}"
        return "About the plan"


@dataclass(frozen=True)
class Criterion:
    label: str
    met: bool

    @property
    def tag(self) -> dict[str, str]:
        return {
            "text": "Yes" if self.met else "Not yet",
            "classes": "nhsuk-tag--green" if self.met else "nhsuk-tag--grey",
        }


# The plan -----------------------------------------------------------------------------------------


def _member(member: CareTeamMember | None) -> str:
    return f"{name_and_role(member)} at {member.organisation.name}" if member is not None else ""


def about_me_heading(name: str) -> str:
    """An About me heading as the PRSB standard writes it, in the person's voice: the field's own name."""
    field = CarePlan._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.verbose_name)


class PlanPresenter:
    """A whole plan for display. ``contents`` is ``selectors.plan_contents(plan)``."""

    def __init__(
        self,
        plan: CarePlan,
        actor: Actor,
        *,
        contents: Mapping[str, Sequence[models.Model]],
        notes: Iterable[PlanNote] = (),
        open_review: Review | None = None,
    ) -> None:
        self.plan = plan
        self.actor = actor
        self.person: Person = plan.person
        self.contents = contents
        self.notes = [NotePresenter(n) for n in notes]
        self.open_review = open_review
        pack = plan.preparation_pack
        self.preparation = PreparationPresenter(pack, self.person) if pack is not None else None

    # Who and what ----------------------------------------------------------------------

    @property
    def name(self) -> str:
        return short_name(self.person)

    @property
    def full_name(self) -> str:
        return self.person.full_name

    @property
    def title(self) -> str:
        return self.plan.title

    @property
    def status(self) -> dict[str, str]:
        return status_tag(self.plan)

    @property
    def is_open(self) -> bool:
        return self.plan.is_open

    @cached_property
    def template(self) -> PlanTemplate | None:
        return template_for(self.plan.template) if self.plan.template else None

    @property
    def template_name(self) -> str:
        return self.template.name if self.template else "No template"

    # Sections ----------------------------------------------------------------------------

    @property
    def about_me_rows(self) -> list[dict[str, Any]]:
        rows = [row(about_me_heading(name), getattr(self.plan, name)) for name in CarePlan.ABOUT_ME_FIELDS]
        if self.plan.about_supported_by:
            rows.append(row("Supported to write this by", self.plan.about_supported_by))
        return rows

    @property
    def about_me_written(self) -> bool:
        return any(getattr(self.plan, name).strip() for name in CarePlan.ABOUT_ME_FIELDS)

    @property
    def strengths(self) -> list[Strength]:
        return items_of(self.contents, "strengths", Strength)

    @property
    def needs(self) -> list[Need]:
        return items_of(self.contents, "needs", Need)

    @cached_property
    def goals(self) -> list[GoalPresenter]:
        return [GoalPresenter(g, self.person) for g in items_of(self.contents, "goals", Goal)]

    @cached_property
    def contingency_plans(self) -> list[ContingencyPresenter]:
        return [ContingencyPresenter(c) for c in items_of(self.contents, "contingency_plans", ContingencyPlan)]

    @cached_property
    def additional_plans(self) -> list[AdditionalPlanPresenter]:
        items = items_of(self.contents, "additional_plans", AdditionalSupportPlan)
        return [AdditionalPlanPresenter(a) for a in items]

    @property
    def key_worker(self) -> str:
        return _member(self.plan.key_worker)

    @property
    def review_owner(self) -> str:
        return _member(self.plan.review_owner)

    @property
    def next_review(self) -> str:
        return format_date(self.plan.next_review_due)

    @property
    def review_overdue(self) -> bool:
        due = self.plan.next_review_due
        return bool(
            due and self.plan.status in (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW) and due < timezone.localdate()
        )

    @property
    def agreement(self) -> str:
        p = self.plan
        if not p.agreed_at:
            return "Not agreed yet"
        return f"Agreed with {agreed_with(p)} on {format_date(p.agreed_at)}"

    @property
    def detail_rows(self) -> list[dict[str, Any]]:
        p = self.plan
        return [
            row("Plan", p.title),
            row("Template", self.template_name),
            row("Named key worker", self.key_worker),
            row("Next review", self.next_review),
            row("Who will review it", self.review_owner),
            row("Agreement", self.agreement),
            row(
                "Shared with " + self.name,
                format_date(p.shared_with_person_at) if p.shared_with_person_at else "Not yet",
            ),
            row("Formulation", p.formulation),
            row("Funding", p.funding_source),
            row("Other care planning documents", p.other_documents),
        ]

    @property
    def criteria(self) -> list[Criterion]:
        """NHS England's five criteria for a personalised care and support plan."""
        p = self.plan
        return [
            Criterion(f"{self.name} was involved in the conversation", p.involved_person),
            Criterion(f"{self.name} has a copy of the plan", p.shared_with_person),
            Criterion(f"Goals are in {possessive(self.name)} own words", p.goals_in_own_words),
            Criterion("Actions are agreed", p.actions_agreed),
            Criterion("A review date is set", p.review_date_set),
        ]

    @property
    def criteria_met(self) -> int:
        return sum(1 for c in self.criteria if c.met)

    @property
    def review_started_on(self) -> str:
        """When the review now under way started; empty when there is none."""
        return format_date(self.open_review.started_at) if self.open_review is not None else ""

    @property
    def recent_notes(self) -> list[NotePresenter]:
        return self.notes[:RECENT_NOTES]

    # What the actor may do (asked once a page: the plan page asks ``can_edit`` for every item) -----

    @cached_property
    def can_edit(self) -> bool:
        return self.is_open and has_permission(self.actor, "careplans.edit_plan")

    @cached_property
    def can_edit_about_me(self) -> bool:
        return self.is_open and has_permission(self.actor, "careplans.edit_about_me")

    @cached_property
    def can_agree(self) -> bool:
        return self.plan.status == PlanStatus.DRAFT and has_permission(self.actor, "careplans.agree_plan")

    @cached_property
    def can_start_review(self) -> bool:
        return self.plan.status == PlanStatus.ACTIVE and has_permission(self.actor, "careplans.review_plan")

    @cached_property
    def can_complete_review(self) -> bool:
        return self.plan.status == PlanStatus.UNDER_REVIEW and has_permission(self.actor, "careplans.review_plan")

    @cached_property
    def can_end(self) -> bool:
        return any(lifecycle.can_move(self.plan.status, t) for t in lifecycle.ENDINGS) and has_permission(
            self.actor, "careplans.agree_plan"
        )


# History ------------------------------------------------------------------------------------------


def _shown(value: str) -> str:
    """A value from a revision's changes, dates reworded the NHS way."""
    if len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        if len(value) > 10 and "T" in value:
            return format_datetime(value) or value
        return format_date(value) or value
    return value


def describe_change(change: Change | Mapping[str, Any]) -> str:
    """One change in words: "Goal 'Walk to the park': How important this is to me changed from 6 to 8"."""
    section = str(change.get("section") or "")
    item = str(change.get("item") or "")
    kind = str(change.get("kind") or "changed")
    label = str(change.get("field") or "").removesuffix(", from 1 to 10")
    before = _shown(str(change.get("before") or ""))
    after = _shown(str(change.get("after") or ""))
    subject = f"{section} '{item}'" if item else section
    lower = f"{section[:1].lower()}{section[1:]}"
    if kind == "added":
        return f"Started the plan '{item}'" if section == "Plan" else f"Added {lower}" + (f" '{item}'" if item else "")
    if kind == "removed":
        return f"Removed {lower}" + (f" '{item}'" if item else "")
    if section == "Plan" and not item:
        subject = ""
    prefix = f"{subject}: " if subject else ""
    if before and after:
        return f"{prefix}{label} changed from {before} to {after}"
    if after:
        return f"{prefix}{label} set to {after}"
    return f"{prefix}{label} cleared (it was {before})"


@dataclass
class RevisionPresenter:
    revision: PlanRevision

    @property
    def number(self) -> int:
        return self.revision.number

    @property
    def when(self) -> str:
        return format_datetime(self.revision.saved_at)

    @property
    def who(self) -> str:
        return self.revision.saved_by_label

    @property
    def summary(self) -> str:
        return self.revision.summary

    @property
    def status(self) -> str:
        return self.revision.get_status_display()

    @property
    def changes(self) -> list[str]:
        return [describe_change(c) for c in (self.revision.changes or []) if isinstance(c, Mapping)]


# Edit conflicts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictRow:
    label: str
    yours: str
    theirs: str


def _field_display(form_field: forms.Field, value: Any) -> str:
    if value is None or value == "" or value == [] or value == ():
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, (list, tuple)) and isinstance(form_field.widget, forms.MultiWidget):
        parts = [str(v or "").strip() for v in value]
        return "/".join(parts) if any(parts) else ""
    choices = {str(k): str(v) for k, v in getattr(form_field, "choices", []) or []}
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        shown = [choices.get(str(getattr(v, "pk", v)), str(v)) for v in value]
        return "; ".join(sorted(shown))
    if choices:
        return choices.get(str(value), str(value))
    return str(value).strip()


def conflict_rows(form: forms.Form, saved: Mapping[str, Any]) -> list[ConflictRow]:
    """What the user typed beside what is now saved, for the fields that differ."""
    typed = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    rows = []
    for name, form_field in form.fields.items():
        if name == "version" or name not in saved:
            continue
        if name in typed:
            yours = _field_display(form_field, typed[name])
        else:
            yours = _field_display(
                form_field, form_field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
            )
        theirs = _field_display(form_field, saved[name])
        if yours != theirs:
            rows.append(ConflictRow(str(form_field.label or name), yours, theirs))
    return rows


@dataclass
class Conflict:
    """An edit refused because someone saved first: the differences, and the saves since."""

    rows: list[ConflictRow] = field(default_factory=list)
    since: list[RevisionPresenter] = field(default_factory=list)
    removed: bool = False

    @classmethod
    def of(cls, form: forms.Form, saved: Mapping[str, Any] | None, since: Iterable[PlanRevision]) -> Conflict:
        return cls(
            rows=conflict_rows(form, saved) if saved is not None else [],
            since=[RevisionPresenter(r) for r in since],
            removed=saved is None,
        )


# A person's plans, on their record ----------------------------------------------------------------


@dataclass(frozen=True)
class PlanListItem:
    title: str
    href: str
    status: dict[str, str]
    detail: str


class PersonPlansPresenter:
    """The "Care and support plans" section of a person's record."""

    def __init__(
        self, person: Person, actor: Actor, *, plans: Iterable[CarePlan], answered_pack: PreparationPack | None
    ) -> None:
        self.person = person
        self.actor = actor
        self.plans = list(plans)
        self.answered_pack = answered_pack

    @cached_property
    def can_start(self) -> bool:
        return has_permission(self.actor, "careplans.start_plan")

    @property
    def items(self) -> list[PlanListItem]:
        page = "careplans:plan" if has_permission(self.actor, "careplans.edit_plan") else "careplans:view"
        items = []
        for plan in self.plans:
            parts = [f"Started {format_date(plan.created_at)}"]
            if plan.agreed_at:
                parts.append(f"agreed {format_date(plan.agreed_at)}")
            if plan.next_review_due and plan.is_open:
                parts.append(f"review due {format_date(plan.next_review_due)}")
            items.append(
                PlanListItem(
                    title=plan.title,
                    href=reverse(page, kwargs={"plan_id": plan.pk}),
                    status=status_tag(plan),
                    detail=", ".join(parts),
                )
            )
        return items

    @property
    def preparation(self) -> str:
        """Staff see that answers are waiting to open the next conversation."""
        if self.answered_pack is None or not self.can_start:
            return ""
        when = format_date(self.answered_pack.completed_at)
        return (
            f"{short_name(self.person)} answered a preparation pack on {when}. "
            "Their answers will open the conversation when you start a plan."
        )
