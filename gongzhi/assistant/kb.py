"""Loading and validating 小栖's knowledge base (``kb_data/*.json``); no Django imports.

Each file is a JSON list of entries::

    {"id": "wuye-001", "topic": "物业与住房", "question": "…？", "similar": ["…"],
     "answer": "…{community_name}…", "department": "…", "confirm": "…", "keywords": ["…"]}

:func:`load_entries` raises :class:`KBError` (a ``ValueError``) naming the file and entry for
malformed data; :func:`default_engine` builds the engine over the shipped files once.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from .engine import PLACEHOLDERS, Engine, prepare_learned_emergency

KB_DIR = Path(__file__).resolve().parent / "kb_data"

REQUIRED_STR = ("id", "topic", "question", "answer")
OPTIONAL_STR = ("department", "confirm")
LIST_FIELDS = ("similar", "keywords")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


class KBError(ValueError):
    """A malformed knowledge-base file or entry."""


def validate_entry(entry: Any, where: str) -> dict[str, Any]:
    """Check one entry; return a clean copy (strings stripped, optional fields defaulted)."""
    if not isinstance(entry, dict):
        raise KBError(f"{where}: an entry must be a JSON object, got {type(entry).__name__}")
    out: dict[str, Any] = {}
    for key in REQUIRED_STR:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise KBError(f"{where}: field {key!r} is missing or not a non-empty string")
        out[key] = value.strip()
    if not _ID.match(out["id"]):
        raise KBError(f"{where}: invalid id {out['id']!r}")
    where = f"{where} ({out['id']})"
    for key in OPTIONAL_STR:
        value = entry.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise KBError(f"{where}: field {key!r} must be a string")
        out[key] = value.strip()
    for key in LIST_FIELDS:
        value = entry.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise KBError(f"{where}: field {key!r} must be a list of strings")
        out[key] = [v.strip() for v in value if v.strip()]
    for text_key in ("answer", "confirm"):
        for name in _PLACEHOLDER.findall(out[text_key]):
            if name not in PLACEHOLDERS:
                raise KBError(
                    f"{where}: unknown placeholder {{{name}}} in {text_key!r} "
                    f"(allowed: {', '.join(PLACEHOLDERS)})"
                )
    return out


def load_file(path: str | Path) -> list[dict[str, Any]]:
    """Entries of one JSON file (validated)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise KBError(f"{p}: not valid UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise KBError(
            f"{p}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, list):
        raise KBError(f"{p}: the file must hold a JSON list of entries")
    return [validate_entry(e, f"{p.name} entry {i}") for i, e in enumerate(data)]


def load_entries(dir: str | Path | None = None) -> list[dict[str, Any]]:  # noqa: A002
    """All entries of ``dir`` (default: the shipped ``kb_data``), files in name order.

    Raises :class:`KBError` for a missing directory, a malformed file or entry, or an id
    used twice."""
    d = Path(dir) if dir is not None else KB_DIR
    if not d.is_dir():
        raise KBError(f"knowledge-base directory not found: {d}")
    files = sorted(d.glob("*.json"))
    if not files:
        raise KBError(f"no *.json files in {d}")
    entries: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for f in files:
        for e in load_file(f):
            if e["id"] in seen:
                raise KBError(f"{f.name}: duplicate id {e['id']!r} (also in {seen[e['id']]})")
            seen[e["id"]] = f.name
            entries.append(e)
    return entries


_lock = threading.Lock()
_engine: Engine | None = None


def default_engine() -> Engine:
    """The engine over the shipped knowledge base (built once, lazily; thread-safe)."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                engine = Engine.from_entries(load_entries())
                if engine.config.learned_emergency:
                    prepare_learned_emergency()
                _engine = engine
    return _engine


def reset_default_engine() -> None:
    """Forget the cached engine (e.g. after the knowledge base files changed)."""
    global _engine
    with _lock:
        _engine = None
