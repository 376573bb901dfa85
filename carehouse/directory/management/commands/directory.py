"""``carehouse directory import|export|reindex``: HSDS data in and out, and the search index.

carehouse directory import PATH [--dry-run]        a JSON / ndjson file, or a folder of CSV tables or JSON
carehouse directory export --format json|ndjson|csv OUT
carehouse directory reindex                        rebuild the search index from nothing
carehouse directory remind                         send the review reminders now due (run daily, e.g. from cron)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from carehouse.directory.hsds import exporter, importer
from carehouse.directory.search import index
from carehouse.directory.services import keeping


class Command(BaseCommand):
    help = "Directory tools: import and export HSDS 3.0 data, and rebuild the search index."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("import", help="Import HSDS 3.0 JSON, ndjson or a CSV datapackage folder")
        load.add_argument("path", type=Path)
        load.add_argument("--dry-run", action="store_true", help="Check and report, but change nothing")
        out = actions.add_parser("export", help="Export the whole directory as HSDS 3.0")
        out.add_argument("--format", choices=exporter.FORMATS, default="json")
        out.add_argument("out", type=Path, help="A file (json, ndjson) or a folder (csv)")
        actions.add_parser("reindex", help="Rebuild the search index")
        actions.add_parser("remind", help="Send the review reminders that are due (run it daily)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "import":
            self._import(options["path"], dry_run=options["dry_run"])
        elif action == "export":
            self.stdout.write(exporter.export(options["format"], options["out"]))
        elif action == "remind":
            sent = keeping.send_review_reminders()
            self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in sent.items()))
        else:
            total = index.rebuild(progress=self._progress if options["verbosity"] > 1 else None)
            self.stdout.write(self.style.SUCCESS(f"Reindexed {total:,} services"))

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"reindexed {done:,} of {total:,}")

    def _import(self, path: Path, *, dry_run: bool) -> None:
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        try:
            report = importer.import_path(path, dry_run=dry_run)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        lines = list(importer.iter_lines(report))
        self.stdout.write(self.style.SUCCESS(lines[0]) if not report.refused else lines[0])
        for line in lines[1:]:
            (self.stderr if line.startswith("Refused") else self.stdout).write(line)
