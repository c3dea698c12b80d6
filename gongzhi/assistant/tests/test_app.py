"""The assistant inside the platform: logging, hand-off to work orders, emergency alerts, the
knowledge-base workflow and the learning loop. (The engine itself: test_engine.py.)"""

import json
import re

import pytest
from django.http import Http404

from gongzhi.assistant import actions, queries, service
from gongzhi.assistant.models import Entry, Exchange
from gongzhi.core.errors import ActionError
from gongzhi.people.models import RoleGrant, User
from gongzhi.workorders.models import Notification, WorkOrder


@pytest.fixture(autouse=True)
def fresh_engine():
    service.reset()
    yield
    service.reset()


def test_questions_are_answered_and_logged_without_personal_numbers(district):
    reply, ex = actions.do_ask(district.users["rita"], "我手机13812345678，居住证怎么签注")
    assert reply.kind == "answer" and ex.entry_key == reply.entry_id
    assert "13812345678" not in ex.question and ex.community == district.a


def test_emergency_alerts_the_community_on_duty(district):
    reply, ex = actions.do_ask(district.users["rita"], "楼下厨房着火了，好大的烟")
    assert reply.kind == "emergency" and "119" in reply.text
    alerted = set(
        Notification.objects.filter(verb="emergency").values_list("user__username", flat=True)
    )
    assert {"alice", "sam", "grace"} <= alerted and "bob" not in alerted


def test_handoff_opens_one_work_order_with_the_category(district):
    reply, ex = actions.do_ask(district.users["rita"], "小区垃圾桶满了三天都没人清运，臭死了")
    assert reply.kind == "handoff" and reply.category
    order = actions.do_handoff(district.users["rita"], ex.pk)
    assert order.channel == "assistant" and order.category.name == reply.category
    assert order.reporter == district.resident_a and order.source_ref == f"assistant:{ex.pk}"
    with pytest.raises(ActionError):
        actions.do_handoff(district.users["rita"], ex.pk)
    with pytest.raises(Http404):  # somebody else's conversation
        actions.do_handoff(district.users["rob"], ex.pk)
    assert WorkOrder.objects.count() == 1


def test_answers_fill_community_facts_and_never_invent_them(district):
    entry = Entry.objects.create(
        key="t-office",
        topic="测试",
        question="社区居委会在哪里办公",
        similar=["居委会地址"],
        answer="请到{community_office_address}办理，电话{community_duty_phone}。",
        status="published",
    )
    reply, _ = actions.do_ask(district.users["rita"], "社区居委会在哪里办公")
    assert reply.entry_id == entry.key and "甲路1号" in reply.text
    # no duty phone on file: the clause is dropped or neutral, never a made-up number
    assert "{" not in reply.text and not re.search(r"\d{5,}", reply.text)


def test_four_eyes_review_then_publish_makes_an_entry_answerable(district):
    ada = district.users["ada"]
    ada2 = User.objects.create_user("ada2")
    RoleGrant.objects.create(user=ada2, role="district_admin", unit=district.district)
    data = {
        "question": "共治平台的吉祥物叫什么名字",
        "answer": "吉祥物叫小栖。",
        "topic": "平台使用",
        "similar": "吉祥物是谁\n平台吉祥物名字",
    }
    e = actions.do_save_entry(ada, data)
    assert e.status == "draft" and e.versions.count() == 1
    reply, _ = actions.do_ask(district.users["rita"], "共治平台的吉祥物叫什么名字")
    assert reply.entry_id != e.key
    with pytest.raises(ActionError) as exc:
        actions.do_review(ada, e.pk)
    assert exc.value.code == "four_eyes"
    actions.do_review(ada2, e.pk)
    actions.do_publish(ada2, e.pk)
    reply, _ = actions.do_ask(district.users["rita"], "平台吉祥物名字是什么")
    assert reply.entry_id == e.key and "小栖" in reply.text
    # editing keeps the published text live until the new version is published
    data["answer"] = "吉祥物叫小栖，是一只白鹭。"
    actions.do_save_entry(ada, data, entry_id=e.pk)
    reply, _ = actions.do_ask(district.users["rita"], "平台吉祥物名字是什么")
    assert reply.entry_id == e.key and "白鹭" not in reply.text
    actions.do_archive(ada2, e.pk)
    reply, _ = actions.do_ask(district.users["rita"], "平台吉祥物名字是什么")
    assert reply.entry_id != e.key


def test_community_staff_cannot_edit_district_entries_but_add_local_versions(district):
    base = Entry.objects.filter(scope=None, status="published").first()
    alice = district.users["alice"]
    with pytest.raises(ActionError):
        actions.do_save_entry(alice, {"question": base.question, "answer": "改"}, entry_id=base.pk)
    local = actions.do_save_entry(
        alice,
        {"question": base.question, "answer": "甲社区：请到一楼大厅。"},
        scope_id=district.a.pk,
        overrides_id=base.pk,
    )
    Entry.objects.filter(pk=local.pk).update(status="published")
    reply, _ = actions.do_ask(district.users["rita"], base.question)
    assert reply.entry_id == base.key and reply.text == "甲社区：请到一楼大厅。"
    reply, _ = actions.do_ask(district.users["rob"], base.question)
    assert reply.text != "甲社区：请到一楼大厅。"
    with pytest.raises(Http404):
        actions.do_save_entry(alice, {"question": "x", "answer": "y"}, scope_id=district.b.pk)


