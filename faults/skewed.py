"""A Celery worker with an embedded beat whose host clock runs ahead: `python -m faults.skewed SECONDS ARGS...`.

time-machine moves this process's clock (and the solo pool's, which runs in it); the database keeps its own.
"""

import datetime
import sys

import time_machine


def main() -> None:
    ahead = datetime.timedelta(seconds=float(sys.argv[1]))
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + ahead, tick=True):
        from config.celery import app

        app.worker_main(["worker", *sys.argv[2:]])


if __name__ == "__main__":
    main()
