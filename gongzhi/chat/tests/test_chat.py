import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from gongzhi.chat import actions as A
from gongzhi.chat import moderation
from gongzhi.chat.models import Message, Notice, SensitiveWord
from gongzhi.core.errors import ActionError
from gongzhi.groups.models import Membership
from gongzhi.workorders.models import Notification, WorkOrder

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def fresh_moderation():
    moderation.reset()
    yield
    moderation.reset()


def test_members_send_and_read_history_with_cursors(district):
    rita = district.users["rita"]
    ids = [A.do_send(rita, district.group_a.pk, text=f"第{i}条").pk for i in range(5)]
    page = A.history(rita, district.group_a.pk, limit=2)
    assert [m.pk for m in page] == ids[-2:]
    older = A.history(rita, district.group_a.pk, before=page[0].pk, limit=2)
    assert [m.pk for m in older] == ids[1:3]
    newer = A.history(rita, district.group_a.pk, after=ids[1])
    assert [m.pk for m in newer] == ids[2:]
    assert [m.pk for m in A.history(rita, district.group_a.pk, q="第3")] == [ids[3]]


def test_chat_access_who_is_in_who_manages_and_what_it_costs(district, django_assert_num_queries):
    ga, gb = district.group_a.pk, district.group_b.pk
    u = district.users
    g, m, manages = A.chat_access(u["rita"], ga)  # a member
    assert (g.pk, m.resident_id, manages) == (ga, district.resident_a.pk, False)
    assert A.chat_access(u["alice"], ga)[1:] == (None, True)  # community staff manage, unjoined
    assert A.chat_access(u["stella"], ga)[2] is True  # street staff manage their communities
    assert A.chat_access(u["ada"], gb)[2] is True  # the district admin manages every group
    admin = Membership.objects.get(group_id=ga, role="admin")
    admin.resident.user = u["olga"]
    admin.resident.save()
    assert A.chat_access(u["olga"], ga)[2] is True  # a resident group admin manages it
    for who, gid in (("rob", ga), ("bob", ga), ("dora", ga), ("stella", gb), ("rita", gb)):
        with pytest.raises(Http404):
            A.chat_access(u[who], gid)
    for bad in ("x", None, 10**9):
        with pytest.raises(Http404):
            A.chat_access(u["rita"], bad)
    rita = u["rita"]
    A.chat_access(rita, ga)  # the user's role grants are read once per user object
    with django_assert_num_queries(1):  # a resident member: one query, group included
        A.chat_access(rita, ga)


def test_outsiders_can_neither_read_nor_post(district):
    for who in ("rob", "olga", "bob", "dora"):  # dora (department) may view, is not in chat
        with pytest.raises(Http404):
            A.do_send(district.users[who], district.group_a.pk, text="越界")
        with pytest.raises(Http404):
            A.history(district.users[who], district.group_a.pk)
    assert Message.objects.count() == 0


def test_client_id_makes_retries_idempotent(district):
    rita = district.users["rita"]
    a = A.do_send(rita, district.group_a.pk, text="只发一次", client_id="c-1")
    b = A.do_send(rita, district.group_a.pk, text="只发一次", client_id="c-1")
    assert a.pk == b.pk and Message.objects.count() == 1


def test_recall_within_two_minutes_only(district):
    rita = district.users["rita"]
    m = A.do_send(rita, district.group_a.pk, text="发错了")
    assert A.do_recall(rita, m.pk).status == "recalled"
    old = A.do_send(rita, district.group_a.pk, text="很早的消息")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))
    with pytest.raises(ActionError):
        A.do_recall(rita, old.pk)
    assert A.do_recall(district.users["alice"], old.pk).status == "recalled"  # staff may
    assert A.history(rita, district.group_a.pk)[0].text == "发错了"  # stored, shown as recalled


def test_files_are_type_checked(district):
    rita = district.users["rita"]
    ok = A.do_send(
        rita,
        district.group_a.pk,
        kind="image",
        upload=SimpleUploadedFile("a.png", PNG, "image/png"),
    )
    assert ok.content_type == "image/png" and ok.size == len(PNG)
    with pytest.raises(ActionError):
        A.do_send(
            rita,
            district.group_a.pk,
            kind="image",
            upload=SimpleUploadedFile("x.png", b"MZ\x90\x00binary", "image/png"),
        )
    with pytest.raises(ActionError):
        A.do_send(rita, district.group_a.pk, kind="location", lat=200, lon=1)


def test_mentions_keep_only_members_and_unread_counts(district):
    rita, alice = district.users["rita"], district.users["alice"]
    m = A.do_send(
        alice,
        district.group_a.pk,
        text="@张*丰 请看通知",
        mentions=[district.resident_a.pk, district.resident_b.pk],
    )
    assert m.mentions == [district.resident_a.pk]
    A.do_send(alice, district.group_a.pk, text="第二条")
    assert A.unread_counts(rita)[district.group_a.pk] == 2
    A.do_mark_read(rita, district.group_a.pk, m.pk)
    assert A.unread_counts(rita)[district.group_a.pk] == 1


