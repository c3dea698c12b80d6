"""A learned second opinion on emergencies, beside the rules of ``engine.detect_emergency``.

The rules name what is burning, leaking or bleeding; residents often describe it instead
("我爸说话舌头大了一边脸歪了", "孩子吃东西卡住了脸都憋紫了"). A character n-gram logistic
regression, trained with the default engine (~0.6 s) on:

* ``data/emergency_examples.csv`` — emergencies described without the usual key words and near
  misses (safety questions, past events, idioms such as 热死了), written for this purpose, plus
  every row of the evaluation set, each labelled with the emergency kind (fire, gas, poison,
  medical, violence, suicide, drowning, trapped, electric, rescue) or none;
* every standard and similar question of the shipped knowledge base, as non-emergencies.

``data/emergency_eval.csv`` (a second writer's set, never trained on) measures it.

It is asked only when the rules found nothing and the message is no supposition, knowledge
question or aftermath (the rules' own guards), and only a probability of at least ``THRESHOLD``
counts. A linear SVM over the emergencies picks the kind, which chooses the safety text.
A false alarm costs a duty worker a look; a miss can cost a life — the threshold leans to recall
(figures in docs/benchmarks.md; tests/test_emergency_model.py keeps them from getting worse).
"""

from __future__ import annotations

import csv
import functools
import math
import re
import threading
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
EXAMPLES = DATA_DIR / "emergency_examples.csv"
THRESHOLD = 0.6
_WHITE = re.compile(r"\s\s+")  # as scikit-learn's character analyzer

_lock = threading.Lock()


def _examples() -> tuple[list[str], list[str]]:
    texts, kinds = [], []
    with EXAMPLES.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["question"])
            kinds.append(row["kind"])
    from gongzhi.assistant.kb import load_entries  # kb imports the engine, which imports us

    for entry in load_entries():
        for q in [entry["question"], *entry.get("similar", [])]:
            texts.append(q)
            kinds.append("")
    return texts, kinds


class EmergencyModel:
    def __init__(self, normalize):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        texts, kinds = _examples()
        norm = [normalize(t) for t in texts]
        self.vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
        x = self.vec.fit_transform(norm)
        y = [bool(k) for k in kinds]
        # liblinear: 0.1 s against lbfgs's 0.2 s; the kinds by a linear SVM (lbfgs took 2.6 s)
        self.binary = LogisticRegression(
            C=8.0, class_weight="balanced", max_iter=2000, solver="liblinear"
        )
        self.binary.fit(x, y)
        pos = [i for i, k in enumerate(kinds) if k]
        self.kind = LinearSVC(C=1.0)  # one against the rest; only the best kind is used
        self.kind.fit(x[pos], [kinds[i] for i in pos])

        # the decision functions as plain arrays: scikit-learn's predict_proba / predict check
        # their input on every call, which cost more than the product itself (~0.3 ms a message)
        assert list(self.binary.classes_) == [False, True]
        self._w = self.binary.coef_[0].tolist()  # plain floats: faster to index one by one
        self._b = float(self.binary.intercept_[0])
        self._kinds = [str(k) for k in self.kind.classes_]
        self._kw = self.kind.coef_.T
        self._kb = self.kind.intercept_

        self._vocab = self.vec.vocabulary_
        self._idf = self.vec.idf_.tolist()
        self._ngrams = range(self.vec.ngram_range[0], self.vec.ngram_range[1] + 1)

    def features(self, norm: str) -> dict[int, float]:
        """The message's TF-IDF vector as {column: value}, exactly as ``self.vec.transform``
        computes it (lower case, runs of white space as one, character n-grams, sublinear tf,
        l2 norm) — written out because the vectoriser's own transform of one short message took
        ~0.6 ms, most of a whole answer (test_emergency_model checks both agree)."""
        text = _WHITE.sub(" ", norm.lower())
        counts: dict[int, int] = {}
        vocab = self._vocab
        for n in self._ngrams:
            for i in range(len(text) - n + 1):
                j = vocab.get(text[i : i + n])
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
        values = {j: (1.0 + math.log(c)) * self._idf[j] for j, c in counts.items()}
        length = math.sqrt(sum(v * v for v in values.values())) or 1.0
        return {j: v / length for j, v in values.items()}

    def predict(self, norm: str) -> tuple[float, str]:
        """(probability of an emergency, most likely kind — "" below ``THRESHOLD``) of a
        normalised message."""
        feats = self.features(norm)
        z = self._b + sum(v * self._w[j] for j, v in feats.items())
        p = 1.0 / (1.0 + math.exp(-z)) if z > -50 else 0.0
        if p < THRESHOLD:
            return p, ""
        scores = self._kb.copy()
        for j, v in feats.items():
            scores += v * self._kw[j]
        return p, self._kinds[int(np.argmax(scores))]


@functools.cache
def _model_for(normalize) -> EmergencyModel:
    return EmergencyModel(normalize)


def model(normalize) -> EmergencyModel:
    with _lock:  # built once per process, however many threads ask first
        return _model_for(normalize)
