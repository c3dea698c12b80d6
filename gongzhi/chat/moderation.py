"""Sensitive-word screening with an Aho–Corasick automaton (pyahocorasick): one pass over the
text finds every listed word, however long the list. Rebuilt when the list changes.

The list's version (count and highest id) is read at most every ``VERSION_TTL`` seconds rather
than on every message; a change saved in this process (admin, API, tests) applies at once
(signals below), a change made by another process within ``VERSION_TTL`` seconds."""

from __future__ import annotations

import threading
import time

import ahocorasick

VERSION_TTL = 2.0
_lock = threading.Lock()
_state: dict = {"automaton": None, "version": None, "checked": 0.0}


def _version():
    from django.db.models import Count, Max

    from .models import SensitiveWord

    agg = SensitiveWord.objects.aggregate(n=Count("id"), m=Max("id"))
    return (agg["n"], agg["m"])


def automaton():
    now = time.monotonic()
    if _state["automaton"] is not None and now - _state["checked"] < VERSION_TTL:
        return _state["automaton"]
    version = _version()
    with _lock:
        _state["checked"] = now
        if _state["automaton"] is None or _state["version"] != version:
            from .models import SensitiveWord

            a = ahocorasick.Automaton()
            for w, action, cat in SensitiveWord.objects.values_list("word", "action", "category"):
                a.add_word(w.lower(), (w, action, cat))
            if len(a):
                a.make_automaton()
            _state.update(automaton=a, version=version)
        return _state["automaton"]


SEVERITY = {"flag": 0, "hold": 1, "block": 2}


def screen(text: str) -> tuple[str | None, list[str]]:
    """The strongest action any listed word asks for (block > hold > flag) and the flags."""
    a = automaton()
    if not text or not len(a):
        return None, []
    found = {}
    for _end, (word, action, cat) in a.iter(text.lower()):
        found[word] = (action, cat)
    if not found:
        return None, []
    action = max((v[0] for v in found.values()), key=SEVERITY.__getitem__)
    return action, sorted(f"{cat}:{w}" for w, (_a, cat) in found.items())


def reset(**_signal_kwargs) -> None:
    with _lock:
        _state.update(automaton=None, version=None, checked=0.0)


def connect_signals() -> None:
    """Called from ChatConfig.ready(): a word saved or deleted here applies to the next message
    (an edit of a word keeps count and highest id, so the version alone would miss it)."""
    from django.db.models.signals import post_delete, post_save

    from .models import SensitiveWord

    post_save.connect(reset, sender=SensitiveWord, dispatch_uid="chat.moderation.reset.save")
    post_delete.connect(reset, sender=SensitiveWord, dispatch_uid="chat.moderation.reset.delete")