def test_sensitive_words_block_hold_and_flag(district):
    SensitiveWord.objects.create(word="代开发票", category="advert", action="block")
    SensitiveWord.objects.create(word="内部消息", category="rumour", action="hold")
    SensitiveWord.objects.create(word="微商", category="advert", action="flag")
    rita = district.users["rita"]
    with pytest.raises(ActionError):
        A.do_send(rita, district.group_a.pk, text="专业代开发票")
    held = A.do_send(rita, district.group_a.pk, text="内部消息：明天停水三天")
    assert held.status == "held" and held.flags == ["rumour:内部消息"]
    assert held.pk not in [m.pk for m in A.history(district.users["rita"], district.group_a.pk)]
    assert held.pk in [m.pk for m in A.history(district.users["alice"], district.group_a.pk)]
    flagged = A.do_send(rita, district.group_a.pk, text="微商朋友圈")
    assert flagged.status == "visible" and flagged.flags == ["advert:微商"]
    A.do_moderate(district.users["alice"], held.pk, "approve")
    assert Message.objects.get(pk=held.pk).status == "visible"
    rep = A.do_report(district.users["rita"], flagged.pk, "广告刷屏")
    A.do_moderate(district.users["alice"], flagged.pk, "remove", "广告")
    rep.refresh_from_db()
    assert rep.handled and Message.objects.get(pk=flagged.pk).status == "removed"


def test_notice_read_receipts_and_reminders(district):
    alice, rita = district.users["alice"], district.users["rita"]
    with pytest.raises(ActionError):
        A.do_post_notice(rita, district.group_a.pk, "停水通知", "明天停水")
    n = A.do_post_notice(alice, district.group_a.pk, "停水通知", "明天9点至12点停水")
    assert A.notice_stats(n) == {"read": 0, "total": 2}
    assert A.do_read_notice(rita, n.pk) == {"read": 1, "total": 2}
    assert A.do_read_notice(rita, n.pk) == {"read": 1, "total": 2}
    Membership.objects.filter(resident=district.resident_a2).update()
    from gongzhi.people.models import Resident

    Resident.objects.filter(pk=district.resident_a2.pk).update(user=district.users["olga"])
    assert A.do_remind_unread(alice, n.pk) == 1
    assert Notification.objects.filter(user=district.users["olga"], verb="notice").exists()
    with pytest.raises(ActionError):
        A.do_remind_unread(alice, n.pk)


def test_broadcast_to_selected_groups_only_in_scope(district, django_capture_on_commit_callbacks):
    ada, alice = district.users["ada"], district.users["alice"]
    with django_capture_on_commit_callbacks(execute=True):  # the task queue runs immediately
        b = A.do_create_broadcast(
            ada, title="防汛提醒", body="今晚有暴雨，请注意安全", selector={"kinds": ["residents"]}
        )
    assert b.groups_total == 2
    stats = A.broadcast_stats(ada, b.pk)
    assert stats["groups_done"] == 2 and stats["status"] == "sent"
    assert Notice.objects.filter(broadcast=b).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        b2 = A.do_create_broadcast(alice, title="活动通知", body="周六社区义诊", selector={})
    assert set(Notice.objects.filter(broadcast=b2).values_list("group_id", flat=True)) == {
        district.group_a.pk
    }
    with pytest.raises(ActionError):
        A.do_create_broadcast(alice, title="x", body="y", selector={"communities": [district.b.pk]})
    with pytest.raises(Http404):
        A.broadcast_stats(alice, b.pk)


def test_xiaoqi_answers_when_mentioned_and_staff_make_work_orders(district):
    rita = district.users["rita"]
    m = A.do_send(rita, district.group_a.pk, text="@小栖 居住证怎么签注")
    bot = Message.objects.filter(reply_to=m, sender_label="小栖").get()
    assert bot.flags == ["xiaoqi:answer"] and bot.text
    A.do_send(rita, district.group_a.pk, text="今天天气不错")  # no mention, no auto-answer
    assert Message.objects.filter(sender_label="小栖").count() == 1
    complaint = A.do_send(rita, district.group_a.pk, text="3栋电梯坏了两天了")
    with pytest.raises(ActionError):
        A.do_message_to_order(rita, complaint.pk)
    order = A.do_message_to_order(district.users["alice"], complaint.pk, category="property")
    assert order.channel == "group" and order.source_ref == f"message:{complaint.pk}"
    assert order.reporter == district.resident_a and WorkOrder.objects.count() == 1


def test_muted_members_cannot_post(district):
    Membership.objects.filter(pk=district.membership_a.pk).update(
        muted_until=timezone.now() + dt.timedelta(hours=1)
    )
    with pytest.raises(ActionError) as exc:
        A.do_send(district.users["rita"], district.group_a.pk, text="我被禁言了吗")
    assert exc.value.code == "muted"


def test_throttle_still_answers_a_retry_with_its_message(district):
    rita = district.users["rita"]
    first = [
        A.do_send(rita, district.group_a.pk, text=f"第{i}条", client_id=f"t-{i}")
        for i in range(A.USER_RATE)
    ]
    with pytest.raises(ActionError) as exc:
        A.do_send(rita, district.group_a.pk, text="太快了", client_id="t-new")
    assert exc.value.code == "throttled"
    again = A.do_send(rita, district.group_a.pk, text="第3条", client_id="t-3")
    assert again.pk == first[3].pk and Message.objects.count() == A.USER_RATE


def test_a_new_sensitive_word_applies_to_the_next_message(district):
    rita = district.users["rita"]
    assert A.do_send(rita, district.group_a.pk, text="加我微商").flags == []
    w = SensitiveWord.objects.create(word="微商", category="advert", action="flag")
    assert A.do_send(rita, district.group_a.pk, text="加我微商").flags == ["advert:微商"]
    w.action = "block"
    w.save()  # same count, same highest id: the version alone would not see it
    with pytest.raises(ActionError):
        A.do_send(rita, district.group_a.pk, text="加我微商")
