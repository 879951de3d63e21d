"""The heart of the feature: what must not be seen is never seen, by any role, through any endpoint,
nor in the database column, the logs, the outbox or an email."""

from __future__ import annotations

import datetime
import logging

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.db.models.functions import Now
from django.utils import timezone

from offboarding.actions import answers
from offboarding.actions import departures as departure_actions
from offboarding.feedback import crypto, selectors
from offboarding.feedback.models import Answer, FollowUpSurvey
from tests.helpers import SECRET, SECRET_NOTE, SHARED
from workflows.outbox.models import ScheduledAction
from workflows.outbox.tasks import deliver_action, deliver_actions, sweep_due_actions

pytestmark = pytest.mark.django_db

ROLES = [
    "hr_reader",
    "hr",
    "interviewer",
    "other_interviewer",
    "manager",
    "manager2",
    "employee",
    "outsider",
    "it",
    "anonymous",
]


@pytest.fixture
def as_role(org, hr_reader, other_interviewer, api):
    users = {
        "hr_reader": hr_reader,
        "hr": org.hr,
        "interviewer": org.interviewer,
        "other_interviewer": other_interviewer,
        "manager": org.manager,
        "manager2": org.manager2,
        "employee": org.employee,
        "outsider": org.outsider,
        "it": org.it,
        "anonymous": None,
    }
    return lambda role: api(users[role])


# Expected status per role: responses GET and PUT, shared GET, the reasons report.
EXPECTED = {
    #                    responses  shared  report
    "hr_reader": (200, 200, 200),
    "hr": (403, 403, 200),
    "interviewer": (200, 200, 403),
    "other_interviewer": (404, 404, 403),
    "manager": (403, 200, 200),  # sees the interview (its state), never its answers
    "manager2": (404, 404, 200),
    "employee": (200, 200, 403),
    "outsider": (404, 404, 403),
    "it": (404, 404, 403),
    "anonymous": (401, 401, 401),
}
READERS = {"hr_reader", "interviewer", "employee"}


@pytest.mark.parametrize("role", ROLES)
def test_responses_get_by_role(answered, as_role, role):
    response = as_role(role).get(f"/api/v1/interviews/{answered.pk}/responses/")
    assert response.status_code == EXPECTED[role][0]
    body = response.content.decode()
    assert (SECRET in body) == (role in READERS)
    assert (SECRET_NOTE in body) == (role in {"hr_reader", "interviewer"})


@pytest.mark.parametrize("role", ROLES)
def test_responses_put_by_role(answered, as_role, role):
    response = as_role(role).put(
        f"/api/v1/interviews/{answered.pk}/responses/", {"ratings": {"culture": 3}}, format="json"
    )
    assert response.status_code == EXPECTED[role][0]
    if role not in READERS:
        assert SECRET not in response.content.decode()
        assert answered.response.__class__.objects.get(pk=answered.response.pk).rating_culture is None


@pytest.mark.parametrize("role", ROLES)
def test_shared_answers_by_role(answered, as_role, role):
    response = as_role(role).get(f"/api/v1/interviews/{answered.pk}/shared/")
    assert response.status_code == EXPECTED[role][1]
    body = response.content.decode()
    assert SECRET not in body and SECRET_NOTE not in body
    assert (SHARED in body) == (EXPECTED[role][1] == 200)


def test_manager_sees_shared_answers_attributed_to_the_employee(answered, org, api):
    body = api(org.manager).get(f"/api/v1/interviews/{answered.pk}/shared/").json()
    assert body["employee"]["name"] == org.employee_record.name
    assert [a["question"] for a in body["answers"]] == ["suggestions.change"]


@pytest.mark.parametrize("role", ROLES)
def test_reasons_report_by_role_never_holds_text(answered, as_role, role):
    response = as_role(role).get("/api/v1/reports/reasons/")
    assert response.status_code == EXPECTED[role][2]
    body = response.content.decode()
    assert SECRET not in body and SHARED not in body and SECRET_NOTE not in body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path", ["/api/v1/departures/{departure}/", "/api/v1/interviews/{interview}/", "/api/v1/departures/"]
)
def test_departure_and_interview_views_never_hold_answer_text(answered, as_role, role, path):
    response = as_role(role).get(path.format(departure=answered.departure_id, interview=answered.pk))
    body = response.content.decode()
    assert SECRET not in body and SHARED not in body and SECRET_NOTE not in body


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path",
    [
        "/admin/feedback/interviewresponse/",
        "/admin/feedback/interviewresponse/{response}/change/",
        "/admin/feedback/followupsurvey/",
        "/admin/feedback/confidentialaccess/",
    ],
)
def test_admin_pages_never_show_answer_text(answered, org, hr_reader, other_interviewer, client, role, path):
    users = {"hr_reader": hr_reader, "hr": org.hr, "interviewer": org.interviewer, "manager": org.manager}
    user = users.get(
        role,
        {
            "other_interviewer": other_interviewer,
            "manager2": org.manager2,
            "employee": org.employee,
            "outsider": org.outsider,
            "it": org.it,
        }.get(role),
    )
    if user is not None:
        user.is_staff = True
        user.is_superuser = role == "hr_reader"  # the strongest admin: sees every page
        user.save()
        client.force_login(user)
    response = client.get(path.format(response=answered.response.pk))
    body = response.content.decode()
    assert SECRET not in body and SHARED not in body and SECRET_NOTE not in body
    if role == "hr_reader":
        assert response.status_code == 200


def test_stored_columns_hold_no_plaintext(answered):
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM feedback_answer")
        texts = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT notes FROM feedback_interviewresponse")
        notes = [row[0] for row in cursor.fetchall()]
    assert texts and all(value.startswith("k1:") for value in texts + notes)
    assert not any(secret in value for value in texts + notes for secret in (SECRET, SHARED, SECRET_NOTE))


