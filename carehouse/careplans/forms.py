"""Forms for the practitioner's care and support plan pages, with NHS.UK-style error messages.

Every form that changes a plan carries the plan ``version`` it was opened at, so that a save
after someone else's is refused (409) instead of overwriting their work. Forms only check what
was typed; the rules of the plan (a review date before agreeing, at least one trigger) are the
services' and the lifecycle's, and their errors are shown beside the fields.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, ClassVar

from django import forms
from django.db import models

from carehouse.careplans import lifecycle
from carehouse.careplans.models import (
    Achievement,
    ActionStatus,
    AgreedWith,
    NeedCategory,
    WhoActs,
)
from carehouse.careplans.pathways import template_choices
from carehouse.careplans.presenters import possessive
from carehouse.nhsuk_forms.fields import DateField
from carehouse.people.models import CareTeamMember

NO_TEMPLATE = "none"
ONE_TO_TEN_ERRORS = {
    "invalid": "Enter a whole number from 1 to 10",
    "min_value": "Enter a whole number from 1 to 10",
    "max_value": "Enter a whole number from 1 to 10",
}


def _text(label: str, *, long: bool = True, max_length: int | None = None, **kwargs: Any) -> forms.CharField:
    """An optional text answer: a textarea unless ``long`` is false."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.Textarea if long else forms.TextInput,
        **kwargs,
    )


def _scale(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=10,
        widget=forms.TextInput,
        help_text="From 1 (not at all) to 10 (very)",
        error_messages=ONE_TO_TEN_ERRORS,
    )


def _date(label: str, hint: str = "For example, 5 3 2027") -> DateField:
    return DateField(label=label, required=False, help_text=hint, earliest=datetime.date(2000, 1, 1))


class VersionedForm(forms.Form):
    """A plan form: the plan version it was opened at travels with it."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    #: How the template draws some fields (``nhsuk_field`` overrides such as width).
    field_options: ClassVar[dict[str, dict[str, Any]]] = {}

    def data_for_service(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}

    @property
    def expected_version(self) -> int:
        """The version typed against; none at all counts as stale, so a save never overwrites blind."""
        value = self.cleaned_data.get("version") if hasattr(self, "cleaned_data") else None
        return int(value or 0)


class StartPlanForm(forms.Form):
    template = forms.ChoiceField(
        label="Which template would you like to start from?",
        widget=forms.RadioSelect,
        help_text="A template suggests prompts and goals people often choose. It does not fill in the plan.",
        error_messages={"required": "Select a template, or no template"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["template"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [*template_choices(), (NO_TEMPLATE, "No template")]

    @property
    def template_key(self) -> str:
        value = str(self.cleaned_data["template"])
        return "" if value == NO_TEMPLATE else value


class PlanDetailsForm(VersionedForm):
    title = forms.CharField(
        label="Name of the plan", max_length=200, error_messages={"required": "Enter a name for the plan"}
    )
    formulation = _text(
        "Formulation (optional)", help_text="A shared understanding of the person's situation, agreed with them"
    )
    funding_source = _text("Funding (optional)", long=False, max_length=200)
    other_documents = _text(
        "Other care planning documents (optional)",
        help_text="For example an advance care plan or end of life plan, and where it is kept",
    )
    key_worker = forms.ChoiceField(label="Named key worker (optional)", required=False)
    review_owner = forms.ChoiceField(label="Who will review the plan (optional)", required=False)
    next_review_due = _date("Next review date (optional)")

    def __init__(self, *args: Any, care_team: Sequence[CareTeamMember] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = [("", "Nobody yet")] + [(str(m.pk), f"{m.name}, {m.role_title}") for m in care_team]
        for name in ("key_worker", "review_owner"):
            choice = self.fields[name]
            assert isinstance(choice, forms.ChoiceField)
            choice.choices = people


class AboutMeForm(VersionedForm):
    """About me: the seven PRSB headings, in the person's own words."""

    about_most_important = _text("What is most important to me (optional)")
    about_people = _text("People who are important to me (optional)")
    about_communication = _text("How I communicate and how to communicate with me (optional)")
    about_wellness = _text("My wellness (optional)")
    about_do_and_dont = _text("Please do and please don't (optional)")
    about_support = _text("How and when to support me (optional)")
    about_also_worth_knowing = _text("Also worth knowing about me (optional)")
    about_supported_by = _text(
        "Supported to write this by (optional)",
        long=False,
        max_length=200,
        help_text="If someone helped write this, their name and how they know the person",
    )


# Items --------------------------------------------------------------------------------------


class ItemForm(VersionedForm):
    """A form for one kind of item in ``services.plans.ITEM_KINDS``; ``initial_for`` reads an item back."""

    kind: ClassVar[str] = ""
    #: Fields whose stored value is not the model attribute of the same name.
    computed: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, person_name: str = "the person", **kwargs: Any) -> None:
        self.person_name = person_name
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, item: models.Model) -> dict[str, Any]:
        names = [n for n in cls.base_fields if n != "version" and n not in cls.computed]
        return {name: getattr(item, name) for name in names}


