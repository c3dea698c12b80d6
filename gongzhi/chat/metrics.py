"""多群管理 metrics: per group, rolled up per community, street and district — members,
real-name ratio, household coverage, daily active members and daily active rate (by day and by
quarter), messages per day. Daily figures come from GroupDay rows built by `rollup()`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from gongzhi.core import scoping
from gongzhi.groups.models import CommunityGroup, Membership
from gongzhi.groups.queries import coverage_counts
from gongzhi.org.models import OrgUnit

from .models import CommunityDay, CommunityStat, GroupDay, Message

TZ = ZoneInfo("Asia/Shanghai")


def rollup(since: dt.date | None = None, until: dt.date | None = None) -> int:
    """(Re)compute GroupDay rows for local days in [since, until] (default: yesterday, today)."""
    today = timezone.localdate()
    since = since or today - dt.timedelta(days=1)
    until = until or today
    start = dt.datetime.combine(since, dt.time(0), TZ)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0), TZ)
    rows = (
        Message.objects.filter(
            created_at__gte=start, created_at__lt=end, status__in=["visible", "recalled"]
        )
        .annotate(day=TruncDate("created_at", tzinfo=TZ))
        .values("group_id", "community_id", "day")
        .annotate(n=Count("id"), active=Count("sender_id", distinct=True))
    )
    objs = [
        GroupDay(
            group_id=r["group_id"],
            community_id=r["community_id"],
            day=r["day"],
            messages=r["n"],
            active_members=r["active"],
        )
        for r in rows.iterator()
    ]
    per_community: dict[tuple[int, dt.date], list[int]] = {}
    for g in objs:
        acc = per_community.setdefault((g.community_id, g.day), [0, 0])
        acc[0] += g.messages
        acc[1] += g.active_members
    with transaction.atomic():
        GroupDay.objects.filter(day__gte=since, day__lte=until).delete()
        GroupDay.objects.bulk_create(objs, batch_size=5000)
        CommunityDay.objects.filter(day__gte=since, day__lte=until).delete()
        CommunityDay.objects.bulk_create(
            [
                CommunityDay(community_id=cid, day=day, messages=m, active_members=a)
                for (cid, day), (m, a) in per_community.items()
            ],
            batch_size=5000,
        )
    refresh_community_stats()
    return len(objs)


STAT_FIELDS = ("households", "covered_households", "members", "real_name_members", "groups")


def refresh_community_stats(ids: list[int] | None = None) -> dict[int, dict]:
    """Recount the membership figures of these communities (default: all) into CommunityStat."""
    if ids is None:
        ids = list(OrgUnit.objects.filter(kind="community").values_list("pk", flat=True))
    counts = coverage_counts(ids)
    now = timezone.now()
    with transaction.atomic():
        CommunityStat.objects.filter(community_id__in=ids).delete()
        CommunityStat.objects.bulk_create(
            [CommunityStat(community_id=cid, computed_at=now, **n) for cid, n in counts.items()]
        )
    return {cid: {**n, "computed_at": now} for cid, n in counts.items()}


def community_stats(ids: list[int]) -> dict[int, dict]:
    """Membership figures per community from the last roll-up; communities never rolled up
    are counted now (and stored)."""
    found = {
        s["community_id"]: s
        for s in CommunityStat.objects.filter(community_id__in=ids).values(
            "community_id", "computed_at", *STAT_FIELDS
        )
    }
    missing = [cid for cid in ids if cid not in found]
    if missing:
        found.update(refresh_community_stats(missing))
    return found


def _units(user, level: str, unit_id: int | None):
    units = OrgUnit.objects.restrict(user)
    kind = {"community": "community", "street": "street", "district": "district"}[level]
    units = units.filter(kind=kind)
    if unit_id:
        units = units.filter(pk=unit_id)
    return list(units.order_by("path"))


def community_metrics(
    user, *, level: str = "community", unit_id: int | None = None, days: int = 30
) -> list[dict]:
    """One row per unit of ``level`` in the caller's scope."""
    if level not in ("community", "street", "district"):
        raise ValueError("level must be community, street or district")
    units = _units(user, level, unit_id)
    if not units:
        return []
    communities = {c.pk: c for c in OrgUnit.objects.restrict(user).filter(kind="community")}
    parent_of = {}
    for c in communities.values():
        for u in units:
            if c.path.startswith(u.path):
                parent_of[c.pk] = u.pk
    cov = community_stats(list(parent_of))
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    daily = CommunityDay.objects.filter(community_id__in=list(parent_of), day__gte=since).values(
        "community_id", "day", "messages", active=F("active_members")
    )
    out = {
        u.pk: {
            "unit_id": u.pk,
            "unit": u.name,
            "level": level,
            "households": 0,
            "covered_households": 0,
            "members": 0,
            "real_name_members": 0,
            "groups": 0,
            "as_of": None,
            "days": {},
        }
        for u in units
    }
    for cid, uid in parent_of.items():
        r, row = cov.get(cid), out[uid]
        if r:
            for k in STAT_FIELDS:
                row[k] += r[k]
            if row["as_of"] is None or r["computed_at"] < row["as_of"]:
                row["as_of"] = r["computed_at"]  # the oldest figure in the row
    for d in daily:
        uid = parent_of[d["community_id"]]
        day = out[uid]["days"].setdefault(d["day"], [0, 0])
        day[0] += d["messages"]
        day[1] += d["active"]
    result = []
    for row in out.values():
        per_day = row.pop("days")
        members = row["members"] or 0
        series = [
            {
                "day": day.isoformat(),
                "messages": m,
                "active_members": a,
                "active_rate": round(a / members, 4) if members else 0.0,
            }
            for day, (m, a) in sorted(per_day.items())
        ]
        total_active = sum(x["active_members"] for x in series)
        row.update(
            real_name_ratio=round(row["real_name_members"] / members, 4) if members else 0.0,
            coverage=round(row["covered_households"] / row["households"], 4)
            if row["households"]
            else 0.0,
            messages_per_day=round(sum(x["messages"] for x in series) / days, 1),
            daily_active_rate=round(total_active / days / members, 4) if members else 0.0,
            series=series,
        )
        result.append(row)
    return result


