"""A small, fast text classifier for Chinese requests, for any label set.

Features are the concatenation of two TF-IDF blocks computed on normalised, truncated text
(see :mod:`gongzhi.nlp.text`): character n-grams (1-2) and jieba word n-grams (1-2). A
linear model is trained on them: by default ``ens``, the average of two one-vs-rest linear
models, NB-SVM (LinearSVC on features scaled by naive-Bayes log-count ratios, Wang & Manning
2012) and ridge regression on +-1 targets, each divided by its own softmax temperature fitted
on out-of-fold decision values (= averaging their log-probabilities, which is again one
linear model, so inference costs the same as for a single model). It measured best by
cross-validation on the 2020 泰迪杯 messages (details +0.3 macro-F1 points over NB-SVM,
titles +0.9) and on the project's request data (see benchmarks/classifier.py). NB-SVM,
ridge, plain LinearSVC, logistic regression or SGD alone on request. Scores in 0..1 come from
a softmax over the decision function with a temperature fitted on out-of-fold decision
values (temperature scaling), so they behave like probabilities.

Single-message inference (:meth:`Model.predict_with_score`) bypasses scikit-learn's
per-call overhead and computes the same features and scores directly (~0.1 ms).

Usage::

    model = train(texts, labels)
    model.predict(["小区电梯坏了"])            # -> ["物业服务"]
    model.predict_with_score("小区电梯坏了")   # -> ("物业服务", 0.93)
    model.save("models/x"); model = load("models/x")
    evaluate(model, texts, labels)            # accuracy, macro_f1, per_class, ...

:func:`load` unpickles files: only load model directories you trust.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import os
import platform
import random
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .text import normalize, tokenize_normalized

FORMAT_VERSION = 1
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
MODELS = ("ens", "svm", "nbsvm", "lr", "sgd", "ridge")
# members of the "ens" model: their decision functions are averaged after dividing each by its
# own softmax temperature (fitted on out-of-fold scores), which is again one linear model
ENSEMBLE_MEMBERS = ("nbsvm", "ridge")
# temperatures assumed for the members when calibration is off or impossible (typical values)
_DEFAULT_TEMPERATURE = {"nbsvm": 0.3, "svm": 0.3, "sgd": 0.3, "ridge": 0.2, "lr": 1.0}


class DataError(ValueError):
    """Bad training/evaluation data (missing file/column, empty, a single class...)."""


@dataclass
class Options:
    """Training options (all have defaults; pass them as keyword arguments to :func:`train`)."""

    char_ngram: tuple[int, int] = (1, 2)  # character n-gram range; (0, 0) disables the block
    word_ngram: tuple[int, int] = (1, 2)  # jieba word n-gram range; (0, 0) disables the block
    char_weight: float = 1.0
    # None: SHORT_WORD_WEIGHT for short texts (mean < 50 characters, e.g. titles: the word block
    # double-counts what the character n-grams already see there), else 1.0
    word_weight: float | None = None
    sublinear_tf: bool = True
    # None: 1 below 2,000 training texts or for short texts (mean < 50 characters, e.g.
    # titles: rare n-grams matter there), else 2 (smaller models, better on long bodies)
    min_df: int | None = None
    max_df: float = 1.0
    max_features: int | None = None  # per block
    max_chars: int = 1000  # texts are truncated to this many characters after normalisation
    # ens: average of nbsvm and ridge (each scaled by its out-of-fold softmax temperature);
    # svm: LinearSVC (one-vs-rest); nbsvm: LinearSVC one-vs-rest on features scaled by the
    # class's naive-Bayes log-count ratio (Wang & Manning 2012); lr: LogisticRegression;
    # sgd: SGDClassifier (modified Huber loss); ridge: RidgeClassifier (one-vs-rest, squared
    # loss on +-1 targets)
    model: str = "ens"
    C: float = 1.0  # inverse regularisation for svm/nbsvm/lr; for sgd alpha = 1 / (C * n)
    ridge_alpha: float = 1.0  # regularisation of ridge (also inside ens)
    nb_alpha: float = 1.0  # smoothing of the nbsvm log-count ratios
    class_weight: str | None = "balanced"  # None or "balanced"
    calibrate: bool = True  # fit the softmax temperature on out-of-fold decision values
    calibration_folds: int = 3
    random_state: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # free-form notes kept in meta.json

    def __post_init__(self) -> None:
        self.char_ngram = tuple(int(x) for x in self.char_ngram)  # type: ignore[assignment]
        self.word_ngram = tuple(int(x) for x in self.word_ngram)  # type: ignore[assignment]
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        if self.char_ngram[0] <= 0 and self.word_ngram[0] <= 0:
            raise ValueError("at least one of char_ngram / word_ngram must be enabled")
        if self.class_weight not in (None, "balanced"):
            raise ValueError("class_weight must be None or 'balanced'")
        if self.max_chars <= 0:
            raise ValueError("max_chars must be positive")

    @classmethod
    def from_kwargs(cls, opts: dict[str, Any]) -> Options:
        known = {f.name for f in fields(cls)}
        unknown = set(opts) - known
        if unknown:
            raise TypeError(f"unknown training option(s): {', '.join(sorted(unknown))}")
        return cls(**opts)


def prepare(text: Any, max_chars: int = 1000) -> str:
    """Normalise and truncate one text as the model sees it."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return normalize(str(text)[: max_chars * 2])[:max_chars]


