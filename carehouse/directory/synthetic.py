"""A large, made-up directory of services across England, for benchmarks and load tests.

``generate(services=50_000, locations=80_000, seed=2026)`` writes organisations, services,
locations with addresses, services at locations, taxonomy attributes ("more than medicine"
categories and sub-categories, and accessibility features), schedules, service areas, cost
options, capacities, phones, referral routes, age ranges and review dates, then rebuilds the
search index. The same seed always builds the same ids and names (UUID 5 of the seed and a row
number; one seeded ``random.Random`` draws everything else).

Where things are: the shipped postcode district centroids (English districts only), weighted by
how many postcodes each has, with a small jitter, so services crowd into towns as they do. A
service's area is a list of postcode districts around its location (most), the whole of England
(a few), or nothing (found by distance alone): only codes that search can match.

Nothing here is real: names come from word lists, addresses are invented streets, phone numbers
are from Ofcom's range for drama (01632 960nnn), email addresses and websites are ``example.org``.
Rows are written with ``bulk_create`` in batches, a few thousand services at a time.
"""

# ruff: noqa: RUF001, S311  (names use an en dash, as directories write them; the randomness is for test data)

from __future__ import annotations

import csv
import datetime
import math
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone

from carehouse.directory.geography import DATA, ENGLAND, SCOTTISH_AREAS, WELSH_AREAS, distance_metres
from carehouse.directory.models import (
    Address,
    AreaKind,
    Attribute,
    CostOption,
    DirectoryOrganization,
    Location,
    LocationType,
    Phone,
    ReferralRoute,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
    TaxonomyTerm,
    Unit,
)
from carehouse.directory.search import index

#: Ids are UUID 5 of "<seed>/<kind>/<number>" in this namespace.
NAMESPACE = uuid.UUID("2f0c7f55-6a0c-5b43-9d55-3f3e1f4f6a10")
#: The capacity unit every synthetic (and demo) capacity counts in.
PLACES_UNIT_ID = uuid.uuid5(NAMESPACE, "unit/places")
SERVICES_PER_CHUNK = 2_500
BATCH = 2_000

Progress = Callable[[str], None]


