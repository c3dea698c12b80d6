import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from gongzhi.core.tabular import write_xlsx
from gongzhi.org.models import OrgUnit


def test_export_then_import_round_trip_creates_nothing_new(district, client_for):
    ada = client_for("ada")
    resp = ada.get("/console/org/export.xlsx")
    rows = list(load_workbook(io.BytesIO(resp.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("街道", "社区", "社区类型", "网格")
    assert ("一街道", "甲社区", "社区", "第1网格") in [r[:4] for r in rows]
    before = OrgUnit.objects.count()
    up = SimpleUploadedFile("tree.xlsx", resp.content)
    assert ada.post("/console/org/import/", {"file": up}).status_code == 302
    assert OrgUnit.objects.count() == before


def test_import_adds_units_and_updates_community_details(district, client_for):
    data = write_xlsx(
        ["街道", "社区", "社区类型", "网格", "办公地址"],
        [
            ["三街道", "丙社区", "社区", "第1网格", "丙路8号"],
            ["三街道", "丁村", "村委会", "", ""],
            ["一街道", "甲社区", "社区", "第3网格", "甲路2号"],
        ],
    )
    resp = client_for("ada").post(
        "/console/org/import/", {"file": SimpleUploadedFile("t.xlsx", data)}
    )
    assert resp.status_code == 302
    c = OrgUnit.objects.get(name="丙社区")
    assert c.parent.name == "三街道" and c.office_address == "丙路8号"
    assert c.path.startswith(district.district.path)
    assert OrgUnit.objects.get(name="丁村").community_type == "village"
    assert OrgUnit.objects.filter(parent=district.a, name="第3网格").exists()
    district.a.refresh_from_db()
    assert district.a.office_address == "甲路2号"


def test_bad_rows_import_nothing(district, client_for):
    before = OrgUnit.objects.count()
    data = "街道,社区,社区类型\n三街道,丙社区,社区\n,缺街道社区,社区\n三街道,戊,镇\n".encode()
    resp = client_for("ada").post(
        "/console/org/import/", {"file": SimpleUploadedFile("t.csv", data)}
    )
    assert resp.status_code == 200
    assert [r for r, _ in resp.context["errors"]] == [3, 4]
    assert OrgUnit.objects.count() == before


def test_not_a_spreadsheet_is_refused(district, client_for):
    resp = client_for("ada").post(
        "/console/org/import/", {"file": SimpleUploadedFile("t.xlsx", b"not a zip")}
    )
    assert resp.status_code == 200
    assert "xlsx" in resp.content.decode()


def test_subtree_is_a_path_prefix(district):
    sub = OrgUnit.objects.filter(path__startswith=district.s1.path)
    assert set(sub.values_list("name", flat=True)) == {"一街道", "甲社区", "第1网格", "第2网格"}
