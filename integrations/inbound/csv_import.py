"""Reading a departures CSV for the bulk start: the header check and the rows with their line numbers.

The header must be exactly `employee_external_id,kind,notice_date,last_working_day,reason`
(order as given; surrounding spaces and a UTF-8 byte-order mark are tolerated). Rows are checked
with the API's own serializer and started by the bulk start action.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from collections.abc import Callable

from rest_framework import serializers

from core import bulk, errors
from offboarding.actions import departures as departure_actions
from offboarding.api.serializers import DepartureTermsSerializer, terms_problems
from offboarding.models import OPEN_STATES, Departure, Employee

HEADER = ("employee_external_id", "kind", "notice_date", "last_working_day", "reason")


@dataclasses.dataclass
class ImportRow:
    """One input row as text, with the line it came from (for the report)."""

    line: int
    employee_external_id: str
    kind: str
    notice_date: str
    last_working_day: str
    reason: str = ""
    # Set by a reader that could not split the row (e.g. a wrong number of CSV columns).
    problem: str = ""


@dataclasses.dataclass
class RowError:
    line: int
    employee_external_id: str
    reason: str


@dataclasses.dataclass
class ImportReport:
    rows: int = 0
    created: list[Departure] = dataclasses.field(default_factory=list)
    errors: list[RowError] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "created": len(self.created),
            "failed": len(self.errors),
            "departures": [d.pk for d in self.created],
            "errors": [dataclasses.asdict(e) for e in self.errors],
        }


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
        header = next(_records(reader))
    except StopIteration:
        raise errors.InvalidInput(fields={"file": ["The file is empty."]}) from None
    if tuple(h.strip().lower() for h in header) != HEADER:
        raise errors.InvalidInput(fields={"header": [f"The header must be: {','.join(HEADER)}"]})
    rows = []
    for values in _records(reader):
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


def _records(reader):
    """The reader's records; a malformed file (a field beyond csv.field_size_limit, a stray quote) is
    bad input, reported with its line."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise errors.InvalidInput(fields={"file": [f"Line {reader.line_num}: {exc}"]}) from None


def departures_import_csv(
    *, text: str, actor=None, chunk_size: int | None = None, on_progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Read the CSV and start the departures of its valid rows."""
    rows = csv_rows_read(text=text)
    return departures_import(
        rows=rows, actor=actor, note="Bulk import (CSV)", chunk_size=chunk_size, on_progress=on_progress
    )


def _terms_checked(checker: DepartureTermsSerializer, given: tuple) -> tuple[dict, list[str]]:
    """A row's validated terms, or its problems as report lines."""
    kind, notice_date, last_working_day, reason = given
    data = {"kind": kind, "notice_date": notice_date, "last_working_day": last_working_day, "reason": reason}
    try:
        return checker.run_validation(data), []
    except serializers.ValidationError as exc:
        return {}, terms_problems(exc.detail)


def departures_import(
    *,
    rows: list[ImportRow],
    actor=None,
    note: str = "Bulk import",
    chunk_size: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate every row, then start the departures of the valid ones with the bulk start action.

    A row's kind, dates and reason are checked by the API's own DepartureTermsSerializer. A row
    also fails for an unknown employee, the same employee twice in the input (every occurrence
    fails, since the intended row is unclear), or an employee who already has an open departure.
    Without `chunk_size` all valid rows start in one transaction; with it, in transactions of that
    many rows. `on_progress(count)` hears how many rows were dealt with: the rejected ones after
    validation, then each chunk once it is committed. Conflict (409) if a departure for one of these
    employees is started concurrently (that chunk is not written).
    """
    with bulk.collection_paused():
        return _departures_import(rows, actor=actor, note=note, chunk_size=chunk_size, on_progress=on_progress)


def _departures_import(rows, *, actor, note, chunk_size, on_progress) -> ImportReport:
    report = ImportReport(rows=len(rows))
    ids = [row.employee_external_id.strip() for row in rows]
    counts = Counter(ids)
    employees = {
        e.external_id: e
        for e in Employee.objects.filter(external_id__in=[i for i in set(ids) if i]).select_related("manager")
    }
    busy = set(
        Departure.objects.filter(employee__in=list(employees.values()), state__in=OPEN_STATES).values_list(
            "employee_id", flat=True
        )
    )
    # One serializer for every row (a new one per row would copy its fields each time), and each
    # distinct set of terms checked once: a reorganisation's rows mostly share theirs.
    checker = DepartureTermsSerializer()
    checked: dict[tuple, tuple[dict, list[str]]] = {}
    valid: list[Departure] = []
    for row, external_id in zip(rows, ids, strict=True):
        if row.problem:
            report.errors.append(RowError(line=row.line, employee_external_id=external_id, reason=row.problem))
            continue
        problems = []
        employee = employees.get(external_id)
        if not external_id:
            problems.append("employee_external_id is empty")
        elif employee is None:
            problems.append(f"no employee with external id {external_id!r}")
        given = (row.kind, row.notice_date, row.last_working_day, row.reason)
        if given not in checked:
            checked[given] = _terms_checked(checker, given)
        terms, terms_errors = checked[given]
        problems += terms_errors
        if external_id and counts[external_id] > 1:
            problems.append("the same employee appears on more than one row")
        if employee is not None and employee.pk in busy:
            problems.append("this employee already has an open departure")
        if problems:
            report.errors.append(RowError(line=row.line, employee_external_id=external_id, reason="; ".join(problems)))
            continue
        valid.append(
            Departure(
                employee=employee,
                created_by=actor if getattr(actor, "pk", None) else None,
                **{k: v for k, v in terms.items() if k != "backdated"},
            )
        )
    if on_progress is not None and report.errors:
        on_progress(len(report.errors))  # rows dealt with: the rejected ones are done
    size = chunk_size or max(len(valid), 1)
    for start in range(0, len(valid), size):
        chunk = valid[start : start + size]
        report.created += departure_actions.departures_start(departures=chunk, actor=actor, note=note)
        if on_progress is not None:
            on_progress(len(chunk))
    return report
