"""The confidentiality matrix through writes: someone tries a write that would make them a reader of the
answers (assigning themself, linking a login, a reorganisation, an admin edit), then reads every view of
the interview. Whatever the write answered, the answers never reach them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from core import roles
from tests.factories import UserFactory
from tests.helpers import SECRET, SECRET_NOTE

pytestmark = pytest.mark.django_db


def _reassign_to_self(ctx):
    """HR without the answers permission hands the interview to themself."""
    ctx.api(ctx.org.hr).post(
        f"/api/v1/interviews/{ctx.interview.pk}/reassign/", {"interviewer": ctx.org.hr.pk}, format="json"
    )
    return ctx.org.hr


def _reassign_to_self_as_interviewer_group_member(ctx):
    """HR also in the interviewer group, still without the permission, does the same."""
    ctx.org.hr.groups.add(*ctx.org.interviewer.groups.all())
    return _reassign_to_self(ctx)


def _relink_through_the_api_field(ctx):
    """HR links the leaver's record to their own login as a plain field edit."""
    ctx.api(ctx.org.hr).patch(
        f"/api/v1/employees/{ctx.org.employee_record.pk}/", {"user": ctx.org.hr.pk}, format="json"
    )
    return ctx.org.hr


def _relink_through_the_link_endpoint(ctx):
    """HR without the link-login permission uses the dedicated endpoint."""
    ctx.api(ctx.org.hr).post(
        f"/api/v1/employees/{ctx.org.employee_record.pk}/login/", {"user": ctx.org.hr.pk}, format="json"
    )
    return ctx.org.hr


def _relink_own_login_with_the_permission(ctx):
    """HR holding the link-login permission links their own login to the leaver."""
    ctx.org.hr.user_permissions.add(Permission.objects.get(codename="link_employee_login"))
    ctx.api(ctx.org.hr).post(
        f"/api/v1/employees/{ctx.org.employee_record.pk}/login/", {"user": ctx.org.hr.pk}, format="json"
    )
    return ctx.org.hr


def _relink_in_the_admin(ctx):
    """A staff user with only "change employee" edits the leaver's record in the admin."""
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_employee", "view_employee"]))
    ctx.client.force_login(staff)
    record = ctx.org.employee_record
    ctx.client.post(
        f"/admin/offboarding/employee/{record.pk}/change/",
        {
            "external_id": record.external_id,
            "name": record.name,
            "email": record.email,
            "manager": record.manager_id,
            "country": record.country,
            "time_zone": record.time_zone,
            "language": record.language,
            "work_starts": "09:00",
            "work_ends": "17:00",
            "user": staff.pk,
            "link_login": staff.pk,
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        },
    )
    return staff


def _reorganisation(ctx):
    """HR makes the interviewer the leaver's manager; the interviewer is now in the chain."""
    interviewer_record = ctx.org.interviewer.employee
    ctx.api(ctx.org.hr).patch(
        f"/api/v1/employees/{ctx.org.employee_record.pk}/", {"manager": interviewer_record.pk}, format="json"
    )
    return ctx.org.interviewer


def _reorganisation_in_the_admin(ctx):
    """The same reorganisation one level up, through the admin: the interviewer becomes the manager's manager."""
    ctx.client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    record = ctx.org.manager_record
    ctx.client.post(
        f"/admin/offboarding/employee/{record.pk}/change/",
        {
            "external_id": record.external_id,
            "name": record.name,
            "email": record.email,
            "manager": ctx.org.interviewer.employee.pk,
            "country": record.country,
            "time_zone": record.time_zone,
            "language": record.language,
            "work_starts": "09:00",
            "work_ends": "17:00",
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        },
    )
    return ctx.org.interviewer


WRITES = [
    _reassign_to_self,
    _reassign_to_self_as_interviewer_group_member,
    _relink_through_the_api_field,
    _relink_through_the_link_endpoint,
    _relink_own_login_with_the_permission,
    _relink_in_the_admin,
    _reorganisation,
    _reorganisation_in_the_admin,
]
READS = ["responses/", "shared/", ""]


class Context:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__.strip("_") for w in WRITES])
@pytest.mark.parametrize("read", READS, ids=["responses", "shared", "interview"])
def test_no_write_makes_its_author_a_reader(answered, org, api, client, write, read):
    attacker = write(Context(org=org, api=api, client=client, interview=answered))

    response = api(type(attacker).objects.get(pk=attacker.pk)).get(f"/api/v1/interviews/{answered.pk}/{read}")

    body = response.content.decode()
    assert SECRET not in body and SECRET_NOTE not in body
    if read == "responses/":
        assert response.status_code in (403, 404)


def test_the_reorganisation_is_what_took_the_access_away(answered, org, api):
    """The interviewer read the answers before the reorganisation: the matrix above is not vacuous."""
    assert SECRET in api(org.interviewer).get(f"/api/v1/interviews/{answered.pk}/responses/").content.decode()
    _reorganisation(Context(org=org, api=api, interview=answered))
    assert (
        api(org.interviewer).get(f"/api/v1/interviews/{answered.pk}/responses/").status_code == 403
    )  # now their manager: sees the state, never the answers


def test_an_eligible_interviewer_still_reads_after_an_unrelated_reorganisation(answered, org, api):
    api(org.hr).patch(f"/api/v1/employees/{org.manager_record.pk}/", {"department": "Sales"}, format="json")
    assert SECRET in api(org.interviewer).get(f"/api/v1/interviews/{answered.pk}/responses/").content.decode()


def test_hr_with_the_permission_is_an_eligible_interviewer(answered, org, api):
    reader = UserFactory(username="reader", groups=[roles.HR])
    reader.user_permissions.add(Permission.objects.get(codename="view_confidential_answers"))
    moved = api(reader).post(f"/api/v1/interviews/{answered.pk}/reassign/", {"interviewer": reader.pk}, format="json")
    assert moved.status_code == 200, moved.content
