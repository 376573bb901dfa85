"""What the practitioner's menu shows about a service, in words: opening times, cost, places, how to refer.

Everything here reads records already loaded (``selectors.services_by_id`` prefetches them) and
returns plain strings and small dataclasses the templates lay out.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from carehouse.careplans.presenters import format_date
from carehouse.directory import geography
from carehouse.directory.geography import Place
from carehouse.directory.models import (
    AreaKind,
    Attribute,
    Location,
    LocationType,
    ReferralRoute,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceStatus,
)
from carehouse.directory.search.engine import Hit, SearchResults

DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "": "£"}
SUMMARY_CHARACTERS = 220

# -- words ---------------------------------------------------------------------------------------------------


def join_words(words: Sequence[str]) -> str:
    """``["a", "b", "c"]`` → ``"a, b and c"``."""
    items = [w for w in words if w]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def clock(moment: datetime.time) -> str:
    """A time as the NHS writes it: 10am, 12pm, 5:30pm."""
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}:{moment.minute:02d}{suffix}" if moment.minute else f"{hour}{suffix}"


def _day_codes(byday: str) -> list[tuple[int | None, str]]:
    found: list[tuple[int | None, str]] = []
    for token in byday.upper().replace(" ", "").split(","):
        code = token.lstrip("+-0123456789")
        if code not in DAY_NAMES:
            continue
        number = token[: len(token) - len(code)]
        try:
            found.append((int(number) if number else None, code))
        except ValueError:
            found.append((None, code))
    return found


def describe_days(byday: str, frequency: str = "") -> str:
    """RFC 5545 days in words: "Mondays and Wednesdays", "Monday to Friday", "The first Tuesday of each month"."""
    days = _day_codes(byday)
    if not days:
        return ""
    if any(number is not None for number, _ in days):
        parts = [
            f"{ORDINALS.get(number, f'{number}th') if number is not None else 'every'} {DAY_NAMES[code]}"
            for number, code in days
        ]
        text = join_words(parts)
        return f"The {text} of each month" if not text.startswith("every") else text.capitalize()
    codes = [code for _, code in days]
    ordered = [code for code in DAY_NAMES if code in codes]
    if len(ordered) == 7:
        return "Every day"
    if ordered == WEEKDAYS:
        return "Monday to Friday"
    plural = [f"{DAY_NAMES[code]}s" for code in ordered]
    if frequency == "MONTHLY":
        return f"One {join_words([DAY_NAMES[c] for c in ordered])} each month"
    return join_words(plural)


def describe_schedule(schedule: Schedule) -> str:
    """One HSDS schedule in words: "Mondays and Wednesdays, 10am to 12pm"."""
    days = describe_days(schedule.byday, schedule.freq)
    times = ""
    if schedule.opens_at and schedule.closes_at:
        times = f"{clock(schedule.opens_at)} to {clock(schedule.closes_at)}"
    elif schedule.opens_at:
        times = f"from {clock(schedule.opens_at)}"
    elif schedule.closes_at:
        times = f"until {clock(schedule.closes_at)}"
    text = ", ".join(part for part in (days, times) if part)
    if not text:
        text = schedule.description.strip()
    elif schedule.description.strip():
        text = f"{text} ({schedule.description.strip()})"
    if text and schedule.valid_to:
        text = f"{text}, until {format_date(schedule.valid_to)}"
    return text


def opening_times(schedules: Iterable[Schedule]) -> list[str]:
    """Each session in words, once each, in a steady order."""
    lines: list[str] = []
    for schedule in sorted(schedules, key=lambda s: (_first_day(s.byday), s.opens_at or datetime.time())):
        line = describe_schedule(schedule)
        if line and line not in lines:
            lines.append(line)
    return lines


def _first_day(byday: str) -> int:
    codes = [code for _, code in _day_codes(byday)]
    order = list(DAY_NAMES)
    return min((order.index(c) for c in codes), default=7)


def money(amount: float, currency: str = "") -> str:
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), f"{currency.upper()} ")
    return f"{symbol}{amount:,.0f}" if float(amount).is_integer() else f"{symbol}{amount:,.2f}"


def describe_cost(service: Service) -> list[str]:
    """What it costs: ["Free"], or each fee ("£3 per session"), or what the provider wrote."""
    options = list(service.cost_options.all())
    if options:
        if all((o.amount or 0) == 0 for o in options):
            return ["Free"]
        lines = []
        for option in options:
            words = option.option or option.amount_description
            if option.amount:
                lines.append(" ".join(p for p in (money(option.amount, option.currency), words) if p))
            elif words:
                lines.append(f"{words}: free")
        return lines
    written = [t.strip() for t in (service.fees_description, service.fees) if t.strip()]
    return written or ["Free"]


def _plural(number: float, unit: str) -> str:
    count = f"{number:g}"
    name = unit.strip() or "place"
    if number != 1 and not name.endswith("s"):
        name = f"{name}s"
    return f"{count} {name}"


def describe_capacity(service: Service) -> str:
    """Places free now, or the waiting list: "3 places", "Waiting list: 5". Empty when not known."""
    capacities = sorted(service.capacities.all(), key=lambda c: c.updated, reverse=True)
    if not capacities:
        return ""
    newest = capacities[0]
    parts = []
    if newest.available > 0:
        parts.append(_plural(newest.available, newest.unit.name))
    else:
        parts.append("No places now")
    if newest.waiting_list:
        parts.append(f"Waiting list: {newest.waiting_list}")
    return ". ".join(parts)


def describe_routes(service: Service) -> str:
    """Who can refer: "Health and care professionals, social prescribing link workers"."""
    labels = []
    for route in service.referral_routes:
        try:
            labels.append(str(ReferralRoute(route).label))
        except ValueError:
            continue
    if not labels:
        return ""
    return join_words([labels[0], *[label[0].lower() + label[1:] for label in labels[1:]]])


def describe_response_time(service: Service) -> str:
    days = service.response_time_days
    if days is None:
        return ""
    if days == 0:
        return "Usually replies the same working day"
    return f"Usually replies within {days} working day{'s' if days != 1 else ''}"


def how_to_refer(service: Service) -> str:
    """Who can refer and how fast they answer, in one line for a result."""
    routes = describe_routes(service)
    parts = [f"Referrals from: {routes}" if routes else "", describe_response_time(service)]
    return ". ".join(p for p in parts if p)


def address_of(location: Location) -> str:
    """A location's physical address on one line (or its name when it has none)."""
    addresses = [a for a in location.addresses.all() if a.address_type != LocationType.POSTAL] or list(
        location.addresses.all()
    )
    if not addresses:
        return location.name
    a = addresses[0]
    return ", ".join(p for p in (a.address_1, a.address_2, a.city, a.postal_code) if p.strip())


