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

from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models import QuerySet, signals

_INT_MARK = -734_003_317  # no row has this id
_STR_MARK = "\x00gongzhi-prepared-marker\x00"


def _converters(compiler, cols) -> list:
    """(position, converter functions, expression) for the columns that need converting, as
    the ORM's compiler lists them for ``cols``."""
    return [(pos, funcs, expr) for pos, (funcs, expr) in compiler.get_converters(cols).items()]


def _convert(row, converters, conn) -> list:
    """``row`` with each value passed through its converters, as the ORM applies them."""
    row = list(row)
    for pos, funcs, expr in converters:
        for func in funcs:
            row[pos] = func(row[pos], expr, conn)
    return row


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
            converters = _converters(compiler, [s[0] for s in compiler.select])
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
        return [tuple(_convert(row, converters, conn)) for row in rows]


class _InsertPlan:
    __slots__ = ("fields", "sql", "returning", "converters")

    def __init__(self, fields, sql, returning, converters):
        self.fields, self.sql, self.returning, self.converters = fields, sql, returning, converters


def _insert_plan(model, conn) -> _InsertPlan | None:
    """The INSERT … RETURNING of one new row of ``model`` (primary key from the database), as
    Django's own compiler writes it; None where this backend or model needs Django's path."""
    cache = conn.__dict__.setdefault("_gongzhi_prepared", {})
    key = ("insert", model)
    if key in cache:
        return cache[key]
    meta = model._meta
    plan = None
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    if (
        conn.features.can_return_columns_from_insert
        and meta.auto_field is not None
        and not any(hasattr(f, "get_placeholder") for f in fields)
    ):
        from django.db.models import sql

        query = sql.InsertQuery(model)
        query.insert_values(fields, [model()])
        compiler = query.get_compiler(connection=conn)
        compiler.returning_fields = meta.db_returning_fields
        statements = compiler.as_sql()
        if len(statements) == 1 and len(statements[0][1]) == len(fields):
            returning = list(meta.db_returning_fields)
            converters = _converters(compiler, [f.get_col(meta.db_table) for f in returning])
            plan = _InsertPlan(fields, statements[0][0], returning, converters)
    cache[key] = plan
    return plan


class CompiledInsert(models.Model):
    """Mixin for models created on hot paths (a work order and its event and notification, a
    chat message): a new row is inserted with SQL that Django's compiler wrote once per
    connection. Values still go through each field's ``pre_save`` and ``get_db_prep_save``
    (defaults, ``auto_now``, files, encryption), ``pre_save`` / ``post_save`` are sent, and
    the database's primary key is set, as ``Model.save`` does; updates, explicit primary
    keys, expressions as values and other backends take Django's own path. Compiling each
    INSERT was ~0.15 ms of Python (py-spy, benchmarks/workorders.py)."""

    class Meta:
        abstract = True

    def save_base(
        self, raw=False, force_insert=False, force_update=False, using=None, update_fields=None
    ):
        meta = self._meta
        if (
            raw
            or force_update
            or update_fields
            or not self._state.adding
            or meta.proxy
            or meta.parents
            or meta.order_with_respect_to
            or self._is_pk_set(meta)
        ):
            return super().save_base(raw, force_insert, force_update, using, update_fields)
        using = using or router.db_for_write(type(self), instance=self)
        conn = connections[using]
        plan = _insert_plan(type(self), conn)
        if plan is None or any(
            hasattr(getattr(self, f.attname), "resolve_expression") for f in plan.fields
        ):
            return super().save_base(raw, force_insert, force_update, using, update_fields)
        signals.pre_save.send(
            sender=type(self), instance=self, raw=False, using=using, update_fields=None
        )
        with transaction.mark_for_rollback_on_error(using=using):
            params = [
                f.get_db_prep_save(f.pre_save(self, True), connection=conn) for f in plan.fields
            ]
            with conn.cursor() as cur:
                cur.execute(plan.sql, params)
                row = _convert(cur.fetchone(), plan.converters, conn)
        for value, field in zip(row, plan.returning, strict=True):
            setattr(self, field.attname, value)
        self._state.db = using
        self._state.adding = False
        signals.post_save.send(
            sender=type(self),
            instance=self,
            created=True,
            update_fields=None,
            raw=False,
            using=using,
        )

    save_base.alters_data = True
