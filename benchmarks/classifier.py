"""Benchmark of gongzhi.nlp.classifier on the 2020 泰迪杯 government-message data.

For titles_train.csv and details_train.csv (columns id,text,label; 7 labels):

1. exact duplicate texts (after normalisation) are collapsed to one row with their majority
   label, so that the held-out part never contains a copy of a training text;
2. a stratified 30 % held-out split is made with a fixed seed;
3. (full mode) a small grid of options is scored by 3-fold cross-validation on the training
   part only; the best is retrained on the whole training part (quick mode: fixed options);
4. the model is evaluated once on the held-out part: macro-F1, accuracy, training time,
   single-message inference time (mean / p50 / p99 over one-text calls) and model size.

The shipped default model is also evaluated on gongzhi/nlp/data/requests_eval.csv.

What was tried (5-fold CV macro-F1 on the 70 % training part of the CLI split only; details /
titles; NB-SVM C=1 on char 1-2 + word 1-2, min_df 2, 1000 chars = 0.9027 / 0.8748):

* features: char 1-3 + words 0.8991; char 1-3 alone 0.8975; char 2-4 (300k) 0.8891; words
  alone 0.8941; truncation 300 / 3000 chars 0.8959 / 0.9025; head 700 + tail 300 0.9018;
  min_df 1 / 3 0.8974 / 0.9010 (titles min_df 1: better, see below); no sublinear tf 0.8980;
  digits and place codes folded, salutation removed: 0.9029 / 0.9026 / 0.9018.
* models on the same features: LinearSVC 0.8941 / 0.8750, NB-LR 0.8999 / 0.8767, OvR
  logistic regression 0.8915 / 0.8735, ridge 0.8982 / 0.8795, ComplementNB 0.8557 / 0.8603,
  SGD modified Huber 0.8721 / 0.8474; an MLP (chi2 30k features) and LSA features appended
  (one fold: -2.5 / +0.2 points); 120-character chunks with document = mean of chunk scores
  0.8881 (0.9068 mixed 0.2 with nbsvm + ridge); kNN on near duplicates: no gain;
  per-class bias offsets tuned for macro-F1: -0.2 points in nested CV.
* ensembles (mean of temperature-scaled log-probabilities): nbsvm + ridge 0.9057 / 0.8842
  (titles with min_df 1: 0.8878; nbsvm C 0.3 / ridge alpha 0.5, 2: no better); adding
  LinearSVC, NB-LR, CNB or other feature views: at most +0.1 point more.

Kept: model "ens" (nbsvm + ridge) and min_df 1 for short texts (mean < 50 characters).
The last stdout line is one JSON object with all figures.

    python benchmarks/classifier.py [--quick] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from gongzhi.nlp import classifier as clf  # noqa: E402
from gongzhi.nlp.text import normalize  # noqa: E402

SEED = 42
TEST_SIZE = 0.3
CV_FOLDS = 3
DATASETS = ("titles_train", "details_train")

# Options used in quick mode and as the base of the grid: the classifier's defaults, i.e. what
# `gongzhi classifier train` uses (ens = nbsvm + ridge averaged after temperature scaling, char
# and jieba-word n-grams 1-2, min_df 2 above 2,000 texts unless they are short (then 1),
# max_chars 1000).
BASE = {
    "titles_train": dict(model="ens", C=1.0, class_weight="balanced", max_chars=1000),
    "details_train": dict(model="ens", C=1.0, class_weight="balanced", max_chars=1000),
}
GRID = [
    {"model": m, "C": c, "char_ngram": (1, 2), "min_df": md}
    for md in (None, 3)
    for m in ("ens", "nbsvm", "ridge", "svm")
    for c in ((1.0,) if m == "ridge" else (0.3, 1.0))
]


def log(*args) -> None:
    print(*args, flush=True)


def load_dataset(path: Path) -> tuple[list[str], list[str], dict]:
    rows = clf.read_csv(path, "text", "label")
    by_text: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        by_text.setdefault(normalize(r["text"]), []).append((r["text"], r["label"].strip()))
    texts, labels, conflicting = [], [], 0
    for items in by_text.values():
        counts = Counter(lab for _, lab in items)
        if len(counts) > 1:
            conflicting += 1
        # majority label; ties broken by first occurrence
        best = max(counts.values())
        label = next(lab for _, lab in items if counts[lab] == best)
        texts.append(items[0][0])
        labels.append(label)
    info = {"rows": len(rows), "unique_texts": len(texts), "conflicting_duplicates": conflicting}
    return texts, labels, info


def cv_grid(texts, labels, base: dict, grid: list[dict]) -> list[dict]:
    """Macro-F1 of each grid point by stratified k-fold CV on (texts, labels).

    Features are computed once per (fold, char n-gram range) and reused across models."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    y = np.array(labels)
    classes, yi = np.unique(y, return_inverse=True)
    folds = list(
        StratifiedKFold(CV_FOLDS, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y)
    )
    docs = [clf.prepare(t, base["max_chars"]) for t in texts]
    mean_chars = clf._mean_chars(docs)
    results = []
    feature_keys = sorted(
        {(tuple(g["char_ngram"]), g["min_df"]) for g in grid}, key=lambda k: (k[0], k[1] or 0)
    )
    for cn, md in feature_keys:
        opts_f = clf.Options(**dict(base, char_ngram=cn, min_df=md))
        fold_data = []
        for tr, te in folds:
            blocks = clf._make_vectorizers(opts_f, len(tr), mean_chars=mean_chars)
            Xtr = clf._fit_blocks(blocks, [docs[i] for i in tr])
            Xte = clf._transform_blocks(blocks, [docs[i] for i in te])
            fold_data.append((tr, te, Xtr, Xte))
        for g in grid:
            if (tuple(g["char_ngram"]), g["min_df"]) != (cn, md):
                continue
            opts = clf.Options(**dict(base, **g))
            pred = np.empty(len(y), dtype=object)
            t0 = time.perf_counter()
            for tr, te, Xtr, Xte in fold_data:
                coef, intercept = clf.fit_linear(opts, Xtr, yi[tr], len(classes))
                pred[te] = classes[(np.asarray(Xte @ coef.T) + intercept).argmax(axis=1)]
            f1 = float(f1_score(y, pred, average="macro"))
            results.append(
                {
                    **g,
                    "char_ngram": list(cn),
                    "cv_macro_f1": round(f1, 4),
                    "seconds": round(time.perf_counter() - t0, 1),
                }
            )
            log(f"    cv {CV_FOLDS}-fold macro-F1 {f1:.4f}  {g}")
    return results