def test_correction_feeds_the_knowledge_base_and_stats_show_gaps(district):
    rita = district.users["rita"]
    for q in ("小区里能不能养孔雀", "小区可以养孔雀吗", "楼下有人养孔雀可以吗"):
        actions.do_ask(rita, q)
    actions.do_ask(rita, "居住证怎么签注")
    s = queries.stats(district.users["alice"])
    assert s["total"] == 4 and 0 < s["answer_rate"] < 1
    clusters = queries.suggestions(district.users["alice"])
    assert clusters and clusters[0]["count"] >= 2
    ex = Exchange.objects.filter(kind="unknown").first()
    base = Entry.objects.filter(topic__contains="养犬", status="published").first()
    e = actions.do_correct(district.users["ada"], ex.pk, entry_id=base.pk)
    assert ex.question in e.similar and e.status == "draft"


def test_kb_import_reports_rows_and_writes_nothing_on_error(district, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = Entry.objects.count()
    data = "标准问题,答案,主题\n新问题一,新答案一,测试\n,缺问题,测试\n".encode()
    resp = client_for("ada").post(
        "/console/kb/import/", {"file": SimpleUploadedFile("kb.csv", data)}
    )
    assert [r for r, _ in resp.context["errors"]] == [3]
    assert Entry.objects.count() == before
    data = "标准问题,答案,主题\n新问题一,新答案一,测试\n".encode()
    client_for("ada").post("/console/kb/import/", {"file": SimpleUploadedFile("kb.csv", data)})
    assert Entry.objects.get(question="新问题一").status == "draft"
    assert (
        client_for("alice")
        .post("/console/kb/import/", {"file": SimpleUploadedFile("kb.csv", data)})
        .status_code
        == 200
    )
    assert Entry.objects.filter(question="新问题一").count() == 1


def test_chat_page_and_api(district, client_for):
    rita = client_for("rita")
    page = rita.post("/assistant/ask/", {"question": "失业金能领多久", "context": "{}"})
    assert page.status_code == 200 and "小栖" in page.content.decode()
    r = rita.post(
        "/api/v1/assistant/ask",
        json.dumps({"question": "楼道里电动车充电着火了"}),
        content_type="application/json",
    ).json()
    assert r["kind"] == "emergency" and r["exchange_id"]
    r = rita.post(
        "/api/v1/assistant/ask",
        json.dumps({"question": "路灯坏了一个月没人修"}),
        content_type="application/json",
    ).json()
    assert r["kind"] == "handoff"
    done = rita.post(
        f"/api/v1/assistant/exchanges/{r['exchange_id']}/handoff",
        "{}",
        content_type="application/json",
    )
    assert done.status_code == 201 and done.json()["number"].startswith("GZ")
    assert client_for("alice").get("/console/assistant/").status_code == 200
    assert client_for("rita").get("/console/kb/").status_code == 403


def test_load_shipped_updates_untouched_entries_only(db):
    from gongzhi.assistant.kb import load_entries
    from gongzhi.assistant.migrations_data import load_shipped

    shipped = {e["id"]: e for e in load_entries()}
    assert Entry.objects.count() == len(shipped)  # the data migrations loaded everything
    stale = Entry.objects.get(key="jiuzhu-001")
    stale.similar = ["旧的相似问法"]
    stale.save()
    edited = Entry.objects.get(key="jiuzhu-002")
    edited.similar, edited.version = ["工作人员改过的问法"], 2
    edited.save()
    Entry.objects.filter(key="jiuzhu-003").delete()

    assert load_shipped(Entry) == 1  # without update: only the missing entry comes back
    assert Entry.objects.get(key="jiuzhu-001").similar == ["旧的相似问法"]

    before = Entry.objects.get(key="jiuzhu-001").updated_at
    assert load_shipped(Entry, update=True) == 1
    fresh = Entry.objects.get(key="jiuzhu-001")
    assert fresh.similar == shipped["jiuzhu-001"]["similar"] and fresh.updated_at > before
    assert Entry.objects.get(key="jiuzhu-002").similar == ["工作人员改过的问法"]
    assert load_shipped(Entry, update=True) == 0  # nothing left to do


def test_fresh_migrate_has_the_new_entries_and_0004_restores_missing_ones(db):
    import importlib

    from django.apps import apps

    from gongzhi.assistant.kb import load_entries

    shipped = load_entries()
    assert len(shipped) >= 729
    assert Entry.objects.count() == len(shipped)  # 0002-0004 loaded everything
    new = ["huji-036", "wuye-042", "pingtai-045"]
    assert Entry.objects.filter(key__in=new, status="published").count() == 3
    # a database installed before the new entries shipped gets them from 0004
    Entry.objects.filter(key__in=new).delete()
    mod = importlib.import_module("gongzhi.assistant.migrations.0004_more_starter_content")
    mod.refresh(apps, None)
    assert Entry.objects.filter(key__in=new).count() == 3
    assert Entry.objects.count() == len(shipped)
