"""The production wiring: docker-compose.yml matches the settings, and production settings are safe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service():
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose()["services"])


def test_a_worker_consumes_the_sweep_queue_and_redis_keeps_an_append_only_file():
    services = compose()["services"]
    queues = {
        name: service["command"][service["command"].index("-Q") + 1].split(",")
        for name, service in services.items()
        if "worker" in service.get("command", []) and "-Q" in service["command"]
    }
    assert any("outbox-sweep" in q for q in queues.values()) and any("celery" in q for q in queues.values())
    redis = services["redis"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_app_services_share_one_configuration_pointing_at_the_compose_services():
    services = compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        assert services[name]["env_file"] == ".env"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_database_name_and_user_agree_with_postgres_service():
    services = compose()["services"]
    url = services["web"]["environment"]["DATABASE_URL"]
    pg = services["postgres"]["environment"]
    assert url.startswith(f"postgres://{pg['POSTGRES_USER']}:")
    assert url.endswith(f"/{pg['POSTGRES_DB']}")


def test_processes_run_the_projects_entry_points():
    services = compose()["services"]
    assert services["web"]["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_environment_variable_compose_sets_is_read_by_the_settings():
    settings_text = "".join(p.read_text() for p in (ROOT / "config" / "settings").glob("*.py"))
    for name in compose()["services"]["web"]["environment"]:
        assert f'"{name}"' in settings_text or name == "DJANGO_SETTINGS_MODULE", name


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "a-long-random-production-secret-for-the-deploy-check-0123456789",
    "CONFIDENTIAL_KEYS": "1:c2VjcmV0LWtleS1mb3ItdGhlLWRlcGxveS1jaGVjayE=",
    "ALLOWED_HOSTS": "offboarding.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
    "EMAIL_URL": "smtp://mail.example.com:25",
    "SITE_URL": "https://offboarding.example.com",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}
CONFIGURATION = ("DATABASE_URL", "EMAIL_URL", "SITE_URL", "CONFIDENTIAL_KEYS", "CACHE_URL", "SECRET_KEY")


def manage(*args, **environment):
    # The variables under test come only from here: the runner's own environment may hold any of them.
    base = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, *CONFIGURATION}}
    env = {**base, **{k: v for k, v in environment.items() if v is not None}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["DATABASE_URL", "EMAIL_URL", "SITE_URL", "CONFIDENTIAL_KEYS", "CACHE_URL"])
def test_production_settings_fail_at_start_without_their_configuration(missing):
    result = manage("check", **{**PRODUCTION, missing: None})
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize(
    "ring", ["", "1:not-base64!", "1:c2hvcnQ=", "one:c2VjcmV0LWtleS1mb3ItdGhlLWRlcGxveS1jaGVjayE="]
)
def test_production_settings_fail_at_start_on_a_bad_key_ring(ring):
    result = manage("check", **{**PRODUCTION, "CONFIDENTIAL_KEYS": ring})
    assert result.returncode != 0
    assert "CONFIDENTIAL_KEYS" in result.stderr


@pytest.mark.parametrize("ring", ["", "1:c2hvcnQ=", "garbage"])
def test_the_deploy_check_fails_on_an_empty_or_malformed_key_ring(ring):
    result = manage("check", "--deploy", DJANGO_SETTINGS_MODULE="config.settings.dev", CONFIDENTIAL_KEYS=ring)
    assert result.returncode != 0
    assert "feedback.E001" in result.stderr + result.stdout


def test_production_settings_refuse_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CONFIDENTIAL_KEYS")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "x.example.com"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_hold_no_demo_secrets():
    text = (ROOT / "config" / "settings" / "production.py").read_text() + (
        ROOT / "config" / "settings" / "base.py"
    ).read_text()
    assert "demo-secret" not in text
