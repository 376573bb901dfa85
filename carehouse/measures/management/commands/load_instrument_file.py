"""``carehouse load_instrument_file PATH``: load a definition or licensed wording from a file on the server.

The same as an administrator uploading the file on the Questionnaires page, for a deployment
that loads its licensed wording when it is set up. It is recorded in the audit log as the
system ("load_instrument_file").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from carehouse.measures.services import instruments as instrument_services


class Command(BaseCommand):
    help = "Load an instrument definition, or the licensed wording of one (an item text pack), from a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The JSON file to load")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from error
        try:
            instrument = instrument_services.load_file_on_server(content)
        except ValidationError as error:
            raise CommandError(f"{path} was not loaded: {'; '.join(error.messages)}") from error
        what = "licensed wording" if instrument.item_text else "definition"
        self.stdout.write(self.style.SUCCESS(f"Loaded the {what} of {instrument}"))
