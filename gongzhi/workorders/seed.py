"""Demo history of work orders for `gongzhi seed`: about five years, consistent with the SLAs
(most closed and rated, some late and escalated, a few reopened, recent ones still open)."""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection, transaction
from tqdm import tqdm

from . import sla
from .models import Category, Event, State, WorkOrder

TEMPLATES = {
    "property": [
        "{b}电梯又坏了，老人上下楼很困难",
        "物业不及时清理{b}楼道杂物",
        "{b}楼顶漏水，物业一直不来修",
        "小区门禁坏了，外来人员随便进出",
        "物业费上涨没有公示，要求说明",
        "{b}下水道堵塞，污水返到地面",
    ],
    "environment": [
        "{b}旁边垃圾桶满了没人清运",
        "{b}楼下烧烤油烟太大",
        "小区绿化带里有人种菜",
        "{b}附近有人晚上倒建筑垃圾",
        "河道有异味，水面漂浮垃圾",
        "楼道里有人养鸽子，卫生很差",
    ],
    "health_education": [
        "社区卫生服务中心疫苗预约不上",
        "孩子入学材料要求不清楚",
        "家庭医生签约后联系不上",
        "幼儿园接送时段门口拥堵",
        "社区医院开药品种太少",
    ],
    "municipal": [
        "{b}门口路灯不亮好几天了",
        "小区门口井盖松动，有安全隐患",
        "路面塌陷一个大坑",
        "下雨后{b}门口积水严重",
        "人行道地砖破损绊倒老人",
        "自来水水压太低",
    ],
    "transport": [
        "公交站改道后乘车不方便",
        "路口红绿灯时间太短",
        "共享单车堆满人行道",
        "小区门口车辆乱停占用消防通道",
        "早高峰公交班次太少",
    ],
    "social_security": [
        "高龄津贴怎么还没发到账",
        "低保复核材料交了没有回音",
        "残疾人补贴申请进度查询",
        "灵活就业社保断缴怎么补",
        "医保异地备案办不了",
    ],
    "public_security": [
        "{b}楼道有陌生人徘徊",
        "小区电动车经常被偷",
        "夜里有人在{b}附近吵闹斗殴",
        "有人在小区推销保健品骗老人",
    ],
    "market": [
        "菜场缺斤短两",
        "小区门口无证摊贩占道经营",
        "预付卡健身房关门跑路",
        "超市卖过期食品",
    ],
    "construction": [
        "拆迁安置房交付延期",
        "工地夜间施工噪音扰民",
        "{b}旁边违章搭建",
        "老旧小区改造施工质量问题",
    ],
    "employment": ["想参加技能培训怎么报名", "失业登记在哪里办", "创业担保贷款申请条件"],
    "other": ["建议社区多组织老年活动", "小区宠物粪便没人清理", "希望增加健身器材"],
}
WEIGHTS = {
    "property": 25,
    "environment": 18,
    "municipal": 15,
    "transport": 8,
    "social_security": 8,
    "health_education": 6,
    "public_security": 5,
    "market": 5,
    "construction": 5,
    "employment": 3,
    "other": 2,
}
COUNTS = {"small": 300, "seed": 120_000}
YEARS = 5
BATCH = 5000