class StrengthForm(ItemForm):
    kind = "strength"
    text = forms.CharField(
        label="A strength",
        max_length=500,
        help_text="Something the person is good at, enjoys, or that helps them",
        error_messages={"required": "Enter a strength"},
    )
    snomed_code = forms.CharField(label="SNOMED CT code (optional)", max_length=18, required=False)


class NeedForm(ItemForm):
    kind = "need"
    text = forms.CharField(
        label="A need or concern",
        max_length=500,
        error_messages={"required": "Enter the need or concern"},
    )
    category = forms.ChoiceField(
        label="What kind of need is it?",
        choices=NeedCategory.choices,
        widget=forms.RadioSelect,
        initial=NeedCategory.HEALTH_CONCERN,
        error_messages={"required": "Select what kind of need it is"},
    )
    snomed_code = forms.CharField(label="SNOMED CT code (optional)", max_length=18, required=False)


class GoalForm(ItemForm):
    kind = "goal"
    computed = ("needs",)
    field_options: ClassVar[dict[str, dict[str, Any]]] = {
        "text": {"rows": 3},
        "why_it_matters": {"rows": 3},
        "importance": {"width": 2, "inputmode": "numeric"},
    }
    text = forms.CharField(
        label="What the person wants to achieve, in their own words",
        widget=forms.Textarea,
        error_messages={"required": "Enter what the person wants to achieve"},
    )
    in_own_words = forms.BooleanField(
        label="These are the person's own words",
        required=False,
        initial=True,
        help_text="Untick if this is a professional's summary",
    )
    why_it_matters = _text("Why it matters to them (optional)")
    importance = _scale("How important this is to them (optional)")
    target_date = _date("Target date (optional)")
    achievement = forms.ChoiceField(
        label="How is it going?", choices=Achievement.choices, widget=forms.RadioSelect, initial=Achievement.IN_PROGRESS
    )
    needs = forms.MultipleChoiceField(
        label="Which needs does it meet? (optional)", widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, needs: Sequence[models.Model] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name = self.person_name
        self.fields["text"].label = f"What {name} wants to achieve, in their own words"
        self.fields["text"].error_messages["required"] = f"Enter what {name} wants to achieve"
        self.fields["in_own_words"].label = f"These are {possessive(name)} own words"
        self.fields["why_it_matters"].label = f"Why it matters to {name} (optional)"
        self.fields["importance"].label = f"How important this is to {name}, from 1 to 10 (optional)"
        choice = self.fields["needs"]
        assert isinstance(choice, forms.MultipleChoiceField)
        choice.choices = [(str(n.pk), str(n)) for n in needs]

    @classmethod
    def initial_for(cls, item: models.Model) -> dict[str, Any]:
        initial = super().initial_for(item)
        initial["needs"] = [str(n.pk) for n in item.needs.all()]  # type: ignore[attr-defined]
        return initial


class StageGoalForm(ItemForm):
    kind = "stage_goal"
    stage = forms.CharField(
        label="Stage (optional)", max_length=100, required=False, help_text="For example emotional support"
    )
    text = forms.CharField(
        label="The step", widget=forms.Textarea, error_messages={"required": "Enter the step towards the goal"}
    )
    outcome = _text("What happened (optional)")
    achievement = forms.ChoiceField(
        label="How is it going?", choices=Achievement.choices, widget=forms.RadioSelect, initial=Achievement.IN_PROGRESS
    )

    def __init__(self, *args: Any, stages: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stages:
            # A pathway with stages (mental health recovery) offers them as a choice.
            self.fields["stage"] = forms.ChoiceField(
                label="Which stage is this step in?",
                choices=[(s, s) for s in stages],
                widget=forms.RadioSelect,
                error_messages={"required": "Select the stage this step is in"},
            )


class ActionForm(ItemForm):
    kind = "action"
    field_options: ClassVar[dict[str, dict[str, Any]]] = {
        "what": {"rows": 3},
        "barriers_and_strategies": {"rows": 3},
        "confidence": {"width": 2, "inputmode": "numeric"},
    }
    what = forms.CharField(
        label="What will be done", widget=forms.Textarea, error_messages={"required": "Enter what will be done"}
    )
    who = forms.ChoiceField(
        label="Who will do it?",
        choices=WhoActs.choices,
        widget=forms.RadioSelect,
        initial=WhoActs.PERSON,
        error_messages={"required": "Select who will do it"},
    )
    who_name = forms.CharField(
        label="Their name, or the name of the service (optional)", max_length=200, required=False
    )
    when = forms.CharField(
        label="When (optional)", max_length=200, required=False, help_text="For example every Tuesday morning"
    )
    due_date = _date("Date it should be done by (optional)")
    barriers_and_strategies = _text("What might get in the way, and what will help (optional)")
    confidence = _scale("How confident they feel about doing this (optional)")
    status = forms.ChoiceField(
        label="Has it started?",
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        initial=ActionStatus.NOT_STARTED,
    )
    referral_reference = forms.CharField(
        label="Referral reference (optional)",
        max_length=200,
        required=False,
        help_text="If the action is carried out through a referral",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name = self.person_name
        who = self.fields["who"]
        assert isinstance(who, forms.ChoiceField)
        who.choices = [
            (WhoActs.PERSON.value, name),
            *[(v, label) for v, label in WhoActs.choices if v != WhoActs.PERSON],
        ]
        self.fields["confidence"].label = f"How confident {name} feels about doing this, from 1 to 10 (optional)"


TRIGGERS_REQUIRED = "Enter at least one trigger: what might lead to a crisis"


class ContingencyForm(ItemForm):
    kind = "contingency"
    computed = ("triggers",)
    name = forms.CharField(
        label="Name of this contingency plan",
        max_length=200,
        initial="If things get worse",
        error_messages={"required": "Enter a name for the contingency plan"},
    )
    triggers = forms.CharField(
        label="What might trigger a crisis",
        widget=forms.Textarea,
        help_text="One per line",
        error_messages={"required": TRIGGERS_REQUIRED},
    )
    early_warning_signs = _text("Early warning signs (optional)")
    what_to_do = _text("What should happen (optional)")
    who_to_contact = _text("Who to contact (optional)", help_text="Names and phone numbers, in the order to try them")
    coping_strategies = _text("Coping strategies (optional)")
    has_advance_statement = forms.TypedChoiceField(
        label="Is there an advance statement (Mental Capacity Act 2005)?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        coerce=lambda value: value == "yes",
        initial="no",
        error_messages={"required": "Select yes if there is an advance statement"},
    )
    advance_statement_location = forms.CharField(
        label="Where the advance statement is kept (optional)", max_length=300, required=False
    )
    anticipatory_medicines = _text("Anticipatory medicines or equipment (optional)")

    def clean_triggers(self) -> list[str]:
        lines = [line.strip() for line in str(self.cleaned_data["triggers"]).splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError(TRIGGERS_REQUIRED)
        return lines

    @classmethod
    def initial_for(cls, item: models.Model) -> dict[str, Any]:
        initial = super().initial_for(item)
        initial["triggers"] = "\n".join(str(t) for t in (getattr(item, "triggers", None) or []))
        initial["has_advance_statement"] = "yes" if initial["has_advance_statement"] else "no"
        return initial


class AdditionalPlanForm(ItemForm):
    kind = "additional_plan"
    name = forms.CharField(
        label="Name of the plan",
        max_length=200,
        help_text="For example a falls prevention plan or a medicines plan",
        error_messages={"required": "Enter the name of the plan"},
    )
    content = _text("What it says, or where it is kept (optional)")
    review_date = _date("Review date (optional)")
    review_responsibility = forms.CharField(label="Who reviews it (optional)", max_length=200, required=False)


ITEM_FORMS: dict[str, type[ItemForm]] = {
    form.kind: form
    for form in (StrengthForm, NeedForm, GoalForm, StageGoalForm, ActionForm, ContingencyForm, AdditionalPlanForm)
}


class RemoveItemForm(VersionedForm):
    """Confirming a removal: only the version the user saw."""


# Agreeing, reviewing and ending -------------------------------------------------------------


class AgreeForm(VersionedForm):
    """Who the plan was agreed with and when it will be reviewed.

    Neither is required here: the lifecycle refuses an agreement without them, and its messages
    are shown beside these fields.
    """

    agreed_with = forms.ChoiceField(
        label="Who was the plan agreed with?", choices=AgreedWith.choices, widget=forms.RadioSelect, required=False
    )
    agreed_with_name = forms.CharField(label="Their name, if not the person (optional)", max_length=200, required=False)
    next_review_due = _date(
        "When will the plan be reviewed?", hint="For example, 5 3 2027. This is usually within a year"
    )


class StartReviewForm(VersionedForm):
    attendees = forms.CharField(
        label="Who is taking part in the review? (optional)",
        max_length=300,
        required=False,
        help_text="For example the person, their daughter and the practice nurse",
    )


class ReviewNotesForm(VersionedForm):
    attendees = forms.CharField(label="Who took part (optional)", max_length=300, required=False)
    summary = forms.CharField(
        label="What was talked about, and what changed",
        widget=forms.Textarea,
        error_messages={"required": "Enter what was talked about at the review"},
    )


class EndPlanForm(VersionedForm):
    outcome = forms.ChoiceField(
        label="Why is the plan ending?",
        choices=[(status.value, status.label) for status in lifecycle.ENDINGS],
        widget=forms.RadioSelect,
        error_messages={"required": "Select why the plan is ending"},
    )
    reason = forms.CharField(
        label="Tell us more",
        widget=forms.Textarea,
        max_length=300,
        error_messages={"required": "Enter why the plan is ending"},
    )
