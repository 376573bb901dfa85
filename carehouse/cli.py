"""The ``carehouse`` console command: Django's management commands plus our own.

carehouse demo            set up the demo database and start the server
carehouse seed            build the synthetic demo data
carehouse audit verify    check the audit log's hash chain
carehouse db_worker       run background jobs
carehouse <any Django management command>
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehouse.config.settings.local")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "carehouse"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
