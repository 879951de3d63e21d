"""Reading a departures CSV for the bulk start: the header check and the rows with their line numbers.

The header must be exactly `employee_external_id,kind,notice_date,last_working_day,reason`
(order as given; surrounding spaces and a UTF-8 byte-order mark are tolerated). Validation of the
values and the creation live in offboarding.imports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from core import errors
from offboarding.actions.imports import ImportReport, ImportRow, departures_import

HEADER = ("employee_external_id", "kind", "notice_date", "last_working_day", "reason")


def csv_text_decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise errors.InvalidInput(fields={"file": ["The file is not UTF-8 text."]}) from None


def csv_rows_read(*, text: str) -> list[ImportRow]:
    """Parse the CSV into rows; InvalidInput (400) when the header is wrong or there are no rows.

    A row with the wrong number of columns becomes an ImportRow whose fields are blank, so it is
    reported (with its line) like any other invalid row instead of failing the whole file.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise errors.InvalidInput(fields={"file": ["The file is empty."]}) from None
    if tuple(h.strip().lower() for h in header) != HEADER:
        raise errors.InvalidInput(fields={"header": [f"The header must be: {','.join(HEADER)}"]})
    rows = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue  # blank lines are not rows
        if len(values) != len(HEADER):
            problem = f"the row has {len(values)} columns, expected {len(HEADER)}"
            rows.append(ImportRow(line, values[0].strip() if values else "", "", "", "", "", problem=problem))
            continue
        rows.append(ImportRow(line, *(v.strip() for v in values)))
    if not rows:
        raise errors.InvalidInput(fields={"file": ["The file has a header but no rows."]})
    return rows


def departures_import_csv(
    *, text: str, actor=None, chunk_size: int | None = None, on_progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Read the CSV and start the departures of its valid rows (offboarding.imports.departures_import)."""
    rows = csv_rows_read(text=text)
    return departures_import(
        rows=rows, actor=actor, note="Bulk import (CSV)", chunk_size=chunk_size, on_progress=on_progress
    )