def reviewed_at(service: Service) -> datetime.datetime | None:
    """When the entry was last checked: reviewed by its keeper, or assured."""
    dates = [service.last_reviewed_at] if service.last_reviewed_at else []
    if service.assured_date:
        dates.append(datetime.datetime.combine(service.assured_date, datetime.time(), tzinfo=datetime.UTC))
    return max(dates) if dates else None


def stale_label(service: Service) -> str:
    checked = reviewed_at(service)
    return f"Not checked since {format_date(timezone.localtime(checked).date())}" if checked else "Not checked yet"


def is_national(service: Service) -> bool:
    known = [a for a in service.service_areas.all() if a.kind != AreaKind.UNKNOWN]
    return bool(known) and all(a.kind == AreaKind.NATIONAL for a in known)


def national_label(service: Service) -> str:
    codes = {c for a in service.service_areas.all() if a.kind == AreaKind.NATIONAL for c in a.codes}
    if codes & {"GB", "UK"}:
        return "Available across the UK"
    names = [geography.NATIONAL_CODES[c] for c in sorted(codes) if c in geography.NATIONAL_CODES]
    return f"Available across {join_words(names) or 'England'}"


def service_href(service_id: uuid.UUID, postcode: str = "") -> str:
    href = reverse("directory:service", kwargs={"service_id": service_id})
    return f"{href}?{urlencode({'postcode': postcode})}" if postcode else href


def _sal_schedules(sal: ServiceAtLocation) -> list[Schedule]:
    return list(sal.schedules.all()) + list(sal.location.schedules.all())


def phone_numbers(service: Service, sal: ServiceAtLocation | None = None) -> list[str]:
    """The service's phone numbers (and the location's), each once, with what it is for."""
    phones = list(service.phones.all())
    for contact in service.contacts.all():
        phones += list(contact.phones.all())
    if sal is not None:
        phones += list(sal.phones.all()) + list(sal.location.phones.all())
    lines: list[str] = []
    for phone in phones:
        line = phone.number
        if phone.extension:
            line = f"{line} extension {phone.extension:g}"
        if phone.description:
            line = f"{line} ({phone.description})"
        if line not in lines:
            lines.append(line)
    return lines


