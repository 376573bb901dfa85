"""``carehouse commissioning_link EXTRACT``: link a population extract to Carehouse records.

``EXTRACT`` is the name of a folder in ``POPULATION_EXTRACTS_DIR`` (the same extracts case
finding lists). People are matched by NHS number; their deprivation decile, number of long-term
conditions, segment and monthly hospital activity replace what was linked before. Recorded in
the audit log as the system ("commissioning_link"), with counts only. Run ``carehouse
commissioning_link riverside-demo`` after the demo extract changes, then let the nightly refresh
(or the overview page's button) work the figures out again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from carehouse.casefinding.extracts import configured_extract_path, configured_extracts
from carehouse.commissioning.linkage import LinkError
from carehouse.commissioning.services import link_extract
from carehouse.core.actor import Actor


class Command(BaseCommand):
    help = "Link a population extract (a folder in POPULATION_EXTRACTS_DIR) to Carehouse records by NHS number."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("extract", help="The extract's folder name, like riverside-demo")

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["extract"]
        try:
            folder = configured_extract_path(name)
        except ValidationError as error:
            known = ", ".join(configured_extracts()) or "none are set up"
            raise CommandError(f"There is no extract called {name!r} (extracts: {known})") from error
        try:
            summary = link_extract(Actor.system("commissioning_link"), folder)
        except LinkError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Linked {summary.matched:,} of {summary.persons_in_extract:,} people in {name} "
                f"(as at {summary.as_at:%-d %B %Y}); {summary.activity_rows:,} months of hospital activity"
            )
        )
        if summary.duplicate_numbers:
            self.stdout.write(
                f"{summary.duplicate_numbers:,} NHS numbers were given to more than one person in the extract: not linked"
            )
