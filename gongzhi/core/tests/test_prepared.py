"""Reads compiled once per connection (core/prepared.py), and the session store and auth
backend built on them: same rows and the same refusals as the ORM and Django's own classes."""

import datetime as dt
import threading

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.core.prepared import ByKey
from gongzhi.core.sessions import SessionStore
from gongzhi.people.backends import ModelBackend
from gongzhi.people.models import Resident

RESIDENT = ByKey(
    lambda uid: Resident.objects.filter(user_id=uid).values_list("id", "name", "phone")
)


def test_rows_match_the_orm_with_decryption_for_each_key(district):
    for user, r in (("rita", district.resident_a), ("rob", district.resident_b)):
        uid = district.users[user].pk
        expected = list(Resident.objects.filter(user_id=uid).values_list("id", "name", "phone"))
        assert RESIDENT.rows(uid) == expected == [(r.pk, r.name, r.phone)]
    assert RESIDENT.rows(10**9) == []


def test_compiled_once_per_connection_then_one_plain_query(district):
    RESIDENT.rows(district.users["rita"].pk)
    rob = district.users["rob"].pk
    with CaptureQueriesContext(connection) as q:
        assert RESIDENT.rows(rob)[0][0] == district.resident_b.pk
    assert len(q.captured_queries) == 1
    assert str(rob) in q.captured_queries[0]["sql"]


def test_refuses_queries_with_other_parameters_and_wrong_key_types(district):
    two = ByKey(lambda uid: Resident.objects.filter(user_id=uid, kind="student"))
    with pytest.raises(ValueError, match="exactly one parameter"):
        two.rows(district.users["rita"].pk)
    with pytest.raises(TypeError):
        RESIDENT.rows(str(district.users["rita"].pk))
    with pytest.raises(TypeError):
        RESIDENT.rows(True)
    with pytest.raises(TypeError):
        ByKey(lambda k: Resident.objects.all(), key_type=float)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_thread_compiles_on_its_own_connection(restore_initial_data, district):
    uid = district.users["rita"].pk
    RESIDENT.rows(uid)
    seen = []

    def other():
        conn = connections["default"]
        try:
            assert RESIDENT not in conn.__dict__.get("_gongzhi_prepared", {})
            seen.append(RESIDENT.rows(uid))
            seen.append(RESIDENT in conn.__dict__.get("_gongzhi_prepared", {}))
        finally:
            conn.close()

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen[0] == RESIDENT.rows(uid)
    assert seen[1] is True  # its own cache, on its own connection


def test_session_store_loads_saves_and_refuses_expired_or_unknown(db):
    s = SessionStore()
    s["answer"] = 42
    s.save()
    key = s.session_key
    assert SessionStore(key).load() == {"answer": 42}

    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(key)
    assert expired.load() == {}
    assert expired.session_key is None  # a fresh key when saved, never the expired one

    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_session_store_refuses_tampered_data(db):
    s = SessionStore()
    s["role"] = "resident"
    s.save()
    row = Session.objects.get(session_key=s.session_key)
    Session.objects.filter(pk=row.pk).update(session_data=row.session_data[:-3] + "abc")
    assert SessionStore(s.session_key).load() == {}


def test_backend_loads_users_and_refuses_inactive_or_missing(district):
    alice = district.users["alice"]
    user = ModelBackend().get_user(alice.pk)
    assert (user.pk, user.username, user.password) == (alice.pk, alice.username, alice.password)
    assert user._state.adding is False and user._state.db == "default"
    assert ModelBackend().get_user(str(alice.pk)).pk == alice.pk
    assert ModelBackend().get_user("nonsense") is None
    assert ModelBackend().get_user(10**9) is None
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    assert ModelBackend().get_user(alice.pk) is None


def test_signed_in_request_survives_and_password_change_signs_out(client_for, district):
    c = client_for("alice")
    assert c.get("/api/v1/me").status_code == 200
    alice = district.users["alice"]
    alice.set_password("a-new-password-123")
    alice.save()
    # Django's session hash check still applies to users the backend loads
    assert c.get("/api/v1/me").status_code == 401
