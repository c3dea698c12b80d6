"""Active request categories, cached per process: every create looks its category up by code
(or by name, from the classifier), and the table holds a dozen rows that staff change a few
times a year. Reading them from the database on every create cost ~0.8 ms of ~5 ms CPU
(``benchmarks/workorders.py``).

A change saved in this process (admin, back office, tests) applies at once (signals below);
one saved by another process, within ``TTL`` seconds. The cached instances are shared between
threads: read them, never change them (``Category.objects.get`` for an editable copy)."""

from __future__ import annotations

import time

TTL = 2.0
# (loaded at, by code, by name): replaced as one tuple, so a reader in another thread sees
# either the old table or the new one, never half of each
_state: list = [(-1e9, {}, {})]


def _table() -> tuple[float, dict, dict]:
    table = _state[0]
    now = time.monotonic()
    if now - table[0] >= TTL:
        from .models import Category

        rows = list(Category.objects.filter(active=True).select_related("department"))
        table = _state[0] = (now, {c.code: c for c in rows}, {c.name: c for c in rows})
    return table


def by_code(code: str):
    """The active category with this code, or None."""
    return _table()[1].get(code)


def by_name(name: str):
    """The active category with this name, or None."""
    return _table()[2].get(name)


def reset(**_kwargs) -> None:
    _state[0] = (-1e9, {}, {})


def connect_signals() -> None:
    from django.db import transaction
    from django.db.models.signals import post_delete, post_save

    from .models import Category

    def changed(**kwargs):
        reset()
        # and again once the change is visible to everyone: a lookup between the save and
        # the commit must not keep a row that is rolled back, or miss the committed one
        transaction.on_commit(reset)

    # weak=False: ``changed`` is local to this function and would otherwise be collected
    post_save.connect(
        changed, sender=Category, weak=False, dispatch_uid="workorders.categories.save"
    )
    post_delete.connect(
        changed, sender=Category, weak=False, dispatch_uid="workorders.categories.delete"
    )
