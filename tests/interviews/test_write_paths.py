"""Confidentiality through writes: nobody gains read access by assigning themself, linking a login or
reorganising the reporting line; every such write re-checks the rule and is audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from core import errors, roles
from offboarding.actions import employees as employee_actions
from offboarding.actions import interviews as interview_actions
from offboarding.models import EmployeeChange
from tests.factories import EmployeeFactory, UserFactory
from tests.helpers import grant_read_answers
from workflows.outbox.models import ScheduledAction


def _answers(api, user, interview):
    return api(user).get(f"/api/v1/interviews/{interview.pk}/responses/")


def _grant_link(user):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="offboarding", codename="link_employee_login")
    )


def test_hr_without_the_permission_cannot_reassign_the_interview_to_themself(schedule, org, api):
    interview = schedule()

    response = api(org.hr).post(
        f"/api/v1/interviews/{interview.pk}/reassign/", {"interviewer": org.hr.pk}, format="json"
    )

    assert response.status_code == 403, response.content
    interview.refresh_from_db()
    assert interview.interviewer == org.interviewer
    assert _answers(api, org.hr, interview).status_code == 403


def test_hr_in_the_interviewer_group_without_the_permission_cannot_take_the_interview_over(schedule, org, api):
    org.hr.groups.add(*org.interviewer.groups.all())
    interview = schedule()

    response = api(org.hr).post(
        f"/api/v1/interviews/{interview.pk}/reassign/", {"interviewer": org.hr.pk}, format="json"
    )

    assert response.status_code == 403


def test_hr_with_the_permission_may_take_the_interview_over(schedule, org, api):
    grant_read_answers(org.hr)
    interview = schedule()

    response = api(org.hr).post(
        f"/api/v1/interviews/{interview.pk}/reassign/", {"interviewer": org.hr.pk}, format="json"
    )

    assert response.status_code == 200, response.content


def test_hr_without_the_permission_is_not_an_eligible_interviewer(schedule, org):
    with pytest.raises(errors.InvalidInput) as caught:
        schedule(interviewer=UserFactory(username="hr2", groups=[roles.HR]))
    assert "interviewer" in caught.value.fields


def test_an_assignment_alone_grants_no_reading(schedule, org, api):
    interview = schedule()
    hr2 = UserFactory(username="hr2", groups=[roles.HR])
    type(interview).objects.filter(pk=interview.pk).update(interviewer=hr2)  # e.g. assigned before the rule

    assert _answers(api, hr2, interview).status_code == 403


def test_the_login_is_not_a_field_of_the_employee_api(org, api):
    response = api(org.hr).patch(f"/api/v1/employees/{org.employee_record.pk}/", {"user": org.hr.pk}, format="json")

    assert response.status_code == 400
    assert "user" in response.json()["fields"]
    org.employee_record.refresh_from_db()
    assert org.employee_record.user == org.employee


def test_linking_a_login_needs_the_dedicated_permission(org, api):
    stranger = UserFactory(username="stranger")
    record = EmployeeFactory(name="New Person")

    refused = api(org.hr).post(f"/api/v1/employees/{record.pk}/login/", {"user": stranger.pk}, format="json")
    _grant_link(org.hr)
    org.hr = type(org.hr).objects.get(pk=org.hr.pk)  # permissions are cached per user object
    linked = api(org.hr).post(f"/api/v1/employees/{record.pk}/login/", {"user": stranger.pk}, format="json")

    assert refused.status_code == 403
    assert linked.status_code == 200, linked.content
    change = EmployeeChange.objects.get(employee=record)
    assert (change.field, change.new_value, change.actor) == ("user", "stranger", org.hr)


def test_nobody_links_their_own_login_to_the_leaver(schedule, org, api):
    _grant_link(org.hr)
    interview = schedule()
    org.employee_record.user = None
    org.employee_record.save()

    response = api(org.hr).post(
        f"/api/v1/employees/{org.employee_record.pk}/login/", {"user": org.hr.pk}, format="json"
    )

    assert response.status_code == 403
    assert _answers(api, org.hr, interview).status_code == 403


def test_the_admin_cannot_relink_a_login_as_a_field(client, org, schedule, api):
    interview = schedule()
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_employee"))
    staff.user_permissions.add(Permission.objects.get(codename="view_employee"))
    client.force_login(staff)
    record = org.employee_record
    data = {
        "external_id": record.external_id,
        "name": record.name,
        "email": record.email,
        "personal_email": "",
        "manager": record.manager_id,
        "department": record.department,
        "country": record.country,
        "time_zone": record.time_zone,
        "language": record.language,
        "work_starts": "09:00",
        "work_ends": "17:00",
        "user": staff.pk,
        "link_login": staff.pk,
        "changes-TOTAL_FORMS": "0",
        "changes-INITIAL_FORMS": "0",
    }

    response = client.post(f"/admin/offboarding/employee/{record.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    record.refresh_from_db()
    assert record.user == org.employee
    assert _answers(api, staff, interview).status_code == 404


def test_a_reorganisation_that_makes_the_interviewer_a_manager_reassigns_the_interview(schedule, org, api):
    second = UserFactory(username="interviewer2", groups=[roles.INTERVIEWER])
    EmployeeFactory(name="Ina Interviewer", user=second, department="People")
    interview = schedule(interviewer=org.interviewer)
    interviewer_record = org.interviewer.employee

    response = api(org.hr).patch(
        f"/api/v1/employees/{org.employee_record.pk}/", {"manager": interviewer_record.pk}, format="json"
    )

    assert response.status_code == 200, response.content
    interview.refresh_from_db()
    assert interview.interviewer == second
    assert _answers(api, org.interviewer, interview).status_code == 403  # now the manager: the state, never the answers
    told = ScheduledAction.objects.filter(handler="interview_interviewer_removed")
    assert {a.recipient for a in told} == {org.hr.employee.email}
    change = EmployeeChange.objects.get(employee=org.employee_record, field="manager")
    assert change.new_value == interviewer_record.external_id and change.actor == org.hr


def test_a_reorganisation_higher_up_reaches_the_interview_below(schedule, org, api):
    interview = schedule(interviewer=org.interviewer)

    # The interviewer becomes the manager's manager: now in the leaver's chain, two levels up.
    api(org.hr).patch(
        f"/api/v1/employees/{org.manager_record.pk}/", {"manager": org.interviewer.employee.pk}, format="json"
    )

    interview.refresh_from_db()
    # No other eligible interviewer here: the interview stays for HR to sort out, but the access is gone.
    assert (
        _answers(api, org.interviewer, interview).status_code == 403
    )  # now in the chain: the state, never the answers
    assert ScheduledAction.objects.filter(handler="interview_interviewer_removed").exists()


def test_nobody_changes_their_own_manager(org, api):
    own = org.hr.employee

    response = api(org.hr).patch(f"/api/v1/employees/{own.pk}/", {"manager": org.ceo_record.pk}, format="json")

    assert response.status_code == 403
    own.refresh_from_db()
    assert own.manager is None


def test_the_link_action_refuses_ones_own_record(org):
    _grant_link(org.hr)
    with pytest.raises(errors.PermissionDenied):
        employee_actions.employee_link_user(employee=org.hr.employee, user=None, actor=org.hr)


def test_the_departure_reason_is_for_hr_only(start_departure, org, api, clock):
    departure = start_departure()

    seen_by = {
        name: api(user).get(f"/api/v1/departures/{departure.pk}/").json()
        for name, user in (("hr", org.hr), ("manager", org.manager), ("employee", org.employee))
    }

    assert seen_by["hr"]["reason"] == "career"
    assert "reason" not in seen_by["manager"] and "reason" not in seen_by["employee"]
    listed = api(org.manager).get("/api/v1/departures/").json()["results"]
    assert listed and all("reason" not in row for row in listed)


def test_the_reassignment_keeps_the_interviewer_rule_after_the_fact(schedule, org):
    schedule()
    changed = interview_actions.exit_interviews_reporting_line_changed(employee=org.employee_record, actor=org.hr)
    assert changed == []


def test_the_admin_links_a_login_through_the_audited_action(client, org):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    newcomer = UserFactory(username="newcomer")
    record = EmployeeFactory(name="New Person")
    client.force_login(admin)

    response = client.post(
        f"/admin/offboarding/employee/{record.pk}/change/",
        {
            "external_id": record.external_id,
            "name": record.name,
            "email": record.email,
            "country": record.country,
            "time_zone": record.time_zone,
            "language": record.language,
            "work_starts": "09:00",
            "work_ends": "17:00",
            "link_login": newcomer.pk,
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    record.refresh_from_db()
    assert record.user == newcomer
    change = EmployeeChange.objects.get(employee=record)
    assert (change.field, change.new_value, change.actor, change.note) == (
        "user",
        "newcomer",
        admin,
        "Linked in the admin",
    )
