"""Settings for the test suite: a fixed test key, a throw-away data folder, the task queue in
immediate mode and fast password hashing. Everything else as in production settings."""

import base64
import os
import tempfile

os.environ.setdefault("GONGZHI_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault(
    "GONGZHI_DATA_KEY", "test1:" + base64.urlsafe_b64encode(b"k" * 32).decode().rstrip("=")
)
os.environ.setdefault("GONGZHI_DATA_DIR", tempfile.mkdtemp(prefix="gongzhi-test-"))
os.environ.setdefault("GONGZHI_TASKS_IMMEDIATE", "1")

from gongzhi.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
