"""The public Open Referral UK 3.0 read API: thin views over the search service and the HSDS serialiser.

Every list is a page in the HSDS ``Page`` envelope (or, with ``format=ndjson``, every matching
record as one JSON object a line). Services and services-at-locations are found and ordered by
the shared search service only; each page's records are then loaded in one go and serialised.
A bad parameter is a 400 and an unknown record a 404, both as ``{"error": "..."}``; every
answer carries ``Access-Control-Allow-Origin: *``.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import wraps
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from carehouse.directory import geography
from carehouse.directory.hsds import serialise
from carehouse.directory.models import DirectoryOrganization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from carehouse.directory.oruk import params
from carehouse.directory.oruk.openapi import document
from carehouse.directory.oruk.params import BadParameter, ListOptions, Paging
from carehouse.directory.search.engine import SearchQuery, SearchResults, search

JSON_TYPE = "application/json"
NDJSON_TYPE = "application/x-ndjson"
ALLOWED = ("GET", "HEAD", "OPTIONS")
VERSION = "3.0"
#: The UK profile has no canonical URI of its own yet; its documentation's home is what the
#: validator's own example and other publishers give.
PROFILE = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"
#: Records loaded and serialised at a time when streaming.
CHUNK = 200
#: "Every match": the search service pages, so ask for one page bigger than any directory.
EVERYTHING = 10**9
#: Who may refer and how (``carehouse_referral``) is shown only to signed-in staff allowed to see it
#: (``directory.see_referral_details``), so the anonymous API leaves it out.
REFERRAL = False

JSON = dict[str, Any]
View = Callable[..., HttpResponseBase]


class NotFound(Exception):
    """No record with that id (or no such endpoint)."""


# -- answers -------------------------------------------------------------------------------------------------


def _dumps(data: Any) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(_dumps(data), status=status, content_type=JSON_TYPE, headers=headers)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> HttpResponse:
    return json_response({"error": message}, status=status, headers=headers)


def _open_to_all(response: HttpResponseBase) -> HttpResponseBase:
    response["Access-Control-Allow-Origin"] = "*"
    return response


def api_view(view: View) -> View:
    """GET, HEAD and OPTIONS only; no session, sign-in or CSRF; errors as JSON; CORS on every answer."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase
        if request.method == "OPTIONS":
            response = HttpResponse(status=204, headers={"Allow": ", ".join(ALLOWED)})
            response["Access-Control-Allow-Methods"] = ", ".join(ALLOWED)
            response["Access-Control-Allow-Headers"] = request.headers.get("Access-Control-Request-Headers") or "*"
            response["Access-Control-Max-Age"] = "86400"
        elif request.method not in ALLOWED:
            response = error_response(
                405, f"This API is read-only: use {', '.join(ALLOWED)}", headers={"Allow": ", ".join(ALLOWED)}
            )
        else:
            try:
                params.printable(request.GET)
                response = view(request, *args, **kwargs)
            except BadParameter as problem:
                response = error_response(400, str(problem))
            except NotFound as problem:
                response = error_response(404, str(problem))
        return _open_to_all(response)

    return wrapper


