"""Every operation of the OpenAPI schema, fed generated input by schemathesis: no answer is a 5xx.

Examples are bounded (two per operation, no shrinking) so the whole run stays well under a minute;
the calls go through the WSGI application in this process, as HR, on the test database."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from knox.models import AuthToken

from config.wsgi import application
from core import roles
from tests.factories import UserFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@schemathesis.serializer("message/rfc822")
def raw_mime(ctx, value) -> dict:
    """The inbound-mail webhook takes a raw message: send the generated value as its bytes."""
    return {"data": value if isinstance(value, bytes) else str(value).encode()}


EXAMPLES_PER_OPERATION = 2


@pytest.fixture
def configured(settings):
    """Every integration configured, as in production (an unconfigured one answers 503 on purpose)."""
    settings.OUTBOUND_WEBHOOK_SECRET = "schema-test-secret"
    settings.INBOUND_MAIL_SECRET = "schema-test-secret"


@pytest.fixture
def in_test_transaction():
    """Calling the WSGI application directly would close the database connection after each request
    (Django's request signals), ending the test's transaction; the test client unhooks them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def hr_token(db, configured, in_test_transaction):
    user = UserFactory(username="schema-hr", groups=[roles.HR])
    return AuthToken.objects.create(user=user)[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@pytest.mark.django_db
def test_no_operation_answers_5xx(case, hr_token):
    response = case.call(headers={"Authorization": f"Token {hr_token}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:500]}"
    )
