"""Time and peak memory of `gongzhi seed` into an empty database, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/seed_scale.py            # full seed scale, both databases
    .venv/bin/python benchmarks/seed_scale.py --quick    # small scale, both databases (< 60 s)
    .venv/bin/python benchmarks/seed_scale.py --only sqlite

Last line: one JSON object with seconds, peak RSS (MiB) and the resulting counts per database.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "gongzhi_bench"


def run(env, *args, capture=False):
    cmd = [sys.executable, "-m", "gongzhi.cli", *args]
    return subprocess.run(cmd, env=env, check=True, text=True, capture_output=capture, cwd=ROOT)


def measure(env, scale):
    run(env, "migrate", "-v0")
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gongzhi.cli", "seed", "--scale", scale, "--no-progress"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - t0
    if status != 0:
        raise SystemExit(f"seed failed with status {status}")
    stats = json.loads(run(env, "stats", "--json", capture=True).stdout.strip().splitlines()[-1])
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "stats": stats,
    }


def fresh_pg():
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")
    return f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small scale (finishes in seconds)")
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    scale = "small" if args.quick else "seed"
    out = {"scale": scale}
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="gongzhi-bench-") as tmp:
            env = {**base_env, "GONGZHI_DATA_DIR": tmp}
            out["sqlite"] = measure(env, scale)
            out["sqlite"]["db_mib"] = round(
                sum(p.stat().st_size for p in Path(tmp).glob("gongzhi.sqlite3*")) / 2**20, 1
            )
    if args.only in (None, "postgresql"):
        with tempfile.TemporaryDirectory(prefix="gongzhi-bench-") as tmp:
            env = {**base_env, "GONGZHI_DATA_DIR": tmp, "GONGZHI_DATABASE_URL": fresh_pg()}
            out["postgresql"] = measure(env, scale)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
