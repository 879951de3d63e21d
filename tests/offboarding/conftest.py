import datetime

import pytest

from offboarding import services


@pytest.fixture
def start_departure(org):
    """Start a departure for `employee` through the real service, as HR would."""

    def start(employee=None, **overrides):
        fields = {
            "employee": employee or org.employee_record,
            "kind": "resignation",
            "notice_date": datetime.date(2026, 11, 2),
            "last_working_day": datetime.date(2026, 12, 18),
            "reason": "career",
            "actor": org.hr,
        }
        fields.update(overrides)
        return services.departure_start(**fields)

    return start
