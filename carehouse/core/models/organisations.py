"""Organisations, identified by ODS-style codes."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models

ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")


def validate_ods_code(value: str) -> None:
    if not ODS_CODE.match(value):
        raise ValidationError(
            "Enter an ODS code of 3 to 10 capital letters and numbers, like A81001",
            code="invalid_ods_code",
        )


class OrganisationType(models.TextChoices):
    GP_PRACTICE = "gp_practice", "GP practice"
    PRIMARY_CARE_NETWORK = "primary_care_network", "Primary care network"
    INTEGRATED_CARE_BOARD = "integrated_care_board", "Integrated care board"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    NHS_TRUST = "nhs_trust", "NHS trust"
    VOLUNTARY_OR_COMMUNITY = "voluntary_or_community", "Voluntary or community organisation"


class Organisation(models.Model):
    ods_code = models.CharField("ODS code", max_length=10, unique=True, validators=[validate_ods_code])
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=32, choices=OrganisationType.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="For example the primary care network a practice belongs to, or the ICB of a network",
    )
    postcode = models.CharField(max_length=8, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"
