"""SNOMED CT identifiers: the shape every code we store must have, so it can always be sent on."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def is_sctid(code: str) -> bool:
    """A SNOMED CT identifier's shape: 6 to 18 digits, not starting with 0."""
    return code.isascii() and code.isdigit() and 6 <= len(code) <= 18 and not code.startswith("0")


def validate_sctid(code: str) -> None:
    if not is_sctid(code):
        raise ValidationError(
            "Enter a SNOMED CT code of 6 to 18 digits, like 300738008, or leave it blank", code="invalid_sctid"
        )
