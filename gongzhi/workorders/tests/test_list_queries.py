"""The order lists cost the same number of queries whatever the page holds (no per-row reads)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.workorders import actions as A


def _queries(client, url):
    with CaptureQueriesContext(connection) as q:
        assert client.get(url).status_code == 200
    return len(q.captured_queries)


def test_list_queries_do_not_grow_with_rows(district, client_for):
    rita, rob = district.users["rita"], district.users["rob"]
    A.do_submit(rita, description="楼道灯不亮", category="municipal")
    ada = client_for("ada")
    urls = ["/api/v1/orders?limit=30", "/console/orders/", "/console/orders/?q=灯不"]
    one = [_queries(ada, u) for u in urls]
    for i in range(6):  # more rows, from two reporters in two communities
        A.do_submit(rita if i % 2 else rob, description=f"井盖松动{i}", category="municipal")
        A.do_submit(rita, description="灯不亮了", category="municipal")
    assert [_queries(ada, u) for u in urls] == one
    body = ada.get("/api/v1/orders?limit=30").json()
    assert body["count"] == 13 and all(o["reporter"] for o in body["items"])
