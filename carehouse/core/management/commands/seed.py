"""``carehouse seed``: build the synthetic demo data (deterministic with --seed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carehouse.core import demo_data


class Command(BaseCommand):
    help = "Build a fictional integrated care board with staff in every role and synthetic people."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed builds the same data")
        parser.add_argument("--people", type=int, default=300, help="How many synthetic people to create")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["people"] < 2:
            raise CommandError("--people must be at least 2 (the demo person and the person with a carer)")
        try:
            summary = demo_data.seed(people=options["people"], seed_value=options["seed"], commissioning_history=True)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Created {summary.organisations} organisations and {summary.people} people.")
        )
        print_logins(self.stdout.write, summary.logins)


def print_logins(write: Any, logins: list[demo_data.DemoLogin]) -> None:
    write("")
    write(f"Demo sign-ins (password for all: {demo_data.DEMO_PASSWORD})")
    for login in logins:
        write(f"  {login.role:<15} {login.email:<28} {login.organisation}")
    write("")
    write("The administrator also needs a security code: run 'carehouse demo_code' to see the current one,")
    write(f"or add this key to an authenticator app: {demo_data.demo_admin_key_base32()}")