def time_single(model: clf.Model, texts: list[str]) -> dict:
    for t in texts[:20]:  # warm-up (lazy tables, jieba)
        model.predict_with_score(t)
    times = []
    for t in texts:
        t0 = time.perf_counter()
        model.predict_with_score(t)
        times.append(time.perf_counter() - t0)
    times_ms = np.array(times) * 1000
    return {
        "calls": len(texts),
        "mean_ms": round(float(times_ms.mean()), 4),
        "p50_ms": round(float(np.percentile(times_ms, 50)), 4),
        "p99_ms": round(float(np.percentile(times_ms, 99)), 4),
        "mean_chars": round(statistics.mean(len(t) for t in texts), 1),
    }


def run_dataset(name: str, data_dir: Path, quick: bool) -> dict:
    path = data_dir / f"{name}.csv"
    texts, labels, info = load_dataset(path)
    tr, te = clf.stratified_split(labels, TEST_SIZE, SEED)
    Xtr, ytr = [texts[i] for i in tr], [labels[i] for i in tr]
    Xte, yte = [texts[i] for i in te], [labels[i] for i in te]
    log(
        f"== {name}: {info['rows']} rows, {info['unique_texts']} unique texts "
        f"({info['conflicting_duplicates']} with conflicting labels); "
        f"train {len(tr)} / held-out {len(te)}"
    )
    base = dict(BASE[name])
    grid_results: list[dict] = []
    if quick:
        chosen = dict(base)
    else:
        t0 = time.perf_counter()
        grid_results = cv_grid(Xtr, ytr, base, GRID)
        best = max(grid_results, key=lambda r: r["cv_macro_f1"])
        chosen = dict(
            base,
            model=best["model"],
            C=best["C"],
            char_ngram=tuple(best["char_ngram"]),
            min_df=best["min_df"],
        )
        log(f"   grid: {len(GRID)} points in {time.perf_counter() - t0:.0f}s; best by CV: {best}")
    t0 = time.perf_counter()
    model = clf.train(Xtr, ytr, **chosen)
    train_seconds = time.perf_counter() - t0
    report = clf.evaluate(model, Xte, yte)
    t0 = time.perf_counter()
    model.predict(Xte)
    batch_seconds = time.perf_counter() - t0
    timing = time_single(model, Xte[:500] if quick else Xte)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(tmp)
        size = model.size_bytes(tmp)
    result = {
        **info,
        "train_rows": len(tr),
        "test_rows": len(te),
        "options": clf._jsonable(chosen),
        "calibrated": model.meta.get("calibrated", False),
        "macro_f1": report["macro_f1"],
        "accuracy": report["accuracy"],
        "per_class_f1": {k: v["f1"] for k, v in report["per_class"].items()},
        "train_seconds": round(train_seconds, 2),
        "batch_predict_ms_per_message": round(batch_seconds / len(Xte) * 1000, 4),
        "single_message": timing,
        "n_features": int(model.coef.shape[1]),
        "model_bytes": size,
    }
    if grid_results:
        result["grid"] = grid_results
    log(
        f"   held-out: macro-F1 {report['macro_f1']:.4f}  accuracy {report['accuracy']:.4f}  "
        f"train {train_seconds:.1f}s  single-message mean {timing['mean_ms']:.3f} ms "
        f"p99 {timing['p99_ms']:.3f} ms  model {size / 1e6:.1f} MB"
    )
    return result


