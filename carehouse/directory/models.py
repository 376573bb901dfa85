"""The directory, stored as the Open Referral Human Services Data Specification (HSDS) 3.0.

Each HSDS table is one model with the same name and fields (``docs/adr/0016-service-directory.md``),
so ``/oruk/services/{id}`` is a serialisation, not a mapping. Ids are UUIDs, as HSDS 3.0
requires. A child row carries a key for every parent HSDS lets it hang from (a phone may
belong to a service, a location, a contact...), exactly as the tabular HSDS form does, so
one row nested in several places survives an import and export unchanged.

Our own additions are kept apart and named as ours:
- referral readiness on ``Service`` (who may refer, how, how fast they answer);
- review state (``last_reviewed_at``) that drives stale-record demotion and reminders;
- ``ServiceCapacity`` and ``Unit`` from HSDS 3.1;
- claims, suggestions, shortlists, postcodes and the search index.

Directory records are not personal data. Claims, suggestions and shortlists name people and
are marked ``contains_personal_data``.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

# -- HSDS code lists ---------------------------------------------------------------------------------


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"


class LocationType(models.TextChoices):
    PHYSICAL = "physical", "Physical"
    POSTAL = "postal", "Postal"
    VIRTUAL = "virtual", "Virtual"


class Frequency(models.TextChoices):
    WEEKLY = "WEEKLY", "Weekly"
    MONTHLY = "MONTHLY", "Monthly"


class Weekday(models.TextChoices):
    MO = "MO", "Monday"
    TU = "TU", "Tuesday"
    WE = "WE", "Wednesday"
    TH = "TH", "Thursday"
    FR = "FR", "Friday"
    SA = "SA", "Saturday"
    SU = "SU", "Sunday"


class ReferralRoute(models.TextChoices):
    """Who may ask a service to take someone on (ours, for social prescribing)."""

    PROFESSIONALS = "professionals", "Health and care professionals"
    LINK_WORKERS = "link_workers", "Social prescribing link workers"
    SELF_REFERRAL = "self_referral", "The person themselves"
    SIGNPOSTING_ONLY = "signposting_only", "No referrals: people just go along"


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def parent_key(to: type[models.Model] | str, related_name: str) -> models.ForeignKey:  # type: ignore[type-arg]
    """A key to one of the several parents an HSDS child may hang from: usually empty.

    Indexed by a partial index (``parent_indexes``) instead: an index full of NULLs misleads
    SQLite's planner into scanning the whole table.
    """
    return models.ForeignKey(
        to, null=True, blank=True, on_delete=models.CASCADE, related_name=related_name, db_index=False
    )


def parent_indexes(prefix: str, *fields: str) -> list[models.Index]:
    return [
        models.Index(fields=[name], condition=models.Q(**{f"{name}__isnull": False}), name=f"{prefix}_{name}"[:30])
        for name in fields
    ]


class HsdsRecord(models.Model):
    """Every HSDS table has a UUID ``id``."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(getattr(self, "name", "") or self.id)


# -- organisations ---------------------------------------------------------------------------------


class DirectoryOrganization(HsdsRecord):
    """HSDS ``organization``: who runs services (a charity, a council team, a practice)."""

    name = models.CharField(max_length=255)
    alternate_name = models.CharField(max_length=255, blank=True)
    description = models.TextField()
    email = models.EmailField(blank=True)
    website = models.URLField(max_length=500, blank=True)
    tax_status = models.CharField(max_length=255, blank=True)
    tax_id = models.CharField(max_length=255, blank=True)
    year_incorporated = models.PositiveIntegerField(null=True, blank=True)
    legal_status = models.CharField(max_length=255, blank=True)
    logo = models.CharField(max_length=500, blank=True)
    uri = models.URLField(max_length=500, blank=True)
    parent_organization = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="child_organizations"
    )
    # Ours: the Carehouse organisation whose provider staff keep this entry true, once a claim is approved.
    claimed_by = models.ForeignKey(
        "core.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="directory_organizations"
    )
    version = models.PositiveIntegerField(default=1, help_text="Raised by every change, for optimistic concurrency")

    class Meta:
        ordering = ["name"]
        verbose_name = "directory organisation"

    def __str__(self) -> str:
        return self.name


