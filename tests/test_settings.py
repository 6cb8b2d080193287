"""Settings come from the environment with embedded defaults that need no service."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'broker': settings.CELERY_BROKER_URL, "
    "'email': settings.EMAIL_BACKEND, 'media': str(settings.MEDIA_ROOT), 'debug': settings.DEBUG, "
    "'hosts': settings.ALLOWED_HOSTS, 'eager': settings.CELERY_TASK_ALWAYS_EAGER}))"
)


def _settings_in_subprocess(tmp_path, **env):
    """Load the real settings in a fresh interpreter with only the given environment."""
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "VENDORSCORE_VAR_DIR": str(tmp_path / "var")}
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "vendorscore.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def test_defaults_boot_with_no_environment(tmp_path):
    result = _settings_in_subprocess(tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"] == str(tmp_path / "var" / "vendorscore.sqlite3")
    assert found["broker"] == "filesystem://"
    assert found["email"] == "django.core.mail.backends.filebased.EmailBackend"
    assert found["media"] == str(tmp_path / "var" / "media")
    assert found["eager"] is False
    assert (tmp_path / "var" / "secret_key").exists()
    assert (tmp_path / "var" / "mail").is_dir()


def test_generated_secret_key_is_kept_between_starts(tmp_path):
    _settings_in_subprocess(tmp_path)
    first = (tmp_path / "var" / "secret_key").read_text()
    _settings_in_subprocess(tmp_path)
    assert (tmp_path / "var" / "secret_key").read_text() == first


def test_database_url_switches_to_postgresql(tmp_path):
    result = _settings_in_subprocess(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:5432/vendorscore")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "vendorscore"


def test_environment_overrides_broker_email_hosts_media_and_eager(tmp_path):
    result = _settings_in_subprocess(
        tmp_path,
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        EMAIL_URL="smtp://mailer.internal:2525",
        ALLOWED_HOSTS="vendorscore.example.com,10.0.0.5",
        MEDIA_ROOT=str(tmp_path / "uploads"),
        CELERY_TASK_ALWAYS_EAGER="true",
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["broker"] == "redis://127.0.0.1:6379/0"
    assert found["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert found["hosts"] == ["vendorscore.example.com", "10.0.0.5"]
    assert found["media"] == str(tmp_path / "uploads")
    assert found["eager"] is True


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = _settings_in_subprocess(tmp_path, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_starts_with_a_secret_key(tmp_path):
    result = _settings_in_subprocess(tmp_path, DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_models_and_migrations_agree(db):
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


HTTPS_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'redirect': settings.SECURE_SSL_REDIRECT, 'hsts': settings.SECURE_HSTS_SECONDS, "
    "'subdomains': settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "'proxy': getattr(settings, 'SECURE_PROXY_SSL_HEADER', None)}))"
)


def _https_settings(tmp_path, **env):
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "VENDORSCORE_VAR_DIR": str(tmp_path / "var"), **env}
    result = subprocess.run(
        [sys.executable, "-c", HTTPS_PROBE],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "vendorscore.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_https_redirect_and_hsts_are_off_locally_and_on_from_the_environment(tmp_path):
    assert _https_settings(tmp_path) == {"redirect": False, "hsts": 0, "subdomains": False, "proxy": None}
    production = _https_settings(
        tmp_path,
        DEBUG="false",
        SECRET_KEY="x" * 50,
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_PROXY_SSL_HEADER="true",
    )
    assert production == {
        "redirect": True,
        "hsts": 31536000,
        "subdomains": True,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_the_ssl_redirect_and_hsts_header_take_effect(client, settings, lead):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=3600"


def test_the_bucket_storage_needs_a_bucket_and_an_unknown_storage_is_refused(tmp_path):
    without_bucket = _settings_in_subprocess(tmp_path, VENDORSCORE_STORAGE="s3")
    assert without_bucket.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in without_bucket.stderr
    unknown = _settings_in_subprocess(tmp_path, VENDORSCORE_STORAGE="ftp")
    assert unknown.returncode != 0 and "VENDORSCORE_STORAGE must be local or s3, not 'ftp'" in unknown.stderr
