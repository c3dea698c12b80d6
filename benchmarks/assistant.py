"""Benchmark of 小栖's answering engine (gongzhi/assistant/engine.py).

For two knowledge bases — the shipped one (kb_data, ~650 entries) and the shipped one plus the
5,000 real policy Q&A of /work/shared/data/ncp_policy_qa/policy_qa.csv (loaded here only, never
shipped; ~5,650 entries) — it measures:

* index build time (jieba is initialised beforehand and timed separately);
* single-question latency p50 / p99 / max of ``Engine.answer`` and answers per second, in one
  process, over the evaluation questions (cycled; warm-up first);
* RSS memory after the build (current and peak);
* quality on every split of the evaluation set gongzhi/assistant/data/eval_questions.csv:
  ``dev`` (the engine's choices were made on it), ``test`` (dev+test cross-checks only),
  ``holdout`` (a small set written after the first test run) and ``fresh`` (written before the
  second round of engine changes and never tuned on) and ``unseen`` (151 colloquial questions with
  typos and Nanjing words, written and labelled before the engine was run on them; never tuned
  on) and ``unseen2`` (199 colloquial questions — typos, homophones, Nanjing words, long
  messages, fragments — written and labelled, and scored once with the unchanged engine,
  before the homophone-span repair and the colloquial table were added; never tuned on),
  ``unseen3`` and ``unseen4`` (178 rows across all 18 topics, 37 complaints phrased as plain
  problem statements with their category; written, labelled and scored once before the
  problem-statement hand-off, the subject category rules and the qualifier re-ranking were
  added; never tuned on) and ``unseen5`` (184 rows, 164 of them answer questions over all 18
  topics, chosen where a topic has several sibling entries — conditions / materials / process
  / amount / where / time of one benefit — plus complaints, emergencies, smalltalk and
  out-of-scope; written, labelled and scored once before the sibling re-ranking
  ``Engine._head_first`` was added; never tuned on), ``unseen6`` and ``unseen7`` (150 and 149
  rows over all 18 topics, written by someone who had seen only the knowledge base, never the
  engine or the other splits; ``unseen6`` scored before the answerability gate
  (``benchmarks/assistant_gate.py``, fitted without it), ``unseen7`` once after it — its missed
  emergencies and hand-offs were then fixed) and ``unseen8`` (150 rows by the same writer on
  entries the other two did not use, scored once after the learned re-ranking, then its
  missed emergencies, smalltalk and hand-offs fixed) and ``unseen9`` (151 rows, same writer,
  again new entries; scored once after the colloquial similar questions of KB migration 0006,
  then its missed emergencies and smalltalk fixed) and ``unseen10`` (119 rows by the same kind
  of writer, told the platform's category names; scored once with the final engine of that
  session and never tuned on) and ``unseen11`` (150 rows, blind set F, same kind of writer,
  next session; scored once at commit 4c2d832 — 86.4 % of answer questions right first, 7 of
  8 emergencies — then its misses used for an emergency pattern, vocabulary and hand-off
  rules):
  top-1 accuracy of answer questions
  (stand-alone and follow-ups), handoff precision / recall / category accuracy, emergency
  recall and false alarms, smalltalk and unknown accuracy, out-of-scope questions answered from
  the knowledge base (and out-of-scope questions turned into a work order), overall accuracy.
  Quality is reported for both knowledge bases (with the 5,000 policy Q&A the distractors are
  many more).

Full mode also scores alternatives on every split (retrieval variants of the engine — e.g.
the first round's question-level-only ranking and an entry-level-only one — and a
scikit-learn TF-IDF character n-gram cosine baseline; top-1 of stand-alone answer questions,
no thresholds).

    .venv/bin/python benchmarks/assistant.py --quick      # < 60 s
    .venv/bin/python benchmarks/assistant.py              # full

The last stdout line is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from gongzhi.assistant.engine import Config, Engine  # noqa: E402
from gongzhi.assistant.kb import load_entries  # noqa: E402

EVAL_CSV = ROOT / "gongzhi" / "assistant" / "data" / "eval_questions.csv"
POLICY_CSV = Path("/work/shared/data/ncp_policy_qa/policy_qa.csv")
FILL = {"community_name": "示例社区", "community_duty_phone": "025-00000000"}


def rss_mib() -> tuple[float, float]:
    """(current RSS, peak RSS) in MiB."""
    current = 0.0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return round(current, 1), round(peak, 1)


def load_policy(path: Path) -> list[dict]:
    entries = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            q = (row.get("question") or "").strip()
            if not q:
                continue
            entries.append(
                {
                    "id": f"ncp-{row['id']}",
                    "topic": "疫情政策问答",
                    "question": q,
                    "similar": [],
                    "answer": (row.get("answer") or "").strip() or "（无答案）",
                    "keywords": [],
                }
            )
    return entries


def load_eval(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def evaluate(engine: Engine, rows: list[dict]) -> dict:
    """Quality figures of ``engine`` on evaluation ``rows``."""
    c: Counter = Counter()
    errors = []
    for r in rows:
        ctx = engine.answer(r["previous"]).context if r.get("previous") else None
        rep = engine.answer(r["question"], context=ctx, fill=FILL)
        kind = r["expected_kind"]
        ids = [i for i in r["expected_entry_id"].split("|") if i]
        c[f"n_{kind}"] += 1
        c[f"pred_{rep.kind}"] += 1
        if kind == "answer":
            key = "followup" if r.get("previous") else "answer"
            c[f"n_{key}_q"] += 1
            hit = rep.kind == "answer" and rep.entry_id in ids
            c[f"ok_{key}_q"] += hit
            ok = hit
        elif kind == "handoff":
            ok = rep.kind == "handoff"
            c["handoff_cat_ok"] += ok and rep.category == r["expected_category"]
        else:
            ok = rep.kind == kind
        if rep.kind == "handoff":
            c["handoff_pred_ok"] += kind == "handoff"
        if rep.kind == "emergency" and kind != "emergency":
            c["emergency_false_alarm"] += 1
        if kind == "unknown" and rep.kind == "answer":
            c["oos_answered"] += 1
        if kind == "unknown" and rep.kind == "handoff":
            c["oos_handoff"] += 1
        c[f"ok_{kind}"] += ok
        c["ok"] += ok
        if not ok:
            errors.append(
                {
                    "question": r["question"],
                    "expected": f"{kind}:{r['expected_entry_id'] or r['expected_category']}",
                    "got": f"{rep.kind}:{rep.entry_id or rep.category or ''}",
                    "score": round(float(rep.score), 3),
                }
            )

    def ratio(a: str, b: str) -> float | None:
        return round(c[a] / c[b], 4) if c[b] else None

    return {
        "n": len(rows),
        "answer_top1": ratio("ok_answer_q", "n_answer_q"),
        "answer_n": c["n_answer_q"],
        "followup_top1": ratio("ok_followup_q", "n_followup_q"),
        "followup_n": c["n_followup_q"],
        "handoff_recall": ratio("ok_handoff", "n_handoff"),
        "handoff_precision": ratio("handoff_pred_ok", "pred_handoff"),
        "handoff_category_acc": ratio("handoff_cat_ok", "n_handoff"),
        "handoff_n": c["n_handoff"],
        "emergency_recall": ratio("ok_emergency", "n_emergency"),
        "emergency_n": c["n_emergency"],
        "emergency_false_alarms": c["emergency_false_alarm"],
        "smalltalk_acc": ratio("ok_smalltalk", "n_smalltalk"),
        "smalltalk_n": c["n_smalltalk"],
        "unknown_acc": ratio("ok_unknown", "n_unknown"),
        "unknown_n": c["n_unknown"],
        "oos_answered_from_kb": c["oos_answered"],
        "oos_turned_into_work_order": c["oos_handoff"],
        "overall_acc": round(c["ok"] / len(rows), 4) if rows else None,
        "errors": errors,
    }


def measure_speed(engine: Engine, questions: list[str], n_calls: int) -> dict:
    for q in questions[:100]:  # warm-up (loads the request classifier too)
        engine.answer(q)
    engine.answer("楼道灯坏了好几天了没人修")
    lat = []
    calls = 0
    t_start = time.perf_counter()
    while calls < n_calls:
        for q in questions:
            t0 = time.perf_counter_ns()
            engine.answer(q, fill=FILL)
            lat.append(time.perf_counter_ns() - t0)
            calls += 1
            if calls >= n_calls:
                break
    wall = time.perf_counter() - t_start
    ms = np.asarray(lat) / 1e6
    return {
        "calls": calls,
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "max_ms": round(float(ms.max()), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "answers_per_s": round(calls / wall, 1),
    }


SPLITS = (
    "dev",
    "test",
    "holdout",
    "fresh",
    "unseen",
    "unseen2",
    "unseen3",
    "unseen4",
    "unseen5",
    "unseen6",
    "unseen7",
    "unseen8",
    "unseen9",
    "unseen10",
    "unseen11",
)


def bench_kb(
    name: str, entries: list[dict], rows: list[dict], splits: list[str], n_calls: int
) -> dict:
    t0 = time.perf_counter()
    engine = Engine.from_entries(entries)
    build_s = time.perf_counter() - t0
    rss, peak = rss_mib()
    questions = [r["question"] for r in rows]
    speed = measure_speed(engine, questions, n_calls)
    print(f"[{name}] entries={len(entries)} build={build_s:.2f}s {speed}", file=sys.stderr)
    qualities = {}
    for sp in splits:
        subset = [r for r in rows if r["split"] == sp]
        if not subset:
            continue
        quality = evaluate(engine, subset)
        errors = quality.pop("errors")
        print(f"[{name}] {sp}: {quality}", file=sys.stderr)
        for e in errors:
            print(f"   miss ({sp}): {e}", file=sys.stderr)
        qualities[f"quality_{sp}"] = quality
    return {
        "entries": len(entries),
        "documents": int(engine.index.n_docs),
        "build_s": round(build_s, 3),
        "rss_mib": rss,
        "peak_rss_mib": peak,
        **speed,
        **qualities,
    }


def tfidf_baseline(entries: list[dict], rows: list[dict]) -> dict:
    """Alternative: scikit-learn TF-IDF on character 1-3-grams, cosine, best question per
    entry (top-1 only; no intents)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from gongzhi.nlp.text import normalize

    docs, owner = [], []
    for i, e in enumerate(entries):
        for t in [e["question"], *e.get("similar", [])]:
            docs.append(normalize(t))
            owner.append(i)
    owner_arr = np.asarray(owner)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    X = vec.fit_transform(docs)
    ok = n = 0
    for r in rows:
        if r["expected_kind"] != "answer" or r.get("previous"):
            continue
        sims = (X @ vec.transform([normalize(r["question"])]).T).toarray().ravel()
        best = np.zeros(len(entries))
        np.maximum.at(best, owner_arr, sims)
        n += 1
        ok += entries[int(best.argmax())]["id"] in r["expected_entry_id"].split("|")
    return {"answer_top1": round(ok / n, 4), "n": n}


