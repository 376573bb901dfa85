"""Form fields that the NHS.UK components need and Django does not have."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class DateInputWidget(forms.MultiWidget):
    """Day, month and year boxes, as the NHS.UK date input pattern asks."""

    template_name = "django/forms/widgets/multiwidget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "day": forms.TextInput(),
            "month": forms.TextInput(),
            "year": forms.TextInput(),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.MultiValueField):
    """A date typed as day, month and year, with NHS.UK-style error messages."""

    widget = DateInputWidget

    def __init__(
        self,
        *,
        earliest: datetime.date | None = None,
        latest: datetime.date | None = None,
        **kwargs: Any,
    ) -> None:
        self.earliest = earliest
        self.latest = latest
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields=fields, **kwargs)

    def clean(self, value: Any) -> datetime.date | None:
        day, month, year = [str(part or "").strip() for part in (value or ["", "", ""])]
        label = str(self.label or "Date")
        if not (day or month or year):
            if self.required:
                message = self.error_messages["required"]
                if message == forms.Field.default_error_messages["required"]:
                    message = f"Enter {label.lower()}"
                raise ValidationError(message, code="required")
            return None
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise ValidationError(f"{label} must include a {' and '.join(missing)}", code="incomplete")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValidationError(f"{label} must be a real date", code="invalid")
        try:
            date = datetime.date(int(year), int(month), int(day))
        except ValueError as error:
            raise ValidationError(f"{label} must be a real date", code="invalid") from error
        if self.latest and date > self.latest:
            raise ValidationError(f"{label} must be today or in the past", code="too_late")
        if self.earliest and date < self.earliest:
            raise ValidationError(f"{label} must be after {self.earliest:%-d %B %Y}", code="too_early")
        return date

    def compress(self, data_list: list[Any]) -> Any:  # pragma: no cover - clean() does the work
        return data_list
