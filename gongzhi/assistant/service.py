"""The assistant inside the platform: an engine over the published knowledge base, rebuilt when
the base changes, and the per-community facts that fill answer placeholders."""

from __future__ import annotations

import logging
import threading
import time

from django.db import DatabaseError
from django.db.models import Count, Max, Q
from django.utils import timezone

from gongzhi.org.models import OrgUnit

from .engine import Engine

log = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict = {"engine": None, "revision": None, "checked": 0.0}
CHECK_EVERY = 5.0  # seconds between "has the knowledge base changed?" checks
# Answerable: published, or an earlier published version while a new one is drafted.
LIVE = Q(status="published") | (Q(live__isnull=False) & ~Q(status="archived"))


def _revision():
    from .models import Entry

    agg = Entry.objects.filter(LIVE).aggregate(n=Count("id"), t=Max("updated_at"))
    return (agg["n"], agg["t"])


def published_entries() -> list[dict]:
    from .models import Entry

    today = timezone.localdate()
    return [
        e.as_engine_entry() for e in Entry.objects.filter(LIVE, scope=None) if e.is_valid_on(today)
    ]


def engine() -> Engine:
    """The engine over the database's published district-wide entries; falls back to the
    shipped files when the database is not migrated."""
    now = time.monotonic()
    if _state["engine"] is not None and now - _state["checked"] < CHECK_EVERY:
        return _state["engine"]
    with _lock:
        try:
            rev = _revision()
        except DatabaseError:
            rev = None
        if _state["engine"] is None or rev != _state["revision"]:
            entries = published_entries() if rev and rev[0] else None
            if entries:
                _state["engine"] = Engine.from_entries(entries)
            else:
                from .kb import default_engine

                _state["engine"] = default_engine()
            _state["revision"] = rev
        _state["checked"] = now
        return _state["engine"]


def reset() -> None:
    with _lock:
        _state.update(engine=None, revision=None, checked=0.0)


def fill_for(community: OrgUnit | None) -> dict:
    """Facts from the organisation tree; missing ones stay missing (the engine then uses a
    neutral phrase, never an invented address or number)."""
    if community is None:
        return {}
    street = community.parent
    out = {"community_name": community.name, "street_name": street.name if street else ""}
    if community.office_address:
        out["community_office_address"] = community.office_address
    if community.duty_phone:
        out["community_duty_phone"] = community.duty_phone
    if street is not None and street.office_address:
        out["street_service_center"] = street.office_address
    return {k: v for k, v in out.items() if v}


def local_answer(entry_key: str, community: OrgUnit | None) -> str | None:
    """A published local version (community, then street) of a district entry, if any."""
    if community is None or not entry_key:
        return None
    from .models import Entry

    today = timezone.localdate()
    for unit_id in (community.pk, community.parent_id):
        for e in Entry.objects.filter(
            overrides__key=entry_key, scope_id=unit_id, status="published"
        ):
            if e.is_valid_on(today):
                return e.answer
    return None
