"""Run every benchmark: `python -m benchmarks` (make bench).

Each benchmark module in this package has run() -> list[str]; each figure it prints is a ratio
against a baseline measured in the same run, so the numbers compare across machines. The run
uses a throwaway test database: SQLite in memory by default, PostgreSQL when DATABASE_URL says so.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time

# The outbox sweep first: it is the benchmark the issue asks for; the others follow by name.
FIRST = ("outbox_sweep",)


def _modules() -> list[str]:
    import benchmarks

    names = [m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_")]
    return [n for n in FIRST if n in names] + sorted(n for n in names if n not in FIRST)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    only = set(sys.argv[1:])
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        for name in _modules():
            if only and name not in only:
                continue
            started = time.perf_counter()
            lines = importlib.import_module(f"benchmarks.{name}").run()
            print("\n".join(lines))
            print(f"  ({time.perf_counter() - started:.1f} s)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return 0


if __name__ == "__main__":
    sys.exit(main())
