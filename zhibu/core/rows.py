"""One row inserted by a statement built once: for the writes on the sign-in burst's path.

`Model.objects.create()` compiles its SQL anew on every call, which costs more than the insert itself.
The writes a 主题党日 morning repeats thousands of times a second (a board event, an audit entry) always
name the same columns, so `insert` builds their statement once per model and column set, and converts
each value by its field for the database in use, as the ORM would. It sends no model signals: it is only
for models nobody subscribes to.
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
