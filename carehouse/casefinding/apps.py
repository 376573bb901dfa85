from __future__ import annotations

from django.apps import AppConfig


class CaseFindingConfig(AppConfig):
    name = "carehouse.casefinding"
    label = "casefinding"
    verbose_name = "Case finding"