# -- search results ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultCard:
    """One service in the results."""

    service: Service
    href: str
    organisation: str
    summary: str
    distance: str
    address: str
    national: str
    opening: list[str]
    cost: str
    referral: str
    capacity: str
    stale: str
    on_shortlist: bool

    @property
    def id(self) -> uuid.UUID:
        return self.service.id

    @property
    def rows(self) -> list[dict[str, Any]]:
        rows = []
        if self.distance:
            rows.append(_row("Distance", f"{self.distance} away" + (f": {self.address}" if self.address else "")))
        elif self.address:
            rows.append(_row("Where", self.address))
        if self.national:
            rows.append(_row("Where", self.national))
        if self.opening:
            rows.append(_row("When", "; ".join(self.opening)))
        rows.append(_row("Cost", self.cost))
        if self.referral:
            rows.append(_row("How to refer", self.referral))
        if self.capacity:
            rows.append(_row("Places", self.capacity))
        return rows


def _row(key: str, value: str) -> dict[str, Any]:
    return {"key": {"text": key}, "value": {"text": value}}


def result_card(
    hit: Hit,
    service: Service,
    *,
    postcode: str,
    show_referrals: bool,
    on_shortlist: bool,
) -> ResultCard:
    sals = list(service.service_at_locations.all())
    nearest = next((s for s in sals if s.id == hit.nearest_service_at_location_id), None)
    if nearest is None and len(sals) == 1:
        nearest = sals[0]
    schedules = list(service.schedules.all())
    if nearest is not None:
        schedules += _sal_schedules(nearest)
    national = national_label(service) if hit.is_national or (is_national(service) and not sals) else ""
    return ResultCard(
        service=service,
        href=service_href(service.id, postcode),
        organisation=service.organization.name if service.organization else "",
        summary=Truncator(service.description.strip()).chars(SUMMARY_CHARACTERS),
        distance=geography.describe_distance(hit.distance) if hit.distance is not None else "",
        address=address_of(nearest.location) if nearest is not None else "",
        national=national,
        opening=opening_times(schedules),
        cost=", ".join(describe_cost(service)),
        referral=how_to_refer(service) if show_referrals else "",
        capacity=describe_capacity(service),
        stale=stale_label(service) if hit.is_stale else "",
        on_shortlist=on_shortlist,
    )


def result_cards(
    results: SearchResults,
    services: Mapping[uuid.UUID, Service],
    *,
    postcode: str,
    show_referrals: bool,
    shortlisted: set[uuid.UUID],
) -> list[ResultCard]:
    return [
        result_card(
            hit,
            services[hit.service_id],
            postcode=postcode,
            show_referrals=show_referrals,
            on_shortlist=hit.service_id in shortlisted,
        )
        for hit in results.hits
        if hit.service_id in services
    ]


def count_text(total: int) -> str:
    return f"{total:,} service" if total == 1 else f"{total:,} services"


class SearchLinks:
    """Links that change one part of the current search, keeping the rest (and going back to page 1)."""

    def __init__(self, path: str, params: Mapping[str, list[str]]) -> None:
        self.path = path
        self.params = {k: list(v) for k, v in params.items() if k != "page" and any(x != "" for x in v)}

    def _href(self, params: Mapping[str, list[str]]) -> str:
        pairs = [(k, v) for k, values in params.items() for v in values if v != ""]
        return f"{self.path}?{urlencode(pairs)}" if pairs else self.path

    def without(self, name: str, value: str | None = None) -> str:
        params = dict(self.params)
        if value is None:
            params.pop(name, None)
        else:
            params[name] = [v for v in params.get(name, []) if v != value]
        return self._href(params)

    def with_value(self, name: str, value: str, *, add: bool = False) -> str:
        params = dict(self.params)
        params[name] = [*params.get(name, []), value] if add else [value]
        return self._href(params)

    def page(self, number: int) -> str:
        params = dict(self.params)
        if number > 1:
            params["page"] = [str(number)]
        return self._href(params)

    def clear_filters(self, keep: Sequence[str]) -> str:
        return self._href({k: v for k, v in self.params.items() if k in keep})


def pagination(links: SearchLinks, current: int, total_pages: int) -> dict[str, Any] | None:
    """Parameters for the NHS.UK numbered pagination component (None when one page)."""
    if total_pages <= 1:
        return None
    shown = sorted({1, total_pages, *range(max(1, current - 1), min(total_pages, current + 1) + 1)})
    items: list[dict[str, Any]] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": links.page(number), "current": number == current})
        previous = number
    params: dict[str, Any] = {"items": items}
    if current > 1:
        params["previous"] = {"href": links.page(current - 1)}
    if current < total_pages:
        params["next"] = {"href": links.page(current + 1)}
    return params


# -- one service ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationView:
    name: str
    address: str
    distance: str
    opening: list[str]
    phones: list[str]
    accessibility: list[str]
    transport: str
    languages: list[str]


