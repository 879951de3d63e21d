"""Run every benchmark: `python -m benchmarks [name ...]` (make bench).

Each benchmark module here has run() -> list[str] of JSON lines, one per figure, each a ratio
against a baseline measured in the same run, so the figures compare across machines. The run
creates a throwaway database (DATABASE_URL's name + `_bench`) and drops it at the end.
"""

from __future__ import annotations

import importlib
import os
import sys
import time

ORDER = ("start_departures", "claim_due", "delivery", "departures_list")


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    only = [name for name in sys.argv[1:] if name in ORDER] or list(ORDER)
    if connection.vendor != "postgresql":
        print("The benchmarks measure PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from benchmarks._harness import clean

        for name in only:
            clean()
            started = time.perf_counter()
            for line in importlib.import_module(f"benchmarks.{name}").run():
                print(line, flush=True)
            print(f"# {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return 0


if __name__ == "__main__":
    sys.exit(main())