def test_ciphertext_moved_to_another_row_fails_loudly(answered, org):
    private, shared = Answer.objects.get(question="reasons.decision"), Answer.objects.get(question="suggestions.change")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE feedback_answer SET text = %s WHERE id = %s", [private.text, shared.pk])
    with pytest.raises(crypto.ConfidentialDataError):
        selectors.interview_response_read(interview=answered, user=org.interviewer, purpose="test")


def test_tampered_ciphertext_fails_loudly(answered, org):
    answer = Answer.objects.get(question="reasons.decision")
    version, blob = answer.text.split(":", 1)
    flipped = blob[:-6] + ("A" if blob[-6] != "A" else "B") + blob[-5:]
    Answer.objects.filter(pk=answer.pk).update(text=f"{version}:{flipped}")
    with pytest.raises(crypto.ConfidentialDataError):
        selectors.interview_response_read(interview=answered, user=org.interviewer, purpose="test")


def test_a_full_flow_leaks_no_answer_text_to_logs_tasks_outbox_or_email(
    org, api, make_interview, caplog, settings, task_messages
):
    """Start, approve, answer, read, share, report, move the last day, deliver the survey through the
    outbox (sweep, task message, delivery), answer it, purge and cancel: the logs (every logger at
    DEBUG), the task messages, the outbox rows and the emails never hold the text."""
    caplog.set_level(logging.DEBUG)
    with time_machine.travel(datetime.datetime(2026, 11, 3, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        departure = departure_actions.departure_start(
            employee=org.employee_record,
            kind="resignation",
            notice_date=datetime.date(2026, 11, 2),
            last_working_day=datetime.date(2026, 12, 18),
            actor=org.hr,
        )
        departure = departure_actions.departure_approve(departure=departure, actor=org.manager)
        interview = make_interview(departure)
        url = f"/api/v1/interviews/{interview.pk}/responses/"
        answer = {"question": "reasons.decision", "text": SECRET, "share_with_manager": True}
        put = api(org.employee).put(url, {"answers": [answer], "reasons": {"primary": "career"}}, format="json")
        assert put.status_code == 200
        assert api(org.interviewer).put(url, {"notes": SECRET_NOTE}, format="json").status_code == 200
        api(org.interviewer).get(url)
        api(org.manager).get(f"/api/v1/interviews/{interview.pk}/shared/")
        api(org.hr).get("/api/v1/reports/reasons/")
        departure_actions.departure_update(
            departure=departure, actor=org.hr, data={"last_working_day": datetime.date(2026, 12, 30)}
        )
        clock.move_to(datetime.datetime(2027, 2, 1, 9, 0, tzinfo=datetime.UTC))
        # The sweep reads due times by the database's clock, which no test moves: make what the
        # travelled clock calls due, due, and what it does not, not yet (the real clock may be past it).
        real_now = time_machine.escape_hatch.datetime.datetime.now(datetime.UTC)
        not_yet = ScheduledAction.objects.filter(status="pending", due_at__gt=timezone.now())
        not_yet.update(due_at=real_now + datetime.timedelta(days=3650))
        ScheduledAction.objects.filter(status="pending", due_at__lte=timezone.now()).update(due_at=Now())
        assert sweep_due_actions() >= 1
        for message in task_messages:  # every due action of the flow, as a worker would run them
            run = deliver_actions if message["task"] == deliver_actions.name else deliver_action
            run(*message["body"][0])
        assert ScheduledAction.objects.filter(handler="feedback.follow_up", status="sent").count() == 1
        (sent,) = [m for m in mail.outbox if "/survey/" in m.body]
        token = sent.body.split("/survey/")[1].split("/")[0]
        survey_answer = {"addition": SECRET, "ratings": {"role": 2}, "would_return": False}
        assert api().post(f"/api/v1/surveys/{token}/", survey_answer, format="json").status_code == 200
        settings.ANSWER_RETENTION_DAYS = 1
        clock.move_to(datetime.datetime(2027, 6, 1, 9, 0, tzinfo=datetime.UTC))
        answers.answers_purge_expired()
        departure_actions.departure_cancel(departure=departure, actor=org.hr, check_permission=False)

    assert caplog.records, "the flow logs something, so the check below means something"
    for secret in (SECRET, SECRET_NOTE):
        assert secret not in caplog.text
        assert all(secret not in str(record.args) for record in caplog.records)
        assert secret not in str(task_messages)
        for row in ScheduledAction.objects.all():
            assert secret not in f"{row.payload} {row.recipient} {row.last_error}"
        for email in mail.outbox:
            assert secret not in email.message().as_string()
    assert task_messages and all(  # a task message holds action ids (one, or a batch of them) and nothing else
        (
            (m["task"] == deliver_action.name and isinstance(m["body"][0][0], int))
            or (m["task"] == deliver_actions.name and all(isinstance(pk, int) for pk in m["body"][0][0]))
        )
        and len(m["body"][0]) == 1
        and m["body"][1] == {}
        for m in task_messages
    )
    for row in ScheduledAction.objects.filter(handler="feedback.follow_up"):
        assert set(row.payload) == {"survey"} and isinstance(row.payload["survey"], int)
    assert FollowUpSurvey.objects.get(state="answered").addition == ""  # purged


def test_admin_answer_pages_need_the_confidential_permission(answered, org, client):
    org.hr.is_staff = True
    org.hr.save()
    org.hr.user_permissions.add(Permission.objects.get(codename="view_interviewresponse"))
    client.force_login(org.hr)
    assert client.get("/admin/feedback/interviewresponse/").status_code == 403
