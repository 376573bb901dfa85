"""How the person's own view, preparation packs, caseload, budget and printed plan read.

The person reads their plan in plain language, spoken to as "you"; a carer, or a professional
looking at what the person sees, reads the same plan with the person's name instead. The shared
formatting (dates, tags, who does an action) comes from ``carehouse.careplans.presenters``, and
the person's goals and actions are the staff presenters' own, spoken in the reader's voice.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django import forms
from django.db import models
from django.urls import reverse
from django.utils import timezone

from carehouse.careplans.forms_person import ActionProgressForm, GoalProgressForm, NoteForm
from carehouse.careplans.models import (
    Action,
    AdditionalSupportPlan,
    BudgetSpend,
    CarePlan,
    ContingencyPlan,
    Goal,
    Need,
    PlanNote,
    PlanStatus,
    PreparationPack,
    Strength,
)
from carehouse.careplans.pathways import template_for
from carehouse.careplans.presenters import (
    ActionPresenter,
    GoalPresenter,
    NotePresenter,
    about_me_heading,
    action_when,
    advance_statement,
    agreed_with,
    describe_who,
    format_date,
    format_datetime,
    items_of,
    name_and_role,
    out_of_ten,
    pack_answers,
    pack_results,
    possessive,
    result_taken_on,
    result_value,
    row,
    short_name,
    status_tag,
)
from carehouse.careplans.selectors import DUE_SOON_DAYS, Caseload
from carehouse.careplans.services.budget import BudgetSummary, money
from carehouse.core.actor import Actor
from carehouse.core.roles import Role
from carehouse.core.rules import has_permission
from carehouse.people.models import Person


def staff_plan_url(plan: CarePlan) -> str:
    """Where staff work on a plan."""
    return reverse("careplans:plan", kwargs={"plan_id": plan.pk})


class Voice:
    """Speaks to the person ("you", "my") or about them ("Mary", "Mary's")."""

    def __init__(self, person: Person, actor: Actor) -> None:
        self.second_person = actor.role == Role.PERSON and actor.user is not None and person.user_id == actor.user.pk
        self.name = short_name(person)

    @property
    def my(self) -> str:
        """For headings, in the person's own voice (PRSB's "About me" is written as "I")."""
        return "My" if self.second_person else possessive(self.name)

    @property
    def me(self) -> str:
        return "me" if self.second_person else self.name

    @property
    def you(self) -> str:
        return "you" if self.second_person else self.name

    @property
    def you_start(self) -> str:
        """The word "You", or the name, to start a sentence."""
        return "You" if self.second_person else self.name

    @property
    def your(self) -> str:
        return "your" if self.second_person else possessive(self.name)

    @property
    def your_start(self) -> str:
        return "Your" if self.second_person else possessive(self.name)


def who_helps(action: Action, voice: Voice) -> str:
    """Who does an action, spoken to the reader: "You", "You (with Sam)", "Jo (a professional)"."""
    return describe_who(action, voice.you_start)


BARRIERS = "What might get in the way, and what will help"


def action_lines(action: Action, *, who: str, confident: str, no_date: str = "") -> list[tuple[str, str]]:
    """An action's details as labels and values, leaving out what was not filled in.

    ``who`` is who does it in the reader's words, ``confident`` the label for how confident the
    person is, and ``no_date`` what "When" says if nothing is set (no "When" line when empty).
    """
    when = action_when(action) or no_date
    lines = [("Who", who)]
    if when:
        lines.append(("When", when))
    if action.barriers_and_strategies:
        lines.append((BARRIERS, action.barriers_and_strategies))
    if action.confidence is not None:
        lines.append((confident, out_of_ten(action.confidence)))
    return lines


def goal_lines(goal: Goal, me: str, *, progress: bool = False) -> list[tuple[str, str]]:
    """A goal's details as labels and values, about ``me`` ("me", or the person's name).

    With ``progress``, how it is going too (the person's view shows that as a tag instead).
    """
    lines = []
    if goal.why_it_matters:
        lines.append((f"Why it matters to {me}", goal.why_it_matters))
    if goal.importance is not None:
        lines.append((f"How important it is to {me}", out_of_ten(goal.importance)))
    if goal.target_date:
        lines.append(("When by", format_date(goal.target_date)))
    if progress:
        lines.append(("How it is going", goal.get_achievement_display()))
    if not goal.in_own_words:
        lines.append(("Whose words", "A professional's summary"))
    return lines


def contingency_lines(contingency: ContingencyPlan) -> list[tuple[str, str]]:
    """What to do if things get worse, in plain words: only the parts that were filled in."""
    c = contingency
    return [
        (label, value)
        for label, value in (
            ("Early warning signs", c.early_warning_signs),
            ("What to do", c.what_to_do),
            ("Who to contact", c.who_to_contact),
            ("What helps", c.coping_strategies),
            ("Advance statement", advance_statement(c) if c.has_advance_statement else ""),
            ("Medicines or equipment ready in case", c.anticipatory_medicines),
        )
        if value
    ]


# The person's view ------------------------------------------------------------------------------


@dataclass
class ActionView(ActionPresenter):
    """An action as the staff pages show it, but spoken to the reader, with the person's progress form."""

    voice: Voice
    form: ActionProgressForm | None

    @property
    def rows(self) -> list[dict[str, Any]]:
        lines = action_lines(
            self.action,
            who=who_helps(self.action, self.voice),
            confident=f"How confident {self.voice.you} felt about it",
            no_date="Not set",
        )
        return [row(label, value) for label, value in lines]


@dataclass
class GoalView(GoalPresenter):
    """A goal as the staff pages show it, but spoken to the reader, with the person's progress forms."""

    number: int
    voice: Voice
    form: GoalProgressForm | None
    action_form: Callable[[Action], ActionProgressForm | None]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [row(label, value) for label, value in goal_lines(self.goal, self.voice.me)]

    @cached_property
    def actions(self) -> Sequence[ActionView]:
        return [ActionView(a, self.person, self.voice, self.action_form(a)) for a in self.goal.actions.all()]


@dataclass
class BudgetView:
    """The summary of a personal health budget, for the person, a carer or staff (with its ``spends``)."""

    summary: BudgetSummary
    spends: Sequence[BudgetSpend] = ()

    @property
    def rows(self) -> list[dict[str, Any]]:
        b = self.summary.budget
        rows = [row("How it is held", b.get_managed_as_display())]
        if b.indicative_amount is not None:
            rows.append(row("Indicative budget", money(b.indicative_amount)))
        rows.append(row("Agreed budget", money(b.agreed_amount) if b.agreed_amount is not None else "Not agreed yet"))
        if b.agreed_on:
            rows.append(row("Agreed on", format_date(b.agreed_on)))
        rows.append(row("Period", self.period))
        rows.append(row("Spent so far", money(self.summary.spent)))
        rows.append(row("Left to spend", self.balance))
        if b.not_to_be_spent_on:
            rows.append(row("What it may not be spent on", b.not_to_be_spent_on))
        return rows

    @property
    def period(self) -> str:
        b = self.summary.budget
        if b.period_start and b.period_end:
            return f"{format_date(b.period_start)} to {format_date(b.period_end)}"
        if b.period_start:
            return f"From {format_date(b.period_start)}"
        if b.period_end:
            return f"Until {format_date(b.period_end)}"
        return "Not set"

    @property
    def balance(self) -> str:
        s = self.summary
        if s.overspent:
            return f"{money(s.balance)} (overspent by {money(-s.balance)})"
        return money(s.balance)

    @property
    def allocation_rows(self) -> list[list[dict[str, str]]]:
        return [
            [
                {"text": line.allocation.description},
                {"text": line.allocation.action.what if line.allocation.action else "Not linked to an action"},
                {"text": money(line.allocation.amount), "format": "numeric"},
                {"text": money(line.spent), "format": "numeric"},
                {"text": money(line.remaining), "format": "numeric"},
            ]
            for line in self.summary.lines
        ]

    @property
    def spend_rows(self) -> list[dict[str, str]]:
        """Each spending, oldest first; a correction (a negative amount) says so."""
        return [
            {
                "date": format_date(s.spent_on),
                "payee": s.payee,
                "description": s.description,
                "allocation": s.allocation.description if s.allocation else "",
                "amount": money(s.amount),
                "note": (
                    f"Overspend confirmed: {s.overspend_reason}"
                    if s.overspend_confirmed
                    else ("Correction" if s.amount < 0 else "")
                ),
            }
            for s in self.spends
        ]

    @property
    def totals(self) -> dict[str, str]:
        s = self.summary
        return {
            "agreed": money(s.agreed),
            "allocated": money(s.allocated),
            "unallocated": money(s.unallocated),
            "spent": money(s.spent),
            "balance": money(s.balance),
        }


def paragraphs(text: str) -> list[str]:
    """Text as the person typed it, one paragraph per line, so line breaks survive without CSS."""
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Section:
    heading: str
    text: str

    @property
    def paragraphs(self) -> list[str]:
        return paragraphs(self.text)


#: About me's headings (``presenters.about_me_heading``) as someone else reads them.
ABOUT_THEM: dict[str, str] = {
    "about_most_important": "What is most important to {name}",
    "about_people": "People who are important to {name}",
    "about_communication": "How {name} communicates and how to communicate with them",
    "about_wellness": "{possessive} wellness",
    "about_do_and_dont": "Please do and please don't",
    "about_support": "How and when to support {name}",
    "about_also_worth_knowing": "Also worth knowing about {name}",
}


def about_me_sections(plan: CarePlan, voice: Voice | None = None) -> list[Section]:
    """The parts of About me that were written, headed in the person's own voice ("My wellness").

    With the ``voice`` of someone else reading the plan (a carer, staff), the headings are about
    the person instead ("Mary's wellness").
    """
    sections = []
    for name in CarePlan.ABOUT_ME_FIELDS:
        text = getattr(plan, name).strip()
        if not text:
            continue
        if voice is None or voice.second_person:
            heading = about_me_heading(name)
        else:
            heading = ABOUT_THEM[name].format(name=voice.name, possessive=possessive(voice.name))
        sections.append(Section(heading, text))
    return sections


class PersonViewPresenter:
    """The plan as the person reads it (or their carer, or staff seeing what the person sees)."""

    def __init__(
        self,
        plan: CarePlan,
        actor: Actor,
        *,
        contents: Mapping[str, Sequence[models.Model]],
        notes: Sequence[PlanNote] = (),
        budget: BudgetSummary | None = None,
        unanswered: Sequence[PreparationPack] = (),
        bound_forms: Mapping[str, forms.Form] | None = None,
    ) -> None:
        self.plan = plan
        self.actor = actor
        self.person = plan.person
        self.voice = Voice(plan.person, actor)
        self.contents = contents
        self.notes = list(notes)
        self.budget = BudgetView(budget) if budget is not None else None
        self.unanswered = list(unanswered)
        self.bound_forms = dict(bound_forms or {})

    # What the reader may do (asked once a page: ``can_record_progress`` is asked for every goal and action) --

    @property
    def is_the_person(self) -> bool:
        return self.voice.second_person

    @cached_property
    def can_record_progress(self) -> bool:
        """Only the person marks progress here; staff do it on their own pages, carers only read."""
        return self.is_the_person and self.plan.is_open and has_permission(self.actor, "careplans.record_progress")

    @cached_property
    def can_add_note(self) -> bool:
        return self.is_the_person and self.plan.is_open and has_permission(self.actor, "careplans.add_note")

    @property
    def about_me_url(self) -> str | None:
        if not (self.is_the_person and self.plan.is_open and has_permission(self.actor, "careplans.edit_about_me")):
            return None
        return reverse("careplans:about_me", kwargs={"plan_id": self.plan.pk})

    @property
    def staff_url(self) -> str | None:
        if not has_permission(self.actor, "careplans.edit_plan"):
            return None
        return staff_plan_url(self.plan)

    @property
    def read_only_reason(self) -> str:
        if self.is_the_person:
            if not self.plan.is_open:
                return f"This plan is {self.plan.get_status_display().lower()}. You can read it but not change it."
            return ""
        if self.actor.role == Role.CARER:
            return f"You can read {possessive(self.voice.name)} plan because they agreed that you may. Only they can change it."
        return f"This is the plan as {self.voice.name} sees it."

    # Headings and introduction -----------------------------------------------------------

    @property
    def heading(self) -> str:
        return f"{self.voice.my} care and support plan"

    @property
    def caption(self) -> str:
        """The plan's own title, when it says more than the heading does."""
        title = self.plan.title.strip()
        return "" if title.lower() in ("my care and support plan", self.heading.lower()) else title

    @property
    def status(self) -> dict[str, str]:
        return status_tag(self.plan)

    @property
    def is_current(self) -> bool:
        return self.plan.status in (PlanStatus.ACTIVE, PlanStatus.UNDER_REVIEW)

    @property
    def introduction(self) -> str:
        p = self.plan
        lead = p.lead.full_name if p.lead else ""
        agreed = format_date(p.agreed_at)
        if not agreed:
            return f"This is {self.voice.your} plan."
        if lead:
            return f"{self.voice.you_start} agreed this plan with {lead} on {agreed}."
        return f"{self.voice.you_start} agreed this plan on {agreed}."

    @property
    def under_review(self) -> bool:
        return self.plan.status == PlanStatus.UNDER_REVIEW

    # What matters ------------------------------------------------------------------------

    @property
    def what_matters_heading(self) -> str:
        return f"What matters to {self.voice.me}"

    @cached_property
    def about_me(self) -> list[Section]:
        return about_me_sections(self.plan, self.voice)

    @property
    def about_me_empty(self) -> str:
        if self.voice.second_person:
            return "You have not written anything about yourself yet."
        return f"{self.voice.name} has not written anything about themselves yet."

    @property
    def strengths_heading(self) -> str:
        return (
            "What I am good at and what helps me" if self.voice.second_person else f"What {self.voice.name} is good at"
        )

    @property
    def strengths(self) -> list[str]:
        return [s.text for s in items_of(self.contents, "strengths", Strength)]

    # Goals and actions ---------------------------------------------------------------------

    @property
    def goals_heading(self) -> str:
        return f"{self.voice.my} goals"

    @property
    def actions_heading(self) -> str:
        if self.voice.second_person:
            return "What I will do and who will help"
        return f"What {self.voice.name} will do and who will help"

    def _form(self, key: str, form_class: type[forms.Form], initial: dict[str, Any]) -> Any:
        if not self.can_record_progress:
            return None
        if key in self.bound_forms:
            return self.bound_forms[key]
        return form_class(prefix=key, initial=initial)

    @cached_property
    def goals(self) -> list[GoalView]:
        return [
            GoalView(
                goal,
                self.person,
                number=number,
                voice=self.voice,
                form=self._form(f"goal-{goal.pk}", GoalProgressForm, {"achievement": goal.achievement}),
                action_form=self._action_form,
            )
            for number, goal in enumerate(items_of(self.contents, "goals", Goal), start=1)
        ]

    def _action_form(self, action: Action) -> ActionProgressForm | None:
        form: ActionProgressForm | None = self._form(
            f"action-{action.pk}", ActionProgressForm, {"status": action.status}
        )
        return form

    @property
    def has_actions(self) -> bool:
        return any(g.actions for g in self.goals)

    # If things get worse, other plans ----------------------------------------------------

    @property
    def contingency_plans(self) -> list[ContingencyPlan]:
        return items_of(self.contents, "contingency_plans", ContingencyPlan)

    def contingency_heading(self, contingency: ContingencyPlan) -> str:
        return contingency_heading(contingency, len(self.contingency_plans))

    def contingency_rows(self, contingency: ContingencyPlan) -> list[dict[str, Any]]:
        return [row(label, value) for label, value in contingency_lines(contingency)]

    @property
    def additional_plans(self) -> list[AdditionalSupportPlan]:
        return items_of(self.contents, "additional_plans", AdditionalSupportPlan)

    # The review --------------------------------------------------------------------------

    @property
    def reviewer(self) -> str:
        p = self.plan
        if p.review_owner is not None:
            return p.review_owner.name
        if p.lead is not None:
            return p.lead.full_name
        return ""

    @property
    def review_heading(self) -> str:
        base = f"{self.voice.my} review"
        when = format_date(self.plan.next_review_due)
        if not when:
            return base
        return f"{base}: {when}" + (f" with {self.reviewer}" if self.reviewer else "")

    @property
    def review_text(self) -> str:
        due = self.plan.next_review_due
        if self.under_review:
            return f"{self.voice.your_start} plan is being reviewed now."
        if due is None:
            return "No review date has been set yet."
        if due < timezone.localdate() and self.is_current:
            return f"{self.voice.your_start} review is due. If nobody has been in touch, contact {self.voice.your} GP practice."
        return (
            f"At the review {self.voice.you} will look at how things have gone, and change the plan if "
            f"{self.voice.you} need to."
            if self.voice.second_person
            else f"At the review {self.voice.name} will look at how things have gone, and change the plan if needed."
        )

    @property
    def key_worker(self) -> str:
        member = self.plan.key_worker
        if member is None:
            return ""
        return name_and_role(member) + (f" ({member.phone})" if member.phone else "")

    # Notes ---------------------------------------------------------------------------------

    @cached_property
    def note_form(self) -> NoteForm | None:
        if not self.can_add_note:
            return None
        bound = self.bound_forms.get("note")
        if isinstance(bound, NoteForm):
            return bound
        return NoteForm(prefix="note", goals=[g.goal for g in self.goals])

    @property
    def note_items(self) -> list[dict[str, str]]:
        items = []
        for note in self.notes:
            shown = NotePresenter(note)
            # The person's view names the action without saying it is one.
            about = f"About: {note.action.what}" if note.action is not None else shown.about
            items.append({"text": shown.text, "by": shown.by, "when": shown.when, "about": about})
        return items

    # Preparation -------------------------------------------------------------------------

    @property
    def packs(self) -> list[dict[str, str]]:
        return [pack_link(p) for p in self.unanswered]


def contingency_heading(contingency: ContingencyPlan, count: int) -> str:
    """A contingency plan's name, unless it only repeats the section's heading ("If things get worse")."""
    name = contingency.name.strip()
    return "" if count == 1 and name.lower() == "if things get worse" else name


def get_ready(pack: PreparationPack) -> str:
    """What the person is asked to do with a pack: "Get ready for your appointment on 5 March 2027"."""
    when = format_date(pack.conversation_on)
    return f"Get ready for your appointment on {when}" if when else "Get ready for your appointment"


def pack_link(pack: PreparationPack) -> dict[str, str]:
    return {
        "href": reverse("careplans:preparation", kwargs={"pack_id": pack.pk}),
        "text": get_ready(pack),
        "sent": format_date(pack.sent_at),
    }


# Plans list ---------------------------------------------------------------------------------------


def plan_line(plan: CarePlan) -> dict[str, Any]:
    review = format_date(plan.next_review_due)
    return {
        "href": reverse("careplans:view", kwargs={"plan_id": plan.pk}),
        "title": plan.title,
        "status": status_tag(plan),
        "detail": f"Agreed {format_date(plan.agreed_at)}" if plan.agreed_at else "",
        "review": f"Review: {review}" if review else "",
    }


# Preparation packs ------------------------------------------------------------------------------


@dataclass
class PackPresenter:
    """A preparation pack, for the person answering it or the member of staff who sent it."""

    pack: PreparationPack
    actor: Actor

    @property
    def for_the_person(self) -> bool:
        return self.actor.role == Role.PERSON

    @property
    def person_name(self) -> str:
        return self.pack.person.full_name

    @property
    def conversation_on(self) -> str:
        return format_date(self.pack.conversation_on)

    @property
    def heading(self) -> str:
        if self.for_the_person:
            return get_ready(self.pack)
        return f"Preparation pack for {self.person_name}"

    @property
    def sent_by(self) -> str:
        by = self.pack.created_by.full_name if self.pack.created_by else ""
        where = self.pack.organisation.name
        return f"{by}, {where}" if by else where

    @property
    def sent_on(self) -> str:
        return format_date(self.pack.sent_at)

    @property
    def message(self) -> list[str]:
        return paragraphs(self.pack.message)

    @property
    def template_name(self) -> str:
        template = template_for(self.pack.template) if self.pack.template else None
        return template.name if template else "None"

    @property
    def result_rows(self) -> list[list[dict[str, str]]]:
        return [
            [
                {"text": str(result.get("name") or "")},
                {"text": result_value(result)},
                {"text": result_taken_on(result) or "Not given"},
                {"text": str(result.get("note") or "")},
            ]
            for result in pack_results(self.pack)
        ]

    @property
    def prompts(self) -> list[str]:
        return [str(p) for p in self.pack.prompts or []]

    @property
    def answers(self) -> list[dict[str, str]]:
        return [{"prompt": a.prompt, "answer": a.answer} for a in pack_answers(self.pack)]

    @property
    def progress(self) -> dict[str, str]:
        """Where the pack has got to: sent, opened, answered (or answers saved but not sent)."""
        p = self.pack
        if p.completed_at:
            return {"text": f"Answered on {format_date(p.completed_at)}", "classes": "nhsuk-tag--green"}
        if any(str(a).strip() for a in p.answers or []):
            return {"text": "Started, not sent yet", "classes": "nhsuk-tag--yellow"}
        if p.viewed_at:
            return {"text": f"Opened on {format_date(p.viewed_at)}", "classes": "nhsuk-tag--blue"}
        return {"text": f"Sent on {format_date(p.sent_at)}", "classes": "nhsuk-tag--grey"}

    @property
    def summary_rows(self) -> list[dict[str, Any]]:
        p = self.pack
        return [
            row("Sent", f"{format_datetime(p.sent_at)} by {self.sent_by}" if p.sent_at else "Not sent"),
            row("Template", self.template_name),
            row("Conversation", self.conversation_on or "No date given"),
            row("Opened", format_datetime(p.viewed_at) if p.viewed_at else "Not yet"),
            row("Answered", format_datetime(p.completed_at) if p.completed_at else "Not yet"),
            row("Message", p.message or "None"),
        ]

    @property
    def is_answered(self) -> bool:
        return self.pack.completed_at is not None

    @property
    def answered_on(self) -> str:
        return format_datetime(self.pack.completed_at)

    @property
    def can_answer(self) -> bool:
        p = self.pack
        return self.for_the_person and not (p.plan_id is not None and p.completed_at is not None)


# Caseload -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadLine:
    """One row of a caseload table: who, where their plan or record is, and the dates that matter."""

    name: str
    href: str
    nhs_number: str
    date: str
    detail: str = ""
    extra: str = ""
    extra_href: str = ""


@dataclass(frozen=True)
class CaseloadTable:
    """One list of the caseload: its first page of ``lines`` out of ``count``."""

    id: str
    caption: str
    headers: tuple[str, ...]
    lines: list[CaseloadLine]
    count: int
    #: Whether the fourth column (days overdue) is a number, aligned as one.
    numeric_detail: bool = False

    @property
    def more(self) -> str:
        """Tables show the first page; say when there are more than fit."""
        shown = len(self.lines)
        return f"Showing the first {shown} of {self.count}." if self.count > shown else ""


def _days(count: int) -> str:
    return f"{count} {'day' if count == 1 else 'days'}"


@dataclass
class CaseloadPresenter:
    caseload: Caseload
    actor: Actor

    @property
    def organisation_name(self) -> str:
        return self.actor.organisation.name if self.actor.organisation else ""

    @property
    def by_organisation(self) -> bool:
        return self.caseload.scope == "organisation"

    @property
    def scopes(self) -> list[dict[str, Any]]:
        base = reverse("careplans:caseload")
        return [
            {"href": base, "text": "Mine", "current": not self.by_organisation},
            {
                "href": f"{base}?scope=organisation",
                "text": f"Everyone at {self.organisation_name}",
                "current": self.by_organisation,
            },
        ]

    @property
    def scope_text(self) -> str:
        if self.by_organisation:
            return f"Plans held by {self.organisation_name}, and people it has invited to plan their care."
        return "Plans you lead, and people you have invited to plan their care."

    @staticmethod
    def _nhs(person: Person) -> str:
        return person.formatted_nhs_number or "Not known"

    def _plan_line(self, plan: CarePlan, date: datetime.date, detail: str) -> CaseloadLine:
        return CaseloadLine(
            plan.person.full_name, staff_plan_url(plan), self._nhs(plan.person), format_date(date), detail
        )

    def _days_to_review(self, plan: CarePlan) -> tuple[datetime.date, int]:
        """When the plan's review is due, and how many days from today that is."""
        due = plan.next_review_due or self.caseload.today
        return due, (due - self.caseload.today).days

    @property
    def overdue(self) -> list[CaseloadLine]:
        lines = []
        for plan in self.caseload.overdue:
            due, days = self._days_to_review(plan)
            lines.append(self._plan_line(plan, due, _days(-days)))
        return lines

    @property
    def due_soon(self) -> list[CaseloadLine]:
        lines = []
        for plan in self.caseload.due_soon:
            due, days = self._days_to_review(plan)
            lines.append(self._plan_line(plan, due, "Today" if days == 0 else f"In {_days(days)}"))
        return lines

    @property
    def drafts(self) -> list[CaseloadLine]:
        return [self._plan_line(plan, plan.updated_at, plan.title) for plan in self.caseload.drafts]

    @property
    def invited(self) -> list[CaseloadLine]:
        lines = []
        for pack in self.caseload.invited:
            lines.append(
                CaseloadLine(
                    pack.person.full_name,
                    reverse("people:detail", kwargs={"person_id": pack.person_id}),
                    self._nhs(pack.person),
                    format_date(pack.sent_at),
                    format_date(pack.conversation_on) or "No date given",
                    PackPresenter(pack, self.actor).progress["text"],
                    reverse("careplans:preparation", kwargs={"pack_id": pack.pk}),
                )
            )
        return lines

    @property
    def tables(self) -> list[CaseloadTable]:
        c = self.caseload
        return [
            CaseloadTable(
                "overdue",
                "Overdue reviews",
                ("Name", "NHS number", "Review was due", "Days overdue"),
                self.overdue,
                c.overdue_count,
                numeric_detail=True,
            ),
            CaseloadTable(
                "due-soon",
                f"Reviews due in the next {DUE_SOON_DAYS} days",
                ("Name", "NHS number", "Review due", "When"),
                self.due_soon,
                c.due_soon_count,
            ),
            CaseloadTable(
                "drafts", "Draft plans", ("Name", "NHS number", "Last changed", "Plan"), self.drafts, c.drafts_count
            ),
            CaseloadTable(
                "invited",
                "Invited, without a plan yet",
                ("Name", "NHS number", "Pack sent", "Conversation", "Preparation pack"),
                self.invited,
                c.invited_count,
            ),
        ]


# The printed plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A label and its value, for a definition list in the printed plan."""

    label: str
    value: str


@dataclass
class PrintedAction:
    what: str
    lines: list[Line]


@dataclass
class PrintedGoal:
    number: int
    text: str
    lines: list[Line]
    steps: list[Line]
    actions: list[PrintedAction]


class PrintPresenter:
    """The whole plan, in the person's own voice (it is their plan), for paper or a PDF.

    Whoever prints it, the plan reads as the person's document: "What matters to me", "My
    goals", as the PRSB standard writes About me. Only sections with something in them appear,
    so the paper copy is as short as it can be.
    """

    def __init__(
        self,
        plan: CarePlan,
        actor: Actor,
        *,
        contents: Mapping[str, Sequence[models.Model]],
        budget: BudgetSummary | None,
        printed_on: str,
    ) -> None:
        self.plan = plan
        self.actor = actor
        self.person = plan.person
        self.contents = contents
        self.budget = BudgetView(budget) if budget is not None else None
        self.printed_on = printed_on

    @property
    def title(self) -> str:
        return f"{self.plan.title}: {self.person.full_name}"

    @property
    def person_lines(self) -> list[Line]:
        p = self.person
        lines = [Line("Name", p.full_name + (f" ({p.preferred_name})" if p.preferred_name else ""))]
        lines.append(Line("Date of birth", format_date(p.date_of_birth)))
        if p.nhs_number:
            lines.append(Line("NHS number", p.formatted_nhs_number))
        return lines

    @property
    def status_note(self) -> str:
        if self.plan.status == PlanStatus.DRAFT:
            return "Draft: this plan has not been agreed yet."
        if self.plan.status == PlanStatus.UNDER_REVIEW:
            return "This plan is being reviewed."
        if not self.plan.is_open:
            return f"This plan is {self.plan.get_status_display().lower()}. It is kept as a record."
        return ""

    @property
    def plan_lines(self) -> list[Line]:
        p = self.plan
        lines = [Line("Status", p.get_status_display())]
        if p.agreed_at:
            lead = f" with {p.lead.full_name}" if p.lead else ""
            lines.append(Line("Agreed", f"{format_date(p.agreed_at)}{lead}. Agreed by: {agreed_with(p)}"))
        lines.append(Line("Held by", p.organisation.name))
        if p.key_worker is not None:
            member = p.key_worker
            phone = f", {member.phone}" if member.phone else ""
            lines.append(Line("My named key worker", name_and_role(member) + phone))
        return lines

    @property
    def about_me(self) -> list[Section]:
        sections = about_me_sections(self.plan)
        if self.plan.about_supported_by:
            sections.append(Section("Supported to write this by", self.plan.about_supported_by))
        return sections

    @property
    def strengths(self) -> list[str]:
        return [s.text for s in items_of(self.contents, "strengths", Strength)]

    @property
    def needs(self) -> list[str]:
        return [n.text for n in items_of(self.contents, "needs", Need)]

    @cached_property
    def goals(self) -> list[PrintedGoal]:
        printed = []
        for number, goal in enumerate(items_of(self.contents, "goals", Goal), start=1):
            lines = [Line(label, value) for label, value in goal_lines(goal, "me", progress=True)]
            steps = [
                Line(s.stage or "Step", f"{s.text} ({s.get_achievement_display().lower()})")
                for s in goal.stage_goals.all()
            ]
            actions = [PrintedAction(a.what, self._action_lines(a)) for a in goal.actions.all()]
            printed.append(PrintedGoal(number, goal.text, lines, steps, actions))
        return printed

    def _action_lines(self, action: Action) -> list[Line]:
        lines = action_lines(action, who=describe_who(action, "Me"), confident="How confident I feel")
        lines.append(("Status", action.get_status_display()))
        return [Line(label, value) for label, value in lines]

    @property
    def contingency_plans(self) -> list[tuple[str, list[str], list[Line]]]:
        result = []
        plans = items_of(self.contents, "contingency_plans", ContingencyPlan)
        for c in plans:
            lines = [Line(label, value) for label, value in contingency_lines(c)]
            result.append((contingency_heading(c, len(plans)), [str(t) for t in c.triggers or []], lines))
        return result

    @property
    def additional_plans(self) -> list[tuple[str, list[str], list[Line]]]:
        result = []
        for a in items_of(self.contents, "additional_plans", AdditionalSupportPlan):
            lines = []
            if a.review_date:
                lines.append(Line("Review date", format_date(a.review_date)))
            if a.review_responsibility:
                lines.append(Line("Who reviews it", a.review_responsibility))
            result.append((a.name, paragraphs(a.content), lines))
        return result

    @property
    def review_lines(self) -> list[Line]:
        p = self.plan
        lines = [Line("Next review", format_date(p.next_review_due) or "Not set yet")]
        if p.review_owner is not None:
            lines.append(Line("Who will review it", name_and_role(p.review_owner)))
        elif p.lead is not None:
            lines.append(Line("Who will review it", p.lead.full_name))
        return lines

    @property
    def other_lines(self) -> list[Line]:
        p = self.plan
        return [
            Line(label, value)
            for label, value in (
                ("Our shared understanding", p.formulation),
                ("Funding", p.funding_source),
                ("Other care planning documents", p.other_documents),
            )
            if value
        ]

    @property
    def budget_lines(self) -> list[Line]:
        if self.budget is None:
            return []
        return [Line(r["key"]["text"], r["value"]["text"]) for r in self.budget.rows]
