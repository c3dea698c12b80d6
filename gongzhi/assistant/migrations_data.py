"""Load the shipped starter knowledge base into the database (published, district-wide).

Used by data migrations: ``0002_starter_content`` creates the entries, later migrations (e.g.
``0003_refresh_starter_content``) bring new or changed shipped content (similar questions,
wording) to databases installed earlier with ``update=True``.
"""

FIELDS = ("topic", "question", "similar", "answer", "keywords", "department", "confirm")


def _shipped_values(e: dict) -> dict:
    return {
        "topic": e.get("topic", ""),
        "question": e["question"],
        "similar": list(e.get("similar", [])),
        "answer": e["answer"],
        "keywords": list(e.get("keywords", [])),
        "department": e.get("department", ""),
        "confirm": e.get("confirm", ""),
    }


def load_shipped(Entry, EntryVersion=None, *, update: bool = False) -> int:
    """Create the shipped entries missing from the database; with ``update``, also bring the
    district-wide entries that are still exactly as shipped (version 1, never saved by staff)
    up to date with the shipped files. Entries staff have edited, drafted or archived are
    never touched. Returns the number of entries created or updated."""
    from django.utils import timezone

    from gongzhi.assistant.kb import load_entries

    shipped = load_entries()
    existing = {e.key: e for e in Entry.objects.filter(key__in=[s["id"] for s in shipped])}
    rows = []
    changed = 0
    now = timezone.now()
    for e in shipped:
        values = _shipped_values(e)
        row = existing.get(e["id"])
        if row is None:
            rows.append(Entry(key=e["id"], status="published", **values))
            continue
        if not update:
            continue
        untouched = (
            row.scope_id is None
            and row.version == 1
            and row.updated_by_id is None
            and row.status == "published"
            and row.live is None
        )
        if not untouched or all(getattr(row, f) == values[f] for f in FIELDS):
            continue
        for f, v in values.items():
            setattr(row, f, v)
        row.updated_at = now  # the running engine sees the change and rebuilds its index
        row.save(update_fields=[*FIELDS, "updated_at"])
        changed += 1
    Entry.objects.bulk_create(rows, batch_size=500)
    return len(rows) + changed
