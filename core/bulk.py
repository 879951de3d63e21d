"""Bulk inserts: PostgreSQL COPY into a staging table, then INSERT … ON CONFLICT DO NOTHING.

COPY streams rows without a statement per batch or parameter limits; the INSERT from the staging
table keeps the unique constraints (idempotency keys) deciding what is new. Other databases, and
batches too small to repay the staging table, take the ORM's bulk_create(ignore_conflicts=True).
"""

from __future__ import annotations

import enum
import itertools
import json
from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import JSONField, Model

# Below this many rows the staging table costs more than the ORM's multi-row INSERT.
COPY_MIN_ROWS = 200
_staging_names = itertools.count()


def uses_copy(count: int) -> bool:
    return connection.vendor == "postgresql" and count >= COPY_MIN_ROWS


def bulk_insert(objs: Sequence[Model], *, returning: Sequence[str] = ()) -> list[tuple]:
    """Insert unsaved model instances, skipping rows that conflict with a unique constraint.

    With `returning` (attnames, e.g. "id", "workflow_id", "key"), returns one tuple per inserted
    row; objects are not updated in place, so match them on a unique value. The ORM path skips
    conflicts only without `returning` (rows asked back are expected to be new).
    """
    if not objs:
        return []
    model = type(objs[0])
    if not uses_copy(len(objs)):
        return _orm_insert(model, objs, returning)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key or getattr(objs[0], f.attname) is not None]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    staging = f"bulk_staging_{next(_staging_names)}"
    by_attname = {f.attname: f.column for f in meta.concrete_fields}
    returned = ", ".join(connection.ops.quote_name(by_attname[name]) for name in returning) or "1"
    # No savepoint of its own: a failure here fails the caller's transaction anyway.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Same column types as the table, none of its constraints or defaults: COPY only has to parse.
        cursor.execute(f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA")
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(_row(obj, fields))
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "
            f"ON CONFLICT DO NOTHING RETURNING {returned}"
        )
        rows = cursor.fetchall()
        cursor.execute(f"DROP TABLE {staging}")
    return [tuple(row) for row in rows] if returning else []


def _row(obj: Model, fields) -> list:
    """The values COPY writes for one object, as bulk_create would prepare them, for a fraction of
    the cost: only timestamps set on save and JSON need preparing; psycopg adapts the rest."""
    row = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = field.pre_save(obj, True)
        else:
            value = getattr(obj, field.attname)
        if isinstance(field, JSONField):
            value = None if value is None and field.null else json.dumps(value, cls=field.encoder)
        elif isinstance(value, enum.Enum):
            value = value.value
        row.append(value)
    return row


def _orm_insert(model, objs: Sequence[Model], returning: Sequence[str]) -> list[tuple]:
    if returning:
        # Rows asked back are new rows (fresh steps): a plain bulk_create fills in their keys.
        model._default_manager.bulk_create(objs, batch_size=500)
        return [tuple(getattr(obj, name) for name in returning) for obj in objs]
    model._default_manager.bulk_create(objs, ignore_conflicts=True, batch_size=500)
    return []
