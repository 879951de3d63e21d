"""Run the fault cases: `python -m faults [case ...]` (make faults). One JSON line per case.

Environment: FAULTS_SCALE=small|full (default small), FAULTS_DATABASE_URL (a PostgreSQL database
this run drops and creates; default postgres://postgres@127.0.0.1:5432/offboarding_faults). The run
starts its own Redis (redis-server on a free port, append-only file), an SMTP server on loopback,
gunicorn, Celery workers and beats; logs go to var/faults/logs, results also to var/faults/latest.jsonl.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import traceback

from faults import harness


def main(argv: list[str]) -> int:
    scale_name = os.environ.get("FAULTS_SCALE", "small")
    database_url = os.environ.get("FAULTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/offboarding_faults")
    if shutil.which("redis-server") is None:
        print("make faults needs redis-server on PATH (apt-get install redis-server).", file=sys.stderr)
        return 2
    shutil.rmtree(harness.VAR, ignore_errors=True)
    (harness.VAR / "logs").mkdir(parents=True)

    scale = harness.Scale.named(scale_name)
    smtp = harness.SmtpServer()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "faults.settings",
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "EMAIL_TIMEOUT": str(min(10, scale.time_limit // 2)),
        "OUTBOX_RETRY_BASE_SECONDS": str(scale.retry_base),
        "SITE_URL": "https://offboarding.faults.test",
        "CELERY_TASK_TIME_LIMIT": str(scale.time_limit),
        "FAULTS_SWEEP_SECONDS": str(scale.sweep),
        "PYTHONPATH": str(harness.ROOT),
    }
    redis = harness.RedisServer(env)
    env["CELERY_BROKER_URL"] = redis.url
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})

    harness.database_recreate(database_url)
    migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
    subprocess.run(migrate, cwd=harness.ROOT, env=env, check=True)
    import django

    django.setup()
    # The cases use the ORM: imported once Django is set up.
    from faults.cases import CASES, Run

    wanted = argv or list(CASES)
    unknown = [name for name in wanted if name not in CASES]
    if unknown:
        print(f"Unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}", file=sys.stderr)
        return 2
    smtp.start()
    redis.start()
    run = Run(scale=scale, env=env, smtp=smtp, redis=redis, web_port=harness.free_port())
    failures = 0
    try:
        for name in wanted:
            run.reset()
            started = time.monotonic()
            try:
                result = CASES[name](run)
            except Exception as exc:
                traceback.print_exc()
                result = {"error": f"{type(exc).__name__}: {exc}", "ok": False}
            finally:
                run.redis.resume()
            if run.redis.process.popen.poll() is not None:
                run.redis.start()
            result = {"case": name, "scale": scale_name, **result, "case_seconds": round(time.monotonic() - started, 1)}
            if run.restarts:
                result["processes_restarted"] = dict(run.restarts)
            harness.emit(result)
            failures += result.get("ok") is False
    finally:
        run.stop_all()
        redis.stop()
        smtp.stop()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
