import datetime as dt

from gongzhi.workorders import actions as A
from gongzhi.workorders.models import Event, Notification, State, WorkOrder
from gongzhi.workorders.sweep import sweep


def make(d, **kw):
    o = A.do_submit(
        d.users["rita"], description="小区垃圾桶满了没人清运", category="environment", **kw
    )
    return A.do_dispatch(d.users["alice"], o.pk, unit_id=d.grid_a.pk)


def test_overdue_orders_climb_the_ladder_once_per_rung(district):
    d = district
    o = make(d)
    assert sweep(o.due_at - dt.timedelta(seconds=1))["escalated"] == 0
    after = o.due_at + dt.timedelta(minutes=1)
    assert sweep(after)["escalated"] == 1
    o.refresh_from_db()
    assert o.escalation_level == 1 and o.next_escalation_at > after
    assert sweep(after)["escalated"] == 0  # idempotent until the next rung is due
    sweep(o.next_escalation_at + dt.timedelta(minutes=1))
    o.refresh_from_db()
    assert o.escalation_level == 2 and o.next_escalation_at is None
    assert sweep(after + dt.timedelta(days=30))["escalated"] == 0
    verbs = list(Event.objects.filter(order=o, verb="escalate").values_list("data", flat=True))
    assert [v["level"] for v in verbs] == [1, 2]
    # the street (stella) hears at level 1, the district admin (ada) at level 2
    assert Notification.objects.filter(user=d.users["stella"], order=o, verb="escalate").exists()
    assert Notification.objects.filter(user=d.users["ada"], order=o, verb="escalate").exists()
    assert Notification.objects.filter(user=d.users["rita"], verb="escalate").count() == 2


def test_reminder_goes_to_the_handler_before_due(district):
    d = district
    o = make(d)
    assert sweep(o.remind_at + dt.timedelta(seconds=1))["reminded"] == 1
    assert Notification.objects.filter(user=d.users["grace"], verb="remind", order=o).exists()
    assert sweep(o.remind_at + dt.timedelta(seconds=2))["reminded"] == 0


def test_suspended_and_resolved_orders_do_not_escalate(district):
    d = district
    o = make(d)
    A.do_start(d.users["grace"], o.pk)
    A.do_resolve(d.users["grace"], o.pk, "已清运")
    assert sweep(o.due_at + dt.timedelta(days=1))["escalated"] == 0


def test_unrated_resolved_orders_close_after_seven_days(district):
    d = district
    o = make(d)
    A.do_start(d.users["grace"], o.pk)
    A.do_resolve(d.users["grace"], o.pk, "已清运")
    resolved_at = WorkOrder.objects.get(pk=o.pk).resolved_at
    assert sweep(resolved_at + dt.timedelta(days=6))["auto_closed"] == 0
    assert sweep(resolved_at + dt.timedelta(days=8))["auto_closed"] == 1
    assert WorkOrder.objects.get(pk=o.pk).state == State.CLOSED


def test_periodic_task_is_registered(db):
    from huey.contrib.djhuey import HUEY

    from gongzhi.workorders import tasks

    periodic = HUEY._registry._periodic_tasks
    assert any(t.__name__ == tasks.sweep_orders.task_class.__name__ for t in periodic)
    # the task body is the sweep
    assert set(tasks.sweep_orders.call_local()) == {"reminded", "escalated", "auto_closed"}
