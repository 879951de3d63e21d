"""Bulk inserts with PostgreSQL's COPY, in two kinds.

- Rows that may already exist (outbox rows, whose idempotency keys decide): COPY into a staging
  table, then INSERT … ON CONFLICT DO NOTHING, so the unique constraints decide what is new.
- Rows that cannot conflict with anything, because they belong to rows created in the same
  transaction (a fresh checklist's workflow and steps): primary keys are taken from the table's
  sequence first and the rows are copied straight into the table.

COPY streams rows without a statement per batch or parameter limits. Other databases, and batches
too small to repay it, take the ORM's bulk_create.
"""

from __future__ import annotations

import contextlib
import enum
import gc
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection, transaction
from django.db.models import JSONField, Model
from psycopg.types.json import Jsonb

# Below this many rows the staging table costs more than the ORM's multi-row INSERT.
COPY_MIN_ROWS = 200
_staging_names = itertools.count()


@contextlib.contextmanager
def collection_paused():
    """Pause Python's cyclic garbage collector around building a bulk write.

    A reorganisation's start allocates hundreds of thousands of small rows, and each allocation
    burst triggers collections that walk every live object: 40% of the start's Python time,
    measured. The rows hold no cycles; whatever garbage there is waits until the block ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def uses_copy(count: int) -> bool:
    return connection.vendor == "postgresql" and count >= COPY_MIN_ROWS


def insert_rows(model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert rows given as plain values in `attnames` order, skipping rows that conflict with a
    unique constraint (outbox rows: their idempotency keys decide). On PostgreSQL through a staging
    table, no model instance built per row; elsewhere the columns not named take their defaults."""
    if not rows:
        return
    if not uses_copy(len(rows)):
        objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objs, ignore_conflicts=True, batch_size=500)
        return
    fields = _fields(model, attnames)
    _copy_staged(model, fields, _json_encoded(rows, fields))


def insert_new(objs: Sequence[Model]) -> None:
    """Insert unsaved instances that nothing can conflict with, giving each its primary key."""
    if not objs:
        return
    model = type(objs[0])
    if not uses_copy(len(objs)):
        model._default_manager.bulk_create(objs, batch_size=500)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    ids = insert_new_rows(model, [f.attname for f in fields], [_plain(obj, fields) for obj in objs])
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_new_rows(model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence]) -> list[int]:
    """Insert rows (plain values in `attnames` order) that nothing can conflict with; returns their
    primary keys in row order. On PostgreSQL the keys are taken from the table's sequence and the
    rows copied straight into the table."""
    if not rows:
        return []
    if not uses_copy(len(rows)):
        objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=500)
        return [obj.pk for obj in objs]
    fields = _fields(model, attnames)
    return _copy_new(model, fields, list(_json_encoded(rows, fields)))


def _fields(model: type[Model], attnames: Sequence[str]) -> list:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in attnames]


def _copy_new(model, fields, rows: list[Sequence]) -> list[int]:
    """Take len(rows) keys from the table's sequence and COPY the rows with them into the table."""
    meta = model._meta
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in [meta.pk, *fields])
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        # A violated constraint (one open departure per employee) raises Django's IntegrityError.
        with connection.wrap_database_errors, _binary_copy(cursor, meta.db_table, columns) as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row((pk, *row))
    return ids


def _json_encoded(rows: Iterable[Sequence], fields) -> Iterator[Sequence]:
    """The rows with their JSON values encoded with each field's own encoder, for a binary COPY."""
    positions = [i for i, f in enumerate(fields) if isinstance(f, JSONField)]
    if not positions:
        yield from rows
        return
    # Rows built from one prototype share their JSON values (a step's depends_on): encode each
    # object once. The memo holds the objects, so their ids stay theirs; it is bounded.
    seen: dict[int, tuple[object, str | None]] = {}
    for row in rows:
        row = list(row)
        for i in positions:
            value = row[i]
            known = seen.get(id(value))
            if known is not None and known[0] is value:
                row[i] = known[1]
                continue
            encoded = None if value is None and fields[i].null else _json(json.dumps(value, cls=fields[i].encoder))
            if len(seen) >= 4096:
                seen.clear()
            seen[id(value)] = (value, encoded)
            row[i] = encoded
        yield row


def _copy_staged(model, fields, rows: Iterable[Sequence]) -> None:
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    staging = f"bulk_staging_{next(_staging_names)}"
    # No savepoint of its own: a failure here fails the caller's transaction anyway.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # Same column types as the table, none of its constraints or defaults: COPY only has to parse.
        cursor.execute(f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA")
        with connection.wrap_database_errors, _binary_copy(cursor, staging, columns) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} ON CONFLICT DO NOTHING")
        cursor.execute(f"DROP TABLE {staging}")


def _as_is(text: str) -> str:
    return text


def _json(text: str) -> Jsonb:
    """JSON already encoded (with the field's own encoder), for a binary COPY to send as it is."""
    return Jsonb(text, dumps=_as_is)


@contextlib.contextmanager
def _binary_copy(cursor, table: str, columns: str):
    """COPY … FROM STDIN in PostgreSQL's binary format, typed from the table's own columns: the
    server reads values without parsing text (a third less time for a reorganisation's steps)."""
    cursor.execute(f"SELECT {columns} FROM {connection.ops.quote_name(table)} WHERE false")
    oids = [column.type_code for column in cursor.cursor.description]
    # cursor.cursor: the psycopg cursor under Django's wrapper.
    with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN (FORMAT binary)") as copy:
        copy.set_types(oids)
        yield copy


def update_one_field(objs: Sequence[Model], name: str) -> None:
    """Save one field of many saved instances: on PostgreSQL one UPDATE joined to the new values
    (two arrays), where bulk_update writes a CASE with a branch per row."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, [name], batch_size=500)
        return
    meta = model._meta
    field = meta.get_field(name)
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(meta.db_table)} AS t SET {qn(field.column)} = v.value "
        f"FROM unnest(%s::{meta.pk.db_type(connection)}[], %s::{field.db_type(connection)}[]) AS v(pk, value) "
        f"WHERE t.{qn(meta.pk.column)} = v.pk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [[obj.pk for obj in objs], [getattr(obj, field.attname) for obj in objs]])


def plain_values(obj: Model, attnames: Sequence[str]) -> list:
    """An unsaved instance's values for insert_rows and insert_new_rows: choices members as their
    values, timestamps set on save filled in (JSON is encoded by the insert)."""
    return _plain(obj, _fields(type(obj), attnames))


def _plain(obj: Model, fields) -> list:
    values = []
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = field.pre_save(obj, True)
        else:
            value = getattr(obj, field.attname)
        values.append(value.value if isinstance(value, enum.Enum) else value)
    return values
