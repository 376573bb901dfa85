"""Forms of the directory pages. Each helper's forms are kept in their own section below."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from carehouse.directory import geography
from carehouse.directory.models import ReferralRoute, ServiceStatus, Weekday
from carehouse.directory.search.engine import SORT_LABELS, SearchQuery, Sort
from carehouse.directory.search.index import DAY_BITS
from carehouse.directory.services import keeping

# == Practitioner's menu: search and shortlists ==========================================================

#: Distances offered, in miles; the search takes metres.
DISTANCE_MILES = (1, 3, 5, 10, 25)
METRES_PER_MILE = 1609.344
SEARCH_DAY_NAMES = dict(
    zip(DAY_BITS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
#: The "Only show services that" filters: form value, label, search facet key.
SHOW_FILTERS = (
    ("free", "are free", "is_free"),
    ("referrals", "accept referrals", "accepts_referrals"),
    ("self", "people can refer themselves to", "self_referral"),
    ("places", "have places now", "has_capacity"),
)
SEARCH_PER_PAGE = 20


def _category_choices() -> list[tuple[str, str]]:
    from carehouse.directory.services.taxonomy import categories_with_children

    choices = [("", "Any kind of support")]
    for parent, children in categories_with_children():
        choices.append((str(parent.id), parent.name))
        choices += [(str(child.id), f"{parent.name}: {child.name}") for child in children]
    return choices


def _accessibility_choices() -> list[tuple[str, str]]:
    from carehouse.directory.services.taxonomy import facet_terms

    return [(str(term.id), term.name) for term in facet_terms()["accessibility"]]


class SearchForm(forms.Form):
    """The menu's search: a GET form, every part optional; a postcode must be one we know."""

    q = forms.CharField(
        label="What does the person need?",
        help_text="For example, walking group, debt advice or lonely",
        required=False,
        max_length=200,
        strip=True,
        error_messages={"max_length": "What the person needs must be 200 characters or fewer"},
    )
    category = forms.ChoiceField(label="Kind of support", required=False)
    postcode = forms.CharField(
        label="Postcode",
        help_text="Where the person lives, or the first half of the postcode, like S60",
        required=False,
        max_length=10,
        strip=True,
        error_messages={"max_length": geography.POSTCODE_ERROR},
    )
    distance = forms.ChoiceField(
        label="Distance",
        required=False,
        choices=[("", "Services that cover this area"), *[(str(m), f"Within {m} miles") for m in DISTANCE_MILES]],
    )
    age = forms.IntegerField(
        label="Age of the person",
        help_text="In years",
        required=False,
        min_value=0,
        max_value=130,
        error_messages={
            "invalid": "Age must be a whole number, like 67",
            "min_value": "Age must be 0 or more",
            "max_value": "Age must be 130 or less",
        },
    )
    day = forms.ChoiceField(
        label="Open on",
        required=False,
        choices=[("", "Any day"), *SEARCH_DAY_NAMES.items()],
    )
    show = forms.MultipleChoiceField(
        label="Only show services that",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(value, label) for value, label, _ in SHOW_FILTERS],
        error_messages={"invalid_choice": "Select filters from the list"},
    )
    access = forms.MultipleChoiceField(
        label="Accessibility",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select accessibility features from the list"},
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(str(key), label) for key, label in SORT_LABELS.items()],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _category_choices()  # type: ignore[attr-defined]
        self.fields["access"].choices = _accessibility_choices()  # type: ignore[attr-defined]
        self.fields["category"].error_messages["invalid_choice"] = "Select a kind of support from the list"
        self.fields["distance"].error_messages["invalid_choice"] = "Select a distance from the list"
        self.fields["day"].error_messages["invalid_choice"] = "Select a day from the list"
        self.fields["sort"].error_messages["invalid_choice"] = "Select how to sort the results"
        self.place: geography.Place | None = None

    def clean_postcode(self) -> str:
        value: str = self.cleaned_data.get("postcode") or ""
        if not value:
            return ""
        try:
            self.place = geography.locate(value)
        except ValidationError as error:
            raise ValidationError(error.messages[0], code=getattr(error, "code", "invalid")) from error
        return self.place.postcode

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("distance") and not cleaned.get("postcode") and "postcode" not in self.errors:
            self.add_error("postcode", "Enter a postcode to search within a distance")
        sort = cleaned.get("sort")
        if sort == Sort.NEAREST and not cleaned.get("postcode") and "postcode" not in self.errors:
            self.add_error("postcode", "Enter a postcode to sort by the nearest")
        return cleaned

    def query(self, page: int = 1) -> SearchQuery:
        """The search this (valid) form asks for."""
        data = self.cleaned_data
        terms = [uuid.UUID(data["category"])] if data.get("category") else []
        terms += [uuid.UUID(value) for value in data.get("access") or []]
        show = set(data.get("show") or [])
        age = data.get("age")
        distance = data.get("distance")
        return SearchQuery(
            text=data.get("q") or "",
            term_ids=tuple(dict.fromkeys(terms)),
            postcode=data.get("postcode") or "",
            proximity=int(distance) * METRES_PER_MILE if distance else None,
            minimum_age=float(age) if age is not None else None,
            maximum_age=float(age) if age is not None else None,
            day=data.get("day") or "",
            free_only="free" in show,
            accepts_referrals="referrals" in show,
            self_referral="self" in show,
            has_capacity="places" in show,
            sort=Sort(data.get("sort") or Sort.BEST),
            page=max(page, 1),
            per_page=SEARCH_PER_PAGE,
        )