def build(builder, community_members: dict[int, list], *, count: int | None = None) -> int:
    rng: random.Random = builder.rng
    count = count or COUNTS[builder.scale.name]
    cats = {c.code: c for c in Category.objects.all()}
    codes = [c for c in WEIGHTS if c in cats]
    weights = [WEIGHTS[c] for c in codes]
    communities = builder.communities
    comm_weights = [len(community_members[c.pk]) for c in communities]
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=365 * YEARS)
    span = (now - start).total_seconds()
    # Orders grow over the years (the platform gained members): sample time with a ramp.
    # A share lands in the last 30 days so the demo has work in every state.
    times = sorted(
        now - dt.timedelta(days=rng.uniform(0, 30))
        if rng.random() < 0.04
        else start + dt.timedelta(seconds=span * (rng.random() ** 0.6))
        for _ in range(count)
    )
    seq_by_day: dict[str, int] = {}
    bar = tqdm(
        total=count, desc="work orders", unit="wo", disable=not builder.progress, mininterval=0.5
    )
    made = 0
    for i in range(0, count, BATCH):
        orders, plans = [], []
        for created in times[i : i + BATCH]:
            c = rng.choices(communities, weights=comm_weights)[0]
            member = rng.choice(community_members[c.pk])
            code = rng.choices(codes, weights=weights)[0]
            cat = cats[code]
            day = f"{created:%Y%m%d}"
            seq_by_day[day] = seq_by_day.get(day, 0) + 1
            b = f"{rng.randrange(1, 40)}栋"
            title = rng.choice(TEMPLATES[code]).format(b=b)
            dl = sla.deadlines(cat, "normal", created)
            age = (now - created).days
            o = WorkOrder(
                number=f"GZ{day}{seq_by_day[day]:05d}",
                title=title[:80],
                description=title + "，请尽快处理。",
                category=cat,
                urgency="normal",
                channel=rng.choices(
                    ["mobile", "group", "assistant", "phone", "visit"], [55, 20, 10, 10, 5]
                )[0],
                reporter_id=member[1],
                hide_identity=rng.random() < 0.1,
                street_id=c.parent_id,
                community=c,
                grid_id=member[2],
                handler_unit_id=member[2] if code in ("environment", "other") else c.pk,
                created_at=created,
                updated_at=created,
                **dl,
            )
            plan = _plan(rng, o, age, now)
            o.updated_at = plan[-1][3]
            orders.append(o)
            plans.append(plan)
        with transaction.atomic():
            _insert_orders(orders)
            rows = [row for o, plan in zip(orders, plans, strict=True) for row in _events(o, plan)]
            with connection.cursor() as cur:
                cur.executemany(EVENT_SQL, rows)
        made += len(orders)
        bar.update(len(orders))
    bar.close()
    return made


def _plan(rng, o: WorkOrder, age_days: int, now) -> list[tuple[str, str, str, dt.datetime, str]]:
    """Fill the order's final fields and return its timeline steps (verb, from, to, at, text)."""
    t = o.created_at
    steps = [("submit", "", State.SUBMITTED, t, o.description)]

    def step(verb, frm, to, hours, text=""):
        nonlocal t
        # working hours → calendar time (7 office hours a day, 5 days a week); cheaper than the
        # exact calendar and close enough for history; deadlines themselves are exact (sla).
        t = t + dt.timedelta(hours=hours * 24 * 7 / (7 * 5))
        if t > now:
            return False
        steps.append((verb, frm, to, t, text))
        return True

    late = rng.random() < 0.1
    work_hours = rng.uniform(2, 7 * (o.category.complete_days if o.category else 5) * 0.8)
    if late:
        work_hours *= 1.8
    path = [
        ("accept", State.SUBMITTED, State.ACCEPTED, rng.uniform(0.1, 1.5), ""),
        ("dispatch", State.ACCEPTED, State.DISPATCHED, rng.uniform(0.1, 1), ""),
        ("start", State.DISPATCHED, State.IN_PROGRESS, rng.uniform(0.2, 3), ""),
        ("resolve", State.IN_PROGRESS, State.RESOLVED, work_hours, "已处置完毕，已回访居民。"),
    ]
    state = State.SUBMITTED
    for verb, frm, to, hours, text in path:
        if not step(verb, frm, to, hours, text):
            break
        state = to
    o.state = state
    if state in (State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS):
        o.accepted_at = steps[1][3]
    if o.due_at and (
        state != State.RESOLVED and now > o.due_at or late and state == State.RESOLVED
    ):
        o.escalation_level = 1 if rng.random() < 0.7 else 2
        if state != State.RESOLVED:
            o.next_escalation_at = None if o.escalation_level == 2 else sla.next_escalation(1, now)
        steps.append(("escalate", state, state, o.due_at, "超期未办结，已升级督办"))
    if state != State.RESOLVED:
        return steps
    o.accepted_at, o.resolved_at = steps[1][3], t
    o.next_escalation_at = o.remind_at = None
    r = rng.random()
    rating = "satisfied" if r < 0.8 else "basic" if r < 0.92 else "unsatisfied"
    if not step("rate", State.RESOLVED, State.RATED, rng.uniform(1, 14)):
        return steps
    o.rating, o.rated_at = rating, t
    if rating == "unsatisfied" and rng.random() < 0.5:
        o.reopen_count = 1
        steps.append(("reopen", State.RATED, State.REOPENED, t, "问题没有彻底解决"))
        if not (
            step("start", State.REOPENED, State.IN_PROGRESS, 2)
            and step(
                "resolve", State.IN_PROGRESS, State.RESOLVED, rng.uniform(3, 20), "二次处置完成"
            )
            and step("rate", State.RESOLVED, State.RATED, rng.uniform(1, 10))
        ):
            o.state = steps[-1][2]
            return steps
        o.resolved_at, o.rating = t, rng.choice(["satisfied", "basic"])
    steps.append(("close", State.RATED, State.CLOSED, t, ""))
    o.state, o.closed_at, o.updated_at = State.CLOSED, t, t
    return steps