class OrganizationIdentifier(HsdsRecord):
    organization = models.ForeignKey(DirectoryOrganization, on_delete=models.CASCADE, related_name="identifiers")
    identifier_scheme = models.CharField(max_length=100, blank=True, help_text="For example GB-CHC or GB-COH")
    identifier_type = models.CharField(max_length=255)
    identifier = models.CharField(max_length=255)


class Program(HsdsRecord):
    organization = models.ForeignKey(DirectoryOrganization, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(max_length=255)
    alternate_name = models.CharField(max_length=255, blank=True)
    description = models.TextField()


# -- services ---------------------------------------------------------------------------------------


class Service(HsdsRecord):
    """HSDS ``service``, with our referral-readiness and review fields."""

    organization = models.ForeignKey(
        DirectoryOrganization, null=True, blank=True, on_delete=models.CASCADE, related_name="services"
    )
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="services")
    name = models.CharField(max_length=255)
    alternate_name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE)
    interpretation_services = models.TextField(blank=True)
    application_process = models.TextField(blank=True)
    fees_description = models.TextField(blank=True)
    wait_time = models.TextField(blank=True)
    fees = models.TextField(blank=True)
    accreditations = models.TextField(blank=True)
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(130)])
    maximum_age = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(130)])
    assured_date = models.DateField(null=True, blank=True)
    assurer_email = models.EmailField(blank=True)
    licenses = models.TextField(blank=True)
    alert = models.TextField(blank=True)
    last_modified = models.DateTimeField(null=True, blank=True, db_index=True)
    # Ours: referral readiness.
    referral_routes = models.JSONField(default=list, blank=True, help_text="ReferralRoute values")
    how_to_refer = models.TextField(blank=True)
    referral_url = models.URLField(max_length=500, blank=True)
    referral_email = models.EmailField(blank=True)
    response_time_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Working days the service takes to answer a referral"
    )
    # Ours: keeping the entry true.
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_reminders_sent = models.PositiveSmallIntegerField(default=0)
    review_reminded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Raised by every change, for optimistic concurrency")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def accepts_referrals(self) -> bool:
        return any(route != ReferralRoute.SIGNPOSTING_ONLY for route in self.referral_routes)


# -- locations --------------------------------------------------------------------------------------


class Location(HsdsRecord):
    location_type = models.CharField(max_length=10, choices=LocationType.choices, default=LocationType.PHYSICAL)
    url = models.URLField(max_length=500, blank=True)
    organization = models.ForeignKey(
        DirectoryOrganization, null=True, blank=True, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(max_length=255, blank=True)
    alternate_name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    external_identifier = models.CharField(max_length=255, blank=True)
    external_identifier_type = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [models.Index(fields=["latitude", "longitude"], name="location_coordinates")]

    def __str__(self) -> str:
        return self.name or str(self.id)


class ServiceAtLocation(HsdsRecord):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="service_at_locations")
    description = models.TextField(blank=True)


class Address(HsdsRecord):
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE, related_name="addresses")
    attention = models.CharField(max_length=255, blank=True)
    address_1 = models.CharField(max_length=255)
    address_2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255)
    region = models.CharField(max_length=255, blank=True)
    state_province = models.CharField(max_length=255)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    address_type = models.CharField(max_length=10, choices=LocationType.choices)


class Accessibility(HsdsRecord):
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="accessibility"
    )
    description = models.TextField(blank=True)
    details = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "accessibility"


# -- things that hang from several parents ---------------------------------------------------------------