def synthetic_id(seed: int, kind: str, number: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{seed}/{kind}/{number}")


# -- places -----------------------------------------------------------------------------------------------

#: English postcode areas: the town they are named after, and the region (Royal Mail and ONS names).
AREAS: dict[str, tuple[str, str]] = {
    "AL": ("St Albans", "East of England"),
    "B": ("Birmingham", "West Midlands"),
    "BA": ("Bath", "South West"),
    "BB": ("Blackburn", "North West"),
    "BD": ("Bradford", "Yorkshire and the Humber"),
    "BH": ("Bournemouth", "South West"),
    "BL": ("Bolton", "North West"),
    "BN": ("Brighton", "South East"),
    "BR": ("Bromley", "London"),
    "BS": ("Bristol", "South West"),
    "CA": ("Carlisle", "North West"),
    "CB": ("Cambridge", "East of England"),
    "CH": ("Chester", "North West"),
    "CM": ("Chelmsford", "East of England"),
    "CO": ("Colchester", "East of England"),
    "CR": ("Croydon", "London"),
    "CT": ("Canterbury", "South East"),
    "CV": ("Coventry", "West Midlands"),
    "CW": ("Crewe", "North West"),
    "DA": ("Dartford", "South East"),
    "DE": ("Derby", "East Midlands"),
    "DH": ("Durham", "North East"),
    "DL": ("Darlington", "North East"),
    "DN": ("Doncaster", "Yorkshire and the Humber"),
    "DT": ("Dorchester", "South West"),
    "DY": ("Dudley", "West Midlands"),
    "E": ("East London", "London"),
    "EC": ("City of London", "London"),
    "EN": ("Enfield", "London"),
    "EX": ("Exeter", "South West"),
    "GL": ("Gloucester", "South West"),
    "GU": ("Guildford", "South East"),
    "HA": ("Harrow", "London"),
    "HD": ("Huddersfield", "Yorkshire and the Humber"),
    "HG": ("Harrogate", "Yorkshire and the Humber"),
    "HP": ("Hemel Hempstead", "East of England"),
    "HR": ("Hereford", "West Midlands"),
    "HU": ("Hull", "Yorkshire and the Humber"),
    "HX": ("Halifax", "Yorkshire and the Humber"),
    "IG": ("Ilford", "London"),
    "IP": ("Ipswich", "East of England"),
    "KT": ("Kingston upon Thames", "London"),
    "L": ("Liverpool", "North West"),
    "LA": ("Lancaster", "North West"),
    "LE": ("Leicester", "East Midlands"),
    "LN": ("Lincoln", "East Midlands"),
    "LS": ("Leeds", "Yorkshire and the Humber"),
    "LU": ("Luton", "East of England"),
    "M": ("Manchester", "North West"),
    "ME": ("Medway", "South East"),
    "MK": ("Milton Keynes", "South East"),
    "N": ("North London", "London"),
    "NE": ("Newcastle upon Tyne", "North East"),
    "NG": ("Nottingham", "East Midlands"),
    "NN": ("Northampton", "East Midlands"),
    "NR": ("Norwich", "East of England"),
    "NW": ("North West London", "London"),
    "OL": ("Oldham", "North West"),
    "OX": ("Oxford", "South East"),
    "PE": ("Peterborough", "East of England"),
    "PL": ("Plymouth", "South West"),
    "PO": ("Portsmouth", "South East"),
    "PR": ("Preston", "North West"),
    "RG": ("Reading", "South East"),
    "RH": ("Redhill", "South East"),
    "RM": ("Romford", "London"),
    "S": ("Sheffield", "Yorkshire and the Humber"),
    "SE": ("South East London", "London"),
    "SG": ("Stevenage", "East of England"),
    "SK": ("Stockport", "North West"),
    "SL": ("Slough", "South East"),
    "SM": ("Sutton", "London"),
    "SN": ("Swindon", "South West"),
    "SO": ("Southampton", "South East"),
    "SP": ("Salisbury", "South West"),
    "SR": ("Sunderland", "North East"),
    "SS": ("Southend-on-Sea", "East of England"),
    "ST": ("Stoke-on-Trent", "West Midlands"),
    "SW": ("South West London", "London"),
    "SY": ("Shrewsbury", "West Midlands"),
    "TA": ("Taunton", "South West"),
    "TF": ("Telford", "West Midlands"),
    "TN": ("Tonbridge", "South East"),
    "TQ": ("Torquay", "South West"),
    "TR": ("Truro", "South West"),
    "TS": ("Middlesbrough", "North East"),
    "TW": ("Twickenham", "London"),
    "UB": ("Southall", "London"),
    "W": ("West London", "London"),
    "WA": ("Warrington", "North West"),
    "WC": ("Central London", "London"),
    "WD": ("Watford", "East of England"),
    "WF": ("Wakefield", "Yorkshire and the Humber"),
    "WN": ("Wigan", "North West"),
    "WR": ("Worcester", "West Midlands"),
    "WS": ("Walsall", "West Midlands"),
    "WV": ("Wolverhampton", "West Midlands"),
    "YO": ("York", "Yorkshire and the Humber"),
}
#: Towns inside a postcode area that is named after a neighbour (S60 to S66 are Rotherham, not Sheffield).
TOWN_OF_DISTRICT = {
    **{f"S{n}": "Rotherham" for n in range(60, 67)},
    **{f"S{n}": "Barnsley" for n in range(70, 76)},
    **{f"S{n}": "Chesterfield" for n in range(40, 46)},
    **{f"S{n}": "Worksop" for n in range(80, 82)},
    **{f"DN{n}": "Scunthorpe" for n in range(15, 18)},
    **{f"DN{n}": "Grimsby" for n in range(31, 38)},
    **{f"NE{n}": "Gateshead" for n in range(8, 12)},
    **{f"WF{n}": "Pontefract" for n in range(6, 10)},
    **{f"BD{n}": "Keighley" for n in range(20, 23)},
    **{f"M{n}": "Salford" for n in (3, 5, 6, 7)},
}
STREETS = ["Mill", "Church", "Station", "Park", "Chapel", "School", "Victoria", "Albert", "Market", "Bridge"]
STREETS += ["Orchard", "Willow", "Beech", "Hawthorn", "Meadow", "Brook", "Castle", "Abbey", "Queen", "King"]
STREET_KINDS = ["Street", "Road", "Lane", "Avenue", "Close", "Way", "Gardens", "Terrace", "Row", "Walk"]
VENUES = ["Community Centre", "Library", "Methodist Church Hall", "Leisure Centre", "Family Hub", "Village Hall"]
VENUES += ["Health Centre", "Park Pavilion", "Allotments", "Scout Hut", "Miners' Welfare", "Football Club"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class District:
    code: str
    latitude: float
    longitude: float
    postcodes: int
    town: str
    region: str


def english_districts() -> list[District]:
    """The shipped district centroids in England (areas wholly in Scotland or Wales left out)."""
    districts = []
    with (DATA / "postcode_district_centroids.csv").open(newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            code = row["outcode"]
            area = "".join(c for c in code[:2] if c.isalpha())
            if area in SCOTTISH_AREAS or area in WELSH_AREAS or area not in AREAS:
                continue
            count = int(row.get("postcode_count") or 0)
            if count <= 0:
                continue
            town, region = AREAS[area]
            districts.append(
                District(
                    code=code,
                    latitude=float(row["latitude"]),
                    longitude=float(row["longitude"]),
                    postcodes=count,
                    town=TOWN_OF_DISTRICT.get(code, town),
                    region=region,
                )
            )
    return districts


class Neighbours:
    """Districts whose centres are within a distance of another's, found through a grid of 0.2 degree cells."""

    CELL = 0.2

    def __init__(self, districts: Sequence[District]) -> None:
        self.cells: dict[tuple[int, int], list[District]] = {}
        for district in districts:
            self.cells.setdefault(self._cell(district.latitude, district.longitude), []).append(district)
        self.cache: dict[tuple[str, int], list[str]] = {}

    def _cell(self, latitude: float, longitude: float) -> tuple[int, int]:
        return math.floor(latitude / self.CELL), math.floor(longitude / self.CELL)

    def within(self, district: District, metres: int) -> list[str]:
        key = (district.code, metres)
        if key not in self.cache:
            row, column = self._cell(district.latitude, district.longitude)
            reach = 1 + int(metres / 11_000)
            found = [
                other.code
                for r in range(row - reach, row + reach + 1)
                for c in range(column - reach, column + reach + 1)
                for other in self.cells.get((r, c), [])
                if distance_metres(district.latitude, district.longitude, other.latitude, other.longitude) <= metres
            ]
            self.cache[key] = sorted(set(found) | {district.code})
        return self.cache[key]


# -- what services are -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of service: its taxonomy term, names (``{town}`` is filled in) and words for its description."""

    term: str
    names: tuple[str, ...]
    activity: tuple[str, ...]


KINDS: tuple[Kind, ...] = (
    Kind(
        "mtm:walking-groups",
        ("Walking for Health – {town}", "{town} Health Walks", "Nordic Walking Group", "Buggy Walks", "Canal Walks"),
        ("gentle guided walks of an hour or less", "led walks on flat paths with a volunteer walk leader"),
    ),
    Kind(
        "mtm:exercise-classes",
        ("Strength and Balance Classes", "Chair-based Exercise", "Tai Chi for Balance", "Falls Prevention Exercise"),
        ("seated and standing exercise to build strength", "classes that improve balance and confidence"),
    ),
    Kind(
        "mtm:swimming-and-water",
        ("Aqua Fit – {town}", "Gentle Swim Sessions", "Hydrotherapy Pool Sessions", "Learn to Swim for Adults"),
        ("warm water exercise for stiff joints", "quiet swimming sessions in a warm pool"),
    ),
    Kind(
        "mtm:dance-and-movement",
        ("Dance for Parkinson's", "Tea Dance – {town}", "Seated Dance", "Movement to Music"),
        ("dancing to music you know, seated or standing", "movement sessions led by a trained dance artist"),
    ),
    Kind(
        "mtm:green-activity",
        ("Green Gym – {town}", "Community Allotment", "Therapeutic Gardening", "Woodland Conservation Volunteers"),
        ("growing vegetables and flowers together", "outdoor conservation work in local parks and woods"),
    ),
    Kind(
        "mtm:cooking-skills",
        ("Cook and Eat – {town}", "Cooking on a Budget", "Men's Cookery Club", "Family Cooking Sessions"),
        ("cheap healthy meals cooked together", "hands-on cookery lessons using simple ingredients"),
    ),
    Kind(
        "mtm:weight-management",
        ("Healthy Weight Programme", "Weigh and Win – {town}", "Lifestyle and Weight Group", "Eat Well Move More"),
        ("a twelve-week course on eating well and moving more", "weekly weigh-ins with friendly advice"),
    ),
    Kind(
        "mtm:food-support",
        ("{town} Food Bank", "Community Pantry", "Lunch Club", "Community Fridge", "Warm Meal Café"),
        ("emergency food parcels and toiletries", "low-cost food shopping and a hot meal"),
    ),
    Kind(
        "mtm:visual-arts-and-crafts",
        ("Arts on Prescription", "Knit and Natter", "Craft Café – {town}", "Pottery for Wellbeing", "Sketch Club"),
        ("painting, drawing and crafts in a relaxed group", "making things together with an artist"),
    ),
    Kind(
        "mtm:music-and-singing",
        ("Singing for Lung Health", "Singing for the Brain", "Community Choir – {town}", "Ukulele Group"),
        ("singing and breathing exercises in a friendly choir", "making music together, no experience needed"),
    ),
    Kind(
        "mtm:creative-writing",
        ("Shared Reading Group", "Creative Writing Circle", "Library Book Club – {town}", "Poetry Café"),
        ("reading stories and poems aloud together", "writing for wellbeing with a published writer"),
    ),
    Kind(
        "mtm:befriending",
        ("Telephone Befriending", "Befriending Service – {town}", "Good Neighbours Scheme", "Visiting Befrienders"),
        ("a regular phone call or visit from a volunteer", "a volunteer befriender matched to you"),
    ),
    Kind(
        "mtm:social-groups",
        ("Men's Shed – {town}", "Memory Café", "Lunch and Chat Club", "Friendship Group", "Coffee Morning"),
        ("meeting people over a cup of tea", "a welcoming social club with trips and talks"),
    ),
    Kind(
        "mtm:welfare-rights",
        ("Benefits Advice – {town}", "Welfare Rights Service", "Pension Credit Check", "Benefit Form Help"),
        ("help to check and claim the benefits you are entitled to", "support with forms, appeals and reviews"),
    ),
    Kind(
        "mtm:debt-advice",
        ("Debt Advice – {town}", "Money Advice Drop-in", "Budgeting Support", "Money Matters"),
        ("free confidential debt and money advice", "help to make a budget and deal with arrears"),
    ),
    Kind(
        "mtm:housing-advice",
        ("Housing Advice – {town}", "Tenancy Support", "Homelessness Prevention", "Home Adaptations Advice"),
        ("advice on renting, repairs and keeping your home", "support to stay in your home"),
    ),
    Kind(
        "mtm:energy-advice",
        ("Warm Homes Advice", "Energy Advice – {town}", "Fuel Poverty Support", "Keep Warm Keep Well"),
        ("help with energy bills, draughts and damp", "advice on grants for heating and insulation"),
    ),
    Kind(
        "mtm:volunteering",
        ("Volunteer Centre – {town}", "Health Champions", "Volunteering for Wellbeing", "Community Volunteers"),
        ("finding volunteering that suits you", "volunteer roles in local groups and charities"),
    ),
    Kind(
        "mtm:peer-support",
        ("Stroke Peer Support", "Breathe Better Group", "Pain Peer Support", "Heart Support Group", "Diabetes Buddies"),
        ("meeting others living with the same condition", "peer support led by people with lived experience"),
    ),
    Kind(
        "mtm:advocacy",
        ("Independent Advocacy – {town}", "Care Act Advocacy", "Community Advocacy", "Self-Advocacy Group"),
        ("an independent advocate to help you speak up", "support to have your say about your care"),
    ),
    Kind(
        "mtm:coaching",
        ("Health Coaching", "Wellbeing Coaching – {town}", "Lifestyle Coaching", "Motivational Coaching"),
        ("one-to-one coaching to reach your own goals", "a coach to help you make changes that last"),
    ),
    Kind(
        "mtm:diabetes-education",
        ("Type 2 Diabetes Education", "Diabetes Prevention Programme", "Living Well with Diabetes"),
        ("a group course about living with type 2 diabetes", "learning about food, activity and blood sugar"),
    ),
    Kind(
        "mtm:self-management-courses",
        ("Self-management Course", "Living Well with a Long-term Condition", "Pain Management Course"),
        ("a six-week course for people with long-term conditions", "practical ways to manage symptoms day to day"),
    ),
    Kind(
        "mtm:carers-support",
        ("Carers' Café – {town}", "Carers Support Service", "Young Carers Group", "Carers' Breaks"),
        ("support, breaks and advice for unpaid carers", "a chance for carers to meet and share"),
    ),
    Kind(
        "mtm:digital-skills",
        ("Digital Drop-in – {town}", "NHS App Help Sessions", "Get Online Sessions", "Tablet and Smartphone Help"),
        ("help to use a phone, tablet or computer", "learning to use the NHS App and book online"),
    ),
    Kind(
        "mtm:self-care-apps",
        ("Self-care App Support", "Online Wellbeing Programme", "Digital Health Coaching"),
        ("apps and online programmes for looking after yourself", "setting up and using health apps"),
    ),
    Kind(
        "mtm:mindfulness",
        ("Mindfulness Course", "Relaxation and Breathing", "Mindful Walking", "Yoga for Wellbeing"),
        ("simple mindfulness and relaxation practices", "calming breathing and gentle stretching"),
    ),
    Kind(
        "mtm:wellbeing-groups",
        ("Wellbeing Café – {town}", "Talking Café", "Bereavement Support Group", "Anxiety Support Group"),
        ("a safe space to talk about how you are feeling", "friendly support for low mood and worry"),
    ),
)
OPENINGS = (
    "A friendly, welcoming group offering",
    "Free sessions of",
    "Weekly sessions of",
    "Our volunteers provide",
    "Drop in for",
    "A relaxed programme of",
    "Local support with",
)
#: Who a service is for: common words and rarer ones, so text search sees a realistic spread.
AUDIENCES = (
    "for adults of all ages",
    "for older people",
    "for people living alone",
    "for people with COPD or asthma",
    "for people with dementia and their carers",
    "for people living with arthritis",
    "for people recovering from a stroke",
    "for people with Parkinson's",
    "for people with fibromyalgia or chronic pain",
    "for people with heart conditions",
    "for people with type 2 diabetes",
    "for people with long COVID",
    "for veterans and their families",
    "for refugees and asylum seekers",
    "for new parents",
    "for young people",
    "for men",
    "for women going through the menopause",
    "for people with a learning disability",
    "for people who are deaf or hard of hearing",
    "for people with sight loss",
    "for people feeling lonely or isolated",
    "for people with low mood or anxiety",
    "for people after a cancer diagnosis",
)
EXTRAS = (
    "No need to book.",
    "All welcome, whatever your fitness.",
    "Tea and biscuits provided.",
    "Transport can be arranged.",
    "Sessions are led by trained volunteers.",
    "Carers are welcome to come along.",
    "Interpreters can be booked on request.",
    "Places are limited, so please ask first.",
    "Run in partnership with the local NHS.",
    "Funded by the National Lottery Community Fund.",
    "Wear comfortable clothes and shoes.",
    "Bring a packed lunch if you like.",
)
ORG_PATTERNS = (
    "{town} Community Trust",
    "{town} Wellbeing Partnership",
    "{town} Voluntary Action",
    "Friends of {street} Park",
    "{street} Community Association",
    "{town} Carers' Network",
    "{town} Active Together",
    "{street} Lane Project",
    "{town} Money Advice Centre",
    "{town} Arts Collective",
    "Heart of {town} CIC",
    "{town} Good Neighbours",
)
ACCESSIBILITY_CODES = (
    "access:step-free",
    "access:accessible-toilet",
    "access:hearing-loop",
    "access:bsl",
    "access:easy-read",
    "access:quiet-space",
    "access:blue-badge-parking",
    "access:remote-option",
)
SCHEDULES = (
    # (byday, opens, closes, weight)
    ("MO", 10, 12, 6),
    ("TU", 10, 12, 8),
    ("WE", 13, 15, 8),
    ("TH", 10, 12, 8),
    ("FR", 10, 11, 6),
    ("SA", 9, 10, 3),
    ("SU", 10, 12, 1),
    ("MO,WE,FR", 10, 14, 4),
    ("TU,TH", 18, 20, 4),
    ("MO,TU,WE,TH,FR", 9, 17, 6),
)


# -- the generator -----------------------------------------------------------------------------------------


@dataclass
class Counts:
    organisations: int = 0
    services: int = 0
    locations: int = 0
    addresses: int = 0
    services_at_locations: int = 0
    attributes: int = 0
    schedules: int = 0
    service_areas: int = 0
    cost_options: int = 0
    capacities: int = 0
    phones: int = 0
    indexed: int = 0

    def __str__(self) -> str:
        return ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in vars(self).items())


@dataclass
class Batch:
    """One chunk's rows, in the order they must be written."""

    organisations: list[DirectoryOrganization] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    services_at_locations: list[ServiceAtLocation] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    service_areas: list[ServiceArea] = field(default_factory=list)
    cost_options: list[CostOption] = field(default_factory=list)
    capacities: list[ServiceCapacity] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)

    def tables(self) -> list[tuple[str, type[models.Model], Sequence[models.Model]]]:
        return [
            ("organisations", DirectoryOrganization, self.organisations),
            ("services", Service, self.services),
            ("locations", Location, self.locations),
            ("addresses", Address, self.addresses),
            ("services_at_locations", ServiceAtLocation, self.services_at_locations),
            ("attributes", Attribute, self.attributes),
            ("schedules", Schedule, self.schedules),
            ("service_areas", ServiceArea, self.service_areas),
            ("cost_options", CostOption, self.cost_options),
            ("capacities", ServiceCapacity, self.capacities),
            ("phones", Phone, self.phones),
        ]


class Generator:
    """Draws the rows of ``services`` services at ``locations`` locations, a chunk at a time (``batches``)."""

    def __init__(
        self, *, services: int, locations: int, seed: int = 2026, now: datetime.datetime | None = None
    ) -> None:
        if services < 1 or locations < 0:
            raise ValueError("Ask for at least one service and no fewer than no locations")
        self.total_services = services
        self.total_locations = locations
        self.seed = seed
        self.now = now or timezone.now()
        self.rng = random.Random(seed)
        self.districts = english_districts()
        self.weights = [d.postcodes for d in self.districts]
        self.neighbours = Neighbours(self.districts)
        self.by_code = {d.code: d for d in self.districts}
        terms = dict(TaxonomyTerm.objects.filter(code__startswith="mtm:").values_list("code", "id"))
        terms |= dict(TaxonomyTerm.objects.filter(code__startswith="access:").values_list("code", "id"))
        missing = [k.term for k in KINDS if k.term not in terms] + [c for c in ACCESSIBILITY_CODES if c not in terms]
        if missing:
            raise RuntimeError(f"The shipped taxonomies are not loaded (missing {', '.join(missing)}): run migrate")
        self.term_ids: dict[str, uuid.UUID] = terms
        self.numbers: dict[str, int] = {}

    def next_id(self, kind: str) -> uuid.UUID:
        number = self.numbers.get(kind, 0) + 1
        self.numbers[kind] = number
        return synthetic_id(self.seed, kind, number)

    def batches(self) -> Iterator[Batch]:
        for start in range(0, self.total_services, SERVICES_PER_CHUNK):
            end = min(start + SERVICES_PER_CHUNK, self.total_services)
            locations = round(self.total_locations * end / self.total_services) - round(
                self.total_locations * start / self.total_services
            )
            yield self.chunk(end - start, locations)

    # One chunk ------------------------------------------------------------------------------------

    def chunk(self, services: int, locations: int) -> Batch:
        rng = self.rng
        batch = Batch()
        # Organisations, each with a home district and a few services.
        owners: list[tuple[DirectoryOrganization, District]] = []
        while len(owners) < services:
            organisation, home = self.organisation(batch)
            size = rng.choices((1, 2, 3, 4, 6, 10), weights=(40, 25, 15, 10, 7, 3))[0]
            owners += [(organisation, home)] * size
        owners = owners[:services]
        # Which services meet somewhere: a few are phone or online only, and there may be too few venues.
        physical = [n for n in range(services) if rng.random() >= 0.06]
        if locations < len(physical):
            physical = physical[:locations]
        venues_of: dict[int, int] = dict.fromkeys(physical, 1)
        for _ in range(locations - len(physical)):
            if not physical:
                break
            venues_of[rng.choice(physical)] += 1
        previous: tuple[uuid.UUID, Location] | None = None
        for n in range(services):
            organisation, home = owners[n]
            previous = self.service(batch, organisation, home, venues_of.get(n, 0), previous)
        return batch

    def organisation(self, batch: Batch) -> tuple[DirectoryOrganization, District]:
        rng = self.rng
        home = rng.choices(self.districts, weights=self.weights)[0]
        name = rng.choice(ORG_PATTERNS).format(town=home.town, street=rng.choice(STREETS))
        organisation_id = self.next_id("organization")
        number = self.numbers["organization"]
        organisation = DirectoryOrganization(
            id=organisation_id,
            name=name,
            description=f"{name} is a community organisation working in {home.town}.",
            email=f"hello{number}@example.org",
            website=f"https://example.org/organisations/{number}",
            legal_status=rng.choice(("Charity", "Community interest company", "Local authority", "Unincorporated")),
            year_incorporated=rng.randint(1950, 2024),
        )
        batch.organisations.append(organisation)
        batch.phones.append(Phone(id=self.next_id("phone"), organization=organisation, number=self.phone_number()))
        return organisation, home

    def phone_number(self) -> str:
        return f"01632 960{self.rng.randint(0, 999):03d}"

    def service(
        self,
        batch: Batch,
        organisation: DirectoryOrganization,
        home: District,
        venues: int,
        previous: tuple[uuid.UUID, Location] | None,
    ) -> tuple[uuid.UUID, Location] | None:
        rng, now = self.rng, self.now
        kind = rng.choice(KINDS)
        template = rng.choice(kind.names)
        name = template.format(town=home.town)
        if "{town}" not in template and rng.random() < 0.4:
            name = f"{name} – {home.town}"
        description = " ".join(
            (f"{rng.choice(OPENINGS)} {rng.choice(kind.activity)} {rng.choice(AUDIENCES)}.", rng.choice(EXTRAS))
        )
        roll = rng.random()
        if roll < 0.03:
            reviewed_at: datetime.datetime | None = None
        elif roll < 0.15:
            reviewed_at = now - datetime.timedelta(days=rng.randint(200, 1000), hours=rng.randint(0, 23))
        else:
            reviewed_at = now - datetime.timedelta(days=rng.randint(0, 170), hours=rng.randint(0, 23))
        routes = rng.choice(
            (
                [ReferralRoute.PROFESSIONALS, ReferralRoute.LINK_WORKERS, ReferralRoute.SELF_REFERRAL],
                [ReferralRoute.LINK_WORKERS, ReferralRoute.SELF_REFERRAL],
                [ReferralRoute.PROFESSIONALS, ReferralRoute.LINK_WORKERS],
                [ReferralRoute.SELF_REFERRAL],
                [ReferralRoute.SIGNPOSTING_ONLY],
            )
        )
        minimum_age, maximum_age = rng.choice(
            ((None, None),) * 6 + ((18.0, None), (18.0, None), (50.0, None), (65.0, None), (11.0, 25.0), (5.0, 17.0))
        )
        status = rng.choices(
            (ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED, ServiceStatus.INACTIVE, ServiceStatus.DEFUNCT),
            weights=(95, 2, 2, 1),
        )[0]
        service = Service(
            id=self.next_id("service"),
            organization=organisation,
            name=name[:255],
            description=description,
            url=f"https://example.org/services/{self.numbers['service']}",
            email=f"service{self.numbers['service']}@example.org",
            status=status,
            minimum_age=minimum_age,
            maximum_age=maximum_age,
            referral_routes=[str(r) for r in routes],
            how_to_refer="" if routes == [ReferralRoute.SIGNPOSTING_ONLY] else rng.choice(HOW_TO_REFER),
            referral_email="" if routes == [ReferralRoute.SIGNPOSTING_ONLY] else "referrals@example.org",
            response_time_days=rng.choice((None, 2, 3, 5, 10)),
            last_reviewed_at=reviewed_at,
            last_modified=reviewed_at or now - datetime.timedelta(days=rng.randint(200, 1500)),
        )
        batch.services.append(service)
        # Taxonomy: the kind's (sub-)category, sometimes a second one; a few accessibility features.
        codes = [kind.term]
        if rng.random() < 0.25:
            codes.append(rng.choice(KINDS).term)
        codes += rng.sample(ACCESSIBILITY_CODES, rng.choice((0, 1, 1, 2, 3)))
        if venues == 0 and "access:remote-option" not in codes:
            codes.append("access:remote-option")
        for code in dict.fromkeys(codes):
            batch.attributes.append(
                Attribute(
                    id=self.next_id("attribute"),
                    link_id=service.id,
                    link_entity="service",
                    link_type="service",
                    taxonomy_term_id=self.term_ids[code],
                )
            )
        # Venues around the organisation's home, sometimes in a neighbouring district.
        places: list[tuple[Location, District]] = []
        for _ in range(venues):
            district = home
            if rng.random() < 0.3:
                nearby = self.neighbours.within(home, 8_000)
                district = self.by_code[rng.choice(nearby)]
            location = self.location(batch, organisation, district)
            places.append((location, district))
            batch.services_at_locations.append(
                ServiceAtLocation(id=self.next_id("service_at_location"), service=service, location=location)
            )
        if previous is not None and previous[0] == organisation.id and venues and rng.random() < 0.15:
            batch.services_at_locations.append(
                ServiceAtLocation(id=self.next_id("service_at_location"), service=service, location=previous[1])
            )
        self.schedule(batch, service)
        self.area(batch, service, places[0][1] if places else home, national=not places)
        self.costs(batch, service)
        if rng.random() < 0.5:
            batch.phones.append(Phone(id=self.next_id("phone"), service=service, number=self.phone_number()))
        return (organisation.id, places[0][0]) if places else previous

    def location(self, batch: Batch, organisation: DirectoryOrganization, district: District) -> Location:
        rng = self.rng
        venue = f"{rng.choice(STREETS)} {rng.choice(VENUES)}"
        location = Location(
            id=self.next_id("location"),
            location_type=LocationType.PHYSICAL,
            organization=organisation,
            name=venue,
            # About 1.5 km of jitter around the district's centre.
            latitude=round(district.latitude + rng.gauss(0, 0.012), 6),
            longitude=round(district.longitude + rng.gauss(0, 0.02), 6),
        )
        batch.locations.append(location)
        inward = f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        batch.addresses.append(
            Address(
                id=self.next_id("address"),
                location=location,
                address_1=f"{rng.randint(1, 240)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}",
                city=district.town,
                state_province=district.region,
                postal_code=f"{district.code} {inward}",
                country="GB",
                address_type=LocationType.PHYSICAL,
            )
        )
        return location

    def schedule(self, batch: Batch, service: Service) -> None:
        rng = self.rng
        if rng.random() < 0.12:
            return  # no opening times given
        byday, opens, closes, _ = rng.choices(SCHEDULES, weights=[s[3] for s in SCHEDULES])[0]
        batch.schedules.append(
            Schedule(
                id=self.next_id("schedule"),
                service=service,
                freq="WEEKLY",
                wkst="MO",
                byday=byday,
                opens_at=datetime.time(opens),
                closes_at=datetime.time(closes),
                description="",
            )
        )

    def area(self, batch: Batch, service: Service, district: District, *, national: bool) -> None:
        rng = self.rng
        roll = rng.random()
        if national or roll < 0.02:
            batch.service_areas.append(
                ServiceArea(
                    id=self.next_id("service_area"),
                    service=service,
                    name="England",
                    uri=f"http://statistics.data.gov.uk/id/statistical-geography/{ENGLAND}",
                    kind=AreaKind.NATIONAL,
                    codes=[ENGLAND],
                )
            )
            return
        if roll < 0.17:
            return  # no area: found by distance alone
        metres = 6_000 if roll < 0.77 else 15_000
        codes = self.neighbours.within(district, metres)
        text = " ".join(codes)
        batch.service_areas.append(
            ServiceArea(
                id=self.next_id("service_area"),
                service=service,
                name=f"{district.town} ({len(codes)} postcode districts)",
                extent=text,
                extent_type="text",
                kind=AreaKind.POSTCODE_DISTRICTS,
                codes=codes,
            )
        )

    def costs(self, batch: Batch, service: Service) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.6:
            amount, option = 0.0, "Free"
        elif roll < 0.85:
            amount = float(rng.choice((1, 2, 3, 4, 5)))
            option = "Per session"
        else:
            return
        batch.cost_options.append(
            CostOption(id=self.next_id("cost_option"), service=service, option=option, currency="GBP", amount=amount)
        )
        if rng.random() < 0.3:
            available = float(rng.choice((0, 0, 1, 2, 4, 8, 12)))
            batch.capacities.append(
                ServiceCapacity(
                    id=self.next_id("capacity"),
                    service=service,
                    unit_id=PLACES_UNIT_ID,
                    available=available,
                    maximum=available + rng.choice((4, 8, 12, 20)),
                    updated=self.now - datetime.timedelta(days=rng.randint(0, 60)),
                    waiting_list=rng.randint(1, 30) if available == 0 else None,
                )
            )


HOW_TO_REFER = (
    "Send the referral form by email. We phone the person within a week.",
    "Phone us with the person's name and number, with their agreement.",
    "Use the online referral form on our website.",
    "Email us: we reply within three working days.",
)


def places_unit() -> Unit:
    unit, _ = Unit.objects.get_or_create(id=PLACES_UNIT_ID, defaults={"name": "places", "scheme": "carehouse"})
    return unit


def _write(batch: Batch, counts: Counts) -> None:
    for name, model, rows in batch.tables():
        model.objects.bulk_create(list(rows), batch_size=BATCH)  # type: ignore[attr-defined]
        setattr(counts, name, getattr(counts, name) + len(rows))


def generate(
    *,
    services: int = 50_000,
    locations: int = 80_000,
    seed: int = 2026,
    progress: Progress | None = None,
    reindex: bool = True,
    now: datetime.datetime | None = None,
) -> Counts:
    """Write a synthetic directory of ``services`` services at ``locations`` locations, then index it."""
    say = progress or (lambda message: None)
    generator = Generator(services=services, locations=locations, seed=seed, now=now)
    first = synthetic_id(seed, "service", 1)
    if Service.objects.filter(id=first).exists():
        raise RuntimeError(f"A synthetic directory with seed {seed} is already there")
    places_unit()
    counts = Counts()
    started = time.perf_counter()
    for batch in generator.batches():
        with transaction.atomic():
            _write(batch, counts)
        say(f"{counts.services:,} services at {counts.locations:,} locations ({time.perf_counter() - started:.0f} s)")
    if reindex:

        def indexed(done: int, total: int) -> None:
            say(f"indexed {done:,} of {total:,} services ({time.perf_counter() - started:.0f} s)")

        counts.indexed = index.rebuild(indexed)
    return counts
