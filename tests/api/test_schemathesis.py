"""Every operation of the OpenAPI schema, fed generated input by schemathesis: no answer is a 5xx.

Examples are bounded (a few per operation, no shrinking) so the whole run stays well under a minute;
the calls go through the WSGI application in this process, as HR, on the test database."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from knox.models import AuthToken

from config.wsgi import application
from core import roles
from tests.factories import UserFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)

EXAMPLES_PER_OPERATION = 3


@pytest.fixture
def configured(settings):
    """Every integration configured, as in production (an unconfigured one answers 503 on purpose)."""
    settings.OUTBOUND_WEBHOOK_SECRET = "schema-test-secret"


@pytest.fixture
def hr_token(db, configured):
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
