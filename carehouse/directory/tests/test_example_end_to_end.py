"""The issue's first "must show": the shared HSDS 3.0 example imports, exports and is served by the API.

The example record (``fixtures/openreferral/hsds-3.0/json/service_full.json``, with its impossible
coordinates moved to Rotherham: see ``test_hsds_import``) goes in through the importer, comes
back from ``GET /oruk/services/{id}`` valid against the HSDS 3.0 schema and the same as it went
in (apart from our own extra property), and the whole-directory export holds it unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from carehouse.directory.hsds import exporter, importer
from carehouse.directory.tests.schemas import validate_service_full
from carehouse.directory.tests.test_hsds_import import SERVICE_ID, example, example_parents  # noqa: F401

pytestmark = pytest.mark.django_db

OURS = {"carehouse_referral", "capacities"}


def without_ours(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key not in OURS}


def test_the_example_imports_is_served_valid_and_unchanged_and_exports(
    example_parents: None,  # noqa: F811
    tmp_path: Path,
) -> None:
    source = example()
    report = importer.import_documents([source])
    assert [outcome.reason for outcome in report.refused] == []

    response = Client().get(f"/oruk/services/{SERVICE_ID}")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    served = response.json()
    validate_service_full(served)
    assert without_ours(served) == source

    out = tmp_path / "directory.json"
    exporter.export("json", out)
    exported = json.loads(out.read_text(encoding="utf-8"))
    records = exported if isinstance(exported, list) else exported.get("services", exported)
    mine = [r for r in records if r.get("id") == SERVICE_ID]
    assert len(mine) == 1
    validate_service_full(mine[0])
    assert without_ours(mine[0]) == source
