"""``carehouse demo_code``: the demo administrator's current security code (demo only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from carehouse.core.demo_data import DEMO_ADMIN_TOTP_KEY_HEX


class Command(BaseCommand):
    help = "Print the demo administrator's current 6-digit security code. Refused outside the demo (DEBUG off)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_code only works in the demo (DEBUG on)")
        code = totp(bytes.fromhex(DEMO_ADMIN_TOTP_KEY_HEX))
        self.stdout.write(f"{code:06d}")
