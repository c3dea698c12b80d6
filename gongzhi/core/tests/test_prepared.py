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


# --- CompiledInsert -------------------------------------------------------------------------


def _order(district, **kw):
    from gongzhi.workorders import actions as wo

    return wo.do_submit(
        district.users["alice"],
        description="楼道灯坏了",
        category="municipal",
        channel="phone",
        community_id=district.a.pk,
        reporter_name="张三",
        reporter_phone="13900001111",
        **kw,
    )


def test_insert_stores_what_django_would_encrypted_and_read_back(district):
    from gongzhi.workorders.models import Event, WorkOrder

    o = _order(district)
    assert o.pk and o._state.adding is False and o._state.db == "default"
    with connection.cursor() as cur:
        cur.execute(
            "SELECT reporter_name, reporter_phone FROM workorders_workorder WHERE id=%s", [o.pk]
        )
        raw_name, raw_phone = cur.fetchone()
    assert "张三" not in raw_name and "13900001111" not in raw_phone  # encrypted at rest
    back = WorkOrder.objects.get(pk=o.pk)
    assert (back.reporter_name, back.reporter_phone) == ("张三", "13900001111")
    assert back.number == o.number and back.search_terms  # the model's own save() still ran
    ev = Event.objects.get(order=o)
    assert ev.pk == o.submit_event.pk and ev.data == {"channel": "phone"}  # JSON prepared


def test_insert_sends_signals_and_second_insert_is_one_query(district):
    from django.db.models.signals import post_save, pre_save

    from gongzhi.workorders.models import Notification

    seen = []

    def pre(sender, instance, **kw):
        seen.append(("pre", instance.pk, kw["raw"], kw["update_fields"]))

    def post(sender, instance, created, **kw):
        seen.append(("post", instance.pk, created))

    pre_save.connect(pre, sender=Notification)
    post_save.connect(post, sender=Notification)
    try:
        user = district.users["rita"]
        Notification.objects.create(user=user, verb="x", text="一")
        seen.clear()
        with CaptureQueriesContext(connection) as q:
            n = Notification.objects.create(user=user, verb="x", text="二")
        assert [x["sql"].split()[0] for x in q.captured_queries] == ["INSERT"]
        assert seen == [("pre", None, False, None), ("post", n.pk, True)]
        assert Notification.objects.get(pk=n.pk).text == "二" and n.created_at is not None
    finally:
        pre_save.disconnect(pre, sender=Notification)
        post_save.disconnect(post, sender=Notification)


def test_insert_leaves_updates_explicit_keys_and_expressions_to_django(district):
    from django.db.models import Value
    from django.db.models.functions import Upper

    from gongzhi.workorders.models import Notification

    user = district.users["rita"]
    n = Notification.objects.create(user=user, verb="x", text="原文")
    n.text = "改"
    n.save(update_fields=["text"])  # an UPDATE, through Django
    assert Notification.objects.get(pk=n.pk).text == "改"
    Notification.objects.create(id=n.pk + 1000, user=user, verb="x", text="指定主键")
    assert Notification.objects.filter(pk=n.pk + 1000).exists()
    e = Notification(user=user, verb="x", text=Upper(Value("abc")))
    e.save()  # an expression as a value: Django's compiler resolves it
    assert Notification.objects.get(pk=e.pk).text == "ABC"


def test_failed_insert_changes_nothing_and_marks_the_transaction(district):
    from django.db import IntegrityError, transaction

    from gongzhi.workorders.models import Notification

    before = Notification.objects.count()
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Notification.objects.create(user=district.users["rita"], verb="x", text=None)
    assert Notification.objects.count() == before