class FindPersonToSendForm(forms.Form):
    find = forms.CharField(
        label="Who is it for?",
        help_text="Their name or NHS number",
        max_length=100,
        strip=True,
        error_messages={
            "required": "Enter the person's name or NHS number",
            "max_length": "Name or NHS number must be 100 characters or fewer",
        },
    )


class SendShortlistForm(forms.Form):
    """Send the shortlist to a person the user may see (choices are set by the view)."""

    person = forms.ChoiceField(
        label="Send to",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select who to send the shortlist to",
            "invalid_choice": "Select who to send the shortlist to",
        },
    )
    title = forms.CharField(
        label="Title (optional)",
        help_text="For example, Things to try near you",
        required=False,
        max_length=200,
        strip=True,
        error_messages={"max_length": "Title must be 200 characters or fewer"},
    )
    note = forms.CharField(
        label="Note for the person (optional)",
        help_text="For example, why you picked these, or what to say when they call",
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Note must be 2,000 characters or fewer"},
    )

    def __init__(self, *args: Any, people: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = people or []  # type: ignore[attr-defined]


# == end of the practitioner's menu section =================================================================


# == Keeping entries true: claims, editing a service, suggestions =============================================

WHOLE_NUMBER = "must be a whole number"


def _count_field(label: str, what: str, *, maximum: int = 100_000, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=maximum,
        help_text=help_text,
        error_messages={
            "invalid": f"{what} {WHOLE_NUMBER}, like 12",
            "min_value": f"{what} must be 0 or more",
            "max_value": f"{what} must be {maximum:,} or less",
        },
    )


def _text_field(
    label: str, what: str, *, help_text: str = "", required: bool = False, rows: int = 4
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=5000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": f"Enter {what}",
            "max_length": f"{what.capitalize()} must be 5,000 characters or fewer",
        },
    )


def category_choices() -> list[tuple[str, str]]:
    """The "more than medicine" categories and their sub-categories, as checkbox choices."""
    from carehouse.directory.services.taxonomy import categories_with_children

    choices: list[tuple[str, str]] = []
    for parent, children in categories_with_children():
        choices.append((str(parent.id), parent.name))
        choices += [(str(child.id), f"{parent.name}: {child.name}") for child in children]
    return choices


class FindOrganisationForm(forms.Form):
    q = forms.CharField(label="Find an organisation by name", required=False, max_length=200, strip=True)


class ClaimForm(forms.Form):
    role_at_organization = forms.CharField(
        label="Your role at the organisation",
        help_text="For example, volunteer coordinator or service manager",
        max_length=200,
        strip=True,
        error_messages={
            "required": "Enter your role at the organisation",
            "max_length": "Your role must be 200 characters or fewer",
        },
    )
    evidence = _text_field(
        "How can we check you work there?",
        "how we can check you work for the organisation",
        help_text="For example, your work email address at the organisation, or a manager we can contact",
        required=True,
    )


DECISION_ERROR = "Select whether to approve or refuse the claim"


class ClaimDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[("approve", "Approve the claim"), ("refuse", "Refuse the claim")],
        error_messages={"required": DECISION_ERROR, "invalid_choice": DECISION_ERROR},
    )
    reason = _text_field(
        "Reason (needed if you refuse)", "why you are refusing the claim", help_text="The claimant sees this"
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "refuse" and not cleaned.get("reason"):
            self.add_error("reason", "Enter why you are refusing the claim")
        return cleaned


class RevokeClaimForm(forms.Form):
    reason = _text_field(
        "Why are you revoking this claim?",
        "why you are revoking the claim",
        help_text="The claimant sees this",
        required=True,
    )


class ServiceForm(forms.Form):
    """What provider staff keep about a service."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(
        label="Service name",
        max_length=255,
        strip=True,
        error_messages={
            "required": "Enter the service name",
            "max_length": "Service name must be 255 characters or fewer",
        },
    )
    description = _text_field(
        "Description", "a description", help_text="What happens, who runs it and what people get from it", rows=6
    )
    status = forms.ChoiceField(
        label="Is the service running?",
        widget=forms.RadioSelect,
        choices=ServiceStatus.choices,
        error_messages={
            "required": "Select whether the service is running",
            "invalid_choice": "Select whether the service is running",
        },
    )
    alert = _text_field(
        "Alert (optional)", "an alert", help_text="Something people must know now, like closed until 5 January", rows=2
    )
    eligibility_description = _text_field(
        "Who the service is for (optional)",
        "who the service is for",
        help_text="For example, adults with a long-term condition",
    )
    minimum_age = _count_field("Minimum age (optional)", "Minimum age", maximum=130, help_text="In years")
    maximum_age = _count_field("Maximum age (optional)", "Maximum age", maximum=130, help_text="In years")
    cost = forms.ChoiceField(
        label="Does it cost anything?",
        widget=forms.RadioSelect,
        required=False,
        choices=[(keeping.COST_FREE, "It is free"), (keeping.COST_CHARGE, "There is a charge")],
        error_messages={"invalid_choice": "Select whether it costs anything"},
    )
    cost_amount = forms.DecimalField(
        label="Cost in pounds (if there is a charge)",
        help_text="For each session or visit, like 2.50",
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("100000"),
        decimal_places=2,
        error_messages={
            "invalid": "Cost must be an amount in pounds, like 2.50",
            "min_value": "Cost must be more than 0",
            "max_value": "Cost must be £100,000 or less",
            "max_decimal_places": "Cost must be in pounds and pence, like 2.50",
        },
    )
    fees_description = _text_field(
        "About the cost (optional)", "about the cost", help_text="For example, donations welcome", rows=2
    )
    referral_routes = forms.MultipleChoiceField(
        label="Who can refer people?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=ReferralRoute.choices,
        error_messages={"invalid_choice": "Select who can refer from the list"},
    )
    how_to_refer = _text_field("How to refer (optional)", "how to refer", help_text="What to send, and to whom")
    referral_url = forms.URLField(
        label="Referral web address (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address in the correct format, like https://www.example.org/refer"},
    )
    referral_email = forms.EmailField(
        label="Referral email address (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org"},
    )
    response_time_days = _count_field(
        "How many working days do you take to answer a referral? (optional)", "Response time", maximum=365
    )
    capacity_available = _count_field("Places available now (optional)", "Places available")
    capacity_maximum = _count_field("Places in total (optional)", "Places in total")
    capacity_waiting_list = _count_field("People on the waiting list (optional)", "People on the waiting list")
    opening_days = forms.MultipleChoiceField(
        label="Days it is open",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=Weekday.choices,
        error_messages={"invalid_choice": "Select days from the list"},
    )
    opens_at = forms.TimeField(
        label="Opens at (optional)",
        help_text="Use the 24-hour clock, like 09:30",
        required=False,
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        error_messages={"invalid": "Enter an opening time, like 09:30"},
    )
    closes_at = forms.TimeField(
        label="Closes at (optional)",
        help_text="Use the 24-hour clock, like 16:00",
        required=False,
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        error_messages={"invalid": "Enter a closing time, like 16:00"},
    )
    categories = forms.MultipleChoiceField(
        label="Kinds of support",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select kinds of support from the list"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = category_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        minimum, maximum = cleaned.get("minimum_age"), cleaned.get("maximum_age")
        if minimum is not None and maximum is not None and minimum > maximum:
            self.add_error("maximum_age", "Maximum age must be the same as or more than the minimum age")
        if (
            cleaned.get("cost") == keeping.COST_CHARGE
            and cleaned.get("cost_amount") is None
            and "cost_amount" not in self.errors
        ):
            self.add_error("cost_amount", "Enter how much it costs")
        counts = (cleaned.get("capacity_maximum"), cleaned.get("capacity_waiting_list"))
        if (
            any(v is not None for v in counts)
            and cleaned.get("capacity_available") is None
            and "capacity_available" not in self.errors
        ):
            self.add_error("capacity_available", "Enter how many places are available")
        available, most = cleaned.get("capacity_available"), cleaned.get("capacity_maximum")
        if available is not None and most is not None and available > most:
            self.add_error("capacity_available", "Places available must be the same as or fewer than places in total")
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "Closing time must be after the opening time")
        times_changed = {"opens_at", "closes_at", "opening_days"} & set(self.changed_data)
        if (
            times_changed
            and (opens or closes)
            and not cleaned.get("opening_days")
            and "opening_days" not in self.errors
        ):
            self.add_error("opening_days", "Select the days it is open")
        return cleaned

    def service_data(self) -> dict[str, Any]:
        data = {key: value for key, value in self.cleaned_data.items() if key != "version"}
        if data.get("cost") != keeping.COST_CHARGE:
            data["cost_amount"] = None
        for key in ("description", "alert", "eligibility_description", "fees_description", "how_to_refer"):
            data[key] = data.get(key) or ""
        return data


#: "Something else": a comment that a keeper reads, not a change applied to a field.
SOMETHING_ELSE = "other"
SUGGESTION_FIELD_ERROR = "Select what needs changing"


class SuggestionForm(forms.Form):
    """A suggested correction. Members of the public give a name and email; ``website`` is a trap for bots."""

    field_name = forms.ChoiceField(
        label="What needs changing?",
        widget=forms.RadioSelect,
        error_messages={"required": SUGGESTION_FIELD_ERROR, "invalid_choice": SUGGESTION_FIELD_ERROR},
    )
    proposed_value = _text_field(
        "What should it say? (optional if you chose something else)", "what it should say", rows=4
    )
    comment = _text_field(
        "Anything else we should know? (optional)", "a comment", help_text="For example, how you know", rows=3
    )
    name = forms.CharField(
        label="Your name",
        required=False,
        max_length=200,
        strip=True,
        error_messages={"max_length": "Your name must be 200 characters or fewer"},
    )
    email = forms.EmailField(
        label="Your email address",
        help_text="We only use this to tell you what happened to your suggestion",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    website = forms.CharField(label="Leave this empty", required=False)

    def __init__(self, *args: Any, public: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.public = public
        self.fields["field_name"].choices = [  # type: ignore[attr-defined]
            *keeping.SUGGESTABLE_FIELDS.items(),
            (SOMETHING_ELSE, "Something else"),
        ]
        if not public:
            del self.fields["name"], self.fields["email"]

    @property
    def is_bot(self) -> bool:
        return bool(self.is_bound and (self.data.get("website") or "").strip())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        field = cleaned.get("field_name")
        if (
            field
            and field != SOMETHING_ELSE
            and not cleaned.get("proposed_value")
            and "proposed_value" not in self.errors
        ):
            self.add_error("proposed_value", "Enter what it should say")
        if field == SOMETHING_ELSE and not cleaned.get("proposed_value") and not cleaned.get("comment"):
            self.add_error("comment", "Enter what needs changing")
        if self.public:
            if not cleaned.get("name") and "name" not in self.errors:
                self.add_error("name", "Enter your name")
            if not cleaned.get("email") and "email" not in self.errors:
                self.add_error("email", "Enter your email address")
        return cleaned

    def suggestion_data(self) -> dict[str, str]:
        data = self.cleaned_data
        field = data["field_name"]
        return {
            "field_name": "" if field == SOMETHING_ELSE else field,
            "proposed_value": data.get("proposed_value") or "",
            "comment": data.get("comment") or "",
            "name": data.get("name") or "",
            "email": data.get("email") or "",
        }


SUGGESTION_DECISION_ERROR = "Select whether to accept or reject the suggestion"


class SuggestionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[("accept", "Accept: make this change"), ("reject", "Reject: leave the entry as it is")],
        error_messages={"required": SUGGESTION_DECISION_ERROR, "invalid_choice": SUGGESTION_DECISION_ERROR},
    )
    note = _text_field(
        "Note (needed if you reject)",
        "why you are rejecting the suggestion",
        help_text="The person who suggested it sees this",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "reject" and not cleaned.get("note"):
            self.add_error("note", "Enter why you are rejecting the suggestion")
        return cleaned


# == end of the keeping entries true section ===================================================================
