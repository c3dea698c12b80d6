"""Service levels: acceptance and completion deadlines, reminders and escalation times."""

from __future__ import annotations

import datetime as dt

from gongzhi.core.workdays import add_working_days, add_working_hours

from .models import Category, WorkOrder

# Escalation ladder: 0 = community handles; 1 = street supervises; 2 = district command centre.
MAX_LEVEL = 2


def deadlines(category: Category | None, urgency: str, start: dt.datetime) -> dict:
    accept_hours = category.accept_hours if category else 2
    days = category.complete_days if category else 5
    if urgency == WorkOrder.Urgency.CRITICAL:
        accept_hours, due = 1, add_working_hours(start, 4)
    elif urgency == WorkOrder.Urgency.URGENT:
        accept_hours, due = max(1, accept_hours // 2), add_working_days(start, max(1, days // 2))
    else:
        due = add_working_days(start, days)
    return {
        "accept_due": add_working_hours(start, accept_hours),
        "due_at": due,
        "remind_at": due - (due - start) * 0.2,
        "next_escalation_at": due,
    }


def next_escalation(level: int, now: dt.datetime) -> dt.datetime | None:
    """After escalating to ``level``, when the next rung follows (one working day later)."""
    return add_working_days(now, 1) if level < MAX_LEVEL else None
