"""SELECTs that every request runs, compiled by the ORM once per database connection.

Building and compiling a queryset costs the ORM ~0.3-0.5 ms of Python per query; the four
reads every authenticated API request makes (session, user, role grants, the reporter) were a
third of the CPU of creating a work order (py-spy, 3,000 creates). A ``ByKey`` query is built
by the ORM with one marker value, compiled once for each connection, and afterwards run
straight through that connection's cursor with the real value in the marker's place; the
ORM's own converters (decryption of encrypted fields, datetimes) are applied to the rows as
the ORM would. The SQL is the ORM's own: only queries with exactly one parameter, the lookup
key, are accepted, so the value's adaptation is the identity (an int or a str).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

_INT_MARK = -734_003_317  # no row has this id
_STR_MARK = "\x00gongzhi-prepared-marker\x00"


class ByKey:
    """``ByKey(lambda key: Model.objects.filter(x=key).values_list(...))``: ``rows(key)``
    returns the rows as ``list(queryset)`` would for that key (tuples)."""

    def __init__(self, build: Callable[[Any], QuerySet], *, key_type: type = int):
        if key_type not in (int, str):
            raise TypeError("ByKey takes int or str keys")
        self._build = build
        self._mark = _INT_MARK if key_type is int else _STR_MARK
        self.key_type = key_type

    def _compiled(self, conn):
        # cached on the connection wrapper, which belongs to one thread: converters are
        # bound to that connection's operations, so nothing is shared between threads
        cache = conn.__dict__.setdefault("_gongzhi_prepared", {})
        entry = cache.get(self)
        if entry is None:
            qs = self._build(self._mark)
            compiler = qs.query.get_compiler(using=conn.alias)
            sql, params = compiler.as_sql()
            if list(params) != [self._mark]:
                raise ValueError(f"ByKey needs exactly one parameter, the key: {params!r}")
            select = [s[0] for s in compiler.select]
            converters = [
                (pos, funcs, expr) for pos, (funcs, expr) in compiler.get_converters(select).items()
            ]
            entry = cache[self] = (sql, converters)
        return entry

    def rows(self, key, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        if not isinstance(key, self.key_type) or isinstance(key, bool):
            raise TypeError(f"key must be {self.key_type.__name__}")
        conn = connections[using]
        sql, converters = self._compiled(conn)
        with conn.cursor() as cur:
            cur.execute(sql, [key])
            rows = cur.fetchall()
        if not converters:
            return [tuple(r) for r in rows]
        out = []
        for row in rows:
            row = list(row)
            for pos, funcs, expr in converters:
                value = row[pos]
                for func in funcs:
                    value = func(value, expr, conn)
                row[pos] = value
            out.append(tuple(row))
        return out
