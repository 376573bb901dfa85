"""Render Django form fields as NHS.UK frontend components (see docs/adr/0003-nhsuk-forms.md).

In a template, ``{{ nhsuk_field(form["postcode"]) }}`` draws the right component
(input, textarea, select, radios, checkboxes or date input) with its label, hint, error
message and the value the user typed; ``error_summary_items(form)`` lists the errors
for the error summary at the top of the page.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django import forms
from django.template import engines
from jinja2 import Environment
from markupsafe import Markup

from carehouse.nhsuk_forms.fields import DateInputWidget

_INPUT_TYPES = {
    forms.EmailInput: "email",
    forms.NumberInput: "number",
    forms.PasswordInput: "password",
    forms.URLInput: "url",
}


@cache
def _environment() -> Environment:
    engine = engines["jinja2"]
    return engine.env  # type: ignore[attr-defined,no-any-return]


def _macro(component: str, name: str) -> Any:
    template = _environment().get_template(f"nhsuk/components/{component}/macro.jinja")
    return getattr(template.module, name)


def _error(bound: forms.BoundField) -> dict[str, str] | None:
    return {"text": " ".join(str(e) for e in bound.errors)} if bound.errors else None


def _label(bound: forms.BoundField, overrides: dict[str, Any]) -> dict[str, Any]:
    label: dict[str, Any] = {"text": str(bound.label)}
    if overrides.get("page_heading"):
        label.update({"size": "l", "isPageHeading": True})
    return label


def _str_value(value: Any) -> str:
    return "" if value is None else str(value)


def field_id(bound: forms.BoundField) -> str:
    """The id the error summary should link to."""
    if isinstance(bound.field.widget, DateInputWidget):
        return f"{bound.auto_id}_day"
    if isinstance(bound.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return str(bound.auto_id)
    return str(bound.auto_id)


def error_summary_items(form: forms.BaseForm) -> list[dict[str, str]]:
    items = [{"text": str(error), "href": "#"} for error in form.non_field_errors()]
    for name in form.errors:
        if name == "__all__":
            continue
        bound = form[name]
        for error in bound.errors:
            items.append({"text": str(error), "href": f"#{field_id(bound)}"})
    return items


def nhsuk_field(bound: forms.BoundField, **overrides: Any) -> Markup:
    """Render one bound field as the matching NHS.UK component."""
    widget = bound.field.widget
    hint = {"text": str(bound.help_text)} if bound.help_text else None
    if overrides.get("hint"):
        hint = {"text": overrides["hint"]}
    error = _error(bound)
    attributes = dict(overrides.get("attributes", {}))
    if bound.field.required and not isinstance(widget, forms.CheckboxInput):
        attributes.setdefault("aria-required", "true")

    if isinstance(widget, DateInputWidget):
        values = bound.value()
        if not isinstance(values, (list, tuple)):
            values = widget.decompress(values)
        parts = [_str_value(v) for v in values]
        name = bound.html_name
        base_id = str(bound.auto_id)
        items = [
            {
                "id": f"{base_id}_{part}",
                "name": f"{name}_{part}",
                "label": part.capitalize(),
                "value": val,
                "width": 4 if part == "year" else 2,
                "classes": "nhsuk-input--error" if error else "",
            }
            for part, val in zip(("day", "month", "year"), parts, strict=True)
        ]
        legend: dict[str, Any] = {"text": str(bound.label)}
        if overrides.get("page_heading"):
            legend.update({"size": "l", "isPageHeading": True})
        return Markup(  # noqa: S704 - the macro escapes its inputs
            _macro("date-input", "dateInput")(
                {"id": base_id, "fieldset": {"legend": legend}, "hint": hint, "errorMessage": error, "items": items}
            )
        )

    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        current = bound.value()
        selected = {str(v) for v in (current if isinstance(current, (list, tuple)) else [current])}
        items = [
            {"value": str(value), "text": str(text), "checked": str(value) in selected}
            for value, text in bound.field.choices  # type: ignore[attr-defined]
            if str(value) != ""
        ]
        legend = {"text": str(bound.label)}
        if overrides.get("page_heading"):
            legend.update({"size": "l", "isPageHeading": True})
        else:
            legend.update({"size": "s"})
        # Django's CheckboxSelectMultiple is a kind of RadioSelect, so ask about checkboxes first.
        component, macro = (
            ("checkboxes", "checkboxes") if isinstance(widget, forms.CheckboxSelectMultiple) else ("radios", "radios")
        )
        params = {
            "name": bound.html_name,
            "idPrefix": str(bound.auto_id),
            "fieldset": {"legend": legend},
            "hint": hint,
            "errorMessage": error,
            "items": items,
        }
        if overrides.get("inline"):
            params["classes"] = "nhsuk-radios--inline"
        return Markup(_macro(component, macro)(params))  # noqa: S704

    if isinstance(widget, forms.CheckboxInput):
        return Markup(  # noqa: S704
            _macro("checkboxes", "checkboxes")(
                {
                    "name": bound.html_name,
                    "idPrefix": str(bound.auto_id),
                    "hint": hint,
                    "errorMessage": error,
                    "items": [{"value": "on", "text": str(bound.label), "checked": bool(bound.value())}],
                }
            )
        )

    if isinstance(widget, forms.Select):
        current = _str_value(bound.value())
        items = [
            {"value": str(value), "text": str(text), "selected": str(value) == current}
            for value, text in bound.field.choices  # type: ignore[attr-defined]
        ]
        return Markup(  # noqa: S704
            _macro("select", "select")(
                {
                    "id": str(bound.auto_id),
                    "name": bound.html_name,
                    "label": _label(bound, overrides),
                    "hint": hint,
                    "errorMessage": error,
                    "items": items,
                    "attributes": attributes,
                }
            )
        )

    if isinstance(widget, forms.Textarea):
        return Markup(  # noqa: S704
            _macro("textarea", "textarea")(
                {
                    "id": str(bound.auto_id),
                    "name": bound.html_name,
                    "label": _label(bound, overrides),
                    "hint": hint,
                    "errorMessage": error,
                    "value": _str_value(bound.value()),
                    "rows": overrides.get("rows", 5),
                    "attributes": attributes,
                }
            )
        )

    input_type = next((t for cls, t in _INPUT_TYPES.items() if isinstance(widget, cls)), "text")
    value = "" if input_type == "password" else _str_value(bound.value())
    input_params: dict[str, Any] = {
        "id": str(bound.auto_id),
        "name": bound.html_name,
        "type": input_type,
        "label": _label(bound, overrides),
        "hint": hint,
        "errorMessage": error,
        "value": value,
        "attributes": attributes,
    }
    for key in ("autocomplete", "spellcheck", "inputmode", "classes", "width"):
        if key in overrides:
            input_params[key] = overrides[key]
    if input_type == "password":
        return Markup(_macro("password-input", "passwordInput")(input_params))  # noqa: S704
    return Markup(_macro("input", "input")(input_params))  # noqa: S704
