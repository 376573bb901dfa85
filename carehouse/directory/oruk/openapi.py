"""The OpenAPI 3.1 description of our Open Referral API (served at ``/oruk/openapi.json``).

Written for our endpoints and parameters. Record shapes are the HSDS 3.0 JSON Schemas,
referenced by their public addresses in the ``openreferral/specification`` repository.
"""

from __future__ import annotations

from typing import Any

from carehouse.directory.oruk.params import DEFAULT_PER_PAGE, MAX_PROXIMITY_METRES
from carehouse.directory.search.engine import MAX_PER_PAGE

HSDS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema"
JSON = dict[str, Any]


def _ref(name: str) -> JSON:
    return {"$ref": f"#/components/{name}"}


def _schema(relative: str) -> JSON:
    return {"$ref": f"{HSDS}/{relative}"}


def _query(name: str, description: str, schema: JSON) -> JSON:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


PARAMETERS: dict[str, JSON] = {
    "page": _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
    "per_page": _query(
        "per_page",
        f"Records a page (at most {MAX_PER_PAGE}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
    ),
    "format": _query(
        "format",
        "`json` (a page, the default) or `ndjson`: every matching record, one JSON object a line, unpaginated.",
        {"type": "string", "enum": ["json", "ndjson"], "default": "json"},
    ),
    "search": _query(
        "search",
        "Words to look for (every word must match; close spellings are tried for unknown words).",
        {"type": "string", "maxLength": 500},
    ),
    "text": _query("text", "The Open Referral UK name for `search`; both may be given.", {"type": "string"}),
    "taxonomy_term_id": _query(
        "taxonomy_term_id",
        "Services tagged with this term or any of its sub-terms. Several ids, comma-separated: "
        "services with every one of them.",
        {"type": "string"},
    ),
    "taxonomy_id": _query(
        "taxonomy_id", "Services tagged with any term of this taxonomy.", {"type": "string", "format": "uuid"}
    ),
    "organization_id": _query(
        "organization_id", "Services run by this organization.", {"type": "string", "format": "uuid"}
    ),
    "modified_after": _query(
        "modified_after",
        "Services modified on or after this ISO 8601 date and time (UTC when no offset is given).",
        {"type": "string", "format": "date-time"},
    ),
    "postcode": _query(
        "postcode",
        "A UK postcode or postcode district. Services whose service area covers it, or (naming no area) "
        "with a location near it; nearest first. An unknown postcode is a 400.",
        {"type": "string"},
    ),
    "proximity": _query(
        "proximity",
        "With `postcode`: only services (and, for service at locations, only places) within this many "
        "metres of the postcode's centre.",
        {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_PROXIMITY_METRES},
    ),
    "minimum_age": _query(
        "minimum_age", "Services whose age range reaches this age or older.", {"type": "number", "minimum": 0}
    ),
    "maximum_age": _query(
        "maximum_age", "Services whose age range reaches this age or younger.", {"type": "number", "minimum": 0}
    ),
    "day": _query(
        "day",
        "Services open on this day: MO, TU, WE, TH, FR, SA or SU (full day names work too).",
        {"type": "string"},
    ),
    "start_time": _query(
        "start_time",
        "Services with a session still open after this time (HH:MM or HH:MM:SS), on `day` if given.",
        {"type": "string", "pattern": "^\\d{1,2}:\\d{2}(:\\d{2})?$"},
    ),
    "end_time": _query(
        "end_time",
        "Services with a session opening before this time (HH:MM or HH:MM:SS), on `day` if given.",
        {"type": "string", "pattern": "^\\d{1,2}:\\d{2}(:\\d{2})?$"},
    ),
    "full": _query("full", "true: fully nested records in the list.", {"type": "boolean", "default": False}),
    "minimal": _query(
        "minimal", "true: only each record's `id` and `last_modified`.", {"type": "boolean", "default": False}
    ),
    "full_service": _query(
        "full_service", "true: organizations with their services fully nested.", {"type": "boolean", "default": False}
    ),
    "parent_id": _query("parent_id", "Terms whose parent is this term.", {"type": "string", "format": "uuid"}),
    "top_only": _query("top_only", "true: only terms with no parent.", {"type": "boolean", "default": False}),
    "term_taxonomy_id": {
        **_query("taxonomy_id", "Terms of this taxonomy.", {"type": "string", "format": "uuid"}),
    },
}

SERVICE_FILTERS = [
    "search",
    "text",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "postcode",
    "proximity",
    "minimum_age",
    "maximum_age",
    "day",
    "start_time",
    "end_time",
]
PAGING = ["page", "per_page", "format"]


def _params(*names: str) -> list[JSON]:
    return [_ref(f"parameters/{name}") for name in names]


def _id(noun: str) -> JSON:
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "description": f"The {noun}'s id.",
        "schema": {"type": "string", "format": "uuid"},
    }


def _errors(*codes: int) -> dict[str, JSON]:
    said = {400: "A query parameter is wrong; `error` says which and why.", 404: "No record with that id."}
    return {
        str(code): {"description": said[code], "content": {"application/json": {"schema": _ref("schemas/Error")}}}
        for code in codes
    }


def _page_of(item: JSON, description: str) -> dict[str, JSON]:
    return {
        "200": {
            "description": description,
            "content": {
                "application/json": {
                    "schema": {
                        "allOf": [_ref("schemas/Page")],
                        "properties": {"contents": {"type": "array", "items": item}},
                    }
                },
                # With format=ndjson: each line is one record.
                "application/x-ndjson": {"schema": item},
            },
        }
    }


def _one(schema: JSON, description: str) -> dict[str, JSON]:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


