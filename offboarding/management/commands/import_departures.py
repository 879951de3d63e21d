"""`manage.py import_departures FILE`: start many departures from a CSV, with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core import errors
from integrations.inbound.csv_import import HEADER, csv_rows_read, csv_text_decode, departures_import


class Command(BaseCommand):
    help = f"Start departures from a CSV file with the header {','.join(HEADER)}; invalid rows are reported."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV file ('-' reads standard input).")
        parser.add_argument("--chunk-size", type=int, default=1000, help="Rows per transaction (default 1000).")
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, file: str, chunk_size: int, no_progress: bool, **options):
        if file == "-":
            data = sys.stdin.buffer.read()
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"No such file: {file}")
            data = path.read_bytes()
        try:
            rows = csv_rows_read(text=csv_text_decode(data))
        except errors.InvalidInput as exc:
            raise CommandError(f"{exc.message} {exc.fields}") from None
        # The raw stream: OutputWrapper.write would add a newline to each of tqdm's carriage-return redraws.
        with tqdm(total=len(rows), unit="row", disable=no_progress, file=self.stderr._out) as bar:
            try:
                report = departures_import(
                    rows=rows,
                    actor=None,
                    note="Bulk import (command line)",
                    chunk_size=chunk_size,
                    on_progress=bar.update,
                )
            except errors.ApplicationError as exc:
                raise CommandError(exc.message) from None
        for error in report.errors:
            self.stdout.write(f"line {error.line} ({error.employee_external_id or '-'}): {error.reason}")
        style = self.style.SUCCESS if not report.errors else self.style.WARNING
        self.stdout.write(style(f"{len(report.created)} departures started, {len(report.errors)} rows rejected."))
