"""``carehouse audit verify``: check the audit log's hash chain from the first event to the last."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carehouse.core.services import audit


class Command(BaseCommand):
    help = "Audit log tools. 'verify' checks that no event has been changed, removed or reordered."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        problems = []
        checked = total = 0
        for checked, total, found in audit.iter_verify():
            problems.extend(found)
            if options["verbosity"] > 1:
                self.stdout.write(f"checked {checked:,} of {total:,}")
        if problems:
            for problem in problems[:50]:
                self.stderr.write(f"event {problem.sequence}: {problem.problem}")
            raise CommandError(
                f"The audit log has been tampered with: {len(problems)} problem(s) in {checked:,} events"
            )
        self.stdout.write(self.style.SUCCESS(f"The audit log is intact: {checked:,} events checked"))