def quarterly_active_rate(user, unit_id: int, year: int, quarter: int) -> dict:
    """The seed's "quarterly daily activity": mean daily active rate over a quarter."""
    unit = scoping.access(OrgUnit, user, unit_id)
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    last = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    ids = list(
        OrgUnit.objects.filter(path__startswith=unit.path, kind="community").values_list(
            "pk", flat=True
        )
    )
    # members of each community's groups, summed (a resident in groups of two communities
    # counts twice — rare, and it keeps the district figure off the membership table)
    members = sum(s["members"] for s in community_stats(ids).values())
    agg = CommunityDay.objects.filter(
        community_id__in=ids, day__gte=first, day__lte=last
    ).aggregate(active=Sum("active_members"), messages=Sum("messages"))
    days = (last - first).days + 1
    return {
        "unit_id": unit.pk,
        "unit": unit.name,
        "year": year,
        "quarter": quarter,
        "members": members,
        "messages": agg["messages"] or 0,
        "daily_active_rate": round((agg["active"] or 0) / days / members, 4) if members else 0,
    }


def group_metrics(user, group_id: int, days: int = 30) -> dict:
    g = scoping.access(CommunityGroup, user, group_id)
    since = timezone.localdate() - dt.timedelta(days=days - 1)
    members = Membership.objects.filter(group=g)
    n = members.count()
    verified = members.filter(resident__real_name_verified=True).count()
    series = list(
        GroupDay.objects.filter(group=g, day__gte=since)
        .order_by("day")
        .values("day", "messages", "active_members")
    )
    for s in series:
        s["day"] = s["day"].isoformat()
        s["active_rate"] = round(s["active_members"] / n, 4) if n else 0.0
    return {
        "group_id": g.pk,
        "members": n,
        "real_name_ratio": round(verified / n, 4) if n else 0,
        "messages_per_day": round(sum(s["messages"] for s in series) / days, 1),
        "series": series,
    }
