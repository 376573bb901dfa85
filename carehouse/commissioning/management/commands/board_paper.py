"""``carehouse board_paper --organisation QRV --from 2026-01 --to 2026-10 [--area ODS] --out paper.html [--pdf paper.pdf]``.

Makes a board paper for a commissioning organisation, as the system acting for it (recorded in
the audit log as such), keeps it with the organisation's other papers, writes the HTML (and the
PDF when asked) and prints the paper's reading age. The figures are those last worked out; run
the refresh first if they are old.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from carehouse.commissioning import services_board
from carehouse.commissioning.dimensions import parse_filters
from carehouse.commissioning.text.readability import TARGET_HIGH, TARGET_LOW
from carehouse.core.actor import Actor
from carehouse.core.models import Organisation
from carehouse.core.roles import Role

PURPOSE = "board paper command"


class Command(BaseCommand):
    help = (
        "Make a plain-language board paper (HTML, and PDF with --pdf) for a period and area, and print its reading age."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="The commissioning organisation's ODS code, like QRV")
        parser.add_argument("--from", dest="start", required=True, help="The first month, like 2026-01")
        parser.add_argument("--to", dest="end", required=True, help="The last month, like 2026-10")
        parser.add_argument("--area", default="", help="ODS code of a network or practice within it (default: all)")
        parser.add_argument("--out", required=True, type=Path, help="Where to write the HTML")
        parser.add_argument("--pdf", type=Path, help="Where to write the PDF too")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(ods_code__iexact=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"There is no organisation with the ODS code {options['organisation']!r}")
        actor = Actor(user=None, role=Role.COMMISSIONER, organisation=organisation, purpose=PURPOSE)
        params = {"from": options["start"], "to": options["end"]}
        if options["area"]:
            area = Organisation.objects.filter(ods_code__iexact=options["area"]).first()
            params["area"] = str(area.pk) if area is not None else "none"
        filters = parse_filters(actor, params, today=timezone.localdate())
        if filters.errors:
            problems = "; ".join(
                "--area must be the ODS code of a network or practice within the organisation"
                if name == "area"
                else f"--{name}: {text}"
                for name, text in filters.errors.items()
            )
            raise CommandError(problems)
        paper = services_board.make_board_paper(actor, filters)
        out: Path = options["out"]
        out.write_text(paper.html, encoding="utf-8")
        self.stdout.write(f"Wrote {out}")
        if options["pdf"]:
            pdf_path: Path = options["pdf"]
            pdf_path.write_bytes(services_board.export_pdf(actor, paper))
            self.stdout.write(f"Wrote {pdf_path}")
        record = paper.reading_age
        verdict = "meets" if record["meets_target"] else "does not meet"
        low, high = TARGET_LOW, TARGET_HIGH
        self.stdout.write(
            f"Reading age about {round(record['reading_age'])} (SMOG {record['smog']}, Flesch reading ease "
            f"{round(record['flesch_reading_ease'])}): {verdict} the target of {low} to {high}."
        )
        for sentence in record.get("hard_sentences", []):
            self.stdout.write(f"  Hard to read: {sentence}")
