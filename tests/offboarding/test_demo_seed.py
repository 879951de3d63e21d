"""The demo's history looks like what the product would have done: business days, working hours."""

import datetime

import pytest
from django.core.management import call_command

from offboarding.interviews.models import ExitInterview
from offboarding.models import Departure
from workflows.business_time import is_business_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def test_seeded_interviews_fall_in_working_hours_before_the_last_day(demo):
    interviews = ExitInterview.objects.select_related("departure__employee")
    assert interviews.count() >= 12
    for interview in interviews:
        employee, last_day = interview.departure.employee, interview.departure.last_working_day
        start, end = interview.start.astimezone(employee.tzinfo), interview.end.astimezone(employee.tzinfo)
        assert is_business_day(start.date(), employee.country), (employee.name, start)
        assert datetime.time(9) <= start.time() and end.time() <= datetime.time(17), (employee.name, start, end)
        assert start.date() == end.date() < last_day, (employee.name, start, last_day)


def test_seeded_departures_fall_on_business_days(demo):
    for departure in Departure.objects.select_related("employee"):
        country = departure.employee.country
        assert is_business_day(departure.last_working_day, country), departure
        assert is_business_day(departure.notice_date, country), departure
        assert departure.notice_date < departure.last_working_day