SHORT_TEXT_CHARS = 50  # mean prepared length below which min_df defaults to 1
# word-block weight for short texts: titles_train.csv macro-F1 +0.1 to +0.3 points on each of
# five held-out splits (30 % seeds 42/0/7, 20 % seeds 0/1); on the long bodies of
# details_train.csv it measured -0.2 / +0.3 points (no effect), so long texts keep 1.0
SHORT_WORD_WEIGHT = 0.7


def _min_df(opts: Options, n_docs: int | None, mean_chars: float | None = None) -> int:
    if opts.min_df is not None:
        return opts.min_df
    if n_docs is None or n_docs < 2000:
        return 1
    return 1 if mean_chars is not None and mean_chars < SHORT_TEXT_CHARS else 2


def _word_weight(opts: Options, mean_chars: float | None = None) -> float:
    if opts.word_weight is not None:
        return float(opts.word_weight)
    short = mean_chars is not None and mean_chars < SHORT_TEXT_CHARS
    return SHORT_WORD_WEIGHT if short else 1.0


def _mean_chars(docs: Sequence[str]) -> float:
    return sum(map(len, docs)) / max(len(docs), 1)


def _make_vectorizers(
    opts: Options, n_docs: int | None = None, tokenizer=None, mean_chars: float | None = None
):
    from sklearn.feature_extraction.text import TfidfVectorizer

    common = dict(
        lowercase=False,
        sublinear_tf=opts.sublinear_tf,
        min_df=_min_df(opts, n_docs, mean_chars),
        max_df=opts.max_df,
        max_features=opts.max_features,
        dtype=np.float32,
    )
    blocks = []
    if opts.char_ngram[0] > 0:
        vec = TfidfVectorizer(analyzer="char", ngram_range=opts.char_ngram, **common)
        blocks.append(("char", vec, float(opts.char_weight)))
    if opts.word_ngram[0] > 0:
        vec = TfidfVectorizer(
            analyzer="word",
            tokenizer=tokenizer or tokenize_normalized,
            token_pattern=None,
            ngram_range=opts.word_ngram,
            **common,
        )
        blocks.append(("word", vec, _word_weight(opts, mean_chars)))
    return blocks


