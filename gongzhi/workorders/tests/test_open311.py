"""Open311 GeoReport v2: every endpoint in JSON and XML, errors in the spec's shape, the status
mapping, the 90-day window, tokens, the updates feed, privacy — and a live server read by the
unmodified ``georeport`` client."""

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongzhi.workorders import actions as A
from gongzhi.workorders import open311
from gongzhi.workorders.models import Category, Event, Open311Key, State, WorkOrder

pytestmark = pytest.mark.urls("gongzhi.workorders.tests.open311_test_urls")

BASE = "/open311/v2/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORMATS = ("json", "xml")


def parse(resp, fmt):
    if fmt == "json":
        assert resp["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(resp.content)
    assert resp["Content-Type"] == "text/xml; charset=utf-8"
    assert resp.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(resp.content)


def get(client, resource, fmt="json", **params):
    return client.get(f"{BASE}{resource}.{fmt}", params)


def items(resp, fmt, item="request"):
    """A list response as a list of dicts of strings (XML) or JSON values."""
    data = parse(resp, fmt)
    if fmt == "json":
        return data
    return [{child.tag: child.text for child in el} for el in data.findall(item)]


def assert_error(resp, fmt, status):
    assert resp.status_code == status
    data = parse(resp, fmt)
    if fmt == "json":
        assert len(data) == 1 and data[0]["code"] == status and data[0]["description"]
        return data[0]["description"]
    assert data.tag == "errors"
    assert data.find("error/code").text == str(status)
    assert data.find("error/description").text
    return data.find("error/description").text


@pytest.fixture
def api_key(db):
    return Open311Key.issue("测试客户端")[1]


@pytest.fixture
def form(district, api_key):
    return {
        "api_key": api_key,
        "service_code": "environment",
        "attribute[community]": district.a.code,
        "lat": "32.1",
        "long": "118.9",
        "address_string": "甲路3号楼下",
        "description": "垃圾桶满了三天没人清运",
        "first_name": "三",
        "last_name": "张",
        "email": "zhang@example.com",
        "phone": "13900001111",
    }


def post(client, data, fmt="json"):
    return client.post(f"{BASE}requests.{fmt}", data)


def make_order(d, **kw):
    kw.setdefault("description", "3栋楼道灯坏了一个星期，晚上很黑")
    kw.setdefault("category", "environment")
    return A.do_submit(d.users["rita"], **kw)


# --- discovery and services ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, db, fmt):
    resp = get(client, "discovery", fmt)
    assert resp.status_code == 200
    data = parse(resp, fmt)
    if fmt == "json":
        (ep,) = data["endpoints"]
        assert data["changeset"] and data["contact"] and data["key_service"]
        assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert ep["url"] == "http://testserver/open311/v2" and ep["type"] == "production"
        assert ep["formats"] == ["text/xml", "application/json"]
    else:
        assert data.tag == "discovery" and data.find("key_service").text
        ep = data.find("endpoints/endpoint")
        assert ep.find("specification").text == "http://wiki.open311.org/GeoReport_v2"
        assert ep.find("url").text == "http://testserver/open311/v2"
        assert [f.text for f in ep.findall("formats/format")] == [
            "text/xml",
            "application/json",
        ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_active_categories(client, db, fmt):
    Category.objects.filter(code="market").update(active=False)
    resp = get(client, "services", fmt)
    assert resp.status_code == 200
    services = items(resp, fmt, "service")
    codes = [s["service_code"] for s in services]
    assert "environment" in codes and "other" in codes and "market" not in codes
    assert len(codes) == Category.objects.filter(active=True).count()
    env = next(s for s in services if s["service_code"] == "environment")
    assert env["service_name"] == "环境卫生" and env["type"] == "realtime"
    assert env["metadata"] in (True, "true") and "环境卫生" in env["keywords"] and env["group"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(client, district, fmt):
    resp = get(client, "services/environment", fmt)
    assert resp.status_code == 200
    data = parse(resp, fmt)
    if fmt == "json":
        assert data["service_code"] == "environment"
        attrs = {a["code"]: a for a in data["attributes"]}
        community = attrs["community"]
        assert community["required"] is True and community["datatype"] == "singlevaluelist"
        assert community["variable"] is True and community["order"] == 1
        keys = [v["key"] for v in community["values"]]
        assert attrs["hide_identity"]["required"] is False
        assert [v["key"] for v in attrs["hide_identity"]["values"]] == ["false", "true"]
    else:
        assert data.tag == "service_definition"
        assert data.find("service_code").text == "environment"
        attrs = {a.find("code").text: a for a in data.findall("attributes/attribute")}
        community = attrs["community"]
        assert community.find("required").text == "true"
        assert community.find("datatype").text == "singlevaluelist"
        keys = [v.find("key").text for v in community.findall("values/value")]
        names = [v.find("name").text for v in community.findall("values/value")]
        assert "一街道 甲社区" in names
        assert attrs["hide_identity"].find("required").text == "false"
    assert keys == [district.a.code, district.b.code]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_or_inactive_service_is_404(client, db, fmt):
    assert "nope" in assert_error(get(client, "services/nope", fmt), fmt, 404)
    Category.objects.filter(code="market").update(active=False)
    assert_error(get(client, "services/market", fmt), fmt, 404)


# --- POST requests -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_an_order_with_a_token(client, district, form, fmt):
    form["attribute[hide_identity]"] = "true"
    resp = post(client, form, fmt)
    assert resp.status_code == 200, resp.content
    (item,) = items(resp, fmt)
    o = WorkOrder.objects.get(number=item["service_request_id"])
    assert item["token"] == o.open311_token and len(o.open311_token) >= 20
    assert item["service_notice"] and item["account_id"] in (None,)
    assert o.channel == "open311" and o.state == State.SUBMITTED
    assert o.category.code == "environment" and o.community == district.a
    assert o.street == district.s1 and o.grid is None and o.reporter is None
    assert (o.lat, o.lon, o.address) == (32.1, 118.9, "甲路3号楼下")
    assert o.reporter_name == "张三" and o.reporter_phone == "13900001111"
    assert o.hide_identity is True and o.created_by is None
    key = Open311Key.lookup(form["api_key"])
    assert o.source_ref == f"open311-key:{key.pk}"
    assert o.description == "垃圾桶满了三天没人清运" and o.title
    ev = Event.objects.get(order=o)
    assert ev.verb == "submit" and ev.actor is None
    # Stored encrypted: the raw column holds neither the name nor the phone.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT reporter_name, reporter_phone FROM workorders_workorder WHERE id=%s", [o.pk]
        )
        raw = " ".join(cur.fetchone())
    assert "张三" not in raw and "13900001111" not in raw


def test_post_accepts_community_id_and_address_only(client, district, form):
    del form["lat"], form["long"], form["first_name"], form["last_name"], form["phone"]
    form["attribute[community]"] = str(district.b.pk)
    form["first_name"], form["last_name"] = "Jane", "Smith"
    resp = post(client, form)
    assert resp.status_code == 200, resp.content
    o = WorkOrder.objects.get(number=resp.json()[0]["service_request_id"])
    assert o.community == district.b and o.lat is None and o.reporter_name == "Jane Smith"
    assert o.hide_identity is False


INVALID = [
    # (change to the valid form, expected HTTP status, a word of the message)
    ({"api_key": None}, 403, "api_key"),
    ({"api_key": "wrong-key"}, 403, "api_key"),
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "nope"}, 404, "nope"),
    ({"attribute[community]": None}, 400, "attribute[community]"),
    ({"attribute[community]": "X-9"}, 400, "X-9"),
    ({"lat": None, "long": None, "address_string": None}, 400, "lat"),
    ({"lat": None, "long": None, "address_string": None, "address_id": "77"}, 400, "address_id"),
    ({"long": None}, 400, "long"),
    ({"lat": "north"}, 400, "lat"),
    ({"lat": "95"}, 400, ""),
    ({"description": None}, 400, ""),
    ({"description": "长" * 2001}, 400, "2"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"attribute[hide_identity]": "maybe"}, 400, "hide_identity"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("change,status,word", INVALID)
def test_post_errors_create_nothing(client, district, form, fmt, change, status, word):
    for k, v in change.items():
        if v is None:
            form.pop(k, None)
        else:
            form[k] = v
    resp = post(client, form, fmt)
    assert word in assert_error(resp, fmt, status)
    assert not WorkOrder.objects.exists() and not Event.objects.exists()


def test_revoked_key_and_inactive_service_are_refused(client, district, form):
    Category.objects.filter(code="environment").update(active=False)
    assert_error(post(client, form), "json", 404)
    Category.objects.filter(code="environment").update(active=True)
    Open311Key.objects.update(active=False)
    assert_error(post(client, form), "json", 403)
    assert not WorkOrder.objects.exists()


def test_post_needs_no_csrf_token(district, form):
    from django.test import Client

    resp = post(Client(enforce_csrf_checks=True), form)
    assert resp.status_code == 200


def test_media_url_is_kept_as_a_footer_and_given_back(client, district, form):
    form["media_url"] = "https://img.example.com/a.jpg"
    number = post(client, form).json()[0]["service_request_id"]
    o = WorkOrder.objects.get(number=number)
    assert o.description.endswith("\n\nmedia_url: https://img.example.com/a.jpg")
    (item,) = get(client, f"requests/{number}").json()
    assert item["media_url"] == "https://img.example.com/a.jpg"
    assert item["description"] == "垃圾桶满了三天没人清运"


# --- GET requests --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_detail_and_fields(client, district, form, fmt):
    number = post(client, form).json()[0]["service_request_id"]
    o = WorkOrder.objects.get(number=number)
    resp = get(client, f"requests/{number}", fmt)
    assert resp.status_code == 200
    (item,) = items(resp, fmt)
    assert item["service_request_id"] == number and item["status"] == "open"
    assert item["service_code"] == "environment" and item["service_name"] == "环境卫生"
    assert item["description"] == "垃圾桶满了三天没人清运"
    assert item["address"] == "甲路3号楼下"
    assert item["requested_datetime"] == timezone.localtime(o.created_at).isoformat(
        timespec="seconds"
    )
    assert item["requested_datetime"].endswith("+08:00")
    assert dt.datetime.fromisoformat(item["expected_datetime"]) == o.due_at.replace(microsecond=0)
    assert item["status_notes"] and item["service_notice"]
    if fmt == "json":
        assert (item["lat"], item["long"]) == (32.1, 118.9)
        assert item["media_url"] is None and item["agency_responsible"] is None
    else:
        assert (item["lat"], item["long"]) == ("32.1", "118.9")
        assert item["media_url"] is None and "zipcode" in item


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_request_and_token_are_404(client, db, fmt):
    assert_error(get(client, "requests/GZ2000010100001", fmt), fmt, 404)
    assert_error(get(client, "tokens/nosuchtoken", fmt), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_gives_the_request_id(client, district, form, fmt):
    item = post(client, form, fmt)
    (created,) = items(item, fmt)
    resp = get(client, f"tokens/{created['token']}", fmt)
    assert resp.status_code == 200
    assert items(resp, fmt) == [
        {"service_request_id": created["service_request_id"], "token": created["token"]}
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_default_to_the_last_90_days(client, district, fmt):
    recent, old = make_order(district), make_order(district, category="property")
    WorkOrder.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=100))
    numbers = [i["service_request_id"] for i in items(get(client, "requests", fmt), fmt)]
    assert numbers == [recent.number]
    start = (timezone.now() - dt.timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - dt.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    resp = get(client, "requests", fmt, start_date=start, end_date=end)
    assert [i["service_request_id"] for i in items(resp, fmt)] == [old.number]
    # start_date alone: 90 days from it; end_date alone: the 90 days before it.
    resp = get(client, "requests", fmt, start_date=start)
    assert [i["service_request_id"] for i in items(resp, fmt)] == [old.number]
    resp = get(client, "requests", fmt, end_date=end)
    assert [i["service_request_id"] for i in items(resp, fmt)] == [old.number]
    # service_request_id overrides the window (and every other filter).
    resp = get(
        client,
        "requests",
        fmt,
        service_request_id=f"{old.number}, {recent.number}",
        status="closed",
    )
    assert {i["service_request_id"] for i in items(resp, fmt)} == {old.number, recent.number}


@pytest.mark.parametrize(
    "params,word",
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, "start_date"),
        ({"status": "pending"}, "status"),
        ({"service_code": "environment,nope"}, "nope"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_request_filters_are_400(client, db, fmt, params, word):
    assert word in assert_error(get(client, "requests", fmt, **params), fmt, 400)


def test_request_filters_and_limit(client, district, monkeypatch):
    d = district
    env, prop, other = (make_order(d, category=c) for c in ("environment", "property", "other"))
    WorkOrder.objects.filter(pk=prop.pk).update(state=State.CLOSED)

    def numbers(**params):
        return [i["service_request_id"] for i in get(client, "requests", **params).json()]

    assert numbers() == [other.number, prop.number, env.number]  # newest first
    assert numbers(service_code="environment,property") == [prop.number, env.number]
    assert numbers(status="closed") == [prop.number]
    assert numbers(status="open") == [other.number, env.number]
    assert numbers(status="open,closed", service_code="") == numbers()
    assert numbers(jurisdiction_id="anything") == numbers()
    monkeypatch.setattr(open311, "LIMIT", 2)
    assert numbers() == [other.number, prop.number]


@pytest.mark.parametrize(
    "state,status",
    [
        (State.SUBMITTED, "open"),
        (State.ACCEPTED, "open"),
        (State.DISPATCHED, "open"),
        (State.IN_PROGRESS, "open"),
        (State.SUSPENDED, "open"),
        (State.RETURNED, "open"),
        (State.RESOLVED, "open"),
        (State.RATED, "open"),
        (State.REOPENED, "open"),
        (State.CLOSED, "closed"),
        (State.MERGED, "closed"),
    ],
)
def test_status_mapping(client, district, state, status):
    o = make_order(district)
    WorkOrder.objects.filter(pk=o.pk).update(state=state)
    (item,) = get(client, f"requests/{o.number}").json()
    assert item["status"] == status
    assert item["status_notes"] == str(State(state).label)


def test_lifecycle_through_open311(client, district):
    d = district
    alice = d.users["alice"]
    o = make_order(d, address="甲路1号3栋")
    A.do_accept(alice, o.pk)
    A.do_dispatch(alice, o.pk, comment="请网格员尽快处理")
    (item,) = get(client, f"requests/{o.number}").json()
    assert item["status"] == "open" and item["agency_responsible"] == d.grid_a.name
    assert item["status_notes"] == "请网格员尽快处理"
    A.do_start(d.users["grace"], o.pk)
    A.do_return(d.users["grace"], o.pk, "内部原因：不属于本网格")  # not public
    (item,) = get(client, f"requests/{o.number}").json()
    assert item["status_notes"] == str(State.RETURNED.label)
    assert "内部原因" not in json.dumps(item, ensure_ascii=False)
    A.do_dispatch(alice, o.pk, unit_id=d.grid_a.pk)
    A.do_start(d.users["grace"], o.pk)
    A.do_resolve(d.users["grace"], o.pk, "已更换灯泡", photos=[("b.png", PNG)])
    (item,) = get(client, f"requests/{o.number}").json()
    assert item["status"] == "open" and item["status_notes"] == "已更换灯泡"
    assert item["media_url"].startswith("http://testserver/orders/attachments/")
    photo = client.get(item["media_url"].removeprefix("http://testserver"))
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == PNG
    A.do_close(alice, o.pk, "已办结")
    o.refresh_from_db()
    (item,) = get(client, f"requests/{o.number}").json()
    assert item["status"] == "closed" and item["status_notes"] == "已办结"
    assert item["updated_datetime"] == timezone.localtime(o.closed_at).isoformat(timespec="seconds")


# --- updates feed --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_updates(client, district, fmt):
    d = district
    alice, grace = d.users["alice"], d.users["grace"]
    o = make_order(d)
    A.do_accept(alice, o.pk)
    A.do_dispatch(alice, o.pk)
    A.do_start(grace, o.pk)
    A.do_return(grace, o.pk, "不属于本网格")  # internal: not in the feed
    A.do_dispatch(alice, o.pk, unit_id=d.grid_a.pk)
    A.do_start(grace, o.pk)
    A.do_resolve(grace, o.pk, "已更换灯泡", photos=[("b.png", PNG)])
    A.do_close(alice, o.pk, "已办结")
    resp = get(client, "servicerequestupdates", fmt)
    assert resp.status_code == 200
    updates = items(resp, fmt, "request_update")
    if fmt == "xml":
        assert parse(resp, fmt).tag == "service_request_updates"
    public = Event.objects.filter(order=o, public=True).exclude(verb="submit").order_by("id")
    assert [u["update_id"] for u in updates] == [str(e.pk) for e in public]
    assert Event.objects.filter(order=o, public=False).exists()
    assert {u["service_request_id"] for u in updates} == {o.number}
    assert [u["status"] for u in updates] == ["open"] * (len(updates) - 1) + ["closed"]
    resolved = next(u for u in updates if u["description"] == "已更换灯泡")
    assert resolved["media_url"].startswith("http://testserver/orders/attachments/")
    assert "不属于本网格" not in resp.content.decode()
    assert all(u["updated_datetime"].endswith("+08:00") for u in updates)
    # the window applies to the updates' own times
    past = (timezone.now() - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert items(get(client, "servicerequestupdates", fmt, end_date=past), fmt, "x") == []
    assert_error(get(client, "servicerequestupdates", fmt, start_date="never"), fmt, 400)


# --- privacy, encoding, methods ------------------------------------------------------------


def test_no_personal_data_in_any_output(client, district, form):
    d = district
    form["description"] = "噪音扰民，请联系我 13912345678，身份证 320113198001011237"
    number = post(client, form).json()[0]["service_request_id"]
    own = make_order(d)  # a resident's own order: name, phone and household on file
    A.do_accept(d.users["alice"], own.pk, comment="已电话联系 13812345678")
    bodies = []
    for fmt in FORMATS:
        for resource in ("requests", f"requests/{number}", f"requests/{own.number}"):
            resp = get(client, resource, fmt)
            assert resp.status_code == 200
            bodies.append(resp.content.decode())
        bodies.append(get(client, "servicerequestupdates", fmt).content.decode())
    text = "\n".join(bodies)
    for secret in (
        "13912345678",
        "320113198001011237",
        "13900001111",  # phone sent with the POST
        "13812345678",  # the resident's phone
        "zhang@example.com",
        "张三",  # the POSTed name, and the resident 张三丰
        d.building_a.name,  # the household's address
    ):
        assert secret not in text
    assert "139****5678" in text and "3201**********1237" in text and "138****5678" in text
    (item,) = get(client, f"requests/{own.number}").json()
    assert item["address"] == d.a.name  # the community, never the household
    assert item["status_notes"] == "已电话联系 138****5678"


def test_xml_escapes_text(client, district, form):
    form["description"] = 'a < b & "c" > d\x01 ]]> <script>'
    number = post(client, form, "xml")
    number = ET.fromstring(number.content).find("request/service_request_id").text
    resp = get(client, f"requests/{number}", "xml")
    assert b"<script>" not in resp.content
    assert parse(resp, "xml").find("request/description").text == 'a < b & "c" > d ]]> <script>'


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_method_is_405(client, db, fmt):
    resp = client.delete(f"{BASE}requests.{fmt}")
    assert_error(resp, fmt, 405)
    assert resp["Allow"] == "GET, POST, HEAD"
    assert_error(client.post(f"{BASE}services.{fmt}", {}), fmt, 405)
    assert_error(client.post(f"{BASE}tokens/abc.{fmt}", {}), fmt, 405)


def test_unknown_format_is_an_xml_error(client, db):
    assert "html" in assert_error(get(client, "services", "html"), "xml", 400)


# --- key management ------------------------------------------------------------------------


def test_key_command(db):
    out = io.StringIO()
    call_command("open311", "key", "create", "--name", "市民热线对接", stdout=out)
    key = out.getvalue().split()[-1]
    obj = Open311Key.lookup(key)
    assert obj is not None and obj.name == "市民热线对接" and obj.key_hash != key
    out = io.StringIO()
    call_command("open311", "key", "list", stdout=out)
    assert obj.prefix in out.getvalue() and "active" in out.getvalue()
    assert key not in out.getvalue()
    call_command("open311", "key", "revoke", f"--prefix={obj.prefix}", stdout=io.StringIO())
    assert Open311Key.lookup(key) is None
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("open311", "key", "revoke", f"--prefix={obj.prefix}")


# --- live server: the georeport client and plain HTTP ---------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_live_server_with_georeport_client(restore_initial_data, live_server, district):
    import requests
    from georeport import GeoReport

    root = f"{live_server.url}/open311/v2"
    key = Open311Key.issue("live")[1]
    resp = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "service_code": "environment",
            "attribute[community]": district.a.code,
            "address_string": "甲路3号",
            "description": "路灯不亮 & 井盖松动 <急>",
        },
        timeout=10,
    )
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    (created,) = resp.json()
    resp = requests.get(f"{root}/tokens/{created['token']}.json", timeout=10)
    (found,) = resp.json()
    number = found["service_request_id"]
    assert number == created["service_request_id"]
    # The same through XML, by plain HTTP.
    resp = requests.post(
        f"{root}/requests.xml", data={"api_key": "bad", "service_code": "environment"}, timeout=10
    )
    assert resp.status_code == 403 and b"<errors><error><code>403</code>" in resp.content

    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        services = client.get_service_list()
        assert {s["service_code"] for s in services} >= {"environment", "property", "other"}
        definition = client.get_service_definition("environment")
        if fmt == "json":
            attributes = definition["attributes"]
            values = attributes[0]["values"]
        else:
            attributes = definition["attributes"]["attribute"]
            values = attributes[0]["values"]["value"]
        assert definition["service_code"] == "environment"
        assert [a["code"] for a in attributes] == ["community", "hide_identity"]
        assert {v["key"] for v in values} == {district.a.code, district.b.code}
        one = client.get_service_request(number)
        assert one["service_request_id"] == number and one["status"] == "open"
        assert one["description"] == "路灯不亮 & 井盖松动 <急>"
        listed = client.get_service_requests(service_request_id=number)
        if fmt == "xml":
            listed = [listed]  # xmltodict gives a single element as a dict
        assert [r["service_request_id"] for r in listed] == [number]
        listed = client.get_service_requests(service_code="environment", status="open")
        if fmt == "xml":
            listed = [listed]
        assert [r["service_request_id"] for r in listed] == [number]
