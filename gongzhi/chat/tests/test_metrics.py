import datetime as dt

from django.utils import timezone

from gongzhi.chat import actions as A
from gongzhi.chat import metrics as M
from gongzhi.chat.models import GroupDay, Message
from gongzhi.groups.actions import do_mute


def test_rollup_and_metrics_per_community_street_and_district(district):
    rita, alice = district.users["rita"], district.users["alice"]
    A.do_send(rita, district.group_a.pk, text="早")
    A.do_send(rita, district.group_a.pk, text="早上好")
    A.do_send(alice, district.group_a.pk, text="大家好")  # staff: not a resident sender
    A.do_send(district.users["rob"], district.group_b.pk, text="乙村的消息")
    yesterday = timezone.now() - dt.timedelta(days=1)
    old = A.do_send(rita, district.group_a.pk, text="昨天的消息")
    Message.objects.filter(pk=old.pk).update(created_at=yesterday)
    assert M.rollup() >= 3
    today = GroupDay.objects.get(group=district.group_a, day=timezone.localdate())
    assert (today.messages, today.active_members) == (3, 1)
    rows = M.community_metrics(district.users["ada"], level="community", days=2)
    a = next(r for r in rows if r["unit_id"] == district.a.pk)
    assert a["members"] == 2 and a["groups"] == 1 and a["real_name_ratio"] == 1.0
    assert a["messages_per_day"] == 2.0  # 4 messages over 2 days
    assert [s["messages"] for s in a["series"]] == [1, 3]
    district_row = M.community_metrics(district.users["ada"], level="district", days=2)[0]
    assert district_row["members"] == 3 and district_row["messages_per_day"] == 2.5
    # scope: alice sees only community A, and B's street is not in her reach
    assert [r["unit_id"] for r in M.community_metrics(alice, level="community")] == [district.a.pk]
    assert M.community_metrics(alice, level="street") == []
    q = M.quarterly_active_rate(
        district.users["ada"],
        district.a.pk,
        timezone.localdate().year,
        (timezone.localdate().month - 1) // 3 + 1,
    )
    assert q["members"] == 2 and q["messages"] == 4


def test_metrics_api_and_page(district, client_for):
    A.do_send(district.users["rita"], district.group_a.pk, text="你好")
    M.rollup()
    rows = client_for("ada").get("/api/v1/chat/metrics?level=street").json()
    assert {r["unit"] for r in rows} == {"一街道", "二街道"}
    assert client_for("ada").get("/api/v1/chat/metrics?level=planet").status_code == 400
    g = client_for("alice").get(f"/api/v1/chat/groups/{district.group_a.pk}/metrics").json()
    assert g["members"] == 2 and g["series"][-1]["messages"] == 1
    assert (
        "一街道" in client_for("ada").get("/console/groups/metrics/?level=street").content.decode()
    )


def test_mute_and_qr(district, client_for):
    alice = client_for("alice")
    r = alice.post(
        f"/api/v1/groups/memberships/{district.membership_a.pk}/mute",
        '{"minutes": 30}',
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["muted_until"]
    import pytest

    from gongzhi.core.errors import ActionError

    with pytest.raises(ActionError):
        A.do_send(district.users["rita"], district.group_a.pk, text="我被禁言了吗")
    do_mute(district.users["alice"], district.membership_a.pk, 0)
    assert A.do_send(district.users["rita"], district.group_a.pk, text="解除了").pk
    inv = alice.post(
        f"/api/v1/groups/{district.group_a.pk}/invitations", "{}", content_type="application/json"
    ).json()
    svg = alice.get(f"/console/groups/{district.group_a.pk}/invitations/{inv['code']}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content


def test_broadcast_page_with_template_and_selection(
    district, client_for, django_capture_on_commit_callbacks
):
    from gongzhi.chat.models import Broadcast, Notice

    c = client_for("ada")
    page = c.get("/console/broadcasts/").content.decode()
    assert "防汛安全提醒" in page  # the flood template is offered
    with django_capture_on_commit_callbacks(execute=True):  # the queue runs it at once
        r = c.post(
            "/console/broadcasts/",
            {"title": "防汛安全提醒", "body": "今晚有暴雨", "communities": [district.a.pk]},
        )
    assert r.status_code == 302
    b = Broadcast.objects.get()
    assert set(Notice.objects.filter(broadcast=b).values_list("group_id", flat=True)) == {
        district.group_a.pk
    }
    r = c.post("/console/broadcasts/", {"title": "", "body": "x"})
    assert r.status_code == 200 and Broadcast.objects.count() == 1


def test_dashboards_read_the_rollup_not_the_membership_table(district):
    from gongzhi.chat.models import CommunityDay, CommunityStat

    rita = district.users["rita"]
    A.do_send(rita, district.group_a.pk, text="早")
    # never rolled up: the figures are counted on first use and kept
    row = M.community_metrics(district.users["ada"], level="community", days=1)
    a = next(r for r in row if r["unit_id"] == district.a.pk)
    assert a["members"] == 2 and a["as_of"] is not None
    assert CommunityStat.objects.get(community=district.a).members == 2
    M.rollup()
    day = CommunityDay.objects.get(community=district.a, day=timezone.localdate())
    assert (day.messages, day.active_members) == (1, 1)
    # a membership change shows after the next roll-up (every 15 minutes), not before
    district.membership_a.delete()
    a = M.community_metrics(district.users["ada"], level="community", days=1)
    assert next(r for r in a if r["unit_id"] == district.a.pk)["members"] == 2
    M.rollup()
    a = M.community_metrics(district.users["ada"], level="community", days=1)
    assert next(r for r in a if r["unit_id"] == district.a.pk)["members"] == 1
