from __future__ import annotations

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "carehouse.directory"
    label = "directory"
    verbose_name = 'Directory of "more than medicine" services'

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from carehouse.directory.services.taxonomy import seed_after_migrate

        post_migrate.connect(seed_after_migrate, sender=self)
