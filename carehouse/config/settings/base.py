"""Settings shared by every environment. Read from the environment, with safe defaults."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.csp import CSP

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """A secret from NAME or from the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "ninja",
    "carehouse.core",
    "carehouse.people",
    "carehouse.careplans",
    "carehouse.measures",
    "carehouse.directory",
    "carehouse.referrals",
    "carehouse.casefinding",
    "carehouse.commissioning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "carehouse.directory.oruk.middleware.OpenReferralApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "carehouse.core.middleware.ActorMiddleware",
]

ROOT_URLCONF = "carehouse.config.urls"
WSGI_APPLICATION = "carehouse.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "carehouse.config.jinja2_env.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.messages.context_processors.messages",
                "carehouse.core.context_processors.shell",
            ],
        },
    },
    {
        # Django's own templates (the ninja API docs page) use the Django engine.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
            ]
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'carehouse.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:start"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = PROJECT_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Sessions: 15 minutes of inactivity ends a session (each request renews it).
SESSION_COOKIE_AGE = 15 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True

# Transport and browser hardening.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: Django's built-in middleware, scripts only from us or with a nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Login throttling: this many failures for one username or one address in the window
# locks further attempts until the window has passed.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", str(15 * 60)))

OTP_TOTP_ISSUER = "Carehouse"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

MAILERS = {"default": {"BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "carehouse@example.nhs.uk")

NINJA_PAGINATION_PER_PAGE = 50

# The directory: a service not reviewed for this many days is stale (demoted and flagged in search);
# reminders go to whoever keeps it this many days before, then at the due date, then after.
DIRECTORY_REVIEW_PERIOD_DAYS = int(os.environ.get("DIRECTORY_REVIEW_PERIOD_DAYS", "180"))
DIRECTORY_REMINDER_OFFSETS_DAYS = (-14, 0, 14)
#: How far a postcode search looks when no distance is given, in metres (ALISS's web default).
DIRECTORY_DEFAULT_RADIUS_METRES = 10_000

# Jobs the worker repeats (``carehouse schedule_jobs`` starts them), and how often, in minutes.
RECURRING_TASKS = {
    "carehouse.referrals.tasks.run_referral_timers": 60,  # reminders to services, then expiry
    "carehouse.directory.tasks.send_review_reminders": 24 * 60,  # directory entries due for review
    "carehouse.commissioning.tasks.refresh_figures": 24 * 60,  # the commissioning figures, every night
}

# Where links in emails point (no trailing slash).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Referrals: a service that gives no response time must answer within this many days, or the
# referral expires; reminders go this many days before the deadline; accepted referrals with no
# first contact after this many days are overdue; open ones with no news for this long need a follow-up.
REFERRAL_DEFAULT_RESPONSE_DAYS = int(os.environ.get("REFERRAL_DEFAULT_RESPONSE_DAYS", "14"))
REFERRAL_REMINDER_DAYS_BEFORE = (7, 2)
REFERRAL_FIRST_CONTACT_DAYS = int(os.environ.get("REFERRAL_FIRST_CONTACT_DAYS", "10"))
REFERRAL_FOLLOW_UP_DAYS = int(os.environ.get("REFERRAL_FOLLOW_UP_DAYS", "42"))
#: How long a signed email link lets a service without accounts answer a referral.
REFERRAL_LINK_MAX_AGE_DAYS = int(os.environ.get("REFERRAL_LINK_MAX_AGE_DAYS", "30"))

# Case finding: configured population extracts (one folder each), where runs unpack uploads and write
# their output (removed when the run ends), and the largest upload accepted (and its largest unpacked size).
POPULATION_EXTRACTS_DIR = Path(os.environ.get("POPULATION_EXTRACTS_DIR", str(PROJECT_DIR / "var" / "extracts")))
CASEFINDING_WORK_DIR = Path(os.environ.get("CASEFINDING_WORK_DIR", str(PROJECT_DIR / "var" / "case-finding")))
CASEFINDING_MAX_UPLOAD_BYTES = int(os.environ.get("CASEFINDING_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))
CASEFINDING_MAX_UNPACKED_BYTES = int(os.environ.get("CASEFINDING_MAX_UNPACKED_BYTES", str(2 * 1024 * 1024 * 1024)))

# Commissioning needs analysis: how free text is grouped into themes ("auto": sentence embeddings when the
# model is installed, else keywords; "keywords" is much faster for national-scale rebuilds).
COMMISSIONING_THEME_METHOD = os.environ.get("COMMISSIONING_THEME_METHOD", "auto")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "carehouse.config.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "INFO"},
    },
}
