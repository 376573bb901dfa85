"""Where a run's extract comes from: a folder set up on the server, or a ZIP file a commissioner uploads.

Configured extracts are the folders in ``settings.POPULATION_EXTRACTS_DIR`` that hold a persons
table. An upload is checked before anything is kept: a ZIP file, no larger than
``CASEFINDING_MAX_UPLOAD_BYTES``, not password-protected, with safe member names (no absolute
paths, no ``..``, no links, at most one folder deep), the persons, diagnoses and activity tables
(``.parquet`` or ``.csv``; measures optional) once each, and no more than
``CASEFINDING_MAX_UNPACKED_BYTES`` once unpacked (counted as it is written, whatever the ZIP file
claims). The cohorts a run can find are the YAML files shipped in ``carehouse/population/cohorts``.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from carehouse.population.cohort import COHORT_DIR
from carehouse.population.load import find_file

REQUIRED_TABLES = ("persons", "diagnoses", "activity")
OPTIONAL_TABLES = ("measures",)
FORMATS = (".parquet", ".csv")
MANIFEST = "extract.json"
#: Files a ZIP made on a Mac carries that are not part of the extract.
IGNORED_PREFIXES = ("__MACOSX/",)
IGNORED_NAMES = (".DS_Store",)
CHUNK = 1024 * 1024

COHORTS_DIR = COHORT_DIR


@dataclass(frozen=True)
class Cohort:
    key: str
    name: str
    description: str
    path: Path


def available_cohorts() -> list[Cohort]:
    """The cohorts shipped with Carehouse, by name."""
    found: list[Cohort] = []
    for path in sorted(COHORTS_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        key = str(data.get("key") or path.stem)
        found.append(Cohort(key, str(data.get("name") or key), str(data.get("description") or "").strip(), path))
    return sorted(found, key=lambda cohort: cohort.name)


def cohorts_by_key() -> dict[str, Cohort]:
    return {cohort.key: cohort for cohort in available_cohorts()}


def configured_extracts() -> list[str]:
    """The names of the extract folders set up on the server (each holds at least a persons table)."""
    root = Path(settings.POPULATION_EXTRACTS_DIR)
    if not root.is_dir():
        return []
    return sorted(
        entry.name
        for entry in root.iterdir()
        if entry.is_dir() and not entry.name.startswith(".") and find_file(entry, "persons") is not None
    )


def configured_extract_path(name: str) -> Path:
    """The folder of a configured extract; only names ``configured_extracts`` lists are accepted."""
    if name not in configured_extracts():
        raise ValidationError({"extract": "Select an extract from the list"})
    return Path(settings.POPULATION_EXTRACTS_DIR) / name


def _upload_error(message: str) -> ValidationError:
    return ValidationError({"upload": message})


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _safe_parts(name: str) -> tuple[str, ...] | None:
    """The member's path parts, or None when the name could write outside the folder it is unpacked into."""
    if not name or "\\" in name or name.startswith("/") or "\x00" in name:
        return None
    parts = PurePosixPath(name).parts
    if any(part in ("", ".", "..") or ":" in part for part in parts):
        return None
    return parts


def _choose_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The members to unpack, by the file name they are unpacked as."""
    chosen: dict[str, zipfile.ZipInfo] = {}
    wanted = {f"{table}{suffix}" for table in REQUIRED_TABLES + OPTIONAL_TABLES for suffix in FORMATS} | {MANIFEST}
    for info in archive.infolist():
        name = info.filename
        if name.startswith(IGNORED_PREFIXES):
            continue
        parts = _safe_parts(name.rstrip("/") if info.is_dir() else name)
        if parts is None or _is_link(info):
            raise _upload_error(f"The ZIP file contains a file with a name that is not allowed: {name[:80]}")
        if info.is_dir():
            continue
        if len(parts) > 2:
            raise _upload_error("The ZIP file must hold the tables at the top, or in a single folder")
        if info.flag_bits & 0x1:
            raise _upload_error("The ZIP file must not be protected by a password")
        base = parts[-1]
        if base in IGNORED_NAMES or base.startswith("._") or base.lower() not in wanted:
            continue
        base = base.lower()
        table = base.rsplit(".", 1)[0]
        if any(existing.rsplit(".", 1)[0] == table for existing in chosen):
            raise _upload_error(f"The ZIP file must contain only one {table} table")
        chosen[base] = info
    missing = [table for table in REQUIRED_TABLES if not any(n.rsplit(".", 1)[0] == table for n in chosen)]
    if missing:
        raise _upload_error(
            "The ZIP file must contain the persons, diagnoses and activity tables as .parquet or .csv files. "
            f"Missing: {', '.join(missing)}"
        )
    return chosen


def _copy_limited(source: IO[bytes], target: Path, budget: int) -> int:
    """Copy until the end or the budget runs out; the number of bytes written."""
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > budget:
                raise _upload_error(
                    f"The ZIP file must be smaller than {filesizeformat(settings.CASEFINDING_MAX_UNPACKED_BYTES)} "
                    "once unpacked"
                )
            out.write(chunk)
    return written


def check_upload(upload: UploadedFile[bytes] | None) -> None:
    """The checks that need no unpacking: present, named .zip, not empty, not too large."""
    if upload is None:
        raise _upload_error("Select a ZIP file to upload")
    if not (upload.name or "").lower().endswith(".zip"):
        raise _upload_error("The selected file must be a ZIP file")
    if not upload.size:
        raise _upload_error("The selected file is empty")
    if upload.size > settings.CASEFINDING_MAX_UPLOAD_BYTES:
        raise _upload_error(
            f"The selected file must be smaller than {filesizeformat(settings.CASEFINDING_MAX_UPLOAD_BYTES)}"
        )


def unpack_upload(upload: UploadedFile[bytes], into: Path) -> list[str]:
    """Check the upload and unpack its tables into ``into`` (created); the file names unpacked.

    Raises ``ValidationError`` about the ``upload`` field, leaving nothing behind, when it fails a check.
    """
    check_upload(upload)
    upload.seek(0)
    if not zipfile.is_zipfile(upload):
        raise _upload_error("The selected file must be a ZIP file")
    upload.seek(0)
    into.mkdir(parents=True, exist_ok=False)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = _choose_members(archive)
            budget = settings.CASEFINDING_MAX_UNPACKED_BYTES
            if sum(info.file_size for info in members.values()) > budget:
                raise _upload_error(f"The ZIP file must be smaller than {filesizeformat(budget)} once unpacked")
            for name, info in sorted(members.items()):
                with archive.open(info) as source:
                    budget -= _copy_limited(source, into / name, budget)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError) as error:
        shutil.rmtree(into, ignore_errors=True)
        raise _upload_error("The selected file is damaged or uses a kind of ZIP file Carehouse cannot read") from error
    except ValidationError:
        shutil.rmtree(into, ignore_errors=True)
        raise
    return sorted(members)
