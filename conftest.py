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


@pytest.fixture(scope="module")
def restore_initial_data(django_db_blocker):
    """A transactional test ends by flushing the database. Put back what the migrations created
    (categories …) for the tests that run after it in this process (pytest-xdist --dist
    loadfile runs other files after this one)."""
    yield
    from django.db import connection

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _fresh_category_cache():
    """Each test starts from the database's categories: a test's rolled-back rows or queryset
    ``update()`` calls (which send no signals) must not reach the next test through the
    per-process cache in ``gongzhi.workorders.categories``."""
    from gongzhi.workorders import categories

    categories.reset()
    yield
