"""One row written by a statement built once: for the writes on the sign-in burst's path.

`Model.objects.create()` and `.filter(pk=...).update()` compile their SQL anew on every call, which costs
more than the write itself. The writes a 主题党日 morning repeats thousands of times a second (a board
event, an audit entry, a session kept alive) always name the same columns, so `insert` and `update` build
their statement once per model and column set, and convert each value by its field for the database in
use, as the ORM would. They send no model signals: they are only for models nobody subscribes to.
"""

from __future__ import annotations

from functools import cache

from django.db import connections, router


def insert(model, **values) -> int:
    """Insert one row of `model` with these field values (attnames, e.g. user_id); its primary key."""
    connection = connections[router.db_for_write(model)]
    sql, fields = _statement(model, tuple(values), connection.alias)
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.features.can_return_columns_from_insert:
            return cursor.fetchone()[0]
        return cursor.lastrowid


@cache
def _statement(model, names: tuple[str, ...], alias: str) -> tuple[str, list]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    if connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql, fields


def update(model, pk, **values) -> int:
    """Set these field values on the row of `model` with primary key `pk`; how many rows changed (0 or 1)."""
    connection = connections[router.db_for_write(model)]
    sql, fields = _update_statement(model, tuple(values), connection.alias)
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    params.append(model._meta.pk.get_db_prep_value(pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@cache
def _update_statement(model, names: tuple[str, ...], alias: str) -> tuple[str, list]:
    quote = connections[alias].ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(model._meta.pk.column),
    )
    return sql, fields
