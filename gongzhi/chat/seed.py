"""About a year of group messages for the demo district: daily and weekly rhythms, community
activity that varies (livelier communities also have higher real-name ratios), a few notices.
Written with executemany in large batches: the seed's million messages take well under a
minute on SQLite."""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection, transaction
from tqdm import tqdm

from gongzhi.core.identity import mask_name
from gongzhi.groups.models import CommunityGroup, Membership

from .models import Message

LINES = [
    "大家早上好！",
    "收到，谢谢社区！",
    "请问今天社区医院几点开门？",
    "楼下快递柜满了，东西放哪儿了？",
    "明天几点停水？",
    "我报名参加志愿服务",
    "我参加",
    "谢谢网格员帮忙",
    "小区门口又有人乱停车了",
    "垃圾分类的桶今天没人收",
    "有没有人捡到一串钥匙？放在门卫了",
    "周末社区有什么活动吗？",
    "电梯又坏了，老人上楼太难了",
    "谁家的狗一直叫，能不能管一下",
    "物业什么时候来修路灯？",
    "感谢志愿者们辛苦了！",
    "今天菜场的青菜很新鲜",
    "云菜篮今天有哪些菜？",
    "我订两份土鸡蛋",
    "提醒大家晚上关好门窗",
    "社区的疫苗接种点在哪里？",
    "孩子入学材料要准备什么？",
    "@小栖 居住证怎么签注",
    "楼道里的电动车请推走，太危险了",
    "收到通知了",
    "已读",
    "好的",
    "辛苦了",
    "👍",
    "大家注意防暑",
]
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.3, 1, 3, 6, 7, 5, 4, 5, 6, 4, 3, 3, 4, 5, 6, 8, 9, 8, 5, 2]
COUNTS = {"small": 3_000, "seed": 1_050_000}
DAYS = 365
BATCH = 20_000


def build(builder, *, count: int | None = None) -> int:
    rng: random.Random = builder.rng
    count = count or COUNTS[builder.scale.name]
    groups = list(CommunityGroup.objects.values_list("pk", "community_id"))
    members: dict[int, list[int]] = {}
    labels: dict[int, str] = {}
    # Names are stored encrypted; decrypt each member's once to make the masked label.
    for gid, rid, name in Membership.objects.values_list(
        "group_id", "resident_id", "resident__name"
    ).iterator(5000):
        members.setdefault(gid, []).append(rid)
        if rid not in labels:
            labels[rid] = mask_name(name)
    activity = [rng.lognormvariate(0, 0.8) * len(members.get(g, [])) for g, _c in groups]
    end = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(days=DAYS)
    # Day weights: weekends livelier, a slow growth over the year.
    days = [start + dt.timedelta(days=i) for i in range(DAYS)]
    day_w = [
        (1.3 if d.weekday() >= 5 else 1.0) * (0.7 + 0.6 * i / DAYS) for i, d in enumerate(days)
    ]
    cols = (
        "group_id",
        "community_id",
        "sender_id",
        "sender_label",
        "kind",
        "text",
        "mentions",
        "file_name",
        "content_type",
        "size",
        "status",
        "flags",
        "client_id",
        "created_at",
    )
    sql = (
        f"INSERT INTO {Message._meta.db_table} ({', '.join(cols)}) VALUES "
        f"({', '.join(['%s'] * len(cols))})"
    )
    bar = tqdm(
        total=count, desc="messages", unit="msg", disable=not builder.progress, mininterval=0.5
    )
    made = 0
    while made < count:
        n = min(BATCH, count - made)
        gi = rng.choices(range(len(groups)), weights=activity, k=n)
        di = rng.choices(range(DAYS), weights=day_w, k=n)
        hi = rng.choices(range(24), weights=HOUR_WEIGHTS, k=n)
        rows = []
        for g_idx, d_idx, hour in zip(gi, di, hi, strict=True):
            gid, cid = groups[g_idx]
            pool = members.get(gid)
            if not pool:
                continue
            rid = pool[min(len(pool) - 1, int(len(pool) * rng.random() ** 2))]  # some talk more
            t = days[d_idx] + dt.timedelta(hours=hour, seconds=rng.randrange(3600))
            rows.append(
                (
                    gid,
                    cid,
                    rid,
                    labels.get(rid, ""),
                    "text",
                    rng.choice(LINES),
                    "[]",
                    "",
                    "",
                    0,
                    "visible",
                    "[]",
                    "",
                    t,
                )
            )
        rows.sort(key=lambda r: r[-1])  # ids grow with time, as in real use
        adapt = connection.ops.adapt_datetimefield_value
        rows = [(*r[:-1], adapt(r[-1])) for r in rows]
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, rows)
        made += n
        bar.update(n)
    bar.close()
    from .metrics import rollup

    rollup(since=(start - dt.timedelta(days=1)).date(), until=end.date())
    return made
