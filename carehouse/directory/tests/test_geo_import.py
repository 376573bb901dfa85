"""``carehouse geo import``: loading an ONS postcode directory (NSPL-style CSV) and the centroids."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from carehouse.directory import geography
from carehouse.directory.models import PostcodeKind, PostcodePoint

pytestmark = pytest.mark.django_db

NSPL = """pcds,lat,long,laua,doterm
S60 1AA,53.4301,-1.3571,E08000018,
S60 1AB,53.4305,-1.3580,E08000018,
S60 2ZZ,53.4100,-1.3500,E08000018,202001
S61 1AA,53.4430,-1.3930,E08000018,
S60 1AD,99.999999,0.000000,E08000018,
BT1 1AA,54.5970,-5.9300,N09000003,
not a postcode,53.0,-1.0,E08000018,
S60,53.4,-1.3,E08000018,
"""


def test_import_loads_units_and_refuses_with_reasons() -> None:
    report = geography.import_postcode_directory(io.StringIO(NSPL))

    assert report.loaded == 4
    assert report.refused == {
        "no grid reference (outside Great Britain)": 1,
        "Northern Ireland (not licensed for re-use under the OGL)": 1,
        "not a postcode with coordinates": 1,
        "not a full postcode": 1,
    }
    point = PostcodePoint.objects.get(code="S60 1AA")
    assert (point.kind, point.latitude, point.local_authority) == (PostcodeKind.UNIT, 53.4301, "E08000018")
    assert PostcodePoint.objects.get(code="S60 2ZZ").terminated
    # The district now takes the local authority most of its postcodes are in.
    assert PostcodePoint.objects.get(code="S60").local_authority == "E08000018"
    assert geography.locate("S60 1AA").precision == PostcodeKind.UNIT


def test_the_geo_command_prints_counts_reasons_and_the_attribution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nspl.csv"
    path.write_text(NSPL, encoding="utf-8")

    call_command("geo", "import", str(path))

    out = capsys.readouterr().out
    assert "Loaded 4 postcodes" in out
    assert "Refused 1: Northern Ireland (not licensed for re-use under the OGL)" in out
    assert geography.ATTRIBUTION in out


def test_the_geo_command_refuses_a_file_that_is_not_a_postcode_directory(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("name,age\nSam,3\n", encoding="utf-8")

    with pytest.raises(CommandError, match="not an ONS postcode directory"):
        call_command("geo", "import", str(path))
    assert not PostcodePoint.objects.filter(kind=PostcodeKind.UNIT).exists()


def test_load_centroids_restores_the_shipped_points(capsys: pytest.CaptureFixture[str]) -> None:
    PostcodePoint.objects.exclude(kind=PostcodeKind.UNIT).delete()

    call_command("geo", "load-centroids")

    assert PostcodePoint.objects.get(code="S60").kind == PostcodeKind.DISTRICT
    assert PostcodePoint.objects.get(code="S60 1").kind == PostcodeKind.SECTOR
    assert "Loaded" in capsys.readouterr().out