class _NBSVM:
    """One-vs-rest LinearSVC on features scaled by each class's NB log-count ratio r_k.

    Its decision function is linear in the unscaled features: coef_[k] = w_k * r_k."""

    def __init__(self, C: float, class_weight: str | None, nb_alpha: float, random_state: int):
        self.C = C
        self.class_weight = class_weight
        self.nb_alpha = nb_alpha
        self.random_state = random_state

    def fit(self, X, y):
        from sklearn.svm import LinearSVC

        classes = np.unique(y)
        Xb = X.copy()
        Xb.data = np.ones_like(Xb.data)
        coef = np.zeros((len(classes), X.shape[1]))
        intercept = np.zeros(len(classes))
        for k, cls in enumerate(classes):
            pos = y == cls
            p = np.asarray(Xb[pos].sum(axis=0)).ravel() + self.nb_alpha
            q = np.asarray(Xb[~pos].sum(axis=0)).ravel() + self.nb_alpha
            r = np.log((p / p.sum()) / (q / q.sum()))
            est = LinearSVC(
                C=self.C, class_weight=self.class_weight, random_state=self.random_state
            )
            est.fit(X.multiply(r).tocsr(), pos.astype(int))
            coef[k] = est.coef_.ravel() * r
            intercept[k] = est.intercept_[0]
        self.classes_ = classes
        self.coef_ = coef
        self.intercept_ = intercept
        return self

    def decision_function(self, X):
        return np.asarray(X @ self.coef_.T) + self.intercept_

    def predict(self, X):
        return self.classes_[self.decision_function(X).argmax(axis=1)]


def _members(opts: Options) -> tuple[str, ...]:
    return ENSEMBLE_MEMBERS if opts.model == "ens" else (opts.model,)


def _make_estimator(opts: Options, n_samples: int, kind: str | None = None):
    """A fresh estimator of type ``kind`` (default: ``opts.model``; not "ens")."""
    kind = kind or opts.model
    if kind == "ens":
        raise ValueError("ens is not a single estimator; see _members()")
    if kind == "ridge":
        from sklearn.linear_model import RidgeClassifier

        return RidgeClassifier(
            alpha=opts.ridge_alpha, class_weight=opts.class_weight, solver="sparse_cg"
        )
    if kind == "nbsvm":
        return _NBSVM(opts.C, opts.class_weight, opts.nb_alpha, opts.random_state)
    if kind == "svm":
        from sklearn.svm import LinearSVC

        return LinearSVC(C=opts.C, class_weight=opts.class_weight, random_state=opts.random_state)
    if kind == "lr":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=opts.C, class_weight=opts.class_weight, max_iter=2000, random_state=opts.random_state
        )
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(
        loss="modified_huber",
        alpha=1.0 / (opts.C * max(n_samples, 1)),
        class_weight=opts.class_weight,
        max_iter=50,
        tol=1e-4,
        random_state=opts.random_state,
    )


def _fit_blocks(blocks, docs: Sequence[str]):
    import scipy.sparse as sp

    mats = []
    for _name, vec, weight in blocks:
        X = vec.fit_transform(docs)
        vec.stop_words_ = None  # only kept for introspection; can be huge
        mats.append(X * weight if weight != 1.0 else X)
    return sp.hstack(mats, format="csr")


def _transform_blocks(blocks, docs: Sequence[str]):
    import scipy.sparse as sp

    mats = []
    for _name, vec, weight in blocks:
        X = vec.transform(docs)
        mats.append(X * weight if weight != 1.0 else X)
    return sp.hstack(mats, format="csr")


