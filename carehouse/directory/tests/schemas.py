"""Check JSON against the HSDS 3.0 JSON Schemas (copied in ``fixtures/openreferral/hsds-3.0/schema``).

- ``validate_service_full``: ``compiled/service.json`` (``GET /services/{id}``);
- ``validate_service_summary``: an item of ``compiled/service_list.json`` (``GET /services``);
- ``validate_definition(name, data)``: a table from ``compiled/service_with_definitions.json``
  (``service_at_location``, ``organization``, ``location``, ``taxonomy``, ``taxonomy_term``...);
- ``validate_page(name, data)``: a ``compiled/<name>_list.json`` page (``service``,
  ``service_at_location``, ``organization``).

Each raises ``jsonschema.ValidationError`` naming the failing path. The schemas are CC BY-SA 4.0,
© Open Referral project (see ``fixtures/openreferral/SOURCE.md``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_DIR = Path(__file__).resolve().parent / "fixtures" / "openreferral" / "hsds-3.0" / "schema"


@cache
def load(relative: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / relative).read_text(encoding="utf-8"))
    return schema


def _check(schema: dict[str, Any], data: Any) -> None:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        path = "/".join(str(p) for p in error.absolute_path)
        raise jsonschema.ValidationError(f"{path or '(root)'}: {error.message}")


def validate_service_full(data: Any) -> None:
    _check(load("compiled/service.json"), data)


def validate_service_summary(data: Any) -> None:
    """An item of ``GET /services`` (``compiled/service_list.json`` is the item schema)."""
    _check(load("compiled/service_list.json"), data)


def validate_page(name: str, data: Any) -> None:
    """A page: the ``Page`` envelope of ``openapi.json``, and each item of ``contents``.

    ``name`` is ``service``, ``service_at_location`` or ``organization`` (checked against
    ``compiled/<name>_list.json``), or ``taxonomy`` / ``taxonomy_term`` (their definitions).
    """
    page = load("openapi.json")["components"]["schemas"]["Page"]
    _check({**page, "required": [*page.get("required", []), "contents"]}, data)
    for item in data["contents"]:
        if name in {"service", "service_at_location", "organization"}:
            _check(load(f"compiled/{name}_list.json"), item)
        else:
            validate_definition(name, item)


def validate_definition(name: str, data: Any) -> None:
    """One HSDS table's record, by the definition of that name in ``compiled/service_with_definitions.json``."""
    whole = load("compiled/service_with_definitions.json")
    if name not in whole["definitions"]:
        raise KeyError(f"No HSDS definition called {name!r}")
    schema = {"$ref": f"#/definitions/{name}", "definitions": whole["definitions"]}
    _check(schema, data)


def validate_table(name: str, data: Any) -> None:
    """A row of one HSDS table against its own table schema, ``schema/<name>.json``."""
    _check(load(f"{name}.json"), data)
