"""Fixtures for the case finding tests.

``generated_extract`` is a synthetic extract of 1,000 people (made once per test session) whose
four practices are renamed: ``Y10001`` (``practice``, Priya's), ``Y10002`` (``other_practice``,
Omar's), ``Y20001`` (a practice in Carehouse outside Cora's integrated care board) and ``Z99001``
(a practice not in Carehouse). ``extracts_dir`` sets it up as the configured extract
``test-extract``; every test gets its own extracts and work folders.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from carehouse.core.models import Organisation
from carehouse.core.tests.factories import OrganisationFactory
from carehouse.population.generate import generate

PRACTICE_CODES = ("Y10001", "Y10002", "Y20001", "Z99001")
EXTRACT_NAME = "test-extract"


@pytest.fixture(scope="session")
def generated_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated") / "extract"
    generate(folder, 1000, seed=7, practices=4)
    persons = pq.read_table(folder / "persons.parquet")
    codes = sorted(set(persons.column("practice_code").to_pylist()))
    assert len(codes) == len(PRACTICE_CODES)
    renamed = dict(zip(codes, PRACTICE_CODES, strict=True))
    column = pa.array([renamed[c] for c in persons.column("practice_code").to_pylist()], type=pa.string())
    index = persons.schema.get_field_index("practice_code")
    pq.write_table(persons.set_column(index, persons.schema.field(index), column), folder / "persons.parquet")
    return folder


@pytest.fixture(autouse=True)
def case_finding_folders(settings, tmp_path: Path) -> Path:
    settings.POPULATION_EXTRACTS_DIR = tmp_path / "extracts"
    settings.CASEFINDING_WORK_DIR = tmp_path / "work"
    return tmp_path


@pytest.fixture
def extracts_dir(settings, generated_extract: Path) -> Path:
    target = Path(settings.POPULATION_EXTRACTS_DIR) / EXTRACT_NAME
    shutil.copytree(generated_extract, target)
    return target


@pytest.fixture
def outside_practice(db: None) -> Organisation:
    """A practice in Carehouse that is not under Cora's integrated care board."""
    return OrganisationFactory(ods_code="Y20001", name="Faraway Surgery")


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def extract_files(folder: Path, prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}{path.name}": path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


@pytest.fixture
def upload_of() -> Callable[..., SimpleUploadedFile]:
    def make(files: dict[str, bytes], name: str = "extract.zip") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, zip_bytes(files), content_type="application/zip")

    return make
