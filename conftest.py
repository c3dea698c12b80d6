"""Test set-up shared by every app (settings: gongzhi/test_settings.py): the named personas of a
tiny district.

Personas (after Healthchecks' Alice/Bob/Charlie): ``alice`` works in community A, ``bob`` in
community B; ``grace`` is A's grid worker, ``sam`` A's party secretary, ``stella`` street S1
staff, ``dora`` department staff, ``ada`` the district admin; ``rita`` is a resident of A,
``rob`` a resident of B, and ``olga`` an outsider with a login and nothing else.
"""

import pytest


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
