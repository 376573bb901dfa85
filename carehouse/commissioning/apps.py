from __future__ import annotations

from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "carehouse.commissioning"
    label = "commissioning"
    verbose_name = "Commissioning"