ORDER_COLS = (
    "id",
    "number",
    "title",
    "description",
    "category_id",
    "urgency",
    "state",
    "channel",
    "reporter_id",
    "reporter_name",
    "reporter_phone",
    "hide_identity",
    "street_id",
    "community_id",
    "grid_id",
    "handler_unit_id",
    "address",
    "escalation_level",
    "accept_due",
    "due_at",
    "remind_at",
    "next_escalation_at",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "suspension_requested",
    "suspension_reason",
    "paused_seconds",
    "rating",
    "rating_comment",
    "rated_at",
    "reopen_count",
    "source_ref",
    "search_terms",
    "created_at",
    "updated_at",
)
ORDER_SQL = (
    f"INSERT INTO {WorkOrder._meta.db_table} ({', '.join(ORDER_COLS)}) "
    f"VALUES ({', '.join(['%s'] * len(ORDER_COLS))})"
)
DATETIMES = {
    "accept_due",
    "due_at",
    "remind_at",
    "next_escalation_at",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "rated_at",
    "created_at",
    "updated_at",
}


def _insert_orders(orders: list[WorkOrder]) -> None:
    """Plain executemany with ids assigned here: Django's bulk_create splits rows into batches
    of ~20 on SQLite (bound-parameter limit) and was most of the seed's time (measured)."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {WorkOrder._meta.db_table}")
        next_id = cur.fetchone()[0] + 1
        rows = []
        for o in orders:
            o.pk = next_id
            next_id += 1
            o.reporter_name = o.reporter_phone = ""  # intake by residents: no contact copy
            o.search_terms = o.search_document()
            rows.append(
                tuple(adapt(getattr(o, c)) if c in DATETIMES else getattr(o, c) for c in ORDER_COLS)
            )
        cur.executemany(ORDER_SQL, rows)
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [WorkOrder._meta.db_table, next_id - 1],
            )


EVENT_COLS = (
    "order_id",
    "verb",
    "from_state",
    "to_state",
    "actor_label",
    "comment",
    "data",
    "public",
    "created_at",
)
EVENT_SQL = (
    f"INSERT INTO {Event._meta.db_table} ({', '.join(EVENT_COLS)}) "
    f"VALUES ({', '.join(['%s'] * len(EVENT_COLS))})"
)


def _events(o: WorkOrder, plan) -> list[tuple]:
    adapt = connection.ops.adapt_datetimefield_value
    return [
        (o.pk, v, f, to, "系统演示数据", text, "{}", True, adapt(at)) for v, f, to, at, text in plan
    ]