def _operation(
    operation_id: str, summary: str, tags: list[str], responses: dict[str, JSON], parameters: list[JSON] | None = None
) -> JSON:
    operation: JSON = {"operationId": operation_id, "summary": summary, "tags": tags, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


def _paths() -> dict[str, JSON]:
    required, optional = ["Required"], ["Optional"]
    return {
        "/": _operation(
            "getApiDetails",
            "This API's HSDS version, profile and OpenAPI description.",
            required,
            _one(_ref("schemas/ApiDetails"), "About this API."),
        ),
        "/services": _operation(
            "getServices",
            "A page of services (filters combine with AND).",
            required,
            {
                **_page_of(_schema("compiled/service_list.json"), "A page of services."),
                **_errors(400),
            },
            _params(*SERVICE_FILTERS, "full", "minimal", *PAGING),
        ),
        "/services/{id}": {
            "parameters": [_id("service")],
            **_operation(
                "getServiceById",
                "A service with everything about it nested.",
                required,
                {**_one(_schema("compiled/service.json"), "The service."), **_errors(404)},
            ),
        },
        "/service_at_locations": _operation(
            "getServiceAtLocations",
            "A page of services at locations: one row per service and place, with the same filters as /services.",
            optional,
            {
                **_page_of(_schema("compiled/service_at_location_list.json"), "A page of services at locations."),
                **_errors(400),
            },
            _params(*SERVICE_FILTERS, "full", *PAGING),
        ),
        "/service_at_locations/{id}": {
            "parameters": [_id("service at location")],
            **_operation(
                "getServiceAtLocationById",
                "A service at a location, fully nested.",
                optional,
                {**_one(_schema("compiled/service_at_location.json"), "The service at location."), **_errors(404)},
            ),
        },
        "/taxonomies": _operation(
            "getTaxonomies",
            "A page of taxonomies.",
            optional,
            {**_page_of(_schema("taxonomy.json"), "A page of taxonomies."), **_errors(400)},
            _params("search", *PAGING),
        ),
        "/taxonomies/{id}": {
            "parameters": [_id("taxonomy")],
            **_operation(
                "getTaxonomyById",
                "A taxonomy.",
                optional,
                {**_one(_schema("taxonomy.json"), "The taxonomy."), **_errors(404)},
            ),
        },
        "/taxonomy_terms": _operation(
            "getTaxonomyTerms",
            "A page of taxonomy terms.",
            optional,
            {**_page_of(_schema("taxonomy_term.json"), "A page of taxonomy terms."), **_errors(400)},
            _params("search", "term_taxonomy_id", "parent_id", "top_only", *PAGING),
        ),
        "/taxonomy_terms/{id}": {
            "parameters": [_id("taxonomy term")],
            **_operation(
                "getTaxonomyTermById",
                "A taxonomy term, with its taxonomy.",
                optional,
                {**_one(_schema("taxonomy_term.json"), "The taxonomy term."), **_errors(404)},
            ),
        },
        "/organizations": _operation(
            "getOrganizations",
            "A page of organizations.",
            optional,
            {**_page_of(_schema("compiled/organization_list.json"), "A page of organizations."), **_errors(400)},
            _params("search", "full", "full_service", *PAGING),
        ),
        "/organizations/{id}": {
            "parameters": [_id("organization")],
            **_operation(
                "getOrganizationById",
                "An organization with its locations, programs and services.",
                optional,
                {**_one(_schema("compiled/organization.json"), "The organization."), **_errors(404)},
            ),
        },
    }


def _schemas() -> dict[str, JSON]:
    return {
        "ApiDetails": {
            "type": "object",
            "required": ["version", "profile", "openapi_url"],
            "properties": {
                "version": {"type": "string", "description": "The HSDS version: 3.0."},
                "profile": {"type": "string", "format": "uri", "description": "The Open Referral UK profile."},
                "openapi_url": {"type": "string", "format": "uri", "description": "This document."},
            },
        },
        "Page": {
            "type": "object",
            "required": [
                "total_items",
                "total_pages",
                "page_number",
                "size",
                "first_page",
                "last_page",
                "empty",
                "contents",
            ],
            "properties": {
                "total_items": {"type": "integer", "description": "Records matching, on every page."},
                "total_pages": {"type": "integer", "description": "Pages at this per_page (at least 1)."},
                "page_number": {"type": "integer", "description": "This page, from 1."},
                "number": {"type": "integer", "description": "The same as page_number."},
                "size": {"type": "integer", "description": "Records on this page."},
                "first_page": {"type": "boolean"},
                "last_page": {"type": "boolean"},
                "empty": {"type": "boolean", "description": "True when this page has no records."},
                "contents": {"type": "array"},
            },
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string", "description": "What was wrong, in plain English."}},
        },
    }


def document(base_url: str) -> JSON:
    """The description, with ``base_url`` (``https://host/oruk``) as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Carehouse service directory: Open Referral UK API",
            "version": "1.0.0",
            "summary": "Read-only, open access to the directory of community services, as HSDS 3.0.",
            "description": (
                'The directory of community ("more than medicine") services as Open Referral UK 3.0 '
                "(the UK profile of the Human Services Data Specification 3.0). Open to all: no key, no "
                "sign-in, `Access-Control-Allow-Origin: *` on every answer. Every list is paginated in "
                "the HSDS Page envelope; query parameters combine with AND. Record schemas are the "
                "HSDS 3.0 JSON Schemas (CC BY-SA 4.0, Open Referral)."
            ),
        },
        "servers": [{"url": base_url}],
        "tags": [
            {"name": "Required", "description": "Required by HSDS 3.0 and Open Referral UK."},
            {"name": "Optional", "description": "Optional in HSDS 3.0."},
        ],
        "paths": _paths(),
        "components": {"parameters": PARAMETERS, "schemas": _schemas()},
    }
