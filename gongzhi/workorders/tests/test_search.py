"""Full-text search of orders: indexed (FTS5 on SQLite, GIN on PostgreSQL), substring-exact,
scoped, and kept current by inserts, updates and deletes."""

import pytest
from django.db import connection

from gongzhi.core import search
from gongzhi.workorders import actions as A
from gongzhi.workorders import queries
from gongzhi.workorders.models import WorkOrder


def test_terms_are_bigrams_of_chinese_and_lowercase_words():
    assert search.terms("3栋电梯坏了 GZ001") == ["3", "栋电", "电梯", "梯坏", "坏了", "gz001"]
    assert search.terms("灯") == ["灯"]
    assert search.document("电梯坏了", "电梯") == "电梯 梯坏 坏了"
    assert search.query_terms("电梯") == ["电梯"]
    assert search.query_terms("灯") is None  # a lone character needs the substring scan
    assert search.query_terms("  ,. ") is None


def _found(user, q):
    return set(queries.orders_for(user, q=q).values_list("title", flat=True))


@pytest.fixture(params=["sparse", "dense"])
def plan(request, monkeypatch):
    """Run a test through both SQLite query plans (driven by the hits / by the list order)."""
    if request.param == "dense":
        monkeypatch.setattr(search, "DENSE_HITS", 0)
    return request.param


def test_search_is_exact_substring_and_scoped(district, plan):
    d = district
    rita, rob = d.users["rita"], d.users["rob"]
    A.do_submit(rita, title="三栋电梯坏了", description="三栋电梯坏了，困人", category="property")
    A.do_submit(rita, title="楼梯坏的电梯", description="楼梯坏的电梯", category="property")
    A.do_submit(rita, title="路灯不亮", description="小区路灯不亮", category="municipal")
    A.do_submit(rob, title="B区电梯坏了", description="B区电梯坏了", category="property")
    alice, bob = d.users["alice"], d.users["bob"]
    assert _found(alice, "电梯") == {"三栋电梯坏了", "楼梯坏的电梯"}
    # 楼梯坏的电梯 holds both bigrams of 电梯坏 but not the phrase: the recheck drops it
    assert _found(alice, "电梯坏") == {"三栋电梯坏了"}
    assert _found(alice, "梯坏") == {"三栋电梯坏了", "楼梯坏的电梯"}
    assert _found(alice, "灯") == {"路灯不亮"}  # one character: substring scan
    assert _found(alice, "困人") == {"三栋电梯坏了"}  # found in the description
    assert _found(bob, "电梯") == {"B区电梯坏了"}  # community B sees only its own
    assert _found(alice, "不存在的问题") == set()


def test_search_by_number_and_latin_words(district, plan):
    d = district
    o = A.do_submit(d.users["rita"], description="WiFi 信号差", category="other")
    alice = d.users["alice"]
    assert _found(alice, o.number) == {o.title}
    assert _found(alice, o.number.lower()) == {o.title}
    assert _found(alice, "wifi") == {o.title}


def test_index_follows_updates_and_deletes(district, plan):
    d = district
    o = A.do_submit(d.users["rita"], description="井盖丢了很危险", category="municipal")
    alice = d.users["alice"]
    assert _found(alice, "井盖") == {o.title}
    o.description, o.title = "垃圾桶满了", "垃圾桶满了"
    o.search_terms = o.search_document()
    o.save(update_fields=["title", "description", "search_terms"])
    assert _found(alice, "井盖") == set() and _found(alice, "垃圾") == {"垃圾桶满了"}
    WorkOrder.objects.filter(pk=o.pk).delete()
    assert _found(alice, "垃圾") == set()


@pytest.mark.django_db
def test_search_uses_the_index():
    qs = search.matching(WorkOrder.objects.all(), "电梯坏了", ("title", "description"))
    plan = qs.explain()
    if connection.vendor == "sqlite":
        assert "workorders_workorder_fts" in plan and "VIRTUAL TABLE" in plan
    else:
        assert "workorders_workorder_terms" in plan or "Seq Scan" in plan  # tiny tables: seq
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
            assert "workorders_workorder_terms" in qs.explain()
