import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from gongzhi.workorders import actions as A
from gongzhi.workorders.models import State, WorkOrder

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_resident_reports_with_photo_and_follows_it(district, client_for):
    rita = client_for("rita")
    resp = rita.post(
        "/orders/new/",
        {
            "description": "单元门禁坏了，陌生人随便进出",
            "category": "property",
            "photos": [SimpleUploadedFile("door.png", PNG, "image/png")],
            "hide_identity": "on",
        },
    )
    assert resp.status_code == 302
    o = WorkOrder.objects.get()
    assert o.hide_identity and o.attachments.count() == 1 and o.channel == "mobile"
    page = rita.get(f"/orders/{o.pk}/").content.decode()
    assert o.number in page and "单元门禁坏了" in page
    assert o.number in rita.get("/orders/").content.decode()
    assert (
        "已受理" in rita.get("/notifications/").content.decode()
        or o.number in rita.get("/notifications/").content.decode()
    )


def test_non_image_upload_is_refused_without_an_order(district, client_for):
    resp = client_for("rita").post(
        "/orders/new/",
        {"description": "附件不是图片", "photos": [SimpleUploadedFile("x.png", b"MZ\x90\x00")]},
    )
    assert resp.status_code == 200 and WorkOrder.objects.count() == 0
    assert "JPEG" in resp.content.decode()


def test_staff_inbox_filters_detail_actions_and_export(district, client_for):
    d = district
    o = A.do_submit(d.users["rita"], description="楼下烧烤油烟太大", category="environment")
    A.do_submit(d.users["rita"], description="小区路灯不亮", category="municipal")
    alice = client_for("alice")
    page = alice.get("/console/orders/?category=environment").content.decode()
    assert "楼下烧烤油烟太大" in page and "小区路灯不亮" not in page
    assert "小区路灯不亮" in alice.get("/console/orders/?q=路灯").content.decode()
    assert alice.get(f"/console/orders/{o.pk}/").status_code == 200
    resp = alice.post(f"/console/orders/{o.pk}/act/", {"verb": "dispatch", "unit": d.grid_a.pk})
    assert resp.status_code == 302
    assert WorkOrder.objects.get(pk=o.pk).state == State.DISPATCHED
    resp = alice.post(f"/console/orders/{o.pk}/act/", {"verb": "resolve", "comment": "x"})
    assert WorkOrder.objects.get(pk=o.pk).state == State.DISPATCHED  # refused, unchanged
    wb = load_workbook(io.BytesIO(alice.get("/console/orders/export.xlsx").content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "工单号" and len(rows) == 3


def test_bulk_dispatch_uses_routing(district, client_for):
    d = district
    ids = [
        A.do_submit(d.users["rita"], description=f"垃圾没清运{i}", category="environment").pk
        for i in range(3)
    ]
    client_for("alice").post("/console/orders/bulk-dispatch/", {"ids": ids})
    assert set(WorkOrder.objects.values_list("state", "handler_unit")) == {
        ("dispatched", d.grid_a.pk)
    }


def test_public_list_masks_people(district, client):
    d = district
    o = A.do_submit(d.users["rita"], description="井盖松动", category="municipal")
    A.do_dispatch(d.users["alice"], o.pk, unit_id=d.a.pk)
    A.do_start(d.users["alice"], o.pk)
    A.do_resolve(d.users["alice"], o.pk, "已加固")
    page = client.get(f"/public/communities/{d.a.pk}/resolved/").content.decode()
    assert o.number in page and "张*丰" in page and "张三丰" not in page


def test_api_create_list_act_and_rate(district, client_for):
    d = district
    rita = client_for("rita")
    resp = rita.post(
        "/api/v1/orders",
        json.dumps({"description": "电梯异响", "category": "property"}),
        content_type="application/json",
    )
    assert resp.status_code == 201
    oid = resp.json()["id"]
    assert resp.json()["timeline"][0]["verb"] == "submit"
    assert [o["id"] for o in rita.get("/api/v1/orders").json()["items"]] == [oid]
    alice = client_for("alice")
    r = alice.post(
        f"/api/v1/orders/{oid}/actions/dispatch",
        json.dumps({"unit_id": d.a.pk}),
        content_type="application/json",
    )
    assert r.json()["state"] == "dispatched"
    bad = alice.post(f"/api/v1/orders/{oid}/actions/fly", "{}", content_type="application/json")
    assert bad.status_code == 400
    bad = alice.post(
        f"/api/v1/orders/{oid}/actions/rate",
        json.dumps({"rating": "satisfied"}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and WorkOrder.objects.get(pk=oid).state == "dispatched"
    unread = rita.get("/api/v1/notifications?unread=true").json()["count"]
    assert unread >= 2
    assert (
        rita.post("/api/v1/notifications/read", "{}", content_type="application/json").json()[
            "updated"
        ]
        == unread
    )


def test_photos_are_served_through_the_order_check(district, client_for, settings, tmp_path):
    from django.core.files.base import ContentFile

    from gongzhi.workorders.models import Attachment, Event

    settings.MEDIA_ROOT = tmp_path
    d = district
    o = A.do_submit(
        d.users["rita"],
        description="井盖丢了",
        category="municipal",
        photos=[SimpleUploadedFile("hole.png", PNG, "image/png")],
    )
    public = o.attachments.get()
    internal_event = Event.objects.create(order=o, verb="note", actor_label="x", public=False)
    internal = Attachment(order=o, event=internal_event, content_type="image/png", size=len(PNG))
    internal.file.save("inside.png", ContentFile(PNG), save=False)
    internal.save()
    # links point at the checked view, never into the media folder
    detail = client_for("rita").get(f"/api/v1/orders/{o.pk}").json()
    assert detail["timeline"][0]["attachments"] == [f"/orders/attachments/{public.pk}/"]
    anonymous = Client()
    resp = anonymous.get(public.url)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == PNG
    assert resp["Content-Type"] == "image/png" and resp["X-Content-Type-Options"] == "nosniff"
    assert anonymous.get(internal.url).status_code == 404
    assert client_for("bob").get(internal.url).status_code == 404  # community B
    assert client_for("alice").get(internal.url).status_code == 200  # community A staff
    assert Client().get("/orders/attachments/999999/").status_code == 404
