"""Who manages whom, walking up the reporting line: same answers as collecting everyone below, and
rendering an approval request costs the same few queries however large the organisation is."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offboarding import access
from offboarding.models import Employee
from tests.factories import EmployeeFactory, UserFactory
from workflows.outbox.models import ScheduledAction
from workflows.outbox.registry import get_renderer

pytestmark = pytest.mark.django_db


def _tree():
    """A top, two heads, teams of three below each, and one report more below a team member."""
    people = []

    def person(manager=None):
        user = UserFactory()
        record = EmployeeFactory(user=user, manager=manager)
        people.append(record)
        return record

    top = person()
    for _ in range(2):
        head = person(top)
        for _ in range(3):
            member = person(head)
        person(member)
    person()  # someone outside the tree
    return people


def test_walking_up_answers_what_collecting_everyone_below_answers():
    people = _tree()
    # A loop in the data (two people each other's manager) must end both walks.
    looped = people[-1]
    other = EmployeeFactory(user=UserFactory(), manager=looped)
    Employee.objects.filter(pk=looped.pk).update(manager=other)
    people[-1] = Employee.objects.get(pk=looped.pk)
    people.append(other)

    for boss in people:
        below = access.managed_employee_ids(User.objects.get(pk=boss.user_id))
        for employee in people:
            fresh = User.objects.get(pk=boss.user_id)  # no collected set on it: the upward walk answers
            assert access.is_manager_of(employee, fresh) == (employee.pk in below), (boss, employee)


def _approval_row(org, departure):
    rows = ScheduledAction.objects.filter(handler="departure_approval_request", payload__round=0)
    return rows.get(recipient=org.manager_record.email)


def _queries(render, row):
    with CaptureQueriesContext(connection) as captured:
        assert render(row) is not None
    return len(captured.captured_queries)


def test_rendering_an_approval_request_does_not_read_the_managers_organisation(org, start_departure):
    render = get_renderer("departure_approval_request")
    departure = start_departure()
    row = _approval_row(org, departure)
    small = _queries(render, row)

    # The manager gets a large organisation below them: the check walks up from the leaver instead.
    for _ in range(30):
        lead = EmployeeFactory(manager=org.manager_record)
        EmployeeFactory.create_batch(5, manager=lead)

    assert _queries(render, row) == small <= 8


def test_the_direct_managers_request_renders_in_one_query(org, start_departure):
    # The departure, the leaver, their manager and the manager's login come in one read; the
    # manager is the leaver's direct one, so no walk up the line is needed. The second statement
    # writes the cycle's next row, the first reminder.
    row = _approval_row(org, start_departure())

    assert _queries(get_renderer("departure_approval_request"), row) == 2


def test_a_request_to_someone_no_longer_the_manager_renders_nothing(org, start_departure):
    departure = start_departure()
    row = _approval_row(org, departure)
    Employee.objects.filter(pk=org.employee_record.pk).update(manager=org.manager2_record)

    assert get_renderer("departure_approval_request")(row) is None


def test_a_request_to_a_second_line_manager_still_renders(org, start_departure):
    departure = start_departure()
    row = _approval_row(org, departure)
    # The leaver moves under a new lead who reports to the manager: still above them in the line.
    lead = EmployeeFactory(user=UserFactory(), manager=org.manager_record)
    Employee.objects.filter(pk=org.employee_record.pk).update(manager=lead)

    assert get_renderer("departure_approval_request")(row) is not None
