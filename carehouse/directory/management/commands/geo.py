"""``carehouse geo import FILE`` and ``carehouse geo load-centroids``: where postcodes are.

carehouse geo import FILE        load unit postcodes from an ONS Postcode Directory (ONSPD) or NSPL CSV
carehouse geo load-centroids     load (or refresh) the shipped postcode district and sector centroids
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from carehouse.directory import geography


class Command(BaseCommand):
    help = "Postcode geography: import an ONS postcode directory, or load the shipped centroids."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("import", help="Load an ONSPD or NSPL CSV (columns pcds, lat, long, laua, doterm)")
        load.add_argument("file", type=Path)
        actions.add_parser("load-centroids", help="Load the shipped postcode district and sector centroids")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            path: Path = options["file"]
            if not path.exists():
                raise CommandError(f"{path} does not exist")
            try:
                with path.open(newline="", encoding="utf-8-sig") as stream:
                    report = geography.import_postcode_directory(stream)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        else:
            report = geography.load_shipped_centroids()
        self.stdout.write(self.style.SUCCESS(f"Loaded {report.loaded:,} postcodes"))
        for reason, count in sorted(report.refused.items()):
            self.stdout.write(f"Refused {count:,}: {reason}")
        self.stdout.write(geography.ATTRIBUTION)
