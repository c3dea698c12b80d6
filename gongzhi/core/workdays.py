"""Chinese working days and working hours, for service-level deadlines.

Public holidays and adjusted working weekends (调休) come from ``chinese-calendar``; for years it
does not know yet we fall back to Monday–Friday (and say so in the log once). Working hours are
09:00–12:00 and 13:00–17:00 local time (7 hours a day) — the office hours of a community.

- ``add_working_hours(start, h)``: the moment ``h`` working hours after ``start``.
- ``add_working_days(start, n)``: end of office hours on the n-th working day after ``start``'s
  day (a request received on Friday with 3 working days is due at 17:00 on Wednesday).
- ``working_seconds_between(a, b)``: working time elapsed, for paused clocks (挂起).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
PERIODS = ((dt.time(9, 0), dt.time(12, 0)), (dt.time(13, 0), dt.time(17, 0)))
HOURS_PER_DAY = 7
log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8192)
def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5


@functools.lru_cache(maxsize=64)
def _warn_unknown_year(year: int) -> None:
    log.warning("chinese-calendar has no holiday data for %s; using Monday-Friday", year)


def _local(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None:
        raise ValueError("aware datetimes only")
    return t.astimezone(TZ)


def _periods(day: dt.date):
    for a, b in PERIODS:
        yield dt.datetime.combine(day, a, TZ), dt.datetime.combine(day, b, TZ)


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    remaining = dt.timedelta(hours=hours)
    t = _local(start)
    day = t.date()
    for _ in range(3660):  # ten years of days at most
        if is_workday(day):
            for a, b in _periods(day):
                if t >= b:
                    continue
                begin = max(t, a)
                if begin + remaining <= b:
                    return begin + remaining
                remaining -= b - begin
                t = b
        day += dt.timedelta(days=1)
        t = dt.datetime.combine(day, dt.time(0), TZ)
    raise ValueError("deadline too far in the future")


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    day = _local(start).date()
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            left -= 1
    if days == 0:
        while not is_workday(day):
            day += dt.timedelta(days=1)
    return dt.datetime.combine(day, PERIODS[-1][1], TZ)


def working_seconds_between(a: dt.datetime, b: dt.datetime) -> float:
    a, b = _local(a), _local(b)
    if b <= a:
        return 0.0
    total = 0.0
    day = a.date()
    while day <= b.date():
        if is_workday(day):
            for p, q in _periods(day):
                lo, hi = max(a, p), min(b, q)
                if hi > lo:
                    total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return total


def extend_by_working_seconds(due: dt.datetime, seconds: float) -> dt.datetime:
    """Push a deadline later by working time (a paused clock resuming)."""
    return add_working_hours(due, seconds / 3600.0)