def alternatives(entries: list[dict], rows: list[dict]) -> dict:
    """Top-1 retrieval accuracy (stand-alone answer questions) of engine variants on ``rows``."""
    variants = {
        "default": {},
        # the first round's design: best question only
        "question_level_only": {"w_entry": 0.0, "w_answer": 0.0},
        # all of an entry's questions as one document only
        "entry_level_only": {"aggregate": "entry", "w_entry": 0.0, "w_answer": 0.0},
        "no_entry_level": {"w_entry": 0.0},
        "no_answer_text": {"w_answer": 0.0},
        "answer_all_channels": {"answer_words_only": False},
        "no_pinyin": {"w_pinyin": 0.0},
        "no_bigrams": {"w_bigram": 0.0},
        "no_intent": {"w_intent": 0.0},
        "words_only": {"w_bigram": 0.0, "w_pinyin": 0.0, "w_intent": 0.0, "homophones": False},
        "no_homophone_repair": {"homophones": False},
        "idf_over_docs": {"idf_level": "doc"},
        "no_keywords": {"use_keywords": False},
    }
    out = {}
    qrows = [r for r in rows if r["expected_kind"] == "answer" and not r.get("previous")]
    if not qrows:
        return {"n": 0}
    for name, over in variants.items():
        engine = Engine.from_entries(entries, Config().with_(**over))
        ok = 0
        for r in qrows:
            hits = engine.search(r["question"], 1)
            ok += bool(hits) and engine.ids[hits[0].index] in r["expected_entry_id"].split("|")
        out[name] = round(ok / len(qrows), 4)
    out["tfidf_char_1_3_cosine"] = tfidf_baseline(entries, rows)["answer_top1"]
    out["n"] = len(qrows)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer timed calls, no alternatives")
    p.add_argument("--policy-csv", type=Path, default=POLICY_CSV)
    p.add_argument("--eval", type=Path, default=EVAL_CSV)
    p.add_argument(
        "--split",
        default="all",
        choices=["all", *SPLITS],
        help="evaluation split to score (default: every split)",
    )
    args = p.parse_args(argv)

    t_all = time.perf_counter()
    t0 = time.perf_counter()
    from gongzhi.nlp.text import tokenize

    tokenize("初始化")
    jieba_init_s = time.perf_counter() - t0

    rows = load_eval(args.eval)
    present = list(dict.fromkeys(r["split"] for r in rows))
    splits = [sp for sp in SPLITS if sp in present] + [sp for sp in present if sp not in SPLITS]
    if args.split != "all":
        splits = [args.split]
    entries = load_entries()
    n_calls = 2000 if args.quick else 10000
    result: dict = {
        "mode": "quick" if args.quick else "full",
        "eval_rows": len(rows),
        "eval_splits": splits,
        "eval_split_sizes": {sp: sum(r["split"] == sp for r in rows) for sp in splits},
        "jieba_init_s": round(jieba_init_s, 3),
        "config": {k: v for k, v in Config().__dict__.items()},
    }
    result["kb"] = bench_kb("kb", entries, rows, splits, n_calls)
    if args.policy_csv.is_file():
        policy = load_policy(args.policy_csv)
        result["kb_plus_policy"] = bench_kb("kb+policy", entries + policy, rows, splits, n_calls)
    else:
        result["kb_plus_policy"] = None
        print(f"policy CSV not found: {args.policy_csv} (skipped)", file=sys.stderr)
    if not args.quick:
        result["alternatives_dev_top1"] = alternatives(
            entries, [r for r in rows if r["split"] == "dev"]
        )
        for sp in splits:
            if sp != "dev":  # reported only: the choices were made on dev (+ test)
                result[f"alternatives_{sp}_top1"] = alternatives(
                    entries, [r for r in rows if r["split"] == sp]
                )
    result["total_s"] = round(time.perf_counter() - t_all, 2)
    result["python"] = sys.version.split()[0]
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
