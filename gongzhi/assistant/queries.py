"""Scoped reads: knowledge-base entries, exchanges, the learning-loop statistics and clusters of
unanswered questions (suggested new entries)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from gongzhi.core import scoping
from gongzhi.core.tabular import write_xlsx

from .models import Entry, Exchange

UNANSWERED = ("unknown",)
# Question words carry no topic: left out when grouping questions into suggested entries.
STOPWORDS = frozenset(
    "的 了 吗 呢 啊 吧 呀 能 不能 可以 可不可以 怎么 怎么办 怎样 如何 咋 咋办 有人 里 是 在 我 我们 要 会 "
    "去 都 么 没 没有 有 请问 一下 哪里 什么 多少 还 就".split()
)


def entries_for(user, *, status=None, topic=None, q=None):
    qs = Entry.objects.restrict(user).select_related("scope")
    if status:
        qs = qs.filter(status=status)
    if topic:
        qs = qs.filter(topic=topic)
    if q:
        qs = qs.filter(Q(question__icontains=q) | Q(answer__icontains=q) | Q(key=q))
    return qs.order_by("topic", "key")


def entry_for(user, pk: int) -> Entry:
    return scoping.access(Entry.objects.select_related("scope", "overrides"), user, pk)


def exchanges_for(user, *, kind=None, days=30):
    since = timezone.now() - dt.timedelta(days=days)
    qs = Exchange.objects.restrict(user).filter(created_at__gte=since)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def stats(user, days: int = 30) -> dict:
    qs = exchanges_for(user, days=days)
    by_kind = dict(qs.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    total = sum(by_kind.values())
    answered = by_kind.get("answer", 0)
    handoff = by_kind.get("handoff", 0)
    opened = qs.filter(kind="handoff", work_order__isnull=False).count()
    top_unanswered = list(
        qs.filter(kind__in=UNANSWERED)
        .values("question")
        .annotate(n=Count("id"))
        .order_by("-n", "question")[:20]
    )
    top_entries = list(
        qs.filter(kind="answer")
        .values("entry_key", "title")
        .annotate(n=Count("id"))
        .order_by("-n")[:10]
    )
    return {
        "days": days,
        "total": total,
        "by_kind": by_kind,
        "answer_rate": round(answered / total, 4) if total else 0.0,
        "handoff_rate": round(handoff / total, 4) if total else 0.0,
        "handoffs_opened": opened,
        "top_unanswered": top_unanswered,
        "top_entries": top_entries,
    }


def suggestions(user, days: int = 90, min_size: int = 2, limit: int = 20) -> list[dict]:
    """Cluster unanswered and low-confidence questions (jieba words without question words,
    cosine, average-linkage agglomerative with a distance threshold) into suggested new
    entries, biggest first."""
    rows = list(
        exchanges_for(user, days=days)
        .filter(Q(kind__in=UNANSWERED) | Q(kind="answer", score__lt=0.5))
        .values_list("question", flat=True)[:5000]
    )
    if len(rows) < min_size:
        return []
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(dict.fromkeys(rows))
    counts = {t: rows.count(t) for t in texts}
    if len(texts) == 1:
        return [{"questions": texts, "count": counts[texts[0]], "suggested": texts[0]}]
    from gongzhi.nlp.text import tokenize

    def words(text: str) -> list[str]:
        return [w for w in tokenize(text) if w not in STOPWORDS] or [text]

    x = TfidfVectorizer(analyzer=words, use_idf=False).fit_transform(texts).toarray()
    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=0.6
    ).fit_predict(x)
    groups: dict[int, list[str]] = {}
    for t, lab in zip(texts, labels, strict=True):
        groups.setdefault(int(lab), []).append(t)
    out = []
    for qs in groups.values():
        n = sum(counts[q] for q in qs)
        if n >= min_size:
            rep = max(qs, key=lambda q: counts[q])
            out.append({"questions": qs[:10], "count": n, "suggested": rep})
    return sorted(out, key=lambda g: -g["count"])[:limit]


def export_entries(user, **filters) -> bytes:
    rows = (
        [
            e.key,
            e.topic,
            e.question,
            "\n".join(e.similar),
            e.answer,
            e.department,
            e.confirm,
            e.scope.name if e.scope_id else "",
            e.get_status_display(),
            e.version,
        ]
        for e in entries_for(user, **filters)
    )
    return write_xlsx(
        [
            "编号",
            "主题",
            "标准问题",
            "相似问题",
            "答案",
            "责任部门",
            "核实渠道",
            "适用范围",
            "状态",
            "版本",
        ],
        rows,
        title="小栖知识库",
    )
