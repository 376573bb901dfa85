"""Settings for the demo and for development on one machine (plain HTTP on loopback)."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "carehouse-local-development-key-not-for-production")
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
STATIC_ROOT = None  # type: ignore[assignment]  # served from the app folders by WhiteNoise's finders
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