def run_default_model() -> dict:
    rows = clf.read_csv(ROOT / "gongzhi/nlp/data/requests_eval.csv", "text", "label")
    texts, labels = [r["text"] for r in rows], [r["label"].strip() for r in rows]
    t0 = time.perf_counter()
    model = clf.default_model()
    load_seconds = time.perf_counter() - t0
    report = clf.evaluate(model, texts, labels)
    routed = [clf.classify_request(t)[0] for t in texts]
    from sklearn.metrics import f1_score

    timing = time_single(model, texts)
    result = {
        "n": len(texts),
        "macro_f1": report["macro_f1"],
        "accuracy": report["accuracy"],
        "classify_request_accuracy": round(
            sum(a == b for a, b in zip(routed, labels, strict=True)) / len(labels), 4
        ),
        "classify_request_macro_f1": round(float(f1_score(labels, routed, average="macro")), 4),
        "fallback_threshold": model.meta.get("fallback_threshold"),
        "load_seconds": round(load_seconds, 2),
        "single_message": timing,
        "model_bytes": model.size_bytes(clf.DEFAULT_MODEL_DIR),
    }
    log(
        f"== default model on requests_eval.csv ({len(texts)} texts): "
        f"macro-F1 {report['macro_f1']:.4f} accuracy {report['accuracy']:.4f}; "
        f"classify_request (with 其他 fallback) accuracy {result['classify_request_accuracy']}"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="benchmark the Gongzhi text classifier")
    ap.add_argument("--quick", action="store_true", help="fixed options, no grid (< 60 s)")
    ap.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared/data/tipdm2020")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out: dict = {"mode": "quick" if args.quick else "full", "seed": SEED, "test_size": TEST_SIZE}
    for name in DATASETS:
        if not (args.data_dir / f"{name}.csv").is_file():
            print(f"error: {args.data_dir / (name + '.csv')} not found", file=sys.stderr)
            return 2
        out[name.removesuffix("_train")] = run_dataset(name, args.data_dir, args.quick)
    out["default_model"] = run_default_model()
    out["total_seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
