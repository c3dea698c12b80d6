import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from gongzhi.core.errors import ActionError
from gongzhi.workorders import actions as A
from gongzhi.workorders.models import Category, Event, Notification, State, WorkOrder

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def submit(d, **kw):
    kw.setdefault("description", "3栋楼道灯坏了一个星期，晚上很黑")
    kw.setdefault("category", "environment")
    return A.do_submit(d.users["rita"], **kw)


def test_one_order_through_every_state(district):
    d = district
    rita, alice, grace, sam = (d.users[n] for n in ("rita", "alice", "grace", "sam"))
    o = submit(d, photos=[("a.png", PNG)])
    assert o.state == State.SUBMITTED and o.reporter == d.resident_a
    assert o.community == d.a and o.grid == d.grid_a and o.household == d.household_a
    assert o.attachments.count() == 1 and o.due_at > o.created_at
    o = A.do_accept(alice, o.pk)
    o = A.do_dispatch(alice, o.pk)  # routing: environment → grid worker of the order's grid
    assert o.handler_unit == d.grid_a
    o = A.do_start(grace, o.pk)
    o = A.do_return(grace, o.pk, "不属于本网格，请改派")
    assert o.state == State.RETURNED
    o = A.do_dispatch(alice, o.pk, unit_id=d.grid_a.pk)
    o = A.do_start(grace, o.pk)
    o = A.do_transfer(alice, o.pk, unit_id=d.a.pk, comment="社区统一处理")
    assert o.state == State.DISPATCHED and o.handler_unit == d.a
    o = A.do_add_cohandler(alice, o.pk, d.property_a.pk)
    o = A.do_start(alice, o.pk)
    o = A.do_request_suspension(alice, o.pk, "等待配件到货")
    with pytest.raises(ActionError):  # the requester cannot approve their own suspension
        A.do_approve_suspension(alice, o.pk)
    due_before = WorkOrder.objects.get(pk=o.pk).due_at
    o = A.do_approve_suspension(sam, o.pk)
    assert o.state == State.SUSPENDED
    WorkOrder.objects.filter(pk=o.pk).update(suspended_at=timezone.now() - dt.timedelta(days=3))
    o = A.do_resume(alice, o.pk)
    assert o.state == State.IN_PROGRESS and o.due_at >= due_before
    o = A.do_resolve(alice, o.pk, "已更换灯泡", photos=[("b.png", PNG)])
    assert o.state == State.RESOLVED and o.attachments.count() == 2
    o = A.do_rate(rita, o.pk, "unsatisfied", "第二天又不亮了")
    assert o.state == State.RATED
    o = A.do_reopen(rita, o.pk, "灯还是不亮")
    assert o.state == State.REOPENED and o.reopen_count == 1
    o = A.do_start(alice, o.pk)
    o = A.do_resolve(alice, o.pk, "更换了线路")
    o = A.do_rate(rita, o.pk, "unsatisfied", "还是不满意")
    with pytest.raises(ActionError) as exc:
        A.do_reopen(rita, o.pk, "再开一次")
    assert exc.value.code == "reopened_once"
    o = A.do_close(alice, o.pk, "已两次处置，转线下跟进")
    assert o.state == State.CLOSED

    verbs = list(Event.objects.filter(order=o).values_list("verb", flat=True))
    assert verbs == [
        "submit",
        "accept",
        "dispatch",
        "start",
        "return",
        "dispatch",
        "start",
        "transfer",
        "cohandle",
        "start",
        "suspend_request",
        "suspend",
        "resume",
        "resolve",
        "rate",
        "reopen",
        "start",
        "resolve",
        "rate",
        "close",
    ]
    states = [(e.from_state, e.to_state) for e in Event.objects.filter(order=o)]
    assert states[0] == ("", "submitted") and states[-1] == ("rated", "closed")
    notes = list(
        Notification.objects.filter(user=rita).order_by("id").values_list("verb", flat=True)
    )
    assert notes == [
        "submit",
        "accept",
        "dispatch",
        "start",
        "dispatch",
        "start",
        "transfer",
        "start",
        "suspend",
        "resume",
        "resolve",
        "reopen",
        "start",
        "resolve",
        "close",
    ]


def test_satisfied_rating_closes_the_order(district):
    d = district
    o = submit(d)
    A.do_dispatch(d.users["alice"], o.pk, unit_id=d.grid_a.pk)
    A.do_start(d.users["grace"], o.pk)
    A.do_resolve(d.users["grace"], o.pk, "已修复")
    o = A.do_rate(d.users["rita"], o.pk, "satisfied")
    assert o.state == State.CLOSED and o.rating == "satisfied"
    with pytest.raises(ActionError) as exc:
        A.do_reopen(d.users["rita"], o.pk, "想重开")
    assert exc.value.code == "illegal_transition"


@pytest.mark.parametrize(
    "who, verb",
    [
        ("rob", "accept"),
        ("bob", "accept"),
        ("rita", "accept"),
        ("grace", "accept"),
        ("dora", "accept"),
    ],
)
def test_wrong_people_cannot_move_an_order(district, who, verb):
    o = submit(district)
    with pytest.raises((ActionError, Http404)):
        getattr(A, f"do_{verb}")(district.users[who], o.pk)
    assert WorkOrder.objects.get(pk=o.pk).state == State.SUBMITTED
    assert Event.objects.filter(order=o).count() == 1


