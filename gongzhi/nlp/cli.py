"""Command line for the text classifier: ``gongzhi classifier train|eval|split ...``.

    python -m gongzhi.nlp.cli classifier train --data d.csv --text-col text --label-col label \\
        --out models/x [--test-size 0.2 --random-seed 0]
    python -m gongzhi.nlp.cli classifier eval --model models/x --data t.csv --text-col text \\
        --label-col label --json
    python -m gongzhi.nlp.cli classifier split --data d.csv --out-train a.csv --out-test b.csv \\
        --test-size 0.3 --random-seed 0 --label-col label

Bad input (missing file or column, no usable rows, a single class) prints one line
``error: ...`` on stderr, writes nothing and exits with status 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from . import classifier as clf

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one-line error, exit 2 (argparse's default status)
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _build_parser() -> argparse.ArgumentParser:
    root = _Parser(prog="gongzhi", description="Gongzhi command line")
    top = root.add_subparsers(dest="command", required=True, parser_class=_Parser)
    cp = top.add_parser("classifier", help="train / evaluate text classifiers")
    sub = cp.add_subparsers(dest="action", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train a classifier on a CSV file and save it")
    t.add_argument("--data", required=True, type=Path)
    t.add_argument("--text-col", required=True)
    t.add_argument("--label-col", required=True)
    t.add_argument("--out", required=True, type=Path, help="model directory to write")
    t.add_argument(
        "--test-size",
        type=float,
        default=0.2,
        help="fraction held out to report an estimate before training on the full file "
        "(0 to skip; default 0.2)",
    )
    t.add_argument("--random-seed", type=int, default=0)
    t.add_argument("--model", choices=clf.MODELS, default=None)
    t.add_argument("--C", type=float, default=None, dest="C")
    t.add_argument("--class-weight", choices=("none", "balanced"), default=None)
    t.add_argument("--char-ngram", default=None, help="e.g. 1,3 (0,0 disables)")
    t.add_argument("--word-ngram", default=None, help="e.g. 1,2 (0,0 disables)")
    t.add_argument("--min-df", type=int, default=None)
    t.add_argument("--max-chars", type=int, default=None)
    t.add_argument("--no-calibrate", action="store_true")

    e = sub.add_parser("eval", help="evaluate a saved classifier on a labelled CSV file")
    e.add_argument("--model", required=True, type=Path)
    e.add_argument("--data", required=True, type=Path)
    e.add_argument("--text-col", required=True)
    e.add_argument("--label-col", required=True)
    e.add_argument("--json", action="store_true", help="print the report as one JSON line")

    s = sub.add_parser("split", help="stratified train/test split of a CSV file")
    s.add_argument("--data", required=True, type=Path)
    s.add_argument("--out-train", required=True, type=Path)
    s.add_argument("--out-test", required=True, type=Path)
    s.add_argument("--test-size", type=float, default=0.3)
    s.add_argument("--random-seed", type=int, default=0)
    s.add_argument("--label-col", required=True)
    s.add_argument("--text-col", default=None, help="if given, rows with empty text are dropped")
    return root


def _pair(value: str, name: str) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in value.split(","))
    except ValueError:
        raise clf.DataError(f"{name} must look like 1,3 (got {value!r})") from None
    if (a, b) != (0, 0) and not 1 <= a <= b:
        raise clf.DataError(f"{name} must satisfy 1 <= min <= max (got {value!r})")
    return a, b


def _train_options(args) -> dict:
    opts: dict = {}
    if args.model:
        opts["model"] = args.model
    if args.C is not None:
        if args.C <= 0:
            raise clf.DataError("--C must be positive")
        opts["C"] = args.C
    if args.class_weight:
        opts["class_weight"] = None if args.class_weight == "none" else "balanced"
    if args.char_ngram:
        opts["char_ngram"] = _pair(args.char_ngram, "--char-ngram")
    if args.word_ngram:
        opts["word_ngram"] = _pair(args.word_ngram, "--word-ngram")
    if args.min_df is not None:
        opts["min_df"] = args.min_df
    if args.max_chars is not None:
        opts["max_chars"] = args.max_chars
    if args.no_calibrate:
        opts["calibrate"] = False
    try:
        clf.Options.from_kwargs(opts)
    except (TypeError, ValueError) as exc:
        raise clf.DataError(str(exc)) from None
    return opts


def _labelled(path: Path, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    rows = clf.read_csv(path, text_col, label_col)
    return [r[text_col] for r in rows], [r[label_col].strip() for r in rows]


def _check_classes(labels: Sequence[str], path: Path) -> None:
    classes = set(labels)
    if len(classes) < 2:
        only = next(iter(classes)) if classes else "-"
        raise clf.DataError(f"{path} has only one class ({only!r}); need at least two")


def _format_report(report: dict) -> str:
    lines = [
        f"n={report['n']}  accuracy={report['accuracy']:.4f}  macro_f1={report['macro_f1']:.4f}",
        f"{'label':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}",
    ]
    for label, m in report["per_class"].items():
        lines.append(
            f"{label:<16}{m['precision']:>10.4f}{m['recall']:>10.4f}{m['f1']:>10.4f}"
            f"{m['support']:>9d}"
        )
    return "\n".join(lines)


def cmd_train(args) -> int:
    if args.test_size and not 0 <= args.test_size < 1:
        raise clf.DataError("--test-size must be in [0, 1)")
    if args.out.exists() and not args.out.is_dir():
        raise clf.DataError(f"--out {args.out} exists and is not a directory")
    opts = _train_options(args)
    texts, labels = _labelled(args.data, args.text_col, args.label_col)
    _check_classes(labels, args.data)
    opts.setdefault("random_state", args.random_seed)

    summary: dict = {"data": str(args.data), "rows": len(texts)}
    if args.test_size:
        tr, te = clf.stratified_split(labels, args.test_size, args.random_seed)
        if te and len({labels[i] for i in tr}) >= 2:
            t0 = time.perf_counter()
            m = clf.train([texts[i] for i in tr], [labels[i] for i in tr], **opts)
            held = clf.evaluate(m, [texts[i] for i in te], [labels[i] for i in te])
            summary["held_out"] = {
                "test_size": args.test_size,
                "train_rows": len(tr),
                "test_rows": len(te),
                "accuracy": held["accuracy"],
                "macro_f1": held["macro_f1"],
                "seconds": round(time.perf_counter() - t0, 2),
            }
    t0 = time.perf_counter()
    model = clf.train(texts, labels, **opts)
    train_seconds = time.perf_counter() - t0
    model.meta["source"] = {
        "data": str(args.data),
        "text_col": args.text_col,
        "label_col": args.label_col,
    }
    if "held_out" in summary:
        model.meta["held_out"] = summary["held_out"]
    # write into a temporary directory first so that a failure leaves nothing half-written
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-model-", dir=args.out.parent))
    try:
        model.save(tmp)
        args.out.mkdir(parents=True, exist_ok=True)
        for name in (clf.MODEL_FILE, clf.META_FILE):
            shutil.move(str(tmp / name), str(args.out / name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    counts = model.meta["class_counts"]
    print(
        f"trained on {len(texts)} rows, {len(model.labels)} labels, "
        f"{model.coef.shape[1]} features in {train_seconds:.1f}s"
    )
    for label, n in counts.items():
        print(f"  {label}: {n}")
    if "held_out" in summary:
        h = summary["held_out"]
        print(
            f"held-out estimate ({h['test_rows']} rows, test size {h['test_size']}): "
            f"accuracy={h['accuracy']:.4f} macro_f1={h['macro_f1']:.4f}"
        )
    print(f"model saved to {args.out} ({model.size_bytes(args.out) / 1024:.0f} KiB)")
    return 0


def cmd_eval(args) -> int:
    if not (args.model / clf.MODEL_FILE).is_file():
        raise clf.DataError(f"no model found in {args.model}")
    texts, labels = _labelled(args.data, args.text_col, args.label_col)
    try:
        model = clf.load(args.model)
    except (ValueError, KeyError, EOFError) as exc:
        raise clf.DataError(f"cannot load model from {args.model}: {exc}") from None
    report = clf.evaluate(model, texts, labels)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(_format_report(report))
    return 0


def cmd_split(args) -> int:
    if not 0 < args.test_size < 1:
        raise clf.DataError("--test-size must be between 0 and 1")
    if args.out_train.resolve() == args.out_test.resolve():
        raise clf.DataError("--out-train and --out-test must be different files")
    for out in (args.out_train, args.out_test):
        if out.resolve() == args.data.resolve():
            raise clf.DataError(f"refusing to overwrite the input file {args.data}")
    p = args.data
    if not p.is_file():
        raise clf.DataError(f"data file not found: {p}")
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = list(reader.fieldnames or [])
            for col in (args.label_col, args.text_col):
                if col is not None and col not in columns:
                    raise clf.DataError(
                        f"column {col!r} not found in {p} (columns: {', '.join(columns) or '-'})"
                    )
            rows = [
                r
                for r in reader
                if (r.get(args.label_col) or "").strip()
                and (args.text_col is None or (r.get(args.text_col) or "").strip())
            ]
    except UnicodeDecodeError as exc:
        raise clf.DataError(f"{p} is not valid UTF-8: {exc.reason}") from None
    if not rows:
        raise clf.DataError(f"no usable rows in {p}")
    labels = [r[args.label_col].strip() for r in rows]
    _check_classes(labels, p)
    tr, te = clf.stratified_split(labels, args.test_size, args.random_seed)
    for path, idx in ((args.out_train, tr), (args.out_test, te)):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows[i] for i in idx)
    print(f"wrote {len(tr)} rows to {args.out_train} and {len(te)} rows to {args.out_test}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; ``argv`` excludes the program name (e.g. ``["classifier", "train", ...]``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    handler = {"train": cmd_train, "eval": cmd_eval, "split": cmd_split}[args.action]
    try:
        return handler(args)
    except clf.DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
