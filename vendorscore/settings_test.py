"""Test settings: the real settings with a fast password hasher and eager Celery.

Tests that need a real worker, PostgreSQL, Redis, SMTP or Chromium ask for them through
fixtures in ``tests/conftest.py``; everything else runs on the embedded defaults.
"""

import os

os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from vendorscore.settings import *  # noqa: E402,F403
from vendorscore.settings import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not ":memory:", so a worker process started by a test sees the same database;
    # one per test run, so two runs on the same checkout do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
# Pages render without collectstatic; tests/test_static.py collects into a temporary root itself.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_KEEP_ONLY_HASHED_FILES = False
