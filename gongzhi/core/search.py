"""Indexed full-text search for Chinese text, on SQLite and PostgreSQL alike.

Chinese has no spaces, and residents search with two-character words (电梯, 漏水) that neither
FTS5's trigram tokenizer (three characters at least) nor PostgreSQL's parsers index. So a row
keeps a *search document*: its text cut into overlapping character bigrams (CJK analysers such
as Lucene's do the same) plus lower-cased Latin words and digits, separated by spaces:

    "3栋电梯坏了" -> "3 栋电 电梯 梯坏 坏了"

A query is cut the same way; every one of its terms must be in the document. Finding the
candidate rows uses an index — an FTS5 table kept by triggers on SQLite, a GIN index over the
terms as an array on PostgreSQL — and the caller re-checks the exact substring on that small
candidate set, so results equal a substring search. A one-character query has no bigram: it
falls back to the plain substring scan.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9A-Za-z]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_QUERY_TERMS = 16
# above this many index hits SQLite pages better by scanning the list's own order (measured
# at 120,000 orders: 漏水, 5,023 hits, 86 ms driven from the hits, 8 ms by the order index)
DENSE_HITS = 500


def terms(text: str) -> list[str]:
    """The search terms of ``text``, in order (duplicates kept)."""
    out: list[str] = []
    for run in _RUNS.findall(text or ""):
        if not _CJK.match(run):
            out.append(run.lower())
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def document(*texts: str) -> str:
    """The search document stored beside a row: its distinct terms, space-separated."""
    seen: dict[str, None] = {}
    for text in texts:
        for t in terms(text):
            seen.setdefault(t, None)
    return " ".join(seen)


def query_terms(q: str) -> list[str] | None:
    """Terms to look up for a query, or None when the index cannot help (a lone CJK character
    is indexed only where it stands alone, so it needs the substring scan)."""
    found = list(dict.fromkeys(terms(q)))
    if not found or any(len(t) == 1 and _CJK.match(t) for t in found):
        return None
    return found[:MAX_QUERY_TERMS]


def fts_table(model) -> str:
    return f"{model._meta.db_table}_fts"


def matching(qs: QuerySet, q: str, text_fields: tuple[str, ...]) -> QuerySet:
    """``qs`` narrowed to rows whose ``text_fields`` contain ``q`` (case-insensitive), found
    through the search index when the query allows it."""
    exact = Q()
    for f in text_fields:
        exact |= Q(**{f"{f}__icontains": q})
    found = query_terms(q)
    if found is None:
        return qs.filter(exact)
    if len(found) == 1 and _CJK.match(found[0]) and q.strip() == found[0]:
        # the query is one bigram: the index alone is exact (a document term comes from the
        # text fields); no recheck, and PostgreSQL estimates the hits right instead of guessing
        # the LIKE filter keeps 0.5 % of them
        exact = Q()
    table = qs.model._meta.db_table
    if connection.vendor == "postgresql":
        hit = RawSQL(
            f"string_to_array({table}.search_terms, ' ') @> %s::text[]",
            (found,),
            output_field=BooleanField(),
        )
        return qs.alias(_fts_hit=hit).filter(_fts_hit=True).filter(exact)
    if connection.vendor == "sqlite":
        fts = fts_table(qs.model)
        match = " ".join('"' + t.replace('"', '""') + '"' for t in found)
        hits_sql = f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s"
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {fts} WHERE {fts} MATCH %s", (match,))
            hits = cur.fetchone()[0]
        if hits <= DENSE_HITS:  # few hits: start from them, sort the handful
            return qs.filter(pk__in=RawSQL(hits_sql, (match,))).filter(exact)
        # many hits: walk the caller's index in its order and stop at a page; the unary +
        # keeps SQLite from driving the query (and its sort) from thousands of hits
        dense = RawSQL(f'+"{table}"."id" IN ({hits_sql})', (match,), output_field=BooleanField())
        return qs.alias(_fts_hit=dense).filter(_fts_hit=True).filter(exact)
    return qs.filter(exact)


# --- schema: created by a data migration of each model that has a ``search_terms`` column ----


def create_index(schema_editor, model) -> None:
    table, fts = model._meta.db_table, fts_table(model)
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in (
            f"CREATE VIRTUAL TABLE {fts} USING fts5(search_terms, content='{table}',"
            " content_rowid='id', tokenize='unicode61')",
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN"
            f" INSERT INTO {fts}(rowid, search_terms) VALUES (new.id, new.search_terms); END",
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN"
            f" INSERT INTO {fts}({fts}, rowid, search_terms)"
            f" VALUES ('delete', old.id, old.search_terms); END",
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF search_terms ON {table} BEGIN"
            f" INSERT INTO {fts}({fts}, rowid, search_terms)"
            f" VALUES ('delete', old.id, old.search_terms);"
            f" INSERT INTO {fts}(rowid, search_terms) VALUES (new.id, new.search_terms); END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        ):
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {table}_terms ON {table} USING GIN (string_to_array(search_terms, ' '))"
        )


def drop_index(schema_editor, model) -> None:
    table, fts = model._meta.db_table, fts_table(model)
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {fts}")
    elif vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_terms")