def page_envelope(contents: list[JSON], *, total: int, paging: Paging) -> JSON:
    """The HSDS ``Page``: counts and flags first, then ``contents``."""
    total_pages = max(1, -(-total // paging.per_page))
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": paging.page,
        "number": paging.page,
        "size": len(contents),
        "first_page": paging.page == 1,
        "last_page": paging.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _ndjson(records: Iterable[JSON]) -> StreamingHttpResponse:
    return StreamingHttpResponse((_dumps(record) + "\n" for record in records), content_type=NDJSON_TYPE)


def _record_id(value: str, noun: str) -> uuid.UUID:
    try:
        return params.an_id(value)
    except BadParameter:
        raise NotFound(f"There is no {noun} with id {value!r}: ids are UUIDs") from None


def _one_or_404[M: Model](queryset: QuerySet[M], value: str, noun: str) -> M:
    found = queryset.filter(id=_record_id(value, noun)).first()
    if found is None:
        raise NotFound(f"There is no {noun} with id {value!r}")
    return found


def _chunks[T](items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- the base --------------------------------------------------------------------------------------------------


@api_view
def root(request: HttpRequest) -> HttpResponse:
    """``GET /``: the HSDS version, the profile, and where this API's OpenAPI description is."""
    return json_response(
        {"version": VERSION, "profile": PROFILE, "openapi_url": request.build_absolute_uri(reverse("oruk:openapi"))}
    )


@api_view
def openapi(request: HttpRequest) -> HttpResponse:
    """``GET /openapi.json``: an OpenAPI 3.1 description of these endpoints."""
    return json_response(document(request.build_absolute_uri(reverse("oruk:root")).rstrip("/")))


@api_view
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise NotFound(f"There is nothing at {request.path}: see {request.build_absolute_uri(reverse('oruk:openapi'))}")


# -- services ----------------------------------------------------------------------------------------------------


def _minimal(service_ids: Sequence[uuid.UUID]) -> list[JSON]:
    modified = dict(Service.objects.filter(id__in=list(service_ids)).values_list("id", "last_modified"))
    return [{"id": str(i), "last_modified": serialise.datetime_text(modified[i])} for i in service_ids if i in modified]


def _summaries(service_ids: Sequence[uuid.UUID]) -> list[JSON]:
    rows = Service.objects.filter(id__in=list(service_ids)).select_related("organization", "program")
    by_id = {row.id: row for row in rows}
    return [serialise.service_summary(by_id[i]) for i in service_ids if i in by_id]


def _services_as(service_ids: Sequence[uuid.UUID], options: ListOptions) -> list[JSON]:
    """The services, in the order given, as the list asked for them."""
    if options.minimal:
        return _minimal(service_ids)
    if options.full:
        return list(serialise.iter_services_full(list(service_ids), referral=REFERRAL))
    return _summaries(service_ids)


def _every_match(query: SearchQuery) -> SearchResults:
    return search(dataclasses.replace(query, page=1, per_page=EVERYTHING))


@api_view
def services(request: HttpRequest) -> HttpResponseBase:
    """``GET /services``: a page of the services the filters find, in the search service's order."""
    paging = params.paging(request.GET)
    options = params.list_options(request.GET)
    query = params.service_query(request.GET, paging)
    if options.ndjson:
        service_ids = [hit.service_id for hit in _every_match(query).hits]
        return _ndjson(record for chunk in _chunks(service_ids) for record in _services_as(chunk, options))
    results = search(query)
    contents = _services_as([hit.service_id for hit in results.hits], options)
    return json_response(page_envelope(contents, total=results.total, paging=paging))


@api_view
def service(request: HttpRequest, service_id: str) -> HttpResponse:
    """``GET /services/{id}``: the service with everything nested."""
    found = _one_or_404(Service.objects.all(), service_id, "service")
    return json_response(serialise.service_full(found, referral=REFERRAL))


# -- services at locations -------------------------------------------------------------------------------------


def _service_at_location_ids(query: SearchQuery) -> list[uuid.UUID]:
    """One row per place each matching service is offered, in the search service's order of services.

    With ``postcode`` and ``proximity`` only the places within that distance count (the search
    service makes sure each service has at least one); a service's places run nearest first.
    """
    results = _every_match(query)
    order = {hit.service_id: rank for rank, hit in enumerate(results.hits)}
    place = results.place
    rows: list[tuple[int, float, uuid.UUID]] = []
    for chunk in _chunks(list(order), 500):
        for sal_id, service_id, latitude, longitude in ServiceAtLocation.objects.filter(
            service_id__in=list(chunk)
        ).values_list("id", "service_id", "location__latitude", "location__longitude"):
            distance = 0.0
            if place is not None:
                distance = float("inf")
                if latitude is not None and longitude is not None:
                    distance = geography.distance_metres(place.latitude, place.longitude, latitude, longitude)
                if query.proximity is not None and distance > query.proximity:
                    continue
            rows.append((order[service_id], distance, sal_id))
    rows.sort(key=lambda row: (row[0], row[1], str(row[2])))
    return [sal_id for _, _, sal_id in rows]


def _sals_as(sal_ids: Sequence[uuid.UUID], options: ListOptions) -> list[JSON]:
    rows = ServiceAtLocation.objects.filter(id__in=list(sal_ids)).select_related(
        "location", "service__organization", "service__program"
    )
    by_id = {row.id: row for row in rows}
    if options.minimal:
        return [
            {"id": str(i), "service_id": str(by_id[i].service_id), "location_id": str(by_id[i].location_id)}
            for i in sal_ids
            if i in by_id
        ]
    if options.full:
        return [serialise.service_at_location_full(by_id[i], referral=REFERRAL) for i in sal_ids if i in by_id]
    return [serialise.service_at_location_summary(by_id[i]) for i in sal_ids if i in by_id]


@api_view
def service_at_locations(request: HttpRequest) -> HttpResponseBase:
    """``GET /service_at_locations``: the same filters as ``/services``, a row per service and place."""
    paging = params.paging(request.GET)
    options = params.list_options(request.GET)
    query = params.service_query(request.GET, paging)
    sal_ids = _service_at_location_ids(query)
    if options.ndjson:
        return _ndjson(record for chunk in _chunks(sal_ids) for record in _sals_as(chunk, options))
    contents = _sals_as(sal_ids[paging.offset : paging.offset + paging.per_page], options)
    return json_response(page_envelope(contents, total=len(sal_ids), paging=paging))


@api_view
def service_at_location(request: HttpRequest, sal_id: str) -> HttpResponse:
    found = _one_or_404(ServiceAtLocation.objects.all(), sal_id, "service at location")
    return json_response(serialise.service_at_location_full(found, referral=REFERRAL))


# -- taxonomies, terms and organisations -------------------------------------------------------------------------


def _listing[M: Model](
    request: HttpRequest,
    rows: QuerySet[M],
    render: Callable[[M], JSON],
    options: ListOptions | None = None,
    *,
    render_many: Callable[[list[M]], list[JSON]] | None = None,
) -> HttpResponseBase:
    """A page (or the whole ndjson stream) of plain database rows, in a stable order.

    ``render_many`` renders a batch at once, for records whose children would otherwise cost
    queries per row.
    """
    many = render_many or (lambda batch: [render(row) for row in batch])
    paging = params.paging(request.GET)
    options = options or params.list_options(request.GET)
    if options.ndjson:
        return _ndjson(record for batch in _batches(rows.iterator(chunk_size=CHUNK)) for record in many(batch))
    total = rows.count()
    page = many(list(rows[paging.offset : paging.offset + paging.per_page]))
    return json_response(page_envelope(page, total=total, paging=paging))


def _batches[M](rows: Iterable[M]) -> Iterator[list[M]]:
    batch: list[M] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _matching(rows: QuerySet[Any], request: HttpRequest, *fields: str) -> QuerySet[Any]:
    words = params.text(request.GET)
    if not words:
        return rows
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": words})
    return rows.filter(condition)


@api_view
def taxonomies(request: HttpRequest) -> HttpResponseBase:
    rows = _matching(Taxonomy.objects.order_by("name", "id"), request, "name", "description")
    return _listing(request, rows, serialise.taxonomy)


@api_view
def taxonomy(request: HttpRequest, taxonomy_id: str) -> HttpResponse:
    return json_response(serialise.taxonomy(_one_or_404(Taxonomy.objects.all(), taxonomy_id, "taxonomy")))


@api_view
def taxonomy_terms(request: HttpRequest) -> HttpResponseBase:
    """``GET /taxonomy_terms``: ``taxonomy_id``, ``parent_id``, ``top_only`` (no parent) and ``search``."""
    rows = TaxonomyTerm.objects.select_related("taxonomy_detail").order_by("name", "id")
    taxonomy_id = params.optional_id(request.GET, "taxonomy_id")
    if taxonomy_id is not None:
        rows = rows.filter(taxonomy_detail_id=taxonomy_id)
    parent_id = params.optional_id(request.GET, "parent_id")
    if parent_id is not None:
        rows = rows.filter(parent_id=parent_id)
    if params.flag(request.GET, "top_only"):
        rows = rows.filter(parent__isnull=True)
    rows = _matching(rows, request, "name", "code", "description")
    return _listing(request, rows, serialise.taxonomy_term)


@api_view
def taxonomy_term(request: HttpRequest, term_id: str) -> HttpResponse:
    found = _one_or_404(TaxonomyTerm.objects.select_related("taxonomy_detail"), term_id, "taxonomy term")
    return json_response(serialise.taxonomy_term(found))


@api_view
def organizations(request: HttpRequest) -> HttpResponseBase:
    """``GET /organizations``: ``search`` by name; ``full`` (or ``full_service``) nests locations and services."""
    options = params.list_options(request.GET)
    nested = options.full or params.flag(request.GET, "full_service")
    rows = _matching(DirectoryOrganization.objects.order_by("name", "id"), request, "name", "alternate_name")
    if nested:
        return _listing(request, rows, _organization_full, options, render_many=_organizations_full)
    return _listing(request, rows, serialise.organization_summary, options)


def _organization_full(row: DirectoryOrganization) -> JSON:
    return serialise.organization_full(row, referral=REFERRAL)


def _organizations_full(rows: list[DirectoryOrganization]) -> list[JSON]:
    return serialise.organizations_full(rows, referral=REFERRAL)


@api_view
def organization(request: HttpRequest, organization_id: str) -> HttpResponse:
    found = _one_or_404(DirectoryOrganization.objects.all(), organization_id, "organization")
    return json_response(_organization_full(found))
