"""A believable, made-up directory for the demo: community services around Rotherham (S60 to S66).

Called at the end of the core demo seeding (``carehouse seed`` and ``carehouse demo``). It builds
about forty services across all fourteen "more than medicine" categories, run by fictional
organisations named after the demo's "Riverside" (the organisations, venues and streets are
invented; the coordinates are real places around Rotherham, rounded, so distances and "near
S60" searches behave). Some have a waiting list or a few places left, several were last checked
long ago (so they show as not recently checked), and three are offered across England (a
helpline, an online programme and a money helpline).

The demo's provider organisation (``V99001`` Riverside Walking Friends, where Jo Evans,
``provider@example.org``, works) has an approved claim on the directory organisation of the same
name, so the provider journey (keep a service true, mark it reviewed) works straight away.
Every other directory organisation is unclaimed; ``UNCLAIMED_ORGANIZATION`` (Rother Valley Green
Spaces, which Jo might plausibly help run) is the one to try claiming.

Ids are UUID 5 of a fixed key, so demo links are stable; running it again updates the same rows
and replaces their children, never duplicating anything.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from carehouse.core.actor import Actor
from carehouse.core.models import Organisation, User
from carehouse.core.models.audit import AuditAction
from carehouse.core.services import audit
from carehouse.directory.geography import ENGLAND
from carehouse.directory.models import (
    Address,
    AreaKind,
    Attribute,
    ClaimStatus,
    CostOption,
    DirectoryOrganization,
    Location,
    LocationType,
    OrganizationClaim,
    Phone,
    ReferralRoute,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from carehouse.directory.search.index import reindex_services
from carehouse.directory.synthetic import places_unit

NAMESPACE = uuid.UUID("6d1f3c52-4a8e-5f0b-9c61-2b7e8d0a4f13")
PROVIDER_ODS = "V99001"
PROVIDER_EMAIL = "provider@example.org"
ROTHERHAM_DISTRICTS = ["S60", "S61", "S62", "S63", "S64", "S65", "S66"]
PURPOSE = "demo data"

PRO = ReferralRoute.PROFESSIONALS.value
LW = ReferralRoute.LINK_WORKERS.value
SELF = ReferralRoute.SELF_REFERRAL.value
SIGNPOST = ReferralRoute.SIGNPOSTING_ONLY.value


def demo_id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{kind}/{key}")


# -- the organisations ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    key: str
    name: str
    description: str
    legal_status: str = "Charity"
    phone: str = ""


ORGANISATIONS = (
    Org(
        "walking-friends",
        "Riverside Walking Friends",
        "Volunteer-led health walks and Nordic walking around Rotherham for people of every fitness.",
        phone="01632 960101",
    ),
    Org(
        "citizens-advice",
        "Riverside Citizens Advice",
        "Free, confidential advice on benefits, debt, housing and energy.",
        phone="01632 960102",
    ),
    Org(
        "carers",
        "Carers Together Riverside",
        "Support, breaks and a listening ear for unpaid carers of all ages.",
        phone="01632 960103",
    ),
    Org(
        "council",
        "Riverside City Council",
        "Council services for health, housing, libraries and volunteering.",
        "Local authority",
        "01632 960104",
    ),
    Org(
        "trust",
        "Riverside Community Health NHS Trust",
        "Community health services, including education courses for long-term conditions.",
        "NHS trust",
        "01632 960105",
    ),
    Org(
        "arts",
        "Rother Valley Arts",
        "Creative activities for health and wellbeing: singing, art and crafts.",
        phone="01632 960106",
    ),
    Org(
        "kitchen",
        "Millgate Community Kitchen",
        "Cooking, a community pantry and a lunch club in the Millgate area.",
        "Community interest company",
        "01632 960107",
    ),
    Org("shed", "Riverside Men's Shed", "A workshop and meeting place for men (and anyone else) to make and mend."),
    Org(
        "neighbours",
        "Good Neighbours Riverside",
        "Befriending and memory cafés run by local volunteers.",
        phone="01632 960108",
    ),
    Org(
        "wellbeing",
        "Riverside Wellbeing Collective",
        "Peer-led groups and courses for low mood, anxiety and loss.",
        phone="01632 960109",
    ),
    Org("advocacy", "Riverside Advocacy Hub", "Independent advocacy so people can have their say about their care."),
    Org(
        "pcn",
        "Riverside Central Primary Care Network",
        "The GP practices' personalised care team: health and wellbeing coaches and link workers.",
        "NHS",
    ),
    Org("peers", "Rotherham Peer Support Network", "Peer support groups led by people living with the same condition."),
    Org(
        "green",
        "Rother Valley Green Spaces",
        "Conservation volunteering and therapeutic gardening in local parks and allotments.",
    ),
    Org(
        "leisure", "Riverside Active Leisure", "Gentle exercise, swimming and dance at local leisure centres.", "Trust"
    ),
    Org(
        "national",
        "Here to Talk England",
        "A national charity running a free helpline for people who feel lonely, and online self-care courses.",
        phone="0808 157 0192",
    ),
    Org(
        "money-line",
        "Money Helpline England",
        "Free national telephone and web chat advice on debt and money worries.",
        phone="0808 157 0193",
    ),
)
CLAIMED_ORGANIZATION = demo_id("organization", "walking-friends")
UNCLAIMED_ORGANIZATION = demo_id("organization", "green")

# -- the venues (real places, rounded; made-up buildings and streets) ------------------------------------------


@dataclass(frozen=True)
class Venue:
    key: str
    name: str
    street: str
    town: str
    postcode: str
    latitude: float
    longitude: float


VENUES = {
    v.key: v
    for v in (
        Venue("park", "Riverside Park gates", "Riverside Walk", "Rotherham", "S60 1ZZ", 53.4318, -1.3545),
        Venue("hub", "Millgate Community Hub", "1 Millgate Lane", "Rotherham", "S60 2ZZ", 53.4297, -1.3601),
        Venue("library", "Riverside Central Library", "Foundry Square", "Rotherham", "S65 1ZZ", 53.4318, -1.3480),
        Venue("clifton", "Clifton Church Hall", "2 Chapel Row", "Rotherham", "S65 2ZZ", 53.4340, -1.3400),
        Venue("kimberworth", "Kimberworth Family Hub", "14 Weir Close", "Rotherham", "S61 1ZZ", 53.4430, -1.3930),
        Venue("rawmarsh", "Rawmarsh Community Rooms", "5 Canal Side", "Rotherham", "S62 5ZZ", 53.4600, -1.3440),
        Venue("wath", "Wath Village Hall", "22 Orchard Street", "Rotherham", "S63 7ZZ", 53.5030, -1.3450),
        Venue("swinton", "Swinton Leisure Centre", "Pool Lane", "Mexborough", "S64 8ZZ", 53.4870, -1.3150),
        Venue("maltby", "Maltby Miners' Welfare", "9 Pit Lane", "Rotherham", "S66 8ZZ", 53.4240, -1.2000),
        Venue("wickersley", "Wickersley Health Centre", "Meadow Road", "Rotherham", "S66 1ZZ", 53.4200, -1.2800),
        Venue("brinsworth", "Brinsworth Allotments", "Allotment Lane", "Rotherham", "S60 5ZZ", 53.4020, -1.3720),
        Venue(
            "herringthorpe", "Herringthorpe Pavilion", "Playing Fields Way", "Rotherham", "S65 3ZZ", 53.4260, -1.3270
        ),
        Venue("greasbrough", "Greasbrough Shed", "Unit 4, Forge Yard", "Rotherham", "S61 4ZZ", 53.4520, -1.3700),
    )
}

# -- the services ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    key: str
    org: str
    name: str
    description: str
    terms: tuple[str, ...]
    venues: tuple[str, ...] = ()
    days: str = ""
    opens: tuple[int, int] | None = None
    closes: tuple[int, int] | None = None
    frequency: str = "WEEKLY"
    districts: tuple[str, ...] = tuple(ROTHERHAM_DISTRICTS)
    national: bool = False
    routes: tuple[str, ...] = (PRO, LW, SELF)
    how_to_refer: str = "Phone or email us with the person's name and number (with their agreement). We call back."
    response_days: int | None = 5
    fee: float = 0.0
    #: (available, maximum, waiting list)
    capacity: tuple[int, int, int | None] | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    #: Days since last checked: over 180 shows as "not recently checked".
    reviewed_days_ago: int = 20
    phone: str = ""
    extra: dict[str, str] = field(default_factory=dict)


DAYTIME = (10, 0)
SERVICES: tuple[Entry, ...] = (
    # Physical activity
    Entry(
        "health-walks",
        "walking-friends",
        "Riverside Health Walks",
        "Friendly, free walks of 30 to 60 minutes on flat paths, led by trained volunteer walk leaders. "
        "A good first step back into activity after illness; stop for a cuppa at the end.",
        ("mtm:walking-groups", "access:step-free", "access:accessible-toilet"),
        ("park", "wath"),
        "TU,TH",
        DAYTIME,
        (11, 30),
        routes=(LW, PRO, SELF),
        reviewed_days_ago=12,
    ),
    Entry(
        "nordic-walking",
        "walking-friends",
        "Nordic Walking for Beginners",
        "A six-week course of Nordic walking with poles (lent free), then a weekly group. Builds strength, "
        "balance and confidence. The course is full: join the waiting list.",
        ("mtm:walking-groups",),
        ("herringthorpe",),
        "SA",
        (9, 30),
        (11, 0),
        fee=2.0,
        capacity=(0, 12, 6),
        reviewed_days_ago=30,
    ),
    Entry(
        "buggy-walks",
        "walking-friends",
        "Buggy Walks",
        "Walks for parents and carers with babies and toddlers, with a chat at the café afterwards.",
        ("mtm:walking-groups", "access:step-free"),
        ("kimberworth",),
        "WE",
        DAYTIME,
        (11, 0),
        routes=(SIGNPOST,),
        how_to_refer="",
        response_days=None,
        reviewed_days_ago=60,
    ),
    Entry(
        "chair-exercise",
        "leisure",
        "Chair-based Exercise",
        "Seated and standing exercise to music to build strength and help prevent falls. Suitable for people "
        "who use a walking aid.",
        ("mtm:exercise-classes", "access:step-free", "access:accessible-toilet", "access:blue-badge-parking"),
        ("swinton",),
        "MO,TH",
        (14, 0),
        (15, 0),
        fee=3.0,
        capacity=(4, 20, None),
        minimum_age=50,
    ),
    Entry(
        "aqua-fit",
        "leisure",
        "Aqua Fit for Arthritis",
        "Gentle exercise in a warm pool, for people with arthritis, joint pain or fibromyalgia.",
        ("mtm:swimming-and-water", "access:accessible-toilet"),
        ("swinton",),
        "WE",
        (11, 0),
        (12, 0),
        fee=4.5,
        reviewed_days_ago=250,
    ),
    Entry(
        "tea-dance",
        "leisure",
        "Tea Dance",
        "Ballroom and sequence dancing to live music, then tea and cake. Come alone or with a partner.",
        ("mtm:dance-and-movement", "mtm:social-groups", "access:step-free", "access:hearing-loop"),
        ("maltby",),
        "FR",
        (14, 0),
        (16, 0),
        fee=2.5,
        routes=(SIGNPOST,),
        how_to_refer="",
        response_days=None,
    ),
    Entry(
        "green-gym",
        "green",
        "Green Gym",
        "Outdoor conservation work in local parks and woods: planting, path building, coppicing. Tools and "
        "gloves provided; a great workout in the fresh air.",
        ("mtm:green-activity", "mtm:volunteering"),
        ("brinsworth",),
        "WE,SA",
        DAYTIME,
        (13, 0),
    ),
    Entry(
        "therapeutic-gardening",
        "green",
        "Therapeutic Gardening",
        "Small-group gardening on an accessible allotment with raised beds, for people recovering from "
        "illness or living with low mood.",
        ("mtm:green-activity", "mtm:mental-wellbeing", "access:step-free", "access:quiet-space"),
        ("brinsworth",),
        "TU",
        DAYTIME,
        (12, 0),
        routes=(PRO, LW),
        capacity=(2, 8, None),
        reviewed_days_ago=400,
    ),
    # Healthy eating
    Entry(
        "cook-and-eat",
        "kitchen",
        "Cook and Eat",
        "Learn to cook cheap, healthy meals from scratch, then sit down and eat together. Recipes to take home.",
        ("mtm:cooking-skills", "access:step-free"),
        ("hub",),
        "TH",
        (11, 0),
        (14, 0),
        fee=1.0,
    ),
    Entry(
        "pantry",
        "kitchen",
        "Millgate Community Pantry",
        "Join for £4 a week and choose groceries worth much more, including fresh fruit and vegetables.",
        ("mtm:food-support", "access:step-free"),
        ("hub",),
        "MO,WE,FR",
        DAYTIME,
        (13, 0),
        routes=(SELF, LW, PRO),
        fee=4.0,
    ),
    Entry(
        "lunch-club",
        "kitchen",
        "Friday Lunch Club",
        "A two-course hot lunch and good company for older people. Transport can be arranged.",
        ("mtm:food-support", "mtm:social-groups", "access:step-free", "access:accessible-toilet"),
        ("clifton",),
        "FR",
        (12, 0),
        (14, 0),
        fee=3.5,
        minimum_age=60,
    ),
    Entry(
        "healthy-weight",
        "council",
        "Healthy Weight Programme",
        "A free twelve-week group programme on eating well, moving more and keeping to a healthy weight, with "
        "weekly weigh-ins.",
        ("mtm:weight-management",),
        ("library", "wickersley"),
        "MO",
        (18, 0),
        (19, 30),
        routes=(PRO, LW),
        how_to_refer="Refer through the council's online form; people with a BMI over 30 are offered a place first.",
        response_days=10,
        capacity=(5, 15, None),
        minimum_age=18,
    ),
    # Arts and creativity
    Entry(
        "singing-lungs",
        "arts",
        "Singing for Lung Health",
        "Singing and breathing exercises for people with COPD, asthma or other lung conditions. No experience "
        "needed; sessions are seated.",
        ("mtm:music-and-singing", "mtm:peer-support", "access:step-free", "access:hearing-loop"),
        ("clifton",),
        "FR",
        (11, 0),
        (12, 30),
        routes=(PRO, LW, SELF),
    ),
    Entry(
        "arts-on-prescription",
        "arts",
        "Arts on Prescription",
        "A ten-week course of painting, printmaking and collage with a professional artist, for people with "
        "low mood or anxiety.",
        ("mtm:visual-arts-and-crafts", "mtm:mental-wellbeing", "access:quiet-space"),
        ("rawmarsh",),
        "TU",
        (13, 0),
        (15, 0),
        routes=(PRO, LW),
        reviewed_days_ago=320,
    ),
    Entry(
        "knit-and-natter",
        "arts",
        "Knit and Natter",
        "Bring your knitting or crochet, or learn from scratch. Wool and needles to borrow.",
        ("mtm:visual-arts-and-crafts", "mtm:social-groups"),
        ("library",),
        "TU",
        (13, 30),
        (15, 30),
        routes=(SIGNPOST,),
        how_to_refer="",
        response_days=None,
    ),
    Entry(
        "shared-reading",
        "council",
        "Shared Reading at Riverside Library",
        "Short stories and poems read aloud and talked about over tea. Nobody has to read aloud.",
        ("mtm:creative-writing", "access:hearing-loop", "access:easy-read"),
        ("library",),
        "WE",
        (14, 0),
        (15, 30),
        routes=(SIGNPOST,),
        how_to_refer="",
        response_days=None,
    ),
    # Befriending and social connection
    Entry(
        "mens-shed",
        "shed",
        "Riverside Men's Shed",
        "Woodwork, repairs and a brew in a friendly workshop. Share skills, make things for the community.",
        ("mtm:social-groups",),
        ("greasbrough",),
        "TU,TH",
        DAYTIME,
        (15, 0),
        routes=(SELF, LW),
    ),
    Entry(
        "telephone-befriending",
        "neighbours",
        "Telephone Befriending",
        "A weekly phone call from the same friendly volunteer, for people who are lonely or cannot get out.",
        ("mtm:befriending", "access:remote-option"),
        (),
        "MO,TU,WE,TH,FR",
        (9, 0),
        (17, 0),
        routes=(PRO, LW, SELF),
        capacity=(3, 40, None),
    ),
    Entry(
        "memory-cafe",
        "neighbours",
        "Memory Café",
        "A relaxed café for people living with dementia and the people who care for them, with music and reminiscence.",
        ("mtm:social-groups", "mtm:carers-support", "access:step-free", "access:quiet-space"),
        ("wickersley",),
        "1TH",
        (14, 0),
        (16, 0),
        frequency="MONTHLY",
    ),
    # Welfare rights; debt and housing
    Entry(
        "benefits-advice",
        "citizens-advice",
        "Benefits Advice Drop-in",
        "Check what you are entitled to and get help with forms, reviews and appeals: Personal Independence "
        "Payment, Universal Credit, Attendance Allowance and Pension Credit.",
        ("mtm:welfare-rights", "access:step-free", "access:bsl"),
        ("hub",),
        "MO,WE,FR",
        (9, 30),
        (16, 0),
        response_days=3,
    ),
    Entry(
        "debt-advice",
        "citizens-advice",
        "Debt and Money Advice",
        "Free confidential help to deal with debts, arrears and bailiffs, and to make a budget that works.",
        ("mtm:debt-advice", "access:remote-option"),
        ("hub",),
        "TU",
        DAYTIME,
        (15, 0),
    ),
    Entry(
        "warm-homes",
        "citizens-advice",
        "Warm Homes Advice Line",
        "Phone advice on energy bills, damp and cold homes, and grants for heating and insulation.",
        ("mtm:energy-advice", "access:remote-option"),
        (),
        "MO,TU,WE,TH,FR",
        (9, 0),
        (17, 0),
        phone="01632 960110",
    ),
    Entry(
        "housing-options",
        "council",
        "Housing Options and Tenancy Support",
        "Advice if you are at risk of losing your home, and support to keep a tenancy going.",
        ("mtm:housing-advice",),
        ("library",),
        "MO,TU,WE,TH,FR",
        (9, 0),
        (17, 0),
        response_days=2,
        reviewed_days_ago=200,
    ),
    # Volunteering
    Entry(
        "volunteer-centre",
        "council",
        "Riverside Volunteer Centre",
        "Find volunteering that suits you, from an hour a month to regular roles, with support to get started.",
        ("mtm:volunteering", "access:remote-option"),
        ("library",),
        "TU,TH",
        DAYTIME,
        (16, 0),
        routes=(SELF, LW),
    ),
    # Peer support
    Entry(
        "stroke-peers",
        "peers",
        "Stroke Peer Support Group",
        "Meet other people rebuilding life after a stroke, and their families. Talks, exercise and friendship.",
        ("mtm:peer-support", "access:step-free", "access:accessible-toilet"),
        ("rawmarsh",),
        "2WE",
        (13, 30),
        (15, 30),
        frequency="MONTHLY",
    ),
    Entry(
        "pain-peers",
        "peers",
        "Living with Pain Peer Group",
        "A group for people living with chronic pain or fibromyalgia, run by people who do too.",
        ("mtm:peer-support", "access:quiet-space"),
        ("kimberworth",),
        "MO",
        (18, 30),
        (20, 0),
        reviewed_days_ago=500,
    ),
    # Advocacy
    Entry(
        "advocacy",
        "advocacy",
        "Independent Advocacy",
        "Independent advocates, including Care Act and mental health advocates, to help people speak up about "
        "their care and support.",
        ("mtm:advocacy", "access:easy-read", "access:bsl"),
        ("hub",),
        "MO,TU,WE,TH,FR",
        (9, 0),
        (17, 0),
        routes=(PRO, LW, SELF),
        response_days=5,
    ),
    # Coaching
    Entry(
        "health-coaching",
        "pcn",
        "Health and Wellbeing Coaching",
        "Up to six sessions with a health and wellbeing coach, in person or by phone, to set and reach your own goals.",
        ("mtm:coaching", "access:remote-option"),
        ("wickersley", "kimberworth"),
        "MO,TU,WE,TH,FR",
        (9, 0),
        (17, 0),
        routes=(PRO, LW),
        how_to_refer="Refer on the practice system (task to the personalised care team) or email the team.",
        response_days=3,
        capacity=(6, 30, None),
        minimum_age=18,
    ),
    # Structured education
    Entry(
        "diabetes-education",
        "trust",
        "Type 2 Diabetes Education Course",
        "A free group course for adults newly diagnosed with type 2 diabetes: food, activity, medicines and "
        "blood sugar.",
        ("mtm:diabetes-education", "access:step-free", "access:easy-read"),
        ("wickersley",),
        "TH",
        (13, 0),
        (16, 0),
        routes=(PRO,),
        how_to_refer="Referral by a GP, practice nurse or diabetes nurse through the e-Referral Service.",
        response_days=10,
        capacity=(8, 16, None),
        minimum_age=18,
    ),
    Entry(
        "self-management",
        "trust",
        "Living Well with a Long-term Condition",
        "A six-week self-management course: pacing, sleep, low mood, pain and talking to professionals.",
        ("mtm:self-management-courses",),
        ("library",),
        "WE",
        (10, 0),
        (12, 30),
        routes=(PRO, LW, SELF),
    ),
    # Carers' support
    Entry(
        "carers-cafe",
        "carers",
        "Carers' Café",
        "Time out for unpaid carers: a cuppa, a chat and advice on breaks, money and carer's assessments.",
        ("mtm:carers-support", "access:step-free"),
        ("clifton",),
        "WE",
        (13, 30),
        (15, 30),
        routes=(SELF, LW, PRO),
    ),
    Entry(
        "young-carers",
        "carers",
        "Young Carers Club",
        "Fun, friendship and a break for children and young people who look after someone at home.",
        ("mtm:carers-support", "mtm:social-groups"),
        ("rawmarsh",),
        "TH",
        (16, 0),
        (18, 0),
        minimum_age=8,
        maximum_age=17,
    ),
    Entry(
        "carers-breaks",
        "carers",
        "Carers' Breaks",
        "Short breaks and sitting services so carers can have time for themselves.",
        ("mtm:carers-support",),
        (),
        routes=(PRO, LW),
        reviewed_days_ago=700,
    ),
    # Digital health
    Entry(
        "digital-drop-in",
        "council",
        "Digital Drop-in",
        "Help to use a phone, tablet or computer: the NHS App, ordering prescriptions, video calls with family.",
        ("mtm:digital-skills", "access:hearing-loop"),
        ("library", "maltby"),
        "WE",
        DAYTIME,
        (12, 0),
        routes=(SIGNPOST,),
        how_to_refer="",
        response_days=None,
    ),
    # Mental wellbeing
    Entry(
        "wellbeing-cafe",
        "wellbeing",
        "Wellbeing Café",
        "An evening café where you can talk about how you are feeling with trained peer supporters.",
        ("mtm:wellbeing-groups", "access:quiet-space"),
        ("hub",),
        "WE",
        (18, 0),
        (20, 0),
        routes=(SELF, LW),
    ),
    Entry(
        "mindfulness",
        "wellbeing",
        "Mindfulness for Everyday Life",
        "An eight-week mindfulness and relaxation course to help with stress, worry and sleep.",
        ("mtm:mindfulness",),
        ("wickersley",),
        "TU",
        (18, 30),
        (20, 0),
        fee=5.0,
        capacity=(1, 12, None),
    ),
    Entry(
        "bereavement",
        "wellbeing",
        "Bereavement Support Group",
        "A small group for people grieving the loss of someone close.",
        ("mtm:wellbeing-groups", "access:quiet-space"),
        ("clifton",),
        "2TU",
        (14, 0),
        (16, 0),
        frequency="MONTHLY",
        reviewed_days_ago=365,
    ),
    # Across England
    Entry(
        "loneliness-helpline",
        "national",
        "Here to Talk Helpline",
        "A free, confidential helpline for anyone who feels lonely or just wants a chat, every day of the year.",
        ("mtm:befriending", "access:remote-option"),
        (),
        "MO,TU,WE,TH,FR,SA,SU",
        (8, 0),
        (22, 0),
        districts=(),
        national=True,
        routes=(SELF, LW, PRO),
        how_to_refer="People phone the helpline themselves; professionals can ask for a call back.",
        phone="0808 157 0192",
    ),
    Entry(
        "online-self-care",
        "national",
        "Living Well Online",
        "A free online self-care programme for people with long-term conditions, with weekly videos and a forum.",
        ("mtm:self-care-apps", "mtm:self-management-courses", "access:remote-option"),
        (),
        districts=(),
        national=True,
        routes=(SELF,),
        how_to_refer="People sign up on the website.",
        response_days=None,
    ),
    Entry(
        "money-helpline",
        "money-line",
        "Money Helpline",
        "Free national debt advice by phone and web chat, including breathing space from creditors.",
        ("mtm:debt-advice", "access:remote-option"),
        (),
        "MO,TU,WE,TH,FR",
        (8, 0),
        (20, 0),
        districts=(),
        national=True,
        routes=(SELF, LW, PRO),
        phone="0808 157 0193",
        reviewed_days_ago=210,
    ),
)


@dataclass
class DirectorySummary:
    organisations: int = 0
    services: int = 0
    locations: int = 0
    claimed_by: str = ""
    stale: int = 0
    national: int = 0


def _time(value: tuple[int, int] | None) -> datetime.time | None:
    return datetime.time(*value) if value else None


def _save_organisation(org: Org) -> DirectoryOrganization:
    organisation, _ = DirectoryOrganization.objects.update_or_create(
        id=demo_id("organization", org.key),
        defaults={
            "name": org.name,
            "description": org.description,
            "legal_status": org.legal_status,
            "email": f"hello@{org.key}.example.org",
            "website": f"https://{org.key}.example.org",
        },
    )
    Phone.objects.filter(organization=organisation).delete()
    if org.phone:
        Phone.objects.create(id=demo_id("phone", org.key), organization=organisation, number=org.phone)
    return organisation


def _save_location(venue: Venue, organisation: DirectoryOrganization) -> Location:
    location, _ = Location.objects.update_or_create(
        id=demo_id("location", venue.key),
        defaults={
            "name": venue.name,
            "location_type": LocationType.PHYSICAL,
            "organization": organisation,
            "latitude": venue.latitude,
            "longitude": venue.longitude,
        },
    )
    Address.objects.filter(location=location).delete()
    Address.objects.create(
        id=demo_id("address", venue.key),
        location=location,
        address_1=venue.street,
        city=venue.town,
        state_province="South Yorkshire",
        postal_code=venue.postcode,
        country="GB",
        address_type=LocationType.PHYSICAL,
    )
    return location


def _save_service(
    entry: Entry,
    organisation: DirectoryOrganization,
    locations: dict[str, Location],
    terms: dict[str, uuid.UUID],
    now: datetime.datetime,
) -> Service:
    reviewed = now - datetime.timedelta(days=entry.reviewed_days_ago)
    refers = entry.routes != (SIGNPOST,)
    service, _ = Service.objects.update_or_create(
        id=demo_id("service", entry.key),
        defaults={
            "organization": organisation,
            "name": entry.name,
            "description": entry.description,
            "url": f"https://{entry.org}.example.org/{entry.key}",
            "email": f"{entry.key}@{entry.org}.example.org",
            "status": "active",
            "minimum_age": entry.minimum_age,
            "maximum_age": entry.maximum_age,
            "referral_routes": list(entry.routes),
            "how_to_refer": entry.how_to_refer if refers else "",
            "referral_email": f"referrals@{entry.org}.example.org" if refers else "",
            "response_time_days": entry.response_days if refers else None,
            "last_reviewed_at": reviewed,
            "last_modified": reviewed,
            "fees_description": f"£{entry.fee:.2f} a session" if entry.fee else "",
        },
    )
    for model in (Schedule, ServiceArea, CostOption, ServiceCapacity, Phone, ServiceAtLocation):
        model.objects.filter(service=service).delete()
    Attribute.objects.filter(link_entity="service", link_id=service.id).delete()
    for code in entry.terms:
        Attribute.objects.create(
            id=demo_id("attribute", f"{entry.key}/{code}"),
            link_id=service.id,
            link_entity="service",
            link_type="service",
            taxonomy_term_id=terms[code],
        )
    for venue in entry.venues:
        ServiceAtLocation.objects.create(
            id=demo_id("service_at_location", f"{entry.key}/{venue}"), service=service, location=locations[venue]
        )
    if entry.days:
        Schedule.objects.create(
            id=demo_id("schedule", entry.key),
            service=service,
            freq=entry.frequency,
            wkst="MO",
            byday=entry.days,
            opens_at=_time(entry.opens),
            closes_at=_time(entry.closes),
            description="Monthly" if entry.frequency == "MONTHLY" else "",
        )
    if entry.national:
        ServiceArea.objects.create(
            id=demo_id("service_area", entry.key),
            service=service,
            name="England",
            uri=f"http://statistics.data.gov.uk/id/statistical-geography/{ENGLAND}",
            kind=AreaKind.NATIONAL,
            codes=[ENGLAND],
        )
    elif entry.districts:
        text = " ".join(entry.districts)
        ServiceArea.objects.create(
            id=demo_id("service_area", entry.key),
            service=service,
            name="Rotherham",
            extent=text,
            extent_type="text",
            kind=AreaKind.POSTCODE_DISTRICTS,
            codes=list(entry.districts),
        )
    CostOption.objects.create(
        id=demo_id("cost_option", entry.key),
        service=service,
        option="Per session" if entry.fee else "Free",
        currency="GBP",
        amount=entry.fee,
    )
    if entry.capacity is not None:
        available, maximum, waiting = entry.capacity
        ServiceCapacity.objects.create(
            id=demo_id("capacity", entry.key),
            service=service,
            unit=places_unit(),
            available=available,
            maximum=maximum,
            waiting_list=waiting,
            updated=now - datetime.timedelta(days=3),
            description="Places on the next course" if waiting else "",
        )
    if entry.phone:
        Phone.objects.create(id=demo_id("phone", entry.key), service=service, number=entry.phone)
    return service


def _claim(organisation: DirectoryOrganization, provider: Organisation, claimant: User) -> None:
    """Jo Evans's approved claim: her organisation keeps this entry."""
    claim = OrganizationClaim.objects.filter(
        directory_organization=organisation, claimant_organisation=provider, status=ClaimStatus.APPROVED
    ).first()
    if claim is None:
        claim = OrganizationClaim.objects.create(
            directory_organization=organisation,
            claimant=claimant,
            claimant_organisation=provider,
            role_at_organization="Volunteer coordinator",
            evidence="Named as volunteer coordinator on the group's website and in its annual report.",
            status=ClaimStatus.APPROVED,
            decided_at=timezone.now(),
            decision_reason="Checked against the charity's published contacts (demo data).",
        )
        audit.record(
            Actor.system(PURPOSE),
            AuditAction.CREATE,
            obj=claim,
            summary=f"Approved {provider.name}'s claim on {organisation.name} (demo data)",
        )
    if organisation.claimed_by_id != provider.pk:
        organisation.claimed_by = provider
        organisation.version += 1
        organisation.save(update_fields=["claimed_by", "version"])


