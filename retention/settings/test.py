"""The test run: real PostgreSQL (as a non-superuser role) and real Redis, fast password hashing."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://retention_app@127.0.0.1:5432/retention")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/2")
# Most tests run tasks in-process; the worker tests start a real worker on the broker above.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from .base import *  # noqa: E402, F403
from .base import CACHES  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
RLS_RESTORE_AFTER_REQUEST = ("", "on")
