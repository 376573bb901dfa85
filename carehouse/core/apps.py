from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "carehouse.core"
    label = "core"
    verbose_name = "Organisations, users, roles and audit"
