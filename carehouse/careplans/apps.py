from __future__ import annotations

from django.apps import AppConfig


class CarePlansConfig(AppConfig):
    name = "carehouse.careplans"
    label = "careplans"
    verbose_name = "Personalised care and support plans"
