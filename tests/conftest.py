"""Shared fixtures: an organisation with every role, API clients, and service availability."""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from core import roles
from tests.factories import EmployeeFactory, UserFactory
from tests.helpers import LAST_WORKING_DAY, NOTICE_DATE, DovecotServer, RadicaleServer, reachable, service_missing


def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_available():
    parsed = urlparse(redis_url())
    if not reachable(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        service_missing(f"Redis is not reachable at {redis_url()}")
    return redis_url()


@pytest.fixture
def postgres_required():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        service_missing("This test needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture(autouse=True)
def empty_cache():
    """The login counters and throttles live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def default_templates(request):
    """The data migration installs the default checklist templates, but a transactional test
    truncates every table; reinstalling them (idempotent) keeps tests independent of their order."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        from workflows.services import templates_install_defaults

        request.getfixturevalue("db")
        templates_install_defaults()


@dataclass
class Org:
    """The demo-like organisation: a chain ceo > manager > employee, and a manager elsewhere."""

    hr: object
    manager: object
    manager2: object
    employee: object
    interviewer: object
    it: object
    facilities: object
    payroll: object
    ceo: object
    outsider: object
    employee_record: object
    manager_record: object
    manager2_record: object
    ceo_record: object


@pytest.fixture
def org(db) -> Org:
    hr = UserFactory(username="hr", groups=[roles.HR])
    interviewer = UserFactory(username="interviewer", groups=[roles.INTERVIEWER])
    it = UserFactory(username="it", groups=[roles.IT])
    facilities = UserFactory(username="facilities", groups=[roles.FACILITIES])
    payroll = UserFactory(username="payroll", groups=[roles.PAYROLL])
    ceo = UserFactory(username="ceo")
    manager = UserFactory(username="manager")
    manager2 = UserFactory(username="manager2")
    employee = UserFactory(username="employee")
    outsider = UserFactory(username="outsider")
    ceo_record = EmployeeFactory(name="Cecilia CEO", user=ceo, department="Management")
    manager_record = EmployeeFactory(name="Maja Manager", user=manager, manager=ceo_record)
    manager2_record = EmployeeFactory(name="Mats Manager", user=manager2, manager=ceo_record, department="Sales")
    employee_record = EmployeeFactory(name="Erik Employee", user=employee, manager=manager_record)
    EmployeeFactory(name="Olle Outsider", user=outsider, manager=manager2_record, department="Sales")
    EmployeeFactory(name="Hanna HR", user=hr, department="People")
    EmployeeFactory(name="Ivar Interviewer", user=interviewer, department="People")
    EmployeeFactory(name="Ida IT", user=it, department="IT")
    return Org(
        hr=hr,
        manager=manager,
        manager2=manager2,
        employee=employee,
        interviewer=interviewer,
        it=it,
        facilities=facilities,
        payroll=payroll,
        ceo=ceo,
        outsider=outsider,
        employee_record=employee_record,
        manager_record=manager_record,
        manager2_record=manager2_record,
        ceo_record=ceo_record,
    )


@pytest.fixture
def start_departure(org):
    """Start a departure through the real service, as HR would (default: for `employee`)."""

    from offboarding.actions import departures as departure_actions

    def start(employee=None, **overrides):
        fields = {
            "employee": employee or org.employee_record,
            "kind": "resignation",
            "notice_date": NOTICE_DATE,
            "last_working_day": LAST_WORKING_DAY,
            "reason": "career",
            "actor": org.hr,
        }
        fields.update(overrides)
        return departure_actions.departure_start(**fields)

    return start


@pytest.fixture
def api():
    """An API client factory: api(user) is a client authenticated as that user (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture(scope="session")
def dovecot():
    """A Dovecot IMAP server on loopback for the session (Debian's dovecot-imapd); each test logs in as a
    user of its own, so it reads a fresh mailbox."""
    if shutil.which("dovecot") is None:
        service_missing("Dovecot is not installed (apt-get install dovecot-imapd)")
    server = DovecotServer().start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def radicale(tmp_path_factory):
    """A Radicale CalDAV server on loopback for the session; each test makes calendars of its own."""
    if importlib.util.find_spec("radicale") is None:
        service_missing("Radicale is not installed (pip install -e '.[dev]')")
    server = RadicaleServer(tmp_path_factory.mktemp("radicale")).start()
    yield server
    server.stop()