def seed_directory(
    *,
    now: datetime.datetime | None = None,
    provider: Organisation | None = None,
    claimant: User | None = None,
) -> DirectorySummary:
    """Create or refresh the demo directory (idempotent) and index it.

    ``provider`` and ``claimant`` (by default the demo's ``V99001`` and Jo Evans, if they exist)
    get the approved claim on Riverside Walking Friends.
    """
    now = now or timezone.now()
    summary = DirectorySummary()
    terms = dict(TaxonomyTerm.objects.exclude(code="").values_list("code", "id"))
    with transaction.atomic():
        organisations = {org.key: _save_organisation(org) for org in ORGANISATIONS}
        owner_of_venue: dict[str, str] = {}
        for entry in SERVICES:
            for venue in entry.venues:
                owner_of_venue.setdefault(venue, entry.org)
        locations = {key: _save_location(VENUES[key], organisations[owner]) for key, owner in owner_of_venue.items()}
        services = [_save_service(e, organisations[e.org], locations, terms, now) for e in SERVICES]
        provider = provider or Organisation.objects.filter(ods_code=PROVIDER_ODS).first()
        claimant = claimant or User.objects.filter(email=PROVIDER_EMAIL).first()
        if provider is not None and claimant is not None:
            _claim(organisations["walking-friends"], provider, claimant)
            summary.claimed_by = provider.name
        reindex_services([s.id for s in services])
    summary.organisations = len(organisations)
    summary.services = len(services)
    summary.locations = len(locations)
    summary.stale = sum(1 for e in SERVICES if e.reviewed_days_ago > 180)
    summary.national = sum(1 for e in SERVICES if e.national)
    return summary
