"""Chinese text normalisation and tokenisation for Gongzhi.

* :func:`normalize` — full-width → half-width (NFKC), lower case, whitespace collapsed.
* :func:`tokenize` — jieba segmentation with the project's domain dictionary
  (``data/domain_dict.txt``), punctuation dropped, synonyms mapped to their canonical form
  (``data/synonyms.txt``: one group per line, the first word is the canonical one).

jieba is initialised lazily, once, on the first call to :func:`tokenize` (thread-safe) and
its log output is silenced. A private ``jieba.Tokenizer`` instance is used so that other
code using the global jieba instance is not affected.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DOMAIN_DICT_PATH = DATA_DIR / "domain_dict.txt"
SYNONYMS_PATH = DATA_DIR / "synonyms.txt"

_WS_RE = re.compile(r"\s+")
_lock = threading.Lock()
_tokenizer = None  # jieba.Tokenizer, created lazily
_synonyms: dict[str, str] | None = None


def normalize(text: str) -> str:
    """Return ``text`` NFKC-normalised (full-width → half-width), lower-cased, with runs of
    whitespace collapsed to one space and stripped."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return _WS_RE.sub(" ", text).strip()


def load_synonyms(path: Path = SYNONYMS_PATH) -> dict[str, str]:
    """Read a synonym table: ``{variant: canonical}`` (canonical words map to themselves).

    Blank lines and lines starting with ``#`` are ignored. Words are normalised. If a word
    appears in several groups, the first group wins."""
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = [normalize(w) for w in line.split()]
        canonical = words[0]
        for w in words:
            table.setdefault(w, canonical)
    return table


def _silence_jieba() -> None:
    logging.getLogger("jieba").setLevel(logging.WARNING)


def _init():
    """Create the jieba tokenizer with the domain dictionary (once)."""
    global _tokenizer, _synonyms
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is not None:
            return _tokenizer
        _silence_jieba()
        import jieba  # imported lazily: it is slow to import

        _silence_jieba()
        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.initialize()
        tk.load_userdict(str(DOMAIN_DICT_PATH))
        synonyms = load_synonyms()
        # make sure every word of the synonym table comes out of jieba as one token
        for word in synonyms:
            if len(word) > 1 and tk.FREQ.get(word, 0) == 0:
                tk.add_word(word, freq=2000)
        _synonyms = synonyms
        _tokenizer = tk
        return tk


def synonyms() -> dict[str, str]:
    """The loaded synonym table ``{variant: canonical}``."""
    _init()
    assert _synonyms is not None
    return _synonyms


def _is_noise(token: str) -> bool:
    """True for tokens made only of whitespace, punctuation or symbols."""
    for ch in token:
        cat = unicodedata.category(ch)
        if cat[0] not in ("P", "S", "Z", "C"):
            return False
    return True


def tokenize(text: str, *, normalized: bool = False) -> list[str]:
    """Segment ``text`` into words (normalised first unless ``normalized`` is true).

    Punctuation/whitespace tokens are dropped and synonyms replaced by their canonical word.
    """
    tk = _init()
    if not normalized:
        text = normalize(text)
    if not text:
        return []
    table = _synonyms or {}
    out = []
    for tok in tk.lcut(text, HMM=True):
        if _is_noise(tok):
            continue
        out.append(table.get(tok, tok))
    return out


def tokenize_normalized(text: str) -> list[str]:
    """:func:`tokenize` for text already passed through :func:`normalize` (module-level so
    that it can be pickled inside scikit-learn vectorizers)."""
    return tokenize(text, normalized=True)