def _linear_params(est, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(coef (n_classes, n_features), intercept (n_classes,)) of a fitted linear model;
    binary models are expanded to two symmetric rows so that argmax/softmax work."""
    coef = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))  # ridge: 1-d when binary
    intercept = np.asarray(est.intercept_, dtype=np.float64).reshape(-1)
    if n_classes == 2 and coef.shape[0] == 1:
        coef = np.vstack([-coef[0], coef[0]]) * 0.5
        intercept = np.array([-intercept[0], intercept[0]]) * 0.5
    return coef, intercept


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """Temperature T minimising the negative log-likelihood of softmax(scores / T)."""

    def nll(t: float) -> float:
        p = _softmax(scores, t)[np.arange(len(y)), y]
        return float(-np.log(np.clip(p, 1e-12, None)).mean())

    grid = np.logspace(-3, 1.5, 91)
    losses = [nll(t) for t in grid]
    i = int(np.argmin(losses))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    fine = np.linspace(lo, hi, 41)
    return float(fine[int(np.argmin([nll(t) for t in fine]))])


def stratified_split(
    labels: Sequence[str], test_size: float, seed: int = 0
) -> tuple[list[int], list[int]]:
    """Deterministic stratified split: indices (train, test). Each class keeps at least one
    member in train; classes with a single member stay in train."""
    if not 0 < test_size < 1:
        raise ValueError("test_size must be between 0 and 1")
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_label.setdefault(lab, []).append(i)
    train_idx: list[int] = []
    test_idx: list[int] = []
    for lab in sorted(by_label):
        idx = by_label[lab][:]
        rng.shuffle(idx)
        n_test = min(int(round(len(idx) * test_size)), len(idx) - 1)
        test_idx.extend(idx[:n_test])
        train_idx.extend(idx[n_test:])
    return sorted(train_idx), sorted(test_idx)


class Model:
    """A trained classifier. Create with :func:`train` or :func:`load`."""

    def __init__(
        self,
        labels: list[str],
        blocks: list,
        coef: np.ndarray,
        intercept: np.ndarray,
        temperature: float,
        options: Options,
        meta: dict[str, Any] | None = None,
    ):
        self.labels = list(labels)
        self.blocks = blocks  # [(name, fitted TfidfVectorizer, weight)]
        self.coef = np.ascontiguousarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.temperature = float(temperature)
        self.options = options
        self.meta = meta or {}
        self._fast = None  # lazily built single-text inference tables
        self._coef_t: np.ndarray | None = None

    # -- batch inference -------------------------------------------------------------------
    def _docs(self, texts: Iterable[Any]) -> list[str]:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts (use predict_with_score for one text)")
        return [prepare(t, self.options.max_chars) for t in texts]

    def decision_function(self, texts: Iterable[Any]) -> np.ndarray:
        X = _transform_blocks(self.blocks, self._docs(texts))
        return np.asarray(X @ self.coef.T.astype(np.float64)) + self.intercept

    def predict(self, texts: Iterable[Any]) -> list[str]:
        scores = self.decision_function(texts)
        return [self.labels[i] for i in scores.argmax(axis=1)]

    def predict_proba(self, texts: Iterable[Any]) -> np.ndarray:
        """Array (n_texts, n_labels) of scores in 0..1 summing to 1; columns follow
        :attr:`labels`."""
        return _softmax(self.decision_function(texts), self.temperature)

    # -- single-text fast path -------------------------------------------------------------
    def _fast_tables(self):
        if self._fast is None:
            self._coef_t = np.ascontiguousarray(self.coef.T, dtype=np.float64)
            tables = []
            offset = 0
            for _name, vec, weight in self.blocks:
                tables.append(
                    (
                        vec.build_analyzer(),
                        vec.vocabulary_,
                        vec.idf_.astype(np.float64),
                        bool(vec.sublinear_tf),
                        float(weight),
                        offset,
                    )
                )
                offset += len(vec.vocabulary_)
            self._fast = tables
        return self._fast

    def scores_one(self, text: Any) -> np.ndarray:
        """Decision scores (n_labels,) for one text, without scikit-learn's batch overhead;
        equal to ``decision_function([text])[0]`` up to float rounding."""
        doc = prepare(text, self.options.max_chars)
        scores = self.intercept.copy()
        tables = self._fast_tables()
        coef_t = self._coef_t  # (n_features, n_labels)
        for analyzer, vocab, idf, sublinear, weight, offset in tables:
            counts: dict[int, int] = {}
            for gram in analyzer(doc):
                j = vocab.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if sublinear:
                tf = np.log(tf) + 1.0
            vals = tf * idf[idx]
            norm = math.sqrt(float(vals @ vals))
            if norm > 0:
                vals *= weight / norm
            scores += vals @ coef_t[idx + offset]
        return scores

    def predict_with_score(self, text: Any) -> tuple[str, float]:
        """(label, score in 0..1) for one text."""
        scores = self.scores_one(text)
        probs = _softmax(scores[None, :], self.temperature)[0]
        i = int(probs.argmax())
        return self.labels[i], float(probs[i])

    def predict_one(self, text: Any) -> str:
        return self.labels[int(self.scores_one(text).argmax())]

    # -- persistence -----------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write ``model.joblib`` and ``meta.json`` into ``directory`` (created if needed)."""
        import joblib

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        state = {
            "format_version": FORMAT_VERSION,
            "labels": self.labels,
            "blocks": [(name, _portable(vec), w) for name, vec, w in self.blocks],
            "coef": self.coef,
            "intercept": self.intercept,
            "temperature": self.temperature,
            "options": asdict(self.options),
        }
        joblib.dump(state, d / MODEL_FILE, compress=3)
        meta = dict(self.meta)
        meta.update(
            format_version=FORMAT_VERSION,
            labels=self.labels,
            temperature=self.temperature,
            options=_jsonable(asdict(self.options)),
            n_features=int(self.coef.shape[1]),
        )
        (d / META_FILE).write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        return d

    def size_bytes(self, directory: str | Path) -> int:
        d = Path(directory)
        return sum(p.stat().st_size for p in (d / MODEL_FILE, d / META_FILE) if p.exists())


def _portable(vec):
    """Shallow copy of a fitted vectorizer without run-specific attributes (scikit-learn keeps
    ``id(stop_words)`` as a cache key), so that the same model pickles to the same bytes."""
    vec = copy.copy(vec)
    vec.__dict__.pop("_stop_words_id", None)
    return vec


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj


def _now() -> datetime:
    """Current UTC time, or $SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC)


class _TokenCache:
    """Memoised :func:`tokenize_normalized`, used while training only (the cross-validation
    folds segment every text again otherwise); never stored in a saved model."""

    def __init__(self) -> None:
        self._cache: dict[str, list[str]] = {}

    def __call__(self, doc: str) -> list[str]:
        toks = self._cache.get(doc)
        if toks is None:
            toks = self._cache[doc] = tokenize_normalized(doc)
        return toks


def _restore_tokenizer(blocks) -> None:
    for _name, vec, _weight in blocks:
        if getattr(vec, "tokenizer", None) is not None:
            vec.tokenizer = tokenize_normalized


def _fit_members(options: Options, X, y: np.ndarray, n_classes: int):
    """[(kind, coef, intercept)] of the model's member estimators fitted on (X, y)."""
    out = []
    for kind in _members(options):
        est = _make_estimator(options, X.shape[0], kind)
        est.fit(X, y)
        coef, intercept = _linear_params(est, n_classes)
        out.append((kind, coef, intercept))
    return out


def _combine(members, temperatures: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """One linear model from the members: the mean of their decision functions, each divided
    by its temperature (= the argmax of the mean of their log-softmax scores)."""
    m = len(members)
    coef = sum(c / (m * temperatures[k]) for k, c, _ in members)
    intercept = sum(b / (m * temperatures[k]) for k, _, b in members)
    return coef, intercept


def fit_linear(options: Options, X, y: np.ndarray, n_classes: int):
    """(coef, intercept) of the model fitted on a feature matrix, without calibration (an
    ensemble's members are weighted with typical temperatures). Used by the benchmarks."""
    members = _fit_members(options, X, y, n_classes)
    if len(members) == 1:
        return members[0][1], members[0][2]
    return _combine(members, _DEFAULT_TEMPERATURE)


def train(texts: Sequence[Any], labels: Sequence[Any], **opts: Any) -> Model:
    """Train a classifier on ``texts`` with string ``labels``. See :class:`Options`."""
    import sklearn
    from sklearn.model_selection import StratifiedKFold

    options = Options.from_kwargs(opts)
    texts = list(texts)
    labels = [str(lab) for lab in labels]
    if len(texts) != len(labels):
        raise DataError(f"{len(texts)} texts but {len(labels)} labels")
    if not texts:
        raise DataError("no training data")
    counts = Counter(labels)
    if len(counts) < 2:
        raise DataError("need at least two different labels to train a classifier")
    classes = sorted(counts)
    index = {lab: i for i, lab in enumerate(classes)}
    y = np.array([index[lab] for lab in labels])
    docs = [prepare(t, options.max_chars) for t in texts]
    tokens = _TokenCache()

    mean_chars = _mean_chars(docs)
    blocks = _make_vectorizers(options, len(docs), tokens, mean_chars)
    X = _fit_blocks(blocks, docs)
    _restore_tokenizer(blocks)
    if X.shape[1] == 0:
        raise DataError("no features could be extracted from the texts")
    members = _fit_members(options, X, y, len(classes))
    kinds = [k for k, _, _ in members]
    ensemble = len(members) > 1

    # out-of-fold decision values of every member: member weights (ensemble) and the
    # temperature of the final softmax
    member_temps = {k: _DEFAULT_TEMPERATURE[k] for k in kinds}
    folds = min(options.calibration_folds, min(counts.values()))
    oof = None
    if options.calibrate and folds >= 2:
        oof = {k: np.zeros((len(docs), len(classes))) for k in kinds}
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=options.random_state)
        for tr, te in skf.split(np.zeros(len(y)), y):
            if len(set(y[tr])) < len(classes):
                oof = None
                break
            fold_blocks = _make_vectorizers(options, len(docs), tokens, mean_chars)
            Xtr = _fit_blocks(fold_blocks, [docs[i] for i in tr])
            Xte = _transform_blocks(fold_blocks, [docs[i] for i in te])
            for kind, c, b in _fit_members(options, Xtr, y[tr], len(classes)):
                oof[kind][te] = np.asarray(Xte @ c.T) + b
    calibrated = oof is not None
    if ensemble:
        if oof is not None:
            member_temps = {k: fit_temperature(oof[k], y) for k in kinds}
        coef, intercept = _combine(members, member_temps)
        temperature = 1.0
        if oof is not None:
            m = len(kinds)
            temperature = fit_temperature(sum(oof[k] / (m * member_temps[k]) for k in kinds), y)
    else:
        _, coef, intercept = members[0]
        temperature = (
            fit_temperature(oof[kinds[0]], y) if oof is not None else member_temps[kinds[0]]
        )

    meta = {
        "created": _now().isoformat(timespec="seconds"),
        "training_size": len(docs),
        "class_counts": {lab: counts[lab] for lab in classes},
        "calibrated": calibrated,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }
    if ensemble:
        meta["ensemble"] = {k: {"temperature": round(member_temps[k], 4)} for k in kinds}
    return Model(classes, blocks, coef, intercept, temperature, options, meta)


def load(directory: str | Path) -> Model:
    """Load a model saved with :meth:`Model.save` (unpickles: trusted directories only)."""
    import joblib

    d = Path(directory)
    path = d / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no model found in {d} (missing {MODEL_FILE})")
    state = joblib.load(path)
    if state.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"unsupported model format {state.get('format_version')!r} in {d}")
    meta: dict[str, Any] = {}
    if (d / META_FILE).is_file():
        meta = json.loads((d / META_FILE).read_text(encoding="utf-8"))
    opts = dict(state["options"])
    return Model(
        state["labels"],
        state["blocks"],
        state["coef"],
        state["intercept"],
        state["temperature"],
        Options(**opts),
        meta,
    )


