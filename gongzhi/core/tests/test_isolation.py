"""Cross-community isolation, for every page and API endpoint that exists.

The route list is read from the URL resolver, so a new route without a case here fails
``test_every_route_has_an_isolation_case``. Each case runs as ``alice`` (community A staff)
against community B's objects and must get "not found" (or, for lists, must not show them),
and must change nothing.
"""

import json

import pytest
from django.urls import URLResolver, get_resolver

from gongzhi.core.models import AuditEvent
from gongzhi.groups.models import CommunityGroup, Invitation, Membership
from gongzhi.people.models import AccessLog, Resident

# Routes that show no community data at all, with the reason.
EXEMPT = {
    "": "redirects to the caller's home page",
    "accounts/login/": "login form",
    "accounts/logout/": "logout",
    "i18n/setlang/": "language switch",
    "api/v1/": "API root",
    "api/v1/openapi.json": "schema, no data",
    "api/v1/docs": "schema browser, no data",
    "api/v1/me": "the caller's own account only (tested in people tests)",
    "me/": "the caller's own resident page only (tested in people tests)",
    "join/": "form; joining is covered by join/<code>/ and api/v1/groups/join",
    "console/": "counts over the caller's own scope (tested below as a list)",
    "api/v1/orders/categories": "the public request taxonomy",
    "assistant/": "the chat form, no data",
    "channels/wechat/": "WeChat server callback, signature-checked; knowledge-base answers "
    "(tested in adapters tests)",
    "channels/wecom/": "WeCom server callback, signature-checked; knowledge-base answers "
    "(tested in adapters tests)",
    "assistant/ask/": "answers from the district knowledge base; the exchange is the caller's",
    "api/v1/assistant/ask": "answers from the district knowledge base; the exchange is the caller's",
    "public/communities/<int:community_id>/resolved/": "public 办结公示 by design, masked "
    "(tested in workorders tests)",
}


# Open311 GeoReport v2 is the district's public interface: by the spec every request is
# public (no user scope applies), personal data is never in it, and creating needs an API key.
# gongzhi/workorders/tests/test_open311.py checks that no name, phone or ID leaves through it.
OPEN311_PUBLIC = "open311/v2/"


