"""The Jinja2 environment: our templates first, then the NHS.UK frontend macros."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from carehouse.nhsuk_forms.render import error_summary_items, nhsuk_field


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options: Any) -> Environment:
    options["undefined"] = ChainableUndefined  # the NHS.UK macros read optional params freely
    options.setdefault("autoescape", True)
    env = Environment(**options)  # noqa: S701 - autoescape is set above
    assert env.loader is not None
    env.loader = ChoiceLoader(
        [
            env.loader,
            PackageLoader("nhsuk_frontend_jinja", package_path="templates"),
        ]
    )
    env.globals.update(
        {
            "static": static,
            "url": url,
            "nhsuk_field": nhsuk_field,
            "error_summary_items": error_summary_items,
            "get_messages": get_messages,
            "STATIC_URL": settings.STATIC_URL,
        }
    )
    return env
