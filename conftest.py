"""Test set-up shared by every app: fixed keys, and the named personas of a tiny district.

Personas (after Healthchecks' Alice/Bob/Charlie): ``alice`` works in community A, ``bob`` in
community B; ``grace`` is A's grid worker, ``sam`` A's party secretary, ``stella`` street S1
staff, ``dora`` department staff, ``ada`` the district admin; ``rita`` is a resident of A,
``rob`` a resident of B, and ``olga`` an outsider with a login and nothing else.
"""

import base64
import os
import tempfile

os.environ.setdefault("GONGZHI_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault(
    "GONGZHI_DATA_KEY", "test1:" + base64.urlsafe_b64encode(b"k" * 32).decode().rstrip("=")
)
os.environ.setdefault("GONGZHI_DATA_DIR", tempfile.mkdtemp(prefix="gongzhi-test-"))
os.environ.setdefault("GONGZHI_TASKS_IMMEDIATE", "1")

import pytest  # noqa: E402


@pytest.fixture
def district(db):
    from tests_support import build_district

    return build_district()


@pytest.fixture
def client_for(client, district):
    """Log the named persona in on the test client and return the client."""
    from django.test import Client

    def make(name: str) -> Client:
        c = Client()
        c.force_login(district.users[name])
        return c

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
