"""Real-time benchmark: one `gongzhi serve` process (uvicorn, ASGI) holding WebSocket clients.

    .venv/bin/python benchmarks/realtime.py            # 2,000 clients, 200 msg/s for 10 s
    .venv/bin/python benchmarks/realtime.py --quick    # 500 clients, 200 msg/s for 5 s (< 60 s)
    .venv/bin/python benchmarks/realtime.py --redis    # Redis channel layer + Redis task queue
                                                       # (default redis://127.0.0.1:6379/0)

Throw-away SQLite data dir: `migrate`, `seed --scale small`, then extra groups up to 1,160 in
total (the full seed's group count) and a few sender accounts with sessions, all written before
the server starts. Then, against ONE server process (plus one `gongzhi run_huey` worker):

1. clients   — N sockets of the logged-in `admin` (HTTP login), each subscribed to one of the
               16 demo groups; how many got `subscribed` and stayed open, connect rate, RSS.
2. latency   — 200 `send` frames/s through 16 sender sockets (one account each: the per-user
               per-group throttle is 20/min) to the demo groups; time from the send to the
               receipt on every listener socket of that group (fan-out = N/16), lost = expected
               − received.
3. broadcast — one more socket per group (1,160; --quick: a sample of 240 that includes the
               group the worker does last), then POST /api/v1/chat/broadcasts with selector {}
               (all groups) as `admin`; time to enqueue (HTTP) and until every subscribed socket
               (listeners included) has its notice. Delivered by the huey worker (task queue),
               as in production. Phase 3 starts while the server may still be working off
               phase 2 (`phase2_sends_unprocessed_at_start`); --skip-latency measures it alone.

Waits are bounded: an overloaded server is reported (lost, unacked_at_end), not waited for.
--what-if runs the server with benchmarks/realtime_whatif.py (the proposed server-side fixes,
applied from outside gongzhi/) to measure their effect. --logs DIR keeps the server/worker logs.

What "200 messages/s per process" means here: 200 chat messages per second are sent through
sockets of ONE server process, and that same process stores each one and delivers it to every
subscribed socket of its group — fan-out 31 in --quick (500 listeners / 16 groups, 6,200
frames/s), 125 in the full run (2,000 / 16, 25,000 frames/s). Deliveries are counted per
socket; a socket de-duplicates by id (ids may arrive out of order: a notice stored by the
worker can come after a newer message stored by the server), as docs/realtime.md asks.

Client and server share this machine; client-side receipt times include the client's own
scheduling delay. Phase 2 reports the CPU shares over the phase, in % of one core: the server
(server_cpu_pct), this client (client_cpu_pct, on uvloop when installed) and everything else on
the machine (other_cpu_pct: the huey worker, other people's jobs), plus the server's CPU per
processed message including its fan-out (server_cpu_ms_per_message), which does not depend on
the other load. load_avg_before is the load when the run started. Last stdout line: one JSON
object with all figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path

from _common import pct

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "gongzhi-demo"
ORIGIN = "http://127.0.0.1"
BENCH_GROUP_TAG = "bench-rt"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def raise_nofile(limit: int | None = None) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if limit is None else min(limit, hard)
    if hard == resource.RLIM_INFINITY:
        want = limit or 65536
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- database preparation (runs as a child process with Django set up) ---------------------


def setup_db(groups_total: int, senders: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import transaction
    from django.db.models import Max

    from gongzhi.chat.models import Message
    from gongzhi.core import scoping
    from gongzhi.groups.models import CommunityGroup
    from gongzhi.org.models import OrgUnit
    from gongzhi.people.models import RoleGrant, User

    demo = list(CommunityGroup.objects.order_by("pk").values_list("pk", flat=True))
    communities = list(OrgUnit.objects.filter(kind="community").order_by("pk"))
    district = OrgUnit.objects.get(kind="district")
    admin = User.objects.get(username="admin")
    with transaction.atomic():
        extra = [
            CommunityGroup(
                community=communities[i % len(communities)],
                kind=CommunityGroup.Kind.INTEREST,
                name=f"压测兴趣群{i + 1:04d}",
                tags=BENCH_GROUP_TAG,
                created_by=admin,
            )
            for i in range(max(0, groups_total - len(demo)))
        ]
        CommunityGroup.objects.bulk_create(extra, batch_size=500)
        # Sender accounts: district staff (they may post in every group). One account per
        # sender socket keeps each account under the 20 messages/minute/group throttle.
        engine = import_module(settings.SESSION_ENGINE)
        backend = settings.AUTHENTICATION_BACKENDS[0]
        sessions = []
        for i in range(senders):
            u = User(username=f"rtbench{i + 1:02d}", display_name=f"压测发送{i + 1:02d}")
            u.set_unusable_password()
            u.save()
            RoleGrant.objects.create(user=u, role=scoping.DISTRICT_ADMIN, unit=district)
            s = engine.SessionStore()
            s[SESSION_KEY] = str(u.pk)
            s[BACKEND_SESSION_KEY] = backend
            s[HASH_SESSION_KEY] = u.get_session_auth_hash()
            s.save()  # what django.contrib.auth.login() stores, without 16 password hashes
            sessions.append(s.session_key)
    max_ids = dict(
        Message.objects.values("group_id").annotate(m=Max("id")).values_list("group_id", "m")
    )
    return {
        "demo_groups": demo,
        # in the order deliver_broadcast walks them (the model's ordering: community, id)
        "all_groups": list(CommunityGroup.objects.values_list("pk", flat=True)),
        "max_ids": {str(k): v for k, v in max_ids.items()},
        "sender_sessions": sessions,
        "session_cookie": settings.SESSION_COOKIE_NAME,
    }


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gz(*args) -> list[str]:
    return [sys.executable, "-m", "gongzhi.cli", *args]


def run(env, *args):
    r = subprocess.run(gz(*args), env=env, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"`gongzhi {' '.join(args)}` failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return r.stdout


def _child_limits():
    raise_nofile()


def start(env, args, logfile: Path) -> subprocess.Popen:
    out = open(logfile, "wb")  # noqa: SIM115 — closed with the process
    return subprocess.Popen(
        gz(*args),
        env=env,
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        preexec_fn=_child_limits,
        start_new_session=True,  # Ctrl+C in the terminal does not hit the children first
    )


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)  # graceful for uvicorn and huey
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def wait_up(proc: subprocess.Popen, port: int, logfile: Path, timeout: float = 60) -> float:
    t = time.monotonic()
    while time.monotonic() - t < timeout:
        if proc.poll() is not None:
            raise SystemExit(
                f"the server exited with status {proc.returncode} before answering on port "
                f"{port}; its log:\n{tail(logfile)}"
            )
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
            return time.monotonic() - t
        except OSError:
            time.sleep(0.2)
    raise SystemExit(
        f"the server did not answer on port {port} within {timeout:.0f} s; its log:\n"
        f"{tail(logfile)}"
    )


def proc_status(pid: int) -> dict:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"):
                out[k] = int(v.split()[0])
        out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine spent busy (from /proc/stat)."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] if len(f) > 7 else 0)  # not idle/iowait
    return busy / os.sysconf("SC_CLK_TCK")


def mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


# --- HTTP ----------------------------------------------------------------------------------


class Http:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.jar = CookieJar()
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def login(self, username: str) -> None:
        url = f"{self.base}/accounts/login/"
        page = self.op.open(url, timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        self.op.open(urllib.request.Request(url, data, headers={"Referer": url}), timeout=30)
        if not self.cookie("sessionid"):
            raise SystemExit(f"login as {username!r} failed (no session cookie)")

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Referer": f"{self.base}/", "X-CSRFToken": self.cookie("csrftoken") or ""}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data, headers=headers, method=method)
        try:
            with self.op.open(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, {"error": e.read().decode(errors="replace")[:500]}

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


# --- WebSocket clients ---------------------------------------------------------------------


class Sock:
    __slots__ = ("ws", "role", "group", "subscribed", "closed", "task", "last_id", "seen", "dups")

    def __init__(self, role: str, group: int | None):
        self.role, self.group = role, group
        self.ws = None
        self.subscribed = asyncio.Event()
        self.closed = False
        self.task = None
        self.last_id = 0  # the client's `since`: it has every id up to there
        self.seen: set[int] = set()  # ids received after that (ids may arrive out of order)
        self.dups = 0


class Bench:
    def __init__(self, port: int, tag: str, deflate: bool):
        self.url = f"ws://127.0.0.1:{port}/ws/chat/"
        self.tag = tag
        self.deflate = deflate
        self.sent: dict[str, float] = {}  # client_id -> send time
        self.expect: dict[str, int] = {}  # client_id -> fan-out expected
        self.got: Counter = Counter()  # client_id -> receipts
        self.last_rx: dict[str, float] = {}  # client_id -> last receipt
        self.lat: list[float] = []
        self.acks: dict[str, float] = {}
        self.errors: Counter = Counter()
        self.max_id: dict[int, int] = {}
        self.notice_tag: str | None = None
        self.notices: list[tuple[float, str]] = []

    async def reader(self, s: Sock):
        loads, perf = json.loads, time.perf_counter
        try:
            async for raw in s.ws:
                t = perf()
                f = loads(raw)
                typ = f.get("type")
                if typ == "message":
                    m = f["message"]
                    mid, gid = m["id"], m["group"]
                    # de-duplicate by id, as docs/realtime.md asks: a message stored by another
                    # process (the huey worker) may arrive after a newer one stored here
                    if mid <= s.last_id or mid in s.seen:
                        s.dups += 1
                        continue
                    s.seen.add(mid)
                    if mid > self.max_id.get(gid, 0):
                        self.max_id[gid] = mid
                    cid = m.get("client_id") or ""
                    t0 = self.sent.get(cid)
                    if t0 is not None:
                        self.lat.append(t - t0)
                        self.got[cid] += 1
                        self.last_rx[cid] = t
                    elif (
                        m.get("kind") == "notice"
                        and self.notice_tag
                        and self.notice_tag in (m.get("text") or "")
                    ):
                        self.notices.append((t, s.role))
                elif typ == "ack":
                    self.acks[f.get("client_id")] = t
                elif typ == "subscribed":
                    s.subscribed.set()
                elif typ == "error":
                    self.errors[f.get("code")] += 1
                    if s.role != "sender" and not s.subscribed.is_set():
                        s.closed = True
                        s.subscribed.set()  # refused: stop waiting
        except Exception:  # noqa: BLE001 — closed by the server or the network
            pass
        finally:
            s.closed = True

    async def open(self, cookie: str, role: str, group: int | None, since: int = 0) -> Sock:
        from websockets.asyncio.client import connect

        s = Sock(role, group)
        s.last_id = since
        s.ws = await connect(
            self.url,
            additional_headers={"Cookie": cookie, "Origin": ORIGIN},
            open_timeout=60,
            ping_interval=None,
            close_timeout=2,
            max_queue=None,
            compression="deflate" if self.deflate else None,
        )
        s.task = asyncio.create_task(self.reader(s))
        if group is not None:
            await s.ws.send(json.dumps({"type": "subscribe", "group": group, "since": since}))
            await asyncio.wait_for(s.subscribed.wait(), 60)
            if s.closed:
                raise RuntimeError("subscribe refused")
        return s

    async def open_many(self, specs, concurrency: int = 100):
        """specs: [(cookie, role, group, since)]. Returns (sockets, failures, seconds)."""
        sem = asyncio.Semaphore(concurrency)
        failures: Counter = Counter()

        async def one(spec):
            async with sem:
                try:
                    return await self.open(*spec)
                except Exception as exc:  # noqa: BLE001
                    failures[type(exc).__name__ + (f": {exc}"[:80] if str(exc) else "")] += 1
                    return None

        t = time.perf_counter()
        res = await asyncio.gather(*(one(sp) for sp in specs))
        return [s for s in res if s is not None], failures, time.perf_counter() - t


async def close_all(socks):
    async def one(s):
        try:
            await asyncio.wait_for(s.ws.close(), 3)
        except Exception:  # noqa: BLE001
            pass
        if s.task:
            s.task.cancel()

    for i in range(0, len(socks), 500):
        await asyncio.gather(*(one(s) for s in socks[i : i + 500]))


def log_errors(path: Path) -> Counter:
    text = path.read_text(errors="replace")
    errs = Counter(m.group(1) for m in re.finditer(r"^(\w[\w.]*(?:Error|Exception)\b)", text, re.M))
    errs["tracebacks"] = text.count("Traceback (most recent call last)")
    return errs


async def scenario(a, port: int, pid: int, info: dict, http: Http, slog: Path) -> dict:
    tag = "rt" + secrets.token_hex(3)
    b = Bench(port, tag, deflate=not a.no_deflate)
    cookie = http.cookie_header()
    sname = info["session_cookie"]
    demo = info["demo_groups"]
    max_ids = {int(k): v for k, v in info["max_ids"].items()}
    b.max_id.update(max_ids)
    out: dict = {}
    rss_idle = proc_status(pid)

    # 1. clients ---------------------------------------------------------------------------
    log(f"[1/3] opening {a.clients} sockets (admin, one demo group each, {len(demo)} groups)")
    specs = [
        (cookie, "listener", demo[i % len(demo)], max_ids.get(demo[i % len(demo)], 0))
        for i in range(a.clients)
    ]
    cpu0 = cpu_seconds(pid)
    listeners, failures, secs = await b.open_many(specs, a.concurrency)
    cpu_connect = cpu_seconds(pid) - cpu0
    await asyncio.sleep(2)  # hold them
    open_now = sum(1 for s in listeners if not s.closed)
    st = proc_status(pid)
    out["clients"] = {
        "target": a.clients,
        "subscribed": len(listeners),
        "open_after_hold": open_now,
        "failed": sum(failures.values()),
        "failures": dict(failures),
        "connect_seconds": round(secs, 2),
        "connect_per_s": round(len(listeners) / secs, 1) if secs else None,
        "handshake_concurrency": a.concurrency,
        "server_cpu_s_for_connects": round(cpu_connect, 2),
        "server_rss_idle_mib": mib(rss_idle.get("VmRSS")),
        "server_rss_mib": mib(st.get("VmRSS")),
        "server_rss_per_socket_kib": round(
            (st.get("VmRSS", 0) - rss_idle.get("VmRSS", 0)) / max(1, open_now), 1
        ),
        "server_fds": st.get("fds"),
        "permessage_deflate": a.ws_deflate and not a.no_deflate,  # as negotiated
        "ws_implementation": a.ws or "serve's default",
    }
    log(
        f"      {len(listeners)} subscribed in {secs:.1f} s; {open_now} open; "
        f"server RSS {mib(st.get('VmRSS'))} MiB"
    )

    # 2. latency ---------------------------------------------------------------------------
    senders: list[Sock] = []
    total = 0
    if a.skip_latency:
        out["latency"] = {"skipped": True}
    else:
        gsend = demo[: a.groups] if a.groups else demo
        per_group = Counter(s.group for s in listeners if not s.closed)
        log(
            f"[2/3] {a.rate} msg/s for {a.seconds} s through {a.senders} sender sockets to "
            f"{len(gsend)} groups (fan-out {min(per_group[g] for g in gsend)}–"
            f"{max(per_group[g] for g in gsend)} sockets per message)"
        )
        sender_specs = [(f"{sname}={k}", "sender", None, 0) for k in info["sender_sessions"]]
        senders, sfail, _ = await b.open_many(sender_specs[: a.senders], a.concurrency)
        if not senders:
            raise SystemExit(f"no sender socket could connect: {dict(sfail)}")
        total = int(a.rate * a.seconds)
        cpu0, ru0 = cpu_seconds(pid), resource.getrusage(resource.RUSAGE_SELF)
        machine0 = machine_busy_seconds()
        t0 = time.perf_counter()
        late = 0.0
        for i in range(total):
            target = t0 + i / a.rate
            now = time.perf_counter()
            if target > now:
                await asyncio.sleep(target - now)
            else:
                late = max(late, now - target)
            g = gsend[i % len(gsend)]
            s = senders[(i // len(gsend)) % len(senders)]
            cid = f"{tag}-{i}"
            b.expect[cid] = per_group[g]
            frame = json.dumps(
                {"type": "send", "group": g, "text": f"压测消息 {i}", "client_id": cid}
            )
            b.sent[cid] = time.perf_counter()
            await s.ws.send(frame)
        send_secs = time.perf_counter() - t0
        expected = sum(b.expect.values())
        # drain: until every send is acked and delivered, or nothing new (receipt or ack) for 5 s,
        # or the drain limit (an overloaded server is reported as such, not waited for)
        t_end = time.perf_counter()
        last_n, last_t = -1, t_end
        while time.perf_counter() - t_end < a.drain:
            n = len(b.lat) + len(b.acks)
            if len(b.lat) >= expected and len(b.acks) >= total:
                break
            if n != last_n:
                last_n, last_t = n, time.perf_counter()
            elif time.perf_counter() - last_t > 5:
                break
            await asyncio.sleep(0.05)
        drain_s = time.perf_counter() - t_end
        busy = time.perf_counter() - t0
        cpu_send = cpu_seconds(pid) - cpu0
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        machine = machine_busy_seconds() - machine0
        client_cpu = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
        fan_done = [b.last_rx[c] - b.sent[c] for c in b.sent if b.got[c] >= b.expect[c] > 0]
        ack_lat = [b.acks[c] - b.sent[c] for c in b.sent if c in b.acks]
        ack_span = (max(b.acks.values()) - t0) if b.acks else 0
        delivered = sum(b.got.values())
        st = proc_status(pid)
        out["latency"] = {
            "rate_per_s": a.rate,
            "seconds": a.seconds,
            "groups": len(gsend),
            "sender_sockets": len(senders),
            "listeners": sum(per_group[g] for g in gsend),
            "fanout_per_message": round(expected / total, 1) if total else 0,
            "sent": total,
            "achieved_send_rate": round(total / send_secs, 1),
            "max_send_lag_ms": round(late * 1000, 1),
            "acked": len(ack_lat),
            "unacked_at_end": total - len(ack_lat),
            "drain_s": round(drain_s, 1),
            "errors": dict(b.errors),
            "expected": expected,
            "delivered": delivered,
            "lost": expected - delivered,
            "duplicates": sum(s.dups for s in listeners),
            "listeners_closed": sum(1 for s in listeners if s.closed),
            "p50_ms": pct(b.lat, 0.50),
            "p90_ms": pct(b.lat, 0.90),
            "p99_ms": pct(b.lat, 0.99),
            "max_ms": pct(b.lat, 1.0),
            "fanout_complete_p50_ms": pct(fan_done, 0.50),
            "fanout_complete_p99_ms": pct(fan_done, 0.99),
            "ack_p50_ms": pct(ack_lat, 0.50),
            "ack_p99_ms": pct(ack_lat, 0.99),
            # sends the server completed per second (its ceiling when it falls behind the rate)
            "server_sends_per_s": round(len(ack_lat) / ack_span, 1) if ack_span else None,
            "frames_per_s": round(delivered / busy, 1),
            # CPU shares over the phase, in % of ONE core (the machine has os.cpu_count()):
            # the server process, this client process, and everything else on the machine
            # (the huey worker, other people's jobs) — the server can only use what is left
            "server_cpu_pct": round(100 * cpu_send / busy, 1),
            "client_cpu_pct": round(100 * client_cpu / busy, 1),
            "other_cpu_pct": round(100 * (machine - cpu_send - client_cpu) / busy, 1),
            # server CPU per processed send, its fan-out included: the figure that does not
            # depend on what else runs on the machine
            "server_cpu_ms_per_message": round(1000 * cpu_send / len(ack_lat), 2)
            if ack_lat
            else None,
            "server_rss_mib": mib(st.get("VmRSS")),
        }
        L = out["latency"]
        log(
            f"      sent {total}, delivered {delivered}/{expected} (lost {L['lost']}), "
            f"p50 {L['p50_ms']} ms, p99 {L['p99_ms']} ms; server CPU {L['server_cpu_pct']} %"
        )

    # 3. broadcast -------------------------------------------------------------------------
    groups = info["all_groups"]
    if a.broadcast_sockets and a.broadcast_sockets < len(groups):
        # a sample: every k-th group plus the one the worker does last
        k = -(-len(groups) // a.broadcast_sockets)
        groups = groups[::k] + ([groups[-1]] if (len(groups) - 1) % k else [])
    log(
        f"[3/3] opening one more socket per group ({len(groups)} of "
        f"{len(info['all_groups'])} groups), then one broadcast to all groups"
    )
    bspecs = [(cookie, "group", g, b.max_id.get(g, 0)) for g in groups]
    bsocks, bfail, bsecs = await b.open_many(bspecs, a.concurrency)
    await asyncio.sleep(1)
    subscribed = [s for s in listeners + bsocks if not s.closed]
    backlog = total - len(b.acks)  # sends of phase 2 the server has not processed yet
    want_all = len(subscribed)
    want_groups = sum(1 for s in bsocks if not s.closed)
    b.notice_tag = f"[{tag}]"
    body = {"title": f"压测通知 {tag}", "body": f"全区通知 {b.notice_tag} 请各群知悉。"}
    status_log: list[tuple[float, dict]] = []
    tp0 = time.perf_counter()
    code, resp = await asyncio.to_thread(http.api, "POST", "/api/v1/chat/broadcasts", body)
    tp1 = time.perf_counter()
    if code != 201:
        raise SystemExit(f"POST /api/v1/chat/broadcasts answered {code}: {resp}")
    bid = resp["id"]
    stop_poll = asyncio.Event()

    async def poll():
        while not stop_poll.is_set():
            c, r = await asyncio.to_thread(http.api, "GET", f"/api/v1/chat/broadcasts/{bid}")
            if c == 200:
                status_log.append((time.perf_counter(), r))
                if r.get("status") == "sent":
                    return
            await asyncio.sleep(0.2)

    poller = asyncio.create_task(poll())
    deadline = tp0 + a.broadcast_timeout
    last_n, last_t = -1, time.perf_counter()
    while time.perf_counter() < deadline:
        n = len(b.notices)
        if n >= want_all:
            break
        if n != last_n:
            last_n, last_t = n, time.perf_counter()
        sent_at = next((t for t, r in status_log if r.get("status") == "sent"), None)
        if sent_at and time.perf_counter() - max(sent_at, last_t) > (3 if a.quick else 5):
            break  # the worker is done and nothing more has come for a few seconds
        await asyncio.sleep(0.05)
    stop_poll.set()
    await asyncio.wait_for(poller, 30)
    if not any(r.get("status") == "sent" for _, r in status_log):
        c, r = await asyncio.to_thread(http.api, "GET", f"/api/v1/chat/broadcasts/{bid}")
        if c == 200:
            status_log.append((time.perf_counter(), r))
    times = [t - tp0 for t, _ in b.notices]
    gtimes = [t - tp0 for t, r in b.notices if r == "group"]
    first_progress = next((t - tp0 for t, r in status_log if r.get("groups_done", 0) > 0), None)
    sent_at = next((t - tp0 for t, r in status_log if r.get("status") == "sent"), None)
    final = status_log[-1][1] if status_log else {}
    st = proc_status(pid)
    out["broadcast"] = {
        "groups_total": resp.get("groups_total"),
        "group_sockets": len(bsocks),
        "group_sockets_sample": len(groups) < len(info["all_groups"]),
        "socket_failures": dict(bfail),
        "group_sockets_connect_s": round(bsecs, 2),
        "subscribed_sockets": want_all,
        "phase2_sends_unprocessed_at_start": backlog,
        "received_by_role": dict(Counter(r for _, r in b.notices)),
        "expected_by_role": dict(Counter(s.role for s in subscribed)),
        "enqueue_ms": round((tp1 - tp0) * 1000, 1),
        "worker_first_notice_stored_s": round(first_progress, 2) if first_progress else None,
        "worker_all_stored_s": round(sent_at, 2) if sent_at is not None else None,
        "status": final.get("status"),
        "groups_done": final.get("groups_done"),
        "received": len(times),
        "expected": want_all,
        "lost": want_all - len(times),
        "all_group_sockets_s": round(max(gtimes), 2) if len(gtimes) >= want_groups else None,
        "all_sockets_s": round(max(times), 2) if len(times) >= want_all else None,
        "first_receipt_s": round(min(times), 2) if times else None,
        "p50_receipt_s": round(statistics.median(times), 2) if times else None,
        "server_rss_mib": mib(st.get("VmRSS")),
    }
    B = out["broadcast"]
    log(
        f"      enqueue {B['enqueue_ms']} ms; worker stored all {B['groups_total']} notices at "
        f"{B['worker_all_stored_s']} s; received {len(times)}/{want_all}; "
        f"all sockets at {B['all_sockets_s']} s"
    )
    st = proc_status(pid)
    out["server"] = {
        "rss_idle_mib": mib(rss_idle.get("VmRSS")),
        "rss_end_mib": mib(st.get("VmRSS")),
        "rss_peak_mib": mib(st.get("VmHWM")),
        "threads": st.get("Threads"),
        "fds_end": st.get("fds"),
        "sockets_held_end": sum(1 for s in listeners + bsocks + senders if not s.closed),
        "log_errors_during_run": dict(log_errors(slog)),
    }
    await close_all(listeners + bsocks + senders)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="500 clients, 5 s of sends (< 60 s)")
    ap.add_argument(
        "--redis",
        nargs="?",
        const="redis://127.0.0.1:6379/0",
        default=None,
        metavar="URL",
        help="use GONGZHI_REDIS_URL (channel layer + task queue)",
    )
    ap.add_argument("--clients", type=int)
    ap.add_argument("--rate", type=float, default=200.0, help="messages per second")
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--groups", type=int, default=0, help="demo groups sent to (0 = all 16)")
    ap.add_argument("--senders", type=int, default=16, help="sender sockets (one account each)")
    ap.add_argument("--groups-total", type=int, default=1160)
    ap.add_argument("--concurrency", type=int, default=100, help="handshakes in flight")
    ap.add_argument("--broadcast-timeout", type=float)
    ap.add_argument(
        "--broadcast-sockets",
        type=int,
        help="group sockets for the broadcast (default: all groups; quick: 240)",
    )
    ap.add_argument("--drain", type=float, help="max seconds to wait for late deliveries")
    ap.add_argument("--skip-latency", action="store_true", help="phases 1 and 3 only")
    ap.add_argument(
        "--what-if",
        action="store_true",
        help="server with benchmarks/realtime_whatif.py (the proposed fixes)",
    )
    ap.add_argument(
        "--no-deflate",
        action="store_true",
        help="do not offer permessage-deflate (browsers do offer it)",
    )
    ap.add_argument(
        "--ws-deflate",
        action="store_true",
        help="start the server with `serve --ws-deflate` (accepts the compression offered)",
    )
    ap.add_argument(
        "--ws",
        choices=["websockets", "websockets-sansio", "wsproto"],
        help="start the server with `serve --ws WS` (uvicorn's WebSocket implementation)",
    )
    ap.add_argument("--logs", metavar="DIR", help="copy the server and worker logs there")
    ap.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.setup:
        print(json.dumps(setup_db(a.groups_total, a.senders)))
        return
    mode = "quick" if a.quick else "full"
    a.clients = a.clients or (500 if a.quick else 2000)
    a.seconds = a.seconds or (5.0 if a.quick else 10.0)
    a.broadcast_timeout = a.broadcast_timeout or (15.0 if a.quick else 60.0)
    a.broadcast_sockets = a.broadcast_sockets or (240 if a.quick else 0)
    a.drain = a.drain or (10.0 if a.quick else 60.0)
    load_before = [round(x, 2) for x in os.getloadavg()]
    nofile = raise_nofile()
    need = a.clients + a.groups_total + a.senders + 100
    if nofile < need:
        raise SystemExit(f"RLIMIT_NOFILE is {nofile}; {need} file descriptors are needed")

    base = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_")}
    procs: list[subprocess.Popen] = []
    t_start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gongzhi-rt-") as tmp:
        env = {
            **base,
            "GONGZHI_DATA_DIR": tmp,
            "GONGZHI_SECRET_KEY": "realtime-benchmark-secret-key-" + secrets.token_hex(16),
        }
        if a.redis:
            env["GONGZHI_REDIS_URL"] = a.redis
        if a.what_if:
            env["DJANGO_SETTINGS_MODULE"] = "benchmarks.realtime_whatif"
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        try:
            log(f"preparing {tmp}: migrate, seed --scale small, {a.groups_total} groups")
            t = time.monotonic()
            run(env, "migrate", "-v0")
            run(env, "seed", "--scale", "small", "--no-progress")
            r = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--setup",
                    "--groups-total",
                    str(a.groups_total),
                    "--senders",
                    str(a.senders),
                ],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            if r.returncode != 0:
                raise SystemExit(f"database preparation failed:\n{r.stderr[-3000:]}")
            info = json.loads(r.stdout.strip().splitlines()[-1])
            setup_s = time.monotonic() - t
            port = free_port()
            slog, hlog = Path(tmp) / "server.log", Path(tmp) / "huey.log"
            server = start(
                env,
                [
                    "serve",
                    "--port",
                    str(port),
                    *(["--ws-deflate"] if a.ws_deflate else []),
                    *(["--ws", a.ws] if a.ws else []),
                ],
                slog,
            )
            procs.append(server)
            worker = start(env, ["run_huey"], hlog)
            procs.append(worker)
            up_s = wait_up(server, port, slog)
            if worker.poll() is not None:
                raise SystemExit(f"`gongzhi run_huey` exited ({worker.returncode}):\n{tail(hlog)}")
            log(
                f"server pid {server.pid} on port {port} up in {up_s:.1f} s; "
                f"huey worker pid {worker.pid}"
            )
            http = Http(port)
            http.login("admin")
            # the client on uvloop when installed (uvicorn's server loop): the client shares the
            # 2 cores with the server, and every frame it needs less is CPU the server can use
            try:
                import uvloop

                runner = uvloop.run
            except ImportError:
                runner = asyncio.run
            out = runner(scenario(a, port, server.pid, info, http, slog))
            if server.poll() is not None:
                raise SystemExit(f"the server died during the run:\n{tail(slog)}")
            time.sleep(1)
            during = out["server"]["log_errors_during_run"]
            out["server"]["log_errors_at_teardown"] = {
                k: v - during.get(k, 0) for k, v in log_errors(slog).items() if v > during.get(k, 0)
            }
        finally:
            for p in reversed(procs):
                stop(p)
            if a.logs:
                import shutil

                Path(a.logs).mkdir(parents=True, exist_ok=True)
                for f in ("server.log", "huey.log"):
                    if (Path(tmp) / f).exists():
                        shutil.copy(Path(tmp) / f, Path(a.logs) / f)
    out["server"].update(
        {
            "process": "gongzhi serve (uvicorn, 1 process)",
            "database": "sqlite",
            "channel_layer": "redis" if a.redis else "in-memory",
            "task_queue": "huey redis" if a.redis else "huey sqlite",
            "huey_worker": "gongzhi run_huey (default options)",
            "cpus": os.cpu_count(),
            "settings": "benchmarks.realtime_whatif (proposed fixes)"
            if a.what_if
            else "gongzhi.settings",
            "load_avg_before": load_before,
            "setup_seconds": round(setup_s, 1),
            "startup_seconds": round(up_s, 1),
            "total_seconds": round(time.monotonic() - t_start, 1),
        }
    )
    out["mode"] = mode
    C, L, B, S = out["clients"], out["latency"], out["broadcast"], out["server"]
    print(
        f"Gongzhi real-time benchmark ({mode}; channel layer {S['channel_layer']}, "
        f"{S['cpus']} CPUs shared by server and clients, load before {load_before}; "
        f"settings {S['settings']})"
    )
    print(
        f"  clients   {C['subscribed']}/{C['target']} subscribed, {C['open_after_hold']} open "
        f"after hold, {C['connect_per_s']}/s; server RSS {C['server_rss_mib']} MiB "
        f"({C['server_rss_per_socket_kib']} KiB/socket)"
    )
    if L.get("skipped"):
        print("  latency   skipped (--skip-latency)")
    else:
        print(
            f"  latency   {L['sent']} sent at {L['achieved_send_rate']}/s to {L['groups']} groups, "
            f"fan-out {L['fanout_per_message']}: delivered {L['delivered']}/{L['expected']} "
            f"(lost {L['lost']}; {L['unacked_at_end']} sends still unprocessed after the "
            f"{L['drain_s']} s drain); p50 {L['p50_ms']} ms, p99 {L['p99_ms']} ms "
            f"(target <= 200 ms); ack p99 {L['ack_p99_ms']} ms; server CPU {L['server_cpu_pct']} %"
        )
    print(
        f"  broadcast {B['groups_total']} groups: enqueue {B['enqueue_ms']} ms; worker stored "
        f"all at {B['worker_all_stored_s']} s; {B['received']}/{B['expected']} sockets got the "
        f"notice; all group sockets at {B['all_group_sockets_s']} s, all sockets at "
        f"{B['all_sockets_s']} s (target <= 5 s)"
    )
    print(
        f"  server    RSS peak {S['rss_peak_mib']} MiB, {S['sockets_held_end']} sockets held at "
        f"the end; log errors {S['log_errors_during_run'] or 'none'} (teardown: "
        f"{S['log_errors_at_teardown'] or 'none'}); total {S['total_seconds']} s"
    )
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
