"""The Open Referral UK 3.0 read API, under ``/oruk/`` (``views.py``, ``params.py``, ``openapi.py``).

The API
-------
Open to anyone: no key, no sign-in, no session or cookies, ``Access-Control-Allow-Origin: *``
on every answer (``middleware.py`` makes sure of that even outside the views). GET, HEAD and
OPTIONS only; anything else is a 405. Answers are ``application/json``; ``format=ndjson`` streams
every match as ``application/x-ndjson``, one record a line, unpaginated.

- ``GET /oruk/`` → ``{"version": "3.0", "profile": <UK profile>, "openapi_url": <our description>}``.
- ``GET /oruk/openapi.json`` → OpenAPI 3.1 for these endpoints; record schemas are the HSDS 3.0
  JSON Schemas at their public addresses.
- ``GET /oruk/services`` and ``GET /oruk/service_at_locations`` (a row per service and place):
  ``text`` (or ``search``), ``taxonomy_term_id`` (comma-separated: all must apply; a term
  includes its sub-terms), ``taxonomy_id``, ``organization_id``, ``postcode`` and ``proximity``
  (metres), ``minimum_age``, ``maximum_age``, ``day`` (MO..SU or day names), ``start_time``,
  ``end_time`` (HH:MM[:SS]), ``modified_after`` (ISO 8601, on or after), ``full``, ``minimal``
  (services only: ``id`` and ``last_modified``), ``page`` (from 1), ``per_page`` (50, at most
  200), ``format``. Filters combine with AND; finding and ordering is the shared search
  service's (``search.engine.search``), so the API and the practitioner's menu agree.
- ``GET /oruk/services/{id}``, ``/service_at_locations/{id}``: fully nested HSDS records.
- ``GET /oruk/taxonomies[/{id}]`` (``search``), ``/oruk/taxonomy_terms[/{id}]`` (``search``,
  ``taxonomy_id``, ``parent_id``, ``top_only`` = terms with no parent),
  ``/oruk/organizations[/{id}]`` (``search``, ``full``/``full_service``).

Lists use the HSDS ``Page`` envelope: ``total_items, total_pages, page_number`` (also as
``number``), ``size, first_page, last_page, empty, contents``. A page past the end is an empty
page, not an error. A bad parameter is a 400 and an unknown (or non-UUID) id a 404, both as
``{"error": "<what is wrong>"}``. Our referral details (``carehouse_referral``) are left out:
the app shows them only to signed-in staff allowed to see them.
"""