def test_illegal_transition_is_refused_and_changes_nothing(district):
    o = submit(district)
    with pytest.raises(ActionError) as exc:
        A.do_resolve(district.users["alice"], o.pk, "直接办结")
    assert exc.value.code in ("illegal_transition", "forbidden")
    with pytest.raises(ActionError) as exc:
        A.do_start(district.users["ada"], o.pk)
    assert exc.value.code == "illegal_transition"
    assert WorkOrder.objects.get(pk=o.pk).state == State.SUBMITTED


def test_bad_input_leaves_no_order(district):
    before = WorkOrder.objects.count()
    for kw in (
        {"description": ""},
        {"category": "nonsense"},
        {"urgency": "asap"},
        {"photos": [("x.txt", b"hello")]},
        {"photos": [("a.png", PNG)] * 10},
        {"photos": [("big.png", PNG + b"\x00" * (10 * 1024 * 1024))]},
        {"lat": 123.0, "lon": 32.0},
    ):
        with pytest.raises(ActionError):
            submit(district, **kw)
    assert WorkOrder.objects.count() == before


def test_merge_duplicates_and_similar_suggestions(district):
    d = district
    first = submit(d)
    second = submit(d, description="楼道灯又坏了")
    assert [o.pk for o in A.similar_open_orders(second)] == [first.pk]
    merged = A.do_merge(d.users["alice"], second.pk, first.pk)
    assert merged.state == State.MERGED and merged.merged_into == first
    with pytest.raises(ActionError):
        A.do_merge(d.users["alice"], first.pk, first.pk)


def test_staff_phone_intake_and_reject(district):
    d = district
    o = A.do_submit(
        d.users["alice"],
        description="电话反映：小区门口井盖缺失",
        channel="phone",
        community_id=d.a.pk,
        reporter_name="赵先生",
        reporter_phone="13600001234",
        category="municipal",
    )
    assert o.reporter is None and o.masked_reporter_phone == "136****1234"
    with pytest.raises(Http404):
        A.do_submit(d.users["alice"], description="越权录入", channel="phone", community_id=d.b.pk)
    o = A.do_reject(d.users["alice"], o.pk, "属于供水公司业务，已告知报修电话")
    assert o.state == State.CLOSED


def test_categories_seeded_by_migration(db):
    names = list(Category.objects.values_list("name", flat=True))
    assert names[:3] == ["物业服务", "环境卫生", "医疗教育"] and names[-1] == "其他"
    assert len(names) == 11


def test_a_map_point_places_the_order_in_the_nearest_grid(district):
    from gongzhi.org.models import OrgUnit

    d = district
    OrgUnit.objects.filter(pk=d.grid_a.pk).update(lat=32.100, lon=118.900)
    OrgUnit.objects.filter(pk=d.grid_a2.pk).update(lat=32.110, lon=118.910)
    OrgUnit.objects.filter(pk=d.grid_b.pk).update(lat=32.200, lon=119.000)
    # a resident at a point near grid 2 (not their home grid 1)
    o = A.do_submit(d.users["rita"], description="路口井盖松动", lat=32.1102, lon=118.9097)
    assert o.grid == d.grid_a2 and o.community == d.a and o.household is None
    # without a point: the home household decides
    o = A.do_submit(d.users["rita"], description="楼道灯坏了")
    assert o.grid == d.grid_a and o.household == d.household_a
    # staff intake with a point inside a chosen community stays in that community
    o = A.do_submit(
        d.users["alice"],
        description="电话反映：积水",
        channel="phone",
        community_id=d.a.pk,
        lat=32.199,
        lon=118.999,
    )
    assert o.community == d.a and o.grid in (d.grid_a, d.grid_a2)


def test_category_changes_saved_here_apply_to_the_next_order(district):
    """Categories are cached per process (``workorders.categories``); a change saved through
    the model must reach the very next create: a new category, new limits, a deactivation."""
    assert submit(district).category.code == "environment"  # the cache is now warm
    new = Category.objects.create(code="noise", name="噪音扰民", accept_hours=1, complete_days=2)
    order = submit(district, category="noise")
    assert order.category_id == new.pk
    env = Category.objects.get(code="environment")
    env.complete_days = env.complete_days + 7
    env.save()
    slow = submit(district)
    assert slow.category.complete_days == env.complete_days
    assert slow.due_at > order.due_at
    new.active = False
    new.save()
    with pytest.raises(ActionError) as err:
        submit(district, category="noise")
    assert err.value.code == "unknown_category"
    gone = Category.objects.create(code="gone", name="临时类别")
    with pytest.raises(ActionError):  # cached now (the lookup loaded the table) …
        submit(district, category="gone", urgency="asap")
    gone.delete()
    with pytest.raises(ActionError) as err:  # … and gone with the delete
        submit(district, category="gone")
    assert err.value.code == "unknown_category"
