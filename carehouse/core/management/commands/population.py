"""``carehouse population ...``: the case-finding command line (``carehouse.population.cli``)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from carehouse.population.cli import main


class Command(BaseCommand):
    help = "Case finding and risk stratification: generate | stratify | cohort | report (see --help)"

    def run_from_argv(self, argv: list[str]) -> None:
        # argv is [program, "population", ...]: the population command line parses the rest itself.
        sys.exit(main(argv[2:]))

    def handle(self, *args: object, **options: object) -> None:
        sys.exit(main([]))
