"""The interviewer: neutral (never in the employee's management chain), balanced by load, changeable by HR."""

import datetime

import pytest
from django.contrib.auth.models import Group

from core import errors, roles
from offboarding.actions import interviews as interview_actions
from offboarding.interviews.models import ExitInterview, InterviewState
from offboarding.models import DepartureState
from tests.factories import DepartureFactory, EmployeeFactory, UserFactory
from tests.helpers import grant_read_answers

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def _busy(interviewer, org, n):
    for _ in range(n):
        ExitInterview.objects.create(
            departure=DepartureFactory(
                employee=EmployeeFactory(manager=org.manager2_record), state=DepartureState.INTERVIEW_SCHEDULED
            ),
            interviewer=interviewer,
            state=InterviewState.SCHEDULED,
        )


def test_a_dedicated_interviewer_is_preferred_at_equal_load(departure, org):
    assert interview_actions.interviewer_choose(departure=departure) == org.interviewer


def test_the_interviewer_with_the_fewest_active_interviews_is_chosen(departure, org):
    second = UserFactory(username="interviewer2", groups=[roles.INTERVIEWER])
    _busy(org.interviewer, org, 2)
    _busy(second, org, 1)
    assert interview_actions.interviewer_choose(departure=departure) == second


def test_a_dedicated_interviewer_is_chosen_over_hr_with_less_load(departure, org):
    _busy(org.interviewer, org, 1)
    assert interview_actions.interviewer_choose(departure=departure) == org.interviewer


def test_hr_stands_in_only_when_no_dedicated_interviewer_is_eligible(departure, org):
    Group.objects.get(name=roles.INTERVIEWER).user_set.set([org.manager])  # in the employee's chain
    grant_read_answers(org.hr)  # HR interviews only with the permission to read answers
    _busy(org.hr, org, 3)
    assert interview_actions.interviewer_choose(departure=departure) == org.hr


def test_hr_stands_in_when_the_dedicated_interviewer_has_no_free_slot(departure, org, schedule):
    grant_read_answers(org.hr)
    # Her working day (Auckland) never overlaps the employee's (Stockholm): no slot in the window.
    EmployeeFactory.create(user=UserFactory(username="far", groups=[roles.INTERVIEWER]), time_zone="Pacific/Auckland")
    Group.objects.get(name=roles.INTERVIEWER).user_set.remove(org.interviewer)
    interview = schedule()
    assert interview.interviewer == org.hr


def test_a_dedicated_interviewer_busy_at_the_asked_time_gives_way_to_the_next(departure, org, schedule):
    second = UserFactory(username="interviewer2", groups=[roles.INTERVIEWER])
    first = schedule(interviewer=org.interviewer)  # her first free slot
    other = DepartureFactory(
        employee=EmployeeFactory(manager=org.manager2_record),
        state=DepartureState.APPROVED,
        notice_date=departure.notice_date,
        last_working_day=departure.last_working_day,
    )
    _busy(second, org, 1)  # more load than org.interviewer, so only her clash sends the choice on
    chosen = schedule(departure=other, start=first.start)
    assert chosen.interviewer == second


def test_finished_interviews_do_not_count_as_load(departure, org):
    second = UserFactory(username="interviewer2", groups=[roles.INTERVIEWER])
    _busy(org.interviewer, org, 1)
    ExitInterview.objects.filter(interviewer=org.interviewer).update(state=InterviewState.CLOSED)
    _busy(second, org, 1)
    assert interview_actions.interviewer_choose(departure=departure) == org.interviewer


def test_the_manager_is_never_chosen_even_as_an_interviewer(departure, org):
    for person in (org.manager, org.ceo):
        person.groups.add(Group.objects.get(name=roles.INTERVIEWER))
    _busy(org.interviewer, org, 3)
    _busy(org.hr, org, 3)
    chosen = interview_actions.interviewer_choose(departure=departure)
    assert chosen not in (org.manager, org.ceo)


def test_anyone_above_the_employee_is_refused_when_hr_picks_them(schedule, org):
    org.ceo.groups.add(Group.objects.get(name=roles.INTERVIEWER))
    with pytest.raises(errors.InvalidInput) as caught:
        schedule(interviewer=org.ceo)
    assert "interviewer" in caught.value.fields


def test_the_employee_cannot_interview_themself(schedule, org):
    org.employee.groups.add(Group.objects.get(name=roles.INTERVIEWER))
    with pytest.raises(errors.InvalidInput):
        schedule(interviewer=org.employee)


def test_someone_outside_the_interviewer_and_hr_groups_is_refused(schedule, org):
    with pytest.raises(errors.InvalidInput):
        schedule(interviewer=org.it)


def test_no_eligible_interviewer_is_unprocessable(departure, org):
    Group.objects.get(name=roles.INTERVIEWER).user_set.clear()
    Group.objects.get(name=roles.HR).user_set.clear()
    with pytest.raises(errors.Unprocessable):
        interview_actions.interviewer_choose(departure=departure)


def test_the_api_answers_400_for_an_interviewer_in_the_chain(departure, org, api):
    org.manager.groups.add(Group.objects.get(name=roles.INTERVIEWER))
    response = api(org.hr).post(
        f"/api/v1/departures/{departure.pk}/interview/", {"interviewer": org.manager.pk}, format="json"
    )
    assert response.status_code == 400
    assert "interviewer" in response.data["fields"]


def test_hr_reassigns_to_someone_outside_the_chain_only(schedule, org):
    interview = schedule()
    with pytest.raises(errors.InvalidInput):
        interview_actions.exit_interview_reassign(interview=interview, actor=org.hr, interviewer=org.manager)
    second = UserFactory(username="interviewer2", groups=[roles.INTERVIEWER])
    moved = interview_actions.exit_interview_reassign(interview=interview, actor=org.hr, interviewer=second)
    assert moved.interviewer == second
