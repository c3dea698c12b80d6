import json

from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core import crypto
from gongzhi.core.identity import id_check_digit
from gongzhi.people.models import AccessLog, Resident


def post_json(c, url, data):
    return c.post(url, json.dumps(data), content_type="application/json")


def valid_id(first17):
    return first17 + id_check_digit(first17)


def test_api_masks_personal_data(district, client_for):
    body = client_for("alice").get(f"/api/v1/residents/{district.resident_a.pk}").json()
    assert body["name"] == "张*丰"
    assert body["phone"] == "138****5678"
    assert body["id_number"] == "3201**********1237"
    page = client_for("alice").get("/console/residents/").content.decode()
    assert "13812345678" not in page and "138****5678" in page


def test_exact_lookup_by_phone_and_id_uses_the_blind_index(district, client_for):
    c = client_for("alice")
    assert [r["id"] for r in c.get("/api/v1/residents?phone=138 1234 5678").json()["items"]] == [
        district.resident_a.pk
    ]
    assert [
        r["id"] for r in c.get("/api/v1/residents?id_number=320113198001011237").json()["items"]
    ] == [district.resident_a.pk]
    assert c.get("/api/v1/residents?phone=13800000000").json()["count"] == 0


def test_create_resident_rejects_bad_id_and_changes_nothing(district, client_for):
    c = client_for("alice")
    before = Resident.objects.count()
    resp = post_json(
        c,
        "/api/v1/residents",
        {
            "household_id": district.household_a.pk,
            "name": "赵六",
            "id_number": "320113198001011230",
        },
    )
    assert resp.status_code == 400
    assert resp.json()["field"] == "id_number"
    assert "check digit" in resp.json()["detail"] or "校验" in resp.json()["detail"]
    assert Resident.objects.count() == before


def test_create_resident_and_duplicate_id_is_refused(district, client_for):
    c = client_for("alice")
    idn = valid_id("32011320010203003")
    resp = post_json(
        c,
        "/api/v1/residents",
        {
            "household_id": district.household_a.pk,
            "name": "赵六",
            "id_number": idn,
            "phone": "13911112222",
        },
    )
    assert resp.status_code == 201, resp.content
    r = Resident.objects.get(pk=resp.json()["id"])
    assert r.name == "赵六" and r.gender == "M" and r.birth_year == 2001
    again = post_json(
        c,
        "/api/v1/residents",
        {"household_id": district.household_a.pk, "name": "赵六", "id_number": idn},
    )
    assert again.status_code == 400 and again.json()["code"] == "duplicate"


def test_unmask_requires_reason_and_is_logged(district, client_for):
    c = client_for("alice")
    url = f"/api/v1/residents/{district.resident_a.pk}/unmask"
    assert post_json(c, url, {"fields": ["phone"], "reason": ""}).status_code == 400
    assert AccessLog.objects.count() == 0
    resp = post_json(c, url, {"fields": ["phone", "id_number"], "reason": "上门核实"})
    assert resp.json() == {"phone": "13812345678", "id_number": "320113198001011237"}
    log = AccessLog.objects.get()
    assert log.actor == district.users["alice"] and log.fields == "phone,id_number"
    assert log.reason == "上门核实" and log.channel == "api"


def test_roles_without_unmask_right_get_not_found(district, client_for):
    for who in ("stella", "dora", "rita"):
        resp = post_json(
            client_for(who),
            f"/api/v1/residents/{district.resident_a.pk}/unmask",
            {"fields": ["phone"], "reason": "看看"},
        )
        assert resp.status_code == 404, who
    assert AccessLog.objects.count() == 0


def test_unmask_page_shows_values_and_logs(district, client_for):
    resp = client_for("grace").post(
        f"/console/residents/{district.resident_a.pk}/unmask/",
        {"fields": ["name"], "reason": "入户走访"},
    )
    assert resp.status_code == 200 and "张三丰" in resp.content.decode()
    assert AccessLog.objects.filter(actor=district.users["grace"], channel="web").count() == 1


def test_only_admins_list_the_access_log(district, client_for):
    post_json(
        client_for("alice"),
        f"/api/v1/residents/{district.resident_a.pk}/unmask",
        {"fields": ["phone"], "reason": "上门核实"},
    )
    assert client_for("alice").get("/api/v1/audit/access-log").json()["count"] == 0
    assert client_for("alice").get("/console/audit/access-log/").status_code == 403
    items = client_for("ada").get("/api/v1/audit/access-log").json()["items"]
    assert [i["reason"] for i in items] == ["上门核实"]
    assert "上门核实" in client_for("ada").get("/console/audit/access-log/").content.decode()


def roster(rows, header="姓名,身份证号,手机号,网格,楼栋,房号,人员类型,党员"):
    return SimpleUploadedFile("roster.csv", ("\n".join([header, *rows]) + "\n").encode())


def test_roster_import_creates_households_and_residents(district, client_for):
    rows = [
        f"钱七,{valid_id('32011319700101001')},13600001111,第1网格,2栋,301,户籍,是",
        f"孙八,{valid_id('34010219950505002')},,第2网格,3栋,101,流动,否",
    ]
    resp = client_for("alice").post(
        "/console/residents/import/", {"community": district.a.pk, "file": roster(rows)}
    )
    assert resp.status_code == 302
    qian = Resident.objects.get(
        id_number_bidx=crypto.blind_index(valid_id("32011319700101001"), "id_number")
    )
    assert qian.name == "钱七" and qian.is_party_member and qian.grid == district.grid_a
    assert qian.household.building.name == "2栋"
    sun = Resident.objects.get(kind="floating")
    assert sun.grid == district.grid_a2


def test_roster_with_bad_rows_imports_nothing_and_reports_each(district, client_for):
    before = Resident.objects.count()
    rows = [
        f"钱七,{valid_id('32011319700101001')},13600001111,第1网格,2栋,301,户籍,是",
        "孙八,320113197001010010,,第1网格,2栋,302,户籍,否",  # wrong check digit
        f"周九,{valid_id('32011319800101001')},,第9网格,2栋,303,户籍,否",  # unknown grid
        f"吴十,{valid_id('32011319700101001')},,第1网格,2栋,304,户籍,否",  # duplicate in file
        "郑一,320113198001011237,,第1网格,2栋,305,户籍,否",  # already registered
    ]
    resp = client_for("alice").post(
        "/console/residents/import/", {"community": district.a.pk, "file": roster(rows)}
    )
    assert resp.status_code == 200
    errors = resp.context["errors"]
    assert [row for row, _ in errors] == [3, 4, 5, 6]
    assert Resident.objects.count() == before


def test_export_is_masked(district, client_for):
    import io

    from openpyxl import load_workbook

    resp = client_for("alice").get("/console/residents/export.xlsx")
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    cells = [str(v) for row in wb.worksheets[0].iter_rows(values_only=True) for v in row]
    assert "张*丰" in cells and "138****5678" in cells
    assert "13812345678" not in cells and "320113198001011237" not in cells


def test_me_endpoint_and_resident_home(district, client_for):
    me = client_for("rita").get("/api/v1/me").json()
    assert me["resident_id"] == district.resident_a.pk and me["roles"] == []
    page = client_for("rita").get("/me/").content.decode()
    assert "甲社区" in page and "甲社区居民群" in page and "张*丰" in page
    assert client_for("rita").get("/console/").status_code == 403