def evaluate(model: Model, texts: Sequence[Any], labels: Sequence[Any]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    Macro-F1 averages over the labels present in the gold labels or the predictions."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    gold = [str(lab) for lab in labels]
    if len(gold) != len(texts):
        raise DataError(f"{len(texts)} texts but {len(gold)} labels")
    if not gold:
        raise DataError("no evaluation data")
    pred = model.predict(texts)
    present = set(gold) | set(pred)
    order = [lab for lab in model.labels if lab in present] + sorted(present - set(model.labels))
    p, r, f, s = precision_recall_fscore_support(
        gold, pred, labels=order, average=None, zero_division=0
    )
    cm = confusion_matrix(gold, pred, labels=order)
    accuracy = sum(g == q for g, q in zip(gold, pred, strict=True)) / len(gold)
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy), 6),
        "macro_f1": round(float(np.mean(f)), 6),
        "per_class": {
            lab: {
                "precision": round(float(p[i]), 6),
                "recall": round(float(r[i]), 6),
                "f1": round(float(f[i]), 6),
                "support": int(s[i]),
            }
            for i, lab in enumerate(order)
        },
        "confusion_matrix": {"labels": order, "matrix": cm.astype(int).tolist()},
    }


def read_csv(path: str | Path, text_col: str, label_col: str | None) -> list[dict[str, str]]:
    """Read a UTF-8 CSV; return its rows (all columns). Raises :class:`DataError` with a
    one-line message for a missing file/column or no usable rows. Rows with an empty text
    (or empty label, when ``label_col`` is given) are skipped."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"data file not found: {p}")
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            for col in (text_col, label_col):
                if col is not None and col not in columns:
                    raise DataError(
                        f"column {col!r} not found in {p} (columns: {', '.join(columns) or '-'})"
                    )
            rows = [
                row
                for row in reader
                if (row.get(text_col) or "").strip()
                and (label_col is None or (row.get(label_col) or "").strip())
            ]
    except UnicodeDecodeError as exc:
        raise DataError(f"{p} is not valid UTF-8: {exc.reason}") from None
    except csv.Error as exc:
        raise DataError(f"cannot parse CSV {p}: {exc}") from None
    if not rows:
        raise DataError(f"no usable rows in {p}")
    return rows


# -- default model for the platform's request categories ---------------------------------------

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "物业服务",
    "环境卫生",
    "医疗教育",
    "市政设施",
    "交通出行",
    "社会保障",
    "治安安全",
    "市场监管",
    "城建拆迁",
    "就业创业",
)
FALLBACK_CATEGORY = "其他"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "default"
DEFAULT_THRESHOLD = 0.35  # used when the shipped model's meta.json has no tuned threshold

_DEFAULT_LOCK = threading.Lock()
_default_model: Model | None = None
_default_threshold: float = DEFAULT_THRESHOLD


def default_model() -> Model:
    """The shipped default model (loaded once, lazily)."""
    global _default_model, _default_threshold
    if _default_model is None:
        with _DEFAULT_LOCK:
            if _default_model is None:
                model = load(DEFAULT_MODEL_DIR)
                _default_threshold = float(model.meta.get("fallback_threshold", DEFAULT_THRESHOLD))
                _default_model = model
    return _default_model


def classify_request(text: str, threshold: float | None = None) -> tuple[str, float]:
    """Classify a resident's request into one of :data:`DEFAULT_CATEGORIES`.

    Returns ``(category, score)``; the category is :data:`FALLBACK_CATEGORY` ("其他") when the
    text is empty, off-topic, or the model's score is below the tuned threshold (stored in
    the model's meta.json). ``score`` is the model's score for its best category."""
    if not text or not str(text).strip():
        return FALLBACK_CATEGORY, 0.0
    model = default_model()
    label, score = model.predict_with_score(text)
    limit = _default_threshold if threshold is None else threshold
    if label not in DEFAULT_CATEGORIES or score < limit:
        return FALLBACK_CATEGORY, score
    return label, score
