from __future__ import annotations

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "carehouse.referrals"
    label = "referrals"
    verbose_name = "Referrals and social prescribing"
