import datetime as dt

import pytest

from gongzhi.core.workdays import (
    TZ,
    add_working_days,
    add_working_hours,
    is_workday,
    working_seconds_between,
)


def at(y, m, d, h=10, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2026, 2, 14), True),  # Saturday, adjusted working day before Spring Festival
        (dt.date(2026, 2, 16), False),  # Spring Festival
        (dt.date(2026, 2, 23), False),  # last day of the Spring Festival holiday
        (dt.date(2026, 2, 24), True),
        (dt.date(2026, 2, 28), True),  # Saturday, adjusted working day after it
        (dt.date(2026, 10, 1), False),  # National Day
        (dt.date(2026, 10, 7), False),
        (dt.date(2026, 10, 10), True),  # Saturday, adjusted working day
        (dt.date(2026, 10, 11), False),  # ordinary Sunday
    ],
)
def test_holidays_and_adjusted_weekends_2026(day, expected):
    assert is_workday(day) is expected


def test_working_days_skip_the_spring_festival():
    # Friday 13 Feb 2026 + 1 working day = Saturday 14 Feb (adjusted working day)
    assert add_working_days(at(2026, 2, 13), 1) == at(2026, 2, 14, 17)
    # + 2 working days jumps the whole holiday (15–23 Feb) to Tuesday 24 Feb
    assert add_working_days(at(2026, 2, 13), 2) == at(2026, 2, 24, 17)


def test_working_days_across_national_day():
    # Wednesday 30 Sep 2026 + 3 working days: 8 Oct, 9 Oct, Saturday 10 Oct (adjusted)
    assert add_working_days(at(2026, 9, 30), 3) == at(2026, 10, 10, 17)


def test_working_hours_skip_lunch_nights_and_holidays():
    assert add_working_hours(at(2026, 3, 2, 11, 30), 1) == at(2026, 3, 2, 13, 30)
    assert add_working_hours(at(2026, 3, 2, 16, 0), 2) == at(2026, 3, 3, 10, 0)
    # received on the evening before the Spring Festival adjusted Saturday
    assert add_working_hours(at(2026, 2, 13, 20, 0), 4) == at(2026, 2, 14, 14, 0)
    # received during the holiday: the clock starts on 24 Feb
    assert add_working_hours(at(2026, 2, 18, 10, 0), 2) == at(2026, 2, 24, 11, 0)


def test_working_seconds_between_counts_only_office_hours():
    assert working_seconds_between(at(2026, 3, 2, 9), at(2026, 3, 3, 9)) == 7 * 3600
    assert working_seconds_between(at(2026, 2, 13, 17), at(2026, 2, 24, 9)) == 7 * 3600
    assert working_seconds_between(at(2026, 10, 1, 9), at(2026, 10, 7, 18)) == 0