class Contact(HsdsRecord):
    organization = parent_key(DirectoryOrganization, "contacts")
    service = parent_key(Service, "contacts")
    service_at_location = parent_key(ServiceAtLocation, "contacts")
    location = parent_key(Location, "contacts")
    name = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=255, blank=True)
    department = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        indexes = parent_indexes("contact", "organization", "service", "service_at_location", "location")


class Phone(HsdsRecord):
    location = parent_key(Location, "phones")
    service = parent_key(Service, "phones")
    organization = parent_key(DirectoryOrganization, "phones")
    contact = parent_key(Contact, "phones")
    service_at_location = parent_key(ServiceAtLocation, "phones")
    number = models.CharField(max_length=100)
    extension = models.FloatField(null=True, blank=True)
    type = models.CharField(max_length=50, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        indexes = parent_indexes("phone", "location", "service", "organization", "contact", "service_at_location")


class Schedule(HsdsRecord):
    """HSDS ``schedule``: RFC 5545 recurrence (``freq``, ``byday``) with opening and closing times."""

    service = parent_key(Service, "schedules")
    location = parent_key(Location, "schedules")
    service_at_location = parent_key(ServiceAtLocation, "schedules")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.CharField(max_length=40, blank=True)
    timezone = models.FloatField(null=True, blank=True)
    until = models.CharField(max_length=40, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    wkst = models.CharField(max_length=2, choices=Weekday.choices, blank=True)
    freq = models.CharField(max_length=7, choices=Frequency.choices, blank=True)
    interval = models.PositiveIntegerField(null=True, blank=True)
    byday = models.CharField(max_length=100, blank=True, help_text='Days as RFC 5545 codes, like "MO,WE"')
    byweekno = models.CharField(max_length=255, blank=True)
    bymonthday = models.CharField(max_length=255, blank=True)
    byyearday = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    schedule_link = models.URLField(max_length=500, blank=True)
    attending_type = models.CharField(max_length=255, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        indexes = parent_indexes("schedule", "service", "location", "service_at_location")


class AreaKind(models.TextChoices):
    """How we read a service area for coverage (ours; HSDS keeps the area as text, GeoJSON or a URI)."""

    NATIONAL = "national", "Whole country"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    POSTCODE_DISTRICTS = "postcode_districts", "Postcode districts"
    UNKNOWN = "unknown", "Not machine-readable"


class ServiceArea(HsdsRecord):
    service = parent_key(Service, "service_areas")
    service_at_location = parent_key(ServiceAtLocation, "service_areas")
    name = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    extent = models.TextField(blank=True)
    extent_type = models.CharField(max_length=20, blank=True)
    uri = models.CharField(max_length=500, blank=True)
    # Ours: what the area covers, read from the fields above by ``geography.read_area`` when an area is
    # imported (the importer) or made by our own code, so that search can match it.
    kind = models.CharField(max_length=20, choices=AreaKind.choices, default=AreaKind.UNKNOWN)
    codes = models.JSONField(default=list, blank=True, help_text="GSS codes, postcode districts or country codes")

    class Meta:
        indexes = parent_indexes("area", "service", "service_at_location")


class Language(HsdsRecord):
    service = parent_key(Service, "languages")
    location = parent_key(Location, "languages")
    phone = parent_key(Phone, "languages")
    name = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        indexes = parent_indexes("language", "service", "location", "phone")


class Funding(HsdsRecord):
    organization = parent_key(DirectoryOrganization, "funding")
    service = parent_key(Service, "funding")
    source = models.TextField(blank=True)

    class Meta:
        indexes = parent_indexes("funding", "organization", "service")


class CostOption(HsdsRecord):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    option = models.TextField(blank=True)
    currency = models.CharField(max_length=3, blank=True)
    amount = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    amount_description = models.TextField(blank=True)


class RequiredDocument(HsdsRecord):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="required_documents")
    document = models.TextField(blank=True)
    uri = models.URLField(max_length=500, blank=True)


class Unit(HsdsRecord):
    """HSDS 3.1 ``unit``: what capacity is counted in (places, sessions, beds)."""

    name = models.CharField(max_length=255)
    scheme = models.CharField(max_length=255, blank=True)
    identifier = models.CharField(max_length=255, blank=True)
    uri = models.URLField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name


class ServiceCapacity(HsdsRecord):
    """HSDS 3.1 ``service_capacity``: places free now, the most there can be, and the waiting list."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="capacities")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="capacities")
    available = models.FloatField(validators=[MinValueValidator(0)])
    maximum = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    description = models.TextField(blank=True)
    updated = models.DateTimeField()
    # Ours: people waiting for a place (used by referrals).
    waiting_list = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "service capacities"


# -- taxonomies ---------------------------------------------------------------------------------------


class Taxonomy(HsdsRecord):
    name = models.CharField(max_length=255)
    description = models.TextField()
    uri = models.URLField(max_length=500, blank=True)
    version = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(HsdsRecord):
    code = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255)
    description = models.TextField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    taxonomy = models.CharField(max_length=255, blank=True, help_text="HSDS: the taxonomy's name, as text")
    taxonomy_detail = models.ForeignKey(
        Taxonomy, null=True, blank=True, on_delete=models.CASCADE, related_name="terms", db_column="taxonomy_id"
    )
    language = models.CharField(max_length=20, blank=True)
    term_uri = models.CharField(max_length=500, blank=True)
    # Ours: the same kind of service in another taxonomy (the LGA's service types).
    equivalent_terms = models.ManyToManyField("self", blank=True, symmetrical=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Attribute(HsdsRecord):
    """HSDS ``attribute``: tags any record (``link_entity`` + ``link_id``) with a taxonomy term."""

    link_id = models.UUIDField()
    taxonomy_term = models.ForeignKey(TaxonomyTerm, on_delete=models.PROTECT, related_name="attributes")
    link_type = models.CharField(max_length=255, blank=True)
    link_entity = models.CharField(max_length=50)
    value = models.TextField(blank=True)
    label = models.CharField(max_length=255, blank=True, help_text="HSDS 3.1")

    class Meta:
        indexes = [models.Index(fields=["link_entity", "link_id"], name="attribute_link")]


class Metadata(HsdsRecord):
    """HSDS ``metadata``: the per-field change history of a record, and ours."""

    resource_id = models.UUIDField(db_index=True)
    resource_type = models.CharField(max_length=50)
    last_action_date = models.DateTimeField()
    last_action_type = models.CharField(max_length=50)
    field_name = models.CharField(max_length=100)
    previous_value = models.TextField(blank=True)
    replacement_value = models.TextField(blank=True)
    updated_by = models.CharField(max_length=255)

    class Meta:
        ordering = ["-last_action_date"]
        verbose_name_plural = "metadata"


# -- geography (ours) ----------------------------------------------------------------------------------


class PostcodeKind(models.TextChoices):
    UNIT = "unit", "Full postcode"
    SECTOR = "sector", "Postcode sector"
    DISTRICT = "district", "Postcode district"


class PostcodePoint(models.Model):
    """Where a postcode, sector or district is: from the ONS postcode directory, or the shipped centroids."""

    code = models.CharField(max_length=8, primary_key=True, help_text='Normalised: upper case, one space ("S60 1AA")')
    kind = models.CharField(max_length=8, choices=PostcodeKind.choices)
    latitude = models.FloatField()
    longitude = models.FloatField()
    local_authority = models.CharField(max_length=9, blank=True, help_text="GSS code of the local authority district")
    terminated = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.code


# -- the search index (ours) ------------------------------------------------------------------------------


class SearchVectorColumn(models.TextField):  # type: ignore[type-arg]
    """PostgreSQL's ``tsvector`` (written by ``search/text.py``); on SQLite an unused text column (FTS5 is used)."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


class SearchEntry(models.Model):
    """One row per service, rebuilt on every change: what search filters, ranks and counts.

    Full text lives beside it: an FTS5 table on SQLite, a ``tsvector`` column on PostgreSQL
    (``search/backends.py``). Taxonomy terms are expanded to their ancestors (``SearchTerm``)
    so that a category search includes its sub-categories with one join.
    """

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="search_entry")
    name = models.CharField(max_length=255)
    name_sort = models.CharField(max_length=255, db_index=True)
    body = models.TextField(help_text="Name, description and term names: what text search reads")
    is_active = models.BooleanField(default=True)
    minimum_age = models.FloatField(null=True)
    maximum_age = models.FloatField(null=True)
    is_free = models.BooleanField(default=False)
    accepts_referrals = models.BooleanField(default=False)
    self_referral = models.BooleanField(default=False)
    has_capacity = models.BooleanField(default=False)
    days = models.PositiveSmallIntegerField(default=0, help_text="Bit per weekday open, Monday = 1")
    is_national = models.BooleanField(default=False)
    has_areas = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(null=True, db_index=True)
    last_modified = models.DateTimeField(null=True)
    search_vector = SearchVectorColumn(null=True, editable=False)

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return self.name


class SearchTerm(models.Model):
    """A service tagged with a term, or with one of the term's descendants (``direct`` is False then)."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="terms")
    term = models.ForeignKey(TaxonomyTerm, on_delete=models.CASCADE, related_name="+")
    direct = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "entry"], name="one_search_term_per_entry")]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.term_id}"


class SearchArea(models.Model):
    """A code a service's area covers: a GSS code, a postcode district, or a country code."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(max_length=12)

    class Meta:
        indexes = [models.Index(fields=["code", "entry"], name="search_area_code")]

    def __str__(self) -> str:
        return self.code


class SearchPoint(models.Model):
    """A physical location of a service, copied for a bounding-box search on an index."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="points")
    service_at_location = models.ForeignKey(ServiceAtLocation, on_delete=models.CASCADE, related_name="+")
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["latitude", "longitude", "entry"], name="search_point_coordinates")]

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude}"


class SearchWord(models.Model):
    """Every word the index holds, for typo tolerance: a misspelt word is swapped for the nearest."""

    word = models.CharField(max_length=60, unique=True)

    # -- keeping entries true (ours) -----------------------------------------------------------------------

    def __str__(self) -> str:
        return self.word


class ClaimStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    REVOKED = "revoked", "Revoked"


class OrganizationClaim(models.Model):
    """Provider staff ask to keep a directory organisation's entry; an administrator approves."""

    contains_personal_data: ClassVar[bool] = True

    directory_organization = models.ForeignKey(DirectoryOrganization, on_delete=models.CASCADE, related_name="claims")
    claimant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    claimant_organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    role_at_organization = models.CharField(max_length=200)
    evidence = models.TextField(help_text="How the administrator can check the claim")
    status = models.CharField(max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.WAITING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["directory_organization", "claimant_organisation"],
                condition=models.Q(status="waiting"),
                name="one_waiting_claim_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"Claim {self.pk} on {self.directory_organization_id}"


class SuggestionStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for a decision"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Suggestion(models.Model):
    """A proposed change to a service from a practitioner or the public, moderated before it applies."""

    contains_personal_data: ClassVar[bool] = True

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="suggestions")
    field_name = models.CharField(max_length=50, blank=True, help_text="Empty: a general comment")
    proposed_value = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggester_name = models.CharField(max_length=200, blank=True)
    suggester_email = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.WAITING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Suggestion {self.pk} on {self.service_id}"


class Shortlist(models.Model):
    """Services a practitioner or link worker picked for someone: printed, or sent to the person."""

    contains_personal_data: ClassVar[bool] = True

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="shortlists"
    )
    title = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True, help_text="A message for the person")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title or f"Shortlist {self.pk}"


class ShortlistItem(models.Model):
    contains_personal_data: ClassVar[bool] = True

    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="items")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["shortlist", "service"], name="service_once_per_shortlist")]

    def __str__(self) -> str:
        return f"{self.shortlist_id}: {self.service_id}"
