"""Deployment settings and browser hardening: Django's deploy checks pass, pages carry a nonce-based CSP."""

from __future__ import annotations

import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

PROJECT_DIR = Path(settings.BASE_DIR).parent


def run_carehouse(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m carehouse`` with the virtualenv's Python and a clean, production-like environment."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV"}
    environment = {k: v for k, v in os.environ.items() if k in keep}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "carehouse", *args],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def random_secret(length: int) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


# -- deployment ------------------------------------------------------------------------------


def test_production_settings_pass_the_deploy_checks_without_warnings():
    result = run_carehouse(
        "check",
        "--deploy",
        DJANGO_SETTINGS_MODULE="carehouse.config.settings.production",
        SECRET_KEY=random_secret(60),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in output
    assert "?:" not in output  # how Django prints each check message


@pytest.mark.parametrize("secret", ["", "too-short"])
def test_production_refuses_to_start_without_a_long_secret_key(secret):
    result = run_carehouse("check", DJANGO_SETTINGS_MODULE="carehouse.config.settings.production", SECRET_KEY=secret)
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set to at least 50 characters" in result.stderr


def test_production_reads_the_secret_key_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(random_secret(64) + "\n", encoding="utf-8")
    result = run_carehouse(
        "check",
        "--deploy",
        DJANGO_SETTINGS_MODULE="carehouse.config.settings.production",
        SECRET_KEY_FILE=str(secret_file),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


# -- Content Security Policy -----------------------------------------------------------------


def nonce_of(response) -> str:
    policy = response["Content-Security-Policy"]
    match = re.search(r"script-src 'self' 'nonce-([^']+)'", policy)
    assert match, policy
    return match.group(1)


def inline_scripts(html: str) -> list[str]:
    """The opening tags of <script> elements without a src (inline code)."""
    return [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag]


def assert_inline_scripts_use_the_nonce(response) -> str:
    nonce = nonce_of(response)
    scripts = inline_scripts(response.content.decode())
    assert scripts, "the NHS.UK template has an inline script to mark the page as JavaScript-enabled"
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag
    return nonce


def test_public_page_has_a_csp_with_a_nonce_its_inline_script_uses(client, db):
    response = client.get("/login")
    assert response.status_code == 200
    nonce = assert_inline_scripts_use_the_nonce(response)
    assert len(nonce) >= 16
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy


def test_the_nonce_is_new_for_every_response(client, db):
    assert nonce_of(client.get("/login")) != nonce_of(client.get("/login"))


def test_signed_in_and_error_pages_carry_the_nonce_too(client, signed_in, priya):
    signed_in(client, priya)
    assert_inline_scripts_use_the_nonce(client.get("/people/"))
    missing = client.get("/people/999999")
    assert missing.status_code == 404
    assert_inline_scripts_use_the_nonce(missing)
    forbidden = client.get("/admin/audit")
    assert forbidden.status_code == 403
    assert_inline_scripts_use_the_nonce(forbidden)


def test_pages_carry_the_other_security_headers(client, db):
    response = client.get("/login")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# -- health check ----------------------------------------------------------------------------


def test_healthz_reports_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body == {"status": "ok", "database": connection.vendor}


def test_healthz_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405
