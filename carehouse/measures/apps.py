from __future__ import annotations

from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "carehouse.measures"
    label = "measures"
    verbose_name = "Outcome, activation and experience measures"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from carehouse.measures.services.instruments import sync_shipped_after_migrate

        post_migrate.connect(sync_shipped_after_migrate, sender=self)
