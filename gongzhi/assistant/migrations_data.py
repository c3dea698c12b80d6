"""Load the shipped starter knowledge base into the database (published, district-wide)."""


def load_shipped(Entry, EntryVersion=None) -> int:
    from gongzhi.assistant.kb import load_entries

    existing = set(Entry.objects.values_list("key", flat=True))
    rows = []
    for e in load_entries():
        if e["id"] in existing:
            continue
        rows.append(
            Entry(
                key=e["id"],
                topic=e.get("topic", ""),
                question=e["question"],
                similar=e.get("similar", []),
                answer=e["answer"],
                keywords=e.get("keywords", []),
                department=e.get("department", ""),
                confirm=e.get("confirm", ""),
                status="published",
            )
        )
    Entry.objects.bulk_create(rows, batch_size=500)
    return len(rows)
