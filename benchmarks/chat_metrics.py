"""多群管理 metrics benchmark: the daily roll-up over a year of group messages, then the metric
pages and API staff open — per community, street and district, per quarter, per group.

    .venv/bin/python benchmarks/chat_metrics.py            # 1,000,000 messages, 1,160 groups
    .venv/bin/python benchmarks/chat_metrics.py --quick    # 100,000 messages (< 60 s)

Throw-away SQLite data dir (or PostgreSQL with --postgres): the seed district's 126
communities and 1,160 groups with 20,000 group members (the foundation at a tenth of the seed's
households), a year of messages from the seed generator, `rollup()` over the whole year, then
each figure through Django's full stack in-process (test client: routing, middleware, session,
view, JSON) as the district admin and as a community worker, 15 times each. Last line: one
JSON object. Target: metrics <= 200 ms over 1,000,000 messages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import bench_foundation, pct

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "gongzhi_bench_metrics"


def child(messages: int, reps: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from gongzhi.chat import metrics as M
    from gongzhi.chat import seed as chat_seed
    from gongzhi.chat.models import GroupDay, Message
    from gongzhi.org.models import OrgUnit
    from gongzhi.people.models import User

    call_command("migrate", verbosity=0)
    t0 = time.monotonic()
    b = bench_foundation()
    chat_seed.build(b, count=messages)  # messages at the asked size; no work orders
    res = {
        "vendor": connection.vendor,
        "load_avg_before": round(os.getloadavg()[0], 2),
        "messages": Message.objects.count(),
        "groups": 1160,
        "setup_seconds": round(time.monotonic() - t0, 1),
    }
    today = timezone.localdate()
    t = time.perf_counter()
    rows = M.rollup(today - dt.timedelta(days=366), today)
    res["rollup_year"] = {"seconds": round(time.perf_counter() - t, 2), "group_days": rows}
    t = time.perf_counter()
    M.rollup()  # what the periodic task does every 15 minutes: yesterday and today
    res["rollup_routine_seconds"] = round(time.perf_counter() - t, 3)
    assert GroupDay.objects.exists()

    def client(username):
        c = Client()
        c.force_login(User.objects.get(username=username))
        return c

    admin, worker = client("admin"), client("worker")
    street = OrgUnit.objects.filter(kind="street").order_by("path").first()
    district = OrgUnit.objects.get(kind="district")
    group_id = worker.get("/api/v1/chat/metrics?level=community").json()[0]["unit_id"]
    from gongzhi.groups.models import CommunityGroup

    group_id = CommunityGroup.objects.filter(community_id=group_id).values_list("pk", flat=True)[0]
    year, quarter = today.year, (today.month - 1) // 3 + 1
    cases = {
        "district_admin_all_communities_30d": (admin, "/api/v1/chat/metrics?level=community"),
        "district_admin_streets_30d": (admin, "/api/v1/chat/metrics?level=street"),
        "district_admin_district_30d": (admin, "/api/v1/chat/metrics?level=district"),
        "district_admin_district_365d": (admin, "/api/v1/chat/metrics?level=district&days=365"),
        "street_quarter": (
            admin,
            f"/api/v1/chat/metrics/quarter?unit={street.pk}&year={year}&quarter={quarter}",
        ),
        "district_quarter": (
            admin,
            f"/api/v1/chat/metrics/quarter?unit={district.pk}&year={year}&quarter={quarter}",
        ),
        "community_worker_own_30d": (worker, "/api/v1/chat/metrics?level=community"),
        "one_group_30d": (worker, f"/api/v1/chat/groups/{group_id}/metrics"),
    }
    worst = 0.0
    for name, (c, url) in cases.items():
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code, r.content[:200])
        lat = []
        for _ in range(reps):
            t = time.perf_counter()
            c.get(url)
            lat.append(time.perf_counter() - t)
        res[name] = {
            "p50_ms": pct(lat, 0.5),
            "p95_ms": pct(lat, 0.95),
            "mean_ms": round(statistics.mean(lat) * 1000, 1),
        }
        worst = max(worst, res[name]["p95_ms"])
    res["worst_p95_ms"] = worst
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--child", action="store_true")
    a = ap.parse_args()
    messages = 100_000 if a.quick else a.messages
    if a.child:
        print(json.dumps(child(messages, a.reps), ensure_ascii=False))
        return
    base = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    with tempfile.TemporaryDirectory(prefix="gongzhi-metrics-") as tmp:
        env = {**base, "GONGZHI_DATA_DIR": tmp}
        if a.postgres:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
                conn.execute(f"CREATE DATABASE {PG_DB}")
            env["GONGZHI_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        args = [sys.executable, __file__, "--child", "--messages", str(messages)]
        args += ["--reps", str(a.reps)]
        out = subprocess.run(args, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
