"""``carehouse demo``: migrate, seed if empty, print the sign-ins, run the server and a job worker."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from carehouse.core import demo_data
from carehouse.core.management.commands.seed import print_logins
from carehouse.core.models import Organisation


class Command(BaseCommand):
    help = "Start the demo: SQLite database, synthetic data, every role, at http://127.0.0.1:8000"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default="8000")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--people", type=int, default=300)
        parser.add_argument("--no-server", action="store_true", help="Set up and print the sign-ins, then stop")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if Organisation.objects.filter(ods_code="QRV").exists():
            self.stdout.write("Using the existing demo data.")
            logins = demo_data.demo_logins()
        else:
            self.stdout.write("Building the demo data…")
            logins = demo_data.seed(
                people=options["people"], seed_value=options["seed"], commissioning_history=True
            ).logins
        print_logins(self.stdout.write, logins)
        call_command("schedule_jobs", stdout=self.stdout)  # referral timers hourly, review reminders daily
        if options["no_server"]:
            return
        self.stdout.write(f"Carehouse is starting at http://127.0.0.1:{options['port']}/ (Ctrl+C to stop)")
        worker = subprocess.Popen([sys.executable, "-m", "carehouse", "db_worker", "--no-startup-delay"])
        try:
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