@dataclass
class ServicePage:
    """Everything a practitioner needs about one service."""

    service: Service
    terms: list[Attribute]
    place: Place | None
    show_referrals: bool
    locations: list[LocationView] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.locations = self._locations()

    @property
    def organisation(self) -> str:
        return self.service.organization.name if self.service.organization else ""

    @property
    def is_active(self) -> bool:
        return self.service.status == ServiceStatus.ACTIVE

    @property
    def status(self) -> str:
        return str(ServiceStatus(self.service.status).label) if not self.is_active else ""

    @property
    def checked(self) -> str:
        moment = reviewed_at(self.service)
        return format_date(timezone.localtime(moment).date()) if moment else ""

    @property
    def is_stale(self) -> bool:
        from carehouse.directory.search.engine import stale_before

        moment = reviewed_at(self.service)
        return moment is None or moment < stale_before()

    @property
    def stale(self) -> str:
        return stale_label(self.service)

    @property
    def national(self) -> str:
        return national_label(self.service) if is_national(self.service) else ""

    @property
    def areas(self) -> list[str]:
        return [a.name or a.description for a in self.service.service_areas.all() if (a.name or a.description)]

    @property
    def ages(self) -> str:
        low, high = self.service.minimum_age, self.service.maximum_age
        if low is not None and high is not None:
            return f"{low:g} to {high:g} years"
        if low is not None:
            return f"{low:g} years and over"
        if high is not None:
            return f"Up to {high:g} years"
        return "All ages"

    @property
    def categories(self) -> list[str]:
        from carehouse.directory.services.taxonomy import ACCESSIBILITY

        return [a.taxonomy_term.name for a in self.terms if a.taxonomy_term.taxonomy_detail_id != ACCESSIBILITY]

    @property
    def accessibility_features(self) -> list[str]:
        from carehouse.directory.services.taxonomy import ACCESSIBILITY

        return [a.taxonomy_term.name for a in self.terms if a.taxonomy_term.taxonomy_detail_id == ACCESSIBILITY]

    @property
    def opening(self) -> list[str]:
        return opening_times(self.service.schedules.all())

    @property
    def cost(self) -> list[str]:
        return describe_cost(self.service)

    @property
    def capacity(self) -> str:
        return describe_capacity(self.service)

    @property
    def phones(self) -> list[str]:
        return phone_numbers(self.service)

    @property
    def languages(self) -> list[str]:
        return [lang.name or lang.code for lang in self.service.languages.all() if lang.name or lang.code]

    @property
    def contacts(self) -> list[str]:
        lines = []
        for contact in self.service.contacts.all():
            who = ", ".join(p for p in (contact.name, contact.title, contact.department) if p)
            line = " - ".join(p for p in (who, contact.email) if p)
            if line:
                lines.append(line)
        return lines

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The summary list at the top: who it is for, when, cost, contacts."""
        service = self.service
        rows = [_row("Run by", self.organisation)] if self.organisation else []
        if service.eligibility_description.strip():
            rows.append(_row("Who it is for", service.eligibility_description.strip()))
        rows.append(_row("Ages", self.ages))
        if self.opening:
            rows.append(_row("When", "; ".join(self.opening)))
        rows.append(_row("Cost", "; ".join(self.cost)))
        if self.capacity:
            rows.append(_row("Places", self.capacity))
        if self.national:
            rows.append(_row("Where", self.national))
        elif self.areas:
            rows.append(_row("Area it serves", ", ".join(self.areas)))
        if service.url:
            rows.append(_row("Website", service.url))
        if service.email:
            rows.append(_row("Email", service.email))
        if self.phones:
            rows.append(_row("Phone", "; ".join(self.phones)))
        if self.contacts:
            rows.append(_row("Contacts", "; ".join(self.contacts)))
        if self.languages:
            rows.append(_row("Languages", ", ".join(self.languages)))
        if service.interpretation_services.strip():
            rows.append(_row("Interpreters", service.interpretation_services.strip()))
        if self.accessibility_features:
            rows.append(_row("Accessibility", ", ".join(self.accessibility_features)))
        if service.wait_time.strip():
            rows.append(_row("Waiting time", service.wait_time.strip()))
        if self.categories:
            rows.append(_row("Categories", ", ".join(self.categories)))
        rows.append(_row("Last checked", self.checked or "Not checked yet"))
        return rows

    @property
    def referral_rows(self) -> list[dict[str, Any]]:
        """How to refer: for staff who give care, provider staff and administrators only."""
        if not self.show_referrals:
            return []
        service = self.service
        rows = []
        routes = describe_routes(service)
        rows.append(_row("Who can refer", routes or "Not stated"))
        if ReferralRoute.SIGNPOSTING_ONLY in service.referral_routes and not service.accepts_referrals:
            rows.append(_row("Referrals", "No referral needed: people just go along"))
        if service.how_to_refer.strip():
            rows.append(_row("How to refer", service.how_to_refer.strip()))
        if service.application_process.strip():
            rows.append(_row("How to apply", service.application_process.strip()))
        if service.referral_url:
            rows.append(_row("Referral form", service.referral_url))
        if service.referral_email:
            rows.append(_row("Referral email", service.referral_email))
        response = describe_response_time(service)
        if response:
            rows.append(_row("Response time", response))
        return rows

    def _locations(self) -> list[LocationView]:
        views: list[tuple[float, str, LocationView]] = []
        for sal in self.service.service_at_locations.all():
            location = sal.location
            metres: float | None = None
            if self.place is not None and location.latitude is not None and location.longitude is not None:
                metres = geography.distance_metres(
                    self.place.latitude, self.place.longitude, location.latitude, location.longitude
                )
            features = [
                ": ".join(p for p in (a.description.strip(), a.details.strip()) if p)
                for a in location.accessibility.all()
            ]
            view = LocationView(
                name=location.name or address_of(location),
                address=address_of(location) if location.location_type != LocationType.VIRTUAL else "Online",
                distance=geography.describe_distance(metres) if metres is not None else "",
                opening=opening_times(_sal_schedules(sal)),
                phones=[p for p in phone_numbers(self.service, sal) if p not in self.phones],
                accessibility=[f for f in features if f],
                transport=location.transportation.strip(),
                languages=[lang.name or lang.code for lang in location.languages.all() if lang.name or lang.code],
            )
            views.append((metres if metres is not None else float("inf"), view.name.casefold(), view))
        views.sort(key=lambda item: (item[0], item[1]))
        return [view for _, _, view in views]


# -- shortlists ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShortlistEntry:
    """A service on a shortlist, with what a person needs to get in touch (and, for staff, to refer)."""

    service: Service
    show_referrals: bool

    @property
    def href(self) -> str:
        return service_href(self.service.id)

    @property
    def organisation(self) -> str:
        return self.service.organization.name if self.service.organization else ""

    @property
    def summary(self) -> str:
        return Truncator(self.service.description.strip()).chars(SUMMARY_CHARACTERS)

    @property
    def lines(self) -> list[dict[str, str]]:
        """Label and value pairs, for the page and for print."""
        service = self.service
        lines: list[dict[str, str]] = []
        if self.organisation:
            lines.append({"label": "Run by", "value": self.organisation})
        addresses = [address_of(sal.location) for sal in service.service_at_locations.all()]
        addresses = [a for a in dict.fromkeys(addresses) if a]
        if addresses:
            lines.append({"label": "Where", "value": "; ".join(addresses)})
        elif is_national(service):
            lines.append({"label": "Where", "value": national_label(service)})
        schedules = list(service.schedules.all())
        for sal in service.service_at_locations.all():
            schedules += _sal_schedules(sal)
        opening = opening_times(schedules)
        if opening:
            lines.append({"label": "When", "value": "; ".join(opening)})
        lines.append({"label": "Cost", "value": "; ".join(describe_cost(service))})
        phones = phone_numbers(service)
        if phones:
            lines.append({"label": "Phone", "value": "; ".join(phones)})
        if service.email:
            lines.append({"label": "Email", "value": service.email})
        if service.url:
            lines.append({"label": "Website", "value": service.url})
        if self.show_referrals:
            refer = how_to_refer(service)
            if refer:
                lines.append({"label": "Referrals", "value": refer})
            if service.how_to_refer.strip():
                lines.append({"label": "How to refer", "value": service.how_to_refer.strip()})
            if service.referral_url:
                lines.append({"label": "Referral form", "value": service.referral_url})
            if service.referral_email:
                lines.append({"label": "Referral email", "value": service.referral_email})
        elif ReferralRoute.SELF_REFERRAL in service.referral_routes:
            lines.append({"label": "How to start", "value": "You can contact them yourself"})
        return lines

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [_row(line["label"], line["value"]) for line in self.lines]


def shortlist_entries(
    service_ids: Sequence[uuid.UUID], services: Mapping[uuid.UUID, Service], *, show_referrals: bool
) -> list[ShortlistEntry]:
    return [
        ShortlistEntry(services[service_id], show_referrals=show_referrals)
        for service_id in service_ids
        if service_id in services
    ]