def iter_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue  # Django admin: superusers only, see test_admin_is_closed_to_staff
            yield from iter_routes(p, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p.name


def b_invitation(d):
    from django.utils import timezone

    return Invitation.objects.create(
        group=d.group_b,
        community=d.b,
        created_by=d.users["bob"],
        expires_at=timezone.now() + timezone.timedelta(days=3),
    )


def not_found(resp):
    assert resp.status_code == 404, (resp.status_code, resp.content[:300])


def text_of(resp) -> str:
    if resp.get("Content-Type", "").startswith("application/json"):
        return json.dumps(resp.json(), ensure_ascii=False)
    return resp.content.decode()


def hides_b(resp):
    assert resp.status_code == 200, resp.status_code
    body = text_of(resp)
    for marker in ("乙村", "乙村居民群", "王*", "T-2-1", "乙物业"):
        assert marker not in body, marker


def post_json(c, url, data):
    return c.post(url, json.dumps(data), content_type="application/json")


# key: route path as the resolver prints it → check(d, client)
CASES = {
    "console/org/": lambda d, c: hides_b(c.get("/console/org/?kind=community")),
    "console/org/<int:pk>/": lambda d, c: not_found(c.get(f"/console/org/{d.b.pk}/")),
    "console/org/export.xlsx": lambda d, c: _xlsx_hides_b(c.get("/console/org/export.xlsx")),
    "console/org/import/": lambda d, c: _tree_import_refused(d, c),
    "console/residents/": lambda d, c: hides_b(c.get(f"/console/residents/?community={d.b.pk}")),
    "console/residents/export.xlsx": lambda d, c: _xlsx_hides_b(
        c.get(f"/console/residents/export.xlsx?community={d.b.pk}")
    ),
    "console/residents/import/": lambda d, c: _roster_import_refused(d, c),
    "console/residents/<int:pk>/": lambda d, c: not_found(
        c.get(f"/console/residents/{d.resident_b.pk}/")
    ),
    "console/residents/<int:pk>/unmask/": lambda d, c: not_found(
        c.post(
            f"/console/residents/{d.resident_b.pk}/unmask/", {"fields": ["phone"], "reason": "核实"}
        )
    ),
    "console/groups/": lambda d, c: hides_b(c.get(f"/console/groups/?community={d.b.pk}")),
    "console/groups/<int:pk>/": lambda d, c: not_found(c.get(f"/console/groups/{d.group_b.pk}/")),
    "console/groups/<int:pk>/invite/": lambda d, c: not_found(
        c.post(f"/console/groups/{d.group_b.pk}/invite/", {"days": 3, "max_uses": 5})
    ),
    "console/coverage/": lambda d, c: hides_b(c.get("/console/coverage/")),
    "console/audit/access-log/": lambda d, c: _access_log_hidden(
        d, c, "/console/audit/access-log/"
    ),
    "join/<str:code>/": lambda d, c: _join_refused(d, c, lambda code: c.post(f"/join/{code}/")),
    "api/v1/residents": lambda d, c: _api_residents(d, c),
    "api/v1/residents/<resident_id>": lambda d, c: not_found(
        c.get(f"/api/v1/residents/{d.resident_b.pk}")
    ),
    "api/v1/residents/<resident_id>/unmask": lambda d, c: not_found(
        post_json(
            c,
            f"/api/v1/residents/{d.resident_b.pk}/unmask",
            {"fields": ["phone"], "reason": "核实"},
        )
    ),
    "api/v1/audit/access-log": lambda d, c: _access_log_hidden(d, c, "/api/v1/audit/access-log"),
    "api/v1/org/units": lambda d, c: hides_b(c.get("/api/v1/org/units")),
    "api/v1/org/units/<unit_id>": lambda d, c: not_found(c.get(f"/api/v1/org/units/{d.b.pk}")),
    "api/v1/groups": lambda d, c: _api_groups(d, c),
    "api/v1/groups/coverage": lambda d, c: hides_b(c.get("/api/v1/groups/coverage")),
    "api/v1/groups/join": lambda d, c: _join_refused(
        d, c, lambda code: post_json(c, "/api/v1/groups/join", {"code": code})
    ),
    "api/v1/groups/<group_id>": lambda d, c: not_found(c.get(f"/api/v1/groups/{d.group_b.pk}")),
    "api/v1/groups/<group_id>/archive": lambda d, c: not_found(
        c.post(f"/api/v1/groups/{d.group_b.pk}/archive")
    ),
    "api/v1/groups/<group_id>/members": lambda d, c: not_found(
        c.get(f"/api/v1/groups/{d.group_b.pk}/members")
    ),
    "api/v1/groups/<group_id>/invitations": lambda d, c: not_found(
        post_json(c, f"/api/v1/groups/{d.group_b.pk}/invitations", {"days": 3})
    ),
    "api/v1/groups/memberships/<membership_id>/role": lambda d, c: not_found(
        post_json(c, f"/api/v1/groups/memberships/{d.membership_b.pk}/role", {"role": "admin"})
    ),
    "orders/": lambda d, c: (b_order(d), hides_b(c.get("/orders/"))),
    "orders/new/": lambda d, c: _no_new_order(d, c, "/orders/new/", {"description": "越权"}),
    "orders/<int:pk>/": lambda d, c: not_found(c.get(f"/orders/{b_order(d).pk}/")),
    "orders/<int:pk>/act/": lambda d, c: not_found(
        c.post(f"/orders/{b_order(d).pk}/act/", {"verb": "rate", "rating": "satisfied"})
    ),
    "orders/attachments/<int:pk>/": lambda d, c: not_found(
        c.get(f"/orders/attachments/{b_internal_photo(d).pk}/")
    ),
    "notifications/": lambda d, c: (b_order(d), hides_b(c.get("/notifications/"))),
    "console/orders/": lambda d, c: (b_order(d), hides_b(c.get("/console/orders/"))),
    "console/orders/new/": lambda d, c: _no_new_order(
        d, c, "/console/orders/new/", {"description": "越权录入", "community": d.b.pk}
    ),
    "console/orders/export.xlsx": lambda d, c: (
        b_order(d),
        _xlsx_hides_b(c.get("/console/orders/export.xlsx")),
    ),
    "console/orders/bulk-dispatch/": lambda d, c: _bulk_dispatch_refused(d, c),
    "console/orders/<int:pk>/": lambda d, c: not_found(c.get(f"/console/orders/{b_order(d).pk}/")),
    "console/orders/<int:pk>/act/": lambda d, c: not_found(
        c.post(f"/console/orders/{b_order(d).pk}/act/", {"verb": "accept"})
    ),
    "assistant/exchanges/<int:pk>/handoff/": lambda d, c: not_found(
        c.post(f"/assistant/exchanges/{b_exchange(d).pk}/handoff/")
    ),
    "console/kb/": lambda d, c: (b_entry(d), hides_b(c.get("/console/kb/?status=published")))[1],
    "console/kb/new/": lambda d, c: _kb_unchanged(
        d, c, "post", "/console/kb/new/", {"question": "越权", "answer": "越权", "scope": d.b.pk}
    ),
    "console/kb/<int:pk>/": lambda d, c: _kb_unchanged(
        d, c, "post", "/console/kb/{pk}/", {"verb": "archive"}
    ),
    "console/kb/export.xlsx": lambda d, c: (
        b_entry(d),
        _xlsx_hides_b(c.get("/console/kb/export.xlsx")),
    )[1],
    "console/kb/import/": lambda d, c: _kb_unchanged(
        d, c, "post", "/console/kb/import/", ok=(200, 403)
    ),  # refused with a message
    "console/assistant/": lambda d, c: (b_exchange(d), hides_b(c.get("/console/assistant/")))[1],
    "console/assistant/exchanges/<int:pk>/correct/": lambda d, c: not_found(
        c.post(f"/console/assistant/exchanges/{b_exchange(d).pk}/correct/")
    ),
    "api/v1/assistant/exchanges/<exchange_id>/handoff": lambda d, c: not_found(
        post_json(c, f"/api/v1/assistant/exchanges/{b_exchange(d).pk}/handoff", {})
    ),
    "api/v1/kb/entries": lambda d, c: (
        b_entry(d),
        hides_b(c.get("/api/v1/kb/entries?limit=1000")),
        not_found(
            post_json(
                c, "/api/v1/kb/entries", {"question": "越权", "answer": "越权", "scope_id": d.b.pk}
            )
        ),
    )[1],
    "api/v1/kb/entries/<entry_id>": lambda d, c: not_found(
        c.get(f"/api/v1/kb/entries/{b_entry(d).pk}")
    ),
    "api/v1/kb/entries/<entry_id>/<verb>": lambda d, c: _kb_unchanged(
        d, c, "post", "/api/v1/kb/entries/{pk}/archive"
    ),
    "api/v1/assistant/stats": lambda d, c: (
        b_exchange(d),
        hides_b(c.get("/api/v1/assistant/stats")),
    )[1],
    "chats/": lambda d, c: (b_message(d), hides_b(c.get("/chats/")))[1],
    "chats/<int:group_id>/": lambda d, c: not_found(c.get(f"/chats/{d.group_b.pk}/")),
    "console/broadcasts/": lambda d, c: hides_b(c.get("/console/broadcasts/")),
    "api/v1/chat/groups/<group_id>/messages": lambda d, c: (
        _chat_unchanged(d, c, "get", "/api/v1/chat/groups/{g}/messages"),
        _chat_unchanged(d, c, "post", "/api/v1/chat/groups/{g}/messages", {"text": "越界"}),
    ),
    "api/v1/chat/groups/<group_id>/files": lambda d, c: _chat_file_refused(d, c),
    "api/v1/chat/groups/<group_id>/read": lambda d, c: _chat_unchanged(
        d, c, "post", "/api/v1/chat/groups/{g}/read", {"last_id": 1}
    ),
    "api/v1/chat/unread": lambda d, c: (b_message(d), hides_b(c.get("/api/v1/chat/unread")))[1],
    "api/v1/chat/messages/<message_id>/recall": lambda d, c: _chat_unchanged(
        d, c, "post", "/api/v1/chat/messages/{m}/recall"
    ),
    "api/v1/chat/messages/<message_id>/report": lambda d, c: _chat_unchanged(
        d, c, "post", "/api/v1/chat/messages/{m}/report", {"reason": "越权举报"}
    ),
    "api/v1/chat/messages/<message_id>/moderate": lambda d, c: _chat_unchanged(
        d, c, "post", "/api/v1/chat/messages/{m}/moderate", {"decision": "remove"}
    ),
    "api/v1/chat/messages/<message_id>/work-order": lambda d, c: _chat_unchanged(
        d, c, "post", "/api/v1/chat/messages/{m}/work-order"
    ),
    "api/v1/chat/groups/<group_id>/notices": lambda d, c: (
        _chat_unchanged(d, c, "get", "/api/v1/chat/groups/{g}/notices"),
        _chat_unchanged(
            d, c, "post", "/api/v1/chat/groups/{g}/notices", {"title": "越权", "body": "越权"}
        ),
    ),
    "api/v1/chat/notices/<notice_id>/read": lambda d, c: _chat_unchanged(
        d, c, "post", "/api/v1/chat/notices/{n}/read"
    ),
    "api/v1/chat/notices/<notice_id>/remind": lambda d, c: _chat_unchanged(
        d, c, "post", "/api/v1/chat/notices/{n}/remind"
    ),
    "api/v1/chat/broadcasts": lambda d, c: _broadcast_refused(d, c),
    "api/v1/chat/broadcasts/<broadcast_id>": lambda d, c: not_found(
        c.get(f"/api/v1/chat/broadcasts/{_b_broadcast(d).pk}")
    ),
    "api/v1/chat/metrics": lambda d, c: hides_b(c.get("/api/v1/chat/metrics?level=community")),
    "api/v1/chat/metrics/quarter": lambda d, c: not_found(
        c.get(f"/api/v1/chat/metrics/quarter?unit={d.b.pk}&year=2026&quarter=4")
    ),
    "api/v1/chat/groups/<group_id>/metrics": lambda d, c: not_found(
        c.get(f"/api/v1/chat/groups/{d.group_b.pk}/metrics")
    ),
    "api/v1/groups/memberships/<membership_id>/mute": lambda d, c: not_found(
        post_json(c, f"/api/v1/groups/memberships/{d.membership_b.pk}/mute", {"minutes": 30})
    ),
    "console/groups/<int:pk>/invitations/<str:code>/qr.svg": lambda d, c: not_found(
        c.get(f"/console/groups/{d.group_b.pk}/invitations/{b_invitation(d).code}/qr.svg")
    ),
    "console/groups/metrics/": lambda d, c: hides_b(c.get("/console/groups/metrics/")),
    "channels/bind/": lambda d, c: _bind_refused(d, c),
    "api/v1/orders": lambda d, c: _api_orders(d, c),
    "api/v1/orders/<order_id>": lambda d, c: not_found(c.get(f"/api/v1/orders/{b_order(d).pk}")),
    "api/v1/orders/<order_id>/similar": lambda d, c: not_found(
        c.get(f"/api/v1/orders/{b_order(d).pk}/similar")
    ),
    "api/v1/orders/<order_id>/actions/<verb>": lambda d, c: _order_act_refused(d, c),
    "api/v1/notifications": lambda d, c: _notifications_private(d, c),
    "api/v1/notifications/read": lambda d, c: _notifications_private(d, c, read=True),
    "api/v1/groups/memberships/<membership_id>": lambda d, c: not_found(
        c.delete(f"/api/v1/groups/memberships/{d.membership_b.pk}")
    ),
}


def b_order(d):
    from gongzhi.workorders.actions import do_submit

    return do_submit(d.users["rob"], description="乙村村口路灯不亮", category="municipal")


def b_internal_photo(d):
    """A photo on an internal (staff-only) step of a community-B order."""
    from django.core.files.base import ContentFile

    from gongzhi.workorders.models import Attachment, Event

    o = b_order(d)
    ev = Event.objects.create(order=o, verb="note", actor_label="bob", public=False)
    att = Attachment(order=o, event=ev, content_type="image/png", size=8)
    att.file.save("x.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
    att.save()
    return att


def _api_orders(d, c):
    o = b_order(d)
    body = c.get("/api/v1/orders").json()
    assert o.pk not in [i["id"] for i in body["items"]]
    assert c.get(f"/api/v1/orders?q={o.number}").json()["count"] == 0
    from gongzhi.workorders.models import WorkOrder

    before = WorkOrder.objects.count()
    not_found(post_json(c, "/api/v1/orders", {"description": "越权录入", "community_id": d.b.pk}))
    assert WorkOrder.objects.count() == before


def _order_act_refused(d, c):
    from gongzhi.workorders.models import Event

    o = b_order(d)
    events = Event.objects.count()
    for verb in ("accept", "dispatch", "reject", "close"):
        not_found(post_json(c, f"/api/v1/orders/{o.pk}/actions/{verb}", {"reason": "越权操作"}))
    o.refresh_from_db()
    assert o.state == "submitted" and Event.objects.count() == events


def _notifications_private(d, c, read=False):
    from gongzhi.workorders.models import Notification

    n = Notification.objects.create(user=d.users["bob"], verb="remind", text="乙村工单提醒")
    if read:
        post_json(c, "/api/v1/notifications/read", {"ids": [n.pk]})
        n.refresh_from_db()
        assert n.read_at is None
    else:
        assert "乙村工单提醒" not in text_of(c.get("/api/v1/notifications"))


def _no_new_order(d, c, url, data):
    from gongzhi.workorders.models import WorkOrder

    b_order(d)
    before = WorkOrder.objects.count()
    resp = c.post(url, data)
    assert resp.status_code in (200, 302, 404)
    assert WorkOrder.objects.count() == before


def _bulk_dispatch_refused(d, c):
    o = b_order(d)
    c.post("/console/orders/bulk-dispatch/", {"ids": [o.pk]})
    o.refresh_from_db()
    assert o.state == "submitted" and o.handler_unit_id is None


def b_entry(d):
    from gongzhi.assistant.models import Entry

    return Entry.objects.create(
        key="b-local",
        topic="本地",
        question="乙村村委会在哪里",
        answer="乙村村委会在村口。",
        scope=d.b,
        status="published",
    )


def b_exchange(d):
    from gongzhi.assistant.actions import do_ask

    return do_ask(d.users["rob"], "乙村村口路灯坏了好几天了")[1]


def _kb_unchanged(d, c, method, url, data=None, ok=(403, 404)):
    from gongzhi.assistant.models import Entry

    e = b_entry(d)
    before = Entry.objects.count()
    resp = getattr(c, method)(url.format(pk=e.pk), data or {})
    assert resp.status_code in ok, resp.status_code
    e.refresh_from_db()
    assert Entry.objects.count() == before and e.status == "published" and e.version == 1


def b_message(d):
    from gongzhi.chat.actions import do_send

    return do_send(d.users["rob"], d.group_b.pk, text="乙村群里的消息")


def b_notice(d):
    from gongzhi.chat.actions import do_post_notice

    return do_post_notice(d.users["bob"], d.group_b.pk, "乙村通知", "乙村停水")


def _chat_unchanged(d, c, method, url, data=None):
    from gongzhi.chat.models import Message, NoticeRead, Report

    m, n = b_message(d), b_notice(d)
    before = (Message.objects.count(), NoticeRead.objects.count(), Report.objects.count())
    resp = (
        post_json(c, url.format(g=d.group_b.pk, m=m.pk, n=n.pk), data or {})
        if method == "post"
        else c.get(url.format(g=d.group_b.pk, m=m.pk, n=n.pk))
    )
    not_found(resp)
    m.refresh_from_db()
    assert m.status == "visible"
    assert (Message.objects.count(), NoticeRead.objects.count(), Report.objects.count()) == before


def _chat_file_refused(d, c):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.chat.models import Message

    before = Message.objects.count()
    png = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png")
    not_found(c.post(f"/api/v1/chat/groups/{d.group_b.pk}/files?kind=image", {"file": png}))
    assert Message.objects.count() == before


def _b_broadcast(d):
    from gongzhi.chat.actions import do_create_broadcast

    return do_create_broadcast(d.users["bob"], title="乙村广播", body="乙村", selector={})


def _broadcast_refused(d, c):
    from gongzhi.chat.models import Broadcast, Notice

    before = (Broadcast.objects.count(), Notice.objects.count())
    resp = post_json(
        c, "/api/v1/chat/broadcasts", {"title": "越权", "body": "越权", "communities": [d.b.pk]}
    )
    assert resp.status_code == 400  # no group of B is in alice's reach: "no group matches"
    assert (Broadcast.objects.count(), Notice.objects.count()) == before


def _bind_refused(d, c):
    from gongzhi.adapters.models import ChannelIdentity

    ident = ChannelIdentity.objects.create(
        channel="wechat", external_id="oRob", user=d.users["rob"]
    )
    not_found(c.post("/channels/bind/", {"action": "unbind", "identity": ident.pk}))
    ident.refresh_from_db()
    assert ident.user == d.users["rob"]
    hides_b(c.get("/channels/bind/"))


def _xlsx_hides_b(resp):
    import io

    from openpyxl import load_workbook

    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    cells = " ".join(str(v) for row in wb.worksheets[0].iter_rows(values_only=True) for v in row)
    assert "乙村" not in cells and "王*" not in cells


def _tree_import_refused(d, c):
    from gongzhi.org.models import OrgUnit

    before = OrgUnit.objects.count()
    data = "街道,社区,社区类型,网格\n二街道,乙村,村委会,第9网格\n".encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    resp = c.post("/console/org/import/", {"file": SimpleUploadedFile("t.csv", data)})
    assert resp.status_code == 200
    assert OrgUnit.objects.count() == before


def _roster_import_refused(d, c):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = Resident.objects.count()
    data = "姓名,身份证号,网格,楼栋,房号\n赵六,11010519491231002X,第1网格,1组,2号\n".encode()
    resp = c.post(
        "/console/residents/import/",
        {"community": d.b.pk, "file": SimpleUploadedFile("r.csv", data)},
    )
    assert resp.status_code == 404
    assert Resident.objects.count() == before


def _access_log_hidden(d, c, url):
    AccessLog.objects.create(
        actor=d.users["bob"],
        resident=d.resident_b,
        community=d.b,
        fields="phone",
        reason="乙村核实",
    )
    resp = c.get(url)
    # community staff cannot read the log at all; nothing of B shows either way
    assert resp.status_code in (200, 403)
    assert "乙村核实" not in text_of(resp)


def _join_refused(d, c, do_post):
    inv = b_invitation(d)
    before = Membership.objects.count()
    resp = do_post(inv.code)
    assert resp.status_code in (200, 400)
    assert Membership.objects.count() == before
    assert not Membership.objects.filter(group=d.group_b, resident__user__username="alice").exists()


def _api_residents(d, c):
    body = c.get(f"/api/v1/residents?community={d.b.pk}").json()
    assert body["count"] == 0
    body = c.get("/api/v1/residents?phone=13987654321").json()
    assert body["count"] == 0
    before = Resident.objects.count()
    not_found(post_json(c, "/api/v1/residents", {"household_id": d.household_b.pk, "name": "赵六"}))
    assert Resident.objects.count() == before


def _api_groups(d, c):
    body = c.get("/api/v1/groups").json()
    assert d.group_b.pk not in [g["id"] for g in body["items"]]
    before = CommunityGroup.objects.count()
    not_found(
        post_json(
            c, "/api/v1/groups", {"community_id": d.b.pk, "name": "越权群", "kind": "residents"}
        )
    )
    assert CommunityGroup.objects.count() == before


def test_every_route_has_an_isolation_case():
    missing = [
        p
        for p, _ in iter_routes()
        if p not in CASES and p not in EXEMPT and not p.startswith(OPEN311_PUBLIC)
    ]
    assert not missing, f"routes without an isolation case: {missing}"


@pytest.mark.parametrize("route", sorted(CASES))
def test_community_a_worker_cannot_reach_community_b(route, district, client_for):
    alice = client_for("alice")
    mine = AuditEvent.objects.filter(actor=district.users["alice"])
    CASES[route](district, alice)
    assert not mine.exists(), "a refused request wrote history"
    # B's objects are untouched
    g = CommunityGroup.objects.get(pk=district.group_b.pk)
    assert not g.archived
    assert Membership.objects.filter(pk=district.membership_b.pk, role="member").exists()


def test_admin_is_closed_to_staff(district, client_for):
    resp = client_for("alice").get("/admin/people/resident/")
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]
