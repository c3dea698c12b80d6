"""Fit 小栖's learned re-ranking and answerability gate (``gongzhi.assistant.engine._RERANK``
and ``_GATE``).

Re-ranking: for every labelled answer question, the first ``_RERANK["k"]`` candidates after
the rule-based re-ranking (``Engine.rerank_features``); a logistic regression without
intercept on the feature differences of each (right, wrong) pair of candidates. The gate is
then fitted with that re-ranking in place:

For every labelled question of ``gongzhi/assistant/data/eval_questions.csv`` (follow-ups
excluded) and every out-of-scope probe of the tests that reaches the ranking step (not an
emergency, smalltalk, hand-off or subject-less message), the features of its best match
(``Engine.gate_features``) are labelled 1 when that match is the expected entry and 0 when it
is another entry or the message is out of scope; a logistic regression is fitted on them.

    .venv/bin/python benchmarks/assistant_gate.py                   # fit on every split
    .venv/bin/python benchmarks/assistant_gate.py --hold-out unseen5  # fit without one split
    .venv/bin/python benchmarks/assistant_gate.py --extra /tmp/set.csv  # more labelled rows

The last stdout line is one JSON object: ``rerank`` and ``gate`` (paste into ``_RERANK`` and
``_GATE``), the number of rows, the leave-one-split-out count of answer questions whose right
entry the re-ranking puts first (rules only / with it) and the leave-one-split-out accuracy of
the gate's decisions at the engine's ``gate_p``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from gongzhi.assistant import engine as E  # noqa: E402
from gongzhi.assistant.kb import load_entries  # noqa: E402

EVAL_CSV = ROOT / "gongzhi" / "assistant" / "data" / "eval_questions.csv"


def rows_of(paths: list[Path]) -> list[dict]:
    rows = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                r.setdefault("split", path.stem)
                if not r.get("previous") and r["expected_kind"] in ("answer", "unknown"):
                    rows.append(r)
    from gongzhi.assistant.tests.test_engine import OUT_OF_SCOPE_PROBES

    for q in OUT_OF_SCOPE_PROBES:
        rows.append({"question": q, "expected_kind": "unknown", "split": "probes"})
    return rows


def _reaches_ranking(engine: E.Engine, question: str) -> str | None:
    """The normalised message when it reaches the ranking step, else None."""
    norm = E._Text.normalize(question)
    if not norm or E.detect_emergency(norm) or E.detect_smalltalk(norm):
        return None
    norm = norm[: engine.config.max_chars]
    if E.detect_handoff(norm):
        return None
    if engine.names_no_subject(norm):
        return None
    return norm


def candidate_groups(engine: E.Engine, rows: list[dict]) -> list[tuple]:
    """(split, candidate features, candidate labels, best confidence) of each answer
    question."""
    k = E._RERANK["k"]
    out = []
    for r in rows:
        if r["expected_kind"] != "answer":
            continue
        norm = _reaches_ranking(engine, r["question"])
        if norm is None:
            continue
        hits, _asked, _conf = engine.ranked(
            norm, engine.search(norm, k=engine.config.suggestions + 3), learned=False
        )
        if not hits:
            continue
        feats = engine._query_features(norm)
        expected = set(r["expected_entry_id"].split("|"))
        said = E._QUESTION.sub("", norm)
        x = [engine.rerank_features(norm, h, hits[0].score, feats, said) for h in hits[:k]]
        out.append(
            (
                r["split"],
                np.array(x),
                [engine.ids[h.index] in expected for h in hits[:k]],
                hits[0].confidence,
            )
        )
    return out


def fit_rerank(groups) -> LogisticRegression:
    xs, ys = [], []
    for _split, x, y, _conf in groups:
        for a in range(len(y)):
            for b in range(len(y)):
                if y[a] != y[b]:
                    xs.append(x[a] - x[b])
                    ys.append(int(y[a]))
    return LogisticRegression(C=0.1, max_iter=5000, fit_intercept=False).fit(
        np.array(xs), np.array(ys)
    )


def samples(engine: E.Engine, rows: list[dict]) -> list[tuple[str, list[float], int]]:
    """(split, features, label) of each row that reaches the ranking step."""
    cfg = engine.config
    out = []
    for r in rows:
        norm = _reaches_ranking(engine, r["question"])
        if norm is None:
            continue
        hits, asked, conf = engine.ranked(norm, engine.search(norm, k=cfg.suggestions + 3))
        if not hits:
            continue
        expected = [i for i in (r.get("expected_entry_id") or "").split("|") if i]
        label = int(r["expected_kind"] == "answer" and engine.ids[hits[0].index] in expected)
        out.append((r["split"], engine.gate_features(norm, asked, hits, conf), label))
    return out


def fit(data) -> LogisticRegression:
    x = np.array([f for _, f, _ in data])
    y = np.array([lab for _, _, lab in data])
    return LogisticRegression(C=1.0, max_iter=5000).fit(x, y)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hold-out", action="append", default=[], metavar="SPLIT")
    p.add_argument("--extra", action="append", type=Path, default=[], metavar="CSV")
    args = p.parse_args(argv)
    engine = E.Engine.from_entries(load_entries())
    rows = rows_of([EVAL_CSV, *args.extra])
    groups = [g for g in candidate_groups(engine, rows) if g[0] not in args.hold_out]
    rerank = fit_rerank(groups)
    first = {}
    for split in sorted({g[0] for g in groups}):
        m = fit_rerank([g for g in groups if g[0] != split])
        held = [g for g in groups if g[0] == split]
        ok = sum(
            y[0] if c >= E._RERANK["keep"] else y[int(np.argmax(x @ m.coef_[0]))]
            for _, x, y, c in held
        )
        first[split] = [sum(y[0] for _, _, y, _ in held), ok]
    E._RERANK["coef"] = [round(float(c), 4) for c in rerank.coef_[0]]
    data = samples(engine, rows)
    train = [s for s in data if s[0] not in args.hold_out]
    model = fit(train)
    gate = {
        "bias": round(float(model.intercept_[0]), 4),
        "coef": [round(float(c), 4) for c in model.coef_[0]],
    }
    # leave one split out: how often the refitted gate's decision (p >= gate_p) is right
    cv = {}
    for split in sorted({s for s, _, _ in train}):
        m = fit([s for s in train if s[0] != split])
        held = [s for s in train if s[0] == split]
        p_ok = m.predict_proba(np.array([f for _, f, _ in held]))[:, 1]
        right = sum(
            (pi >= engine.config.gate_p) == bool(lab)
            for pi, (_, _, lab) in zip(p_ok, held, strict=True)
        )
        cv[split] = round(right / len(held), 3)
    print(
        json.dumps(
            {
                "rerank": {"k": E._RERANK["k"], "coef": E._RERANK["coef"]},
                "gate": gate,
                "rows": len(train),
                "rerank_right_first_leave_one_split_out": first,
                "gate_leave_one_split_out": cv,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
