"""Follow-up surveys: scheduled on approval, moved with the last day, cancelled with the departure,
answered once through a signed, expiring link that needs no login."""

import datetime

import pytest
import time_machine
from django.core import signing

from offboarding.actions import departures as departure_actions
from offboarding.feedback import selectors
from offboarding.feedback.models import FollowUpSurvey
from offboarding.notifications.feedback import render_follow_up
from tests.helpers import FIXED_LAST_WORKING_DAY, FIXED_NOTICE_DATE, LAST_WORKING_DAY, NOTICE_DATE
from workflows.outbox.models import ScheduledAction

pytestmark = pytest.mark.django_db
STOCKHOLM = datetime.timezone(datetime.timedelta(hours=1))  # CET, winter


def follow_up_actions(status="pending"):
    return ScheduledAction.objects.filter(handler="feedback.follow_up", status=status).order_by("due_at")


def survey_link(survey):
    action = follow_up_actions().get(payload__survey=survey.pk)
    return render_follow_up(action).body.split("/survey/")[1].split("/")[0]


@pytest.fixture
def on_fixed_dates(org):
    """A departure approved on 1 December 2026 (last working day Friday 18 December), with the clock
    held on that day: these tests name the days the follow-ups fall on."""
    with time_machine.travel(datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)):
        departure = departure_actions.departure_start(
            employee=org.employee_record,
            kind="resignation",
            notice_date=FIXED_NOTICE_DATE,
            last_working_day=FIXED_LAST_WORKING_DAY,
            actor=org.hr,
        )
        yield departure_actions.departure_approve(departure=departure, actor=org.manager)


def test_approval_schedules_follow_ups_at_30_and_90_days_within_working_hours(on_fixed_dates):
    departure = on_fixed_dates
    actions = list(follow_up_actions())
    # Last day Fri 18 Dec 2026: +30 is Sun 17 Jan, so Mon 18 Jan at 09:00 local; +90 is Wed 18 Mar.
    assert [a.due_at.astimezone(STOCKHOLM) for a in actions] == [
        datetime.datetime(2027, 1, 18, 9, 0, tzinfo=STOCKHOLM),
        datetime.datetime(2027, 3, 18, 9, 0, tzinfo=STOCKHOLM),
    ]
    assert {a.kind for a in actions} == {"follow_up"}
    assert {a.group for a in actions} == {f"departure:{departure.pk}"}


def test_follow_ups_go_to_the_personal_email(departure, org):
    assert {a.recipient for a in follow_up_actions()} == {org.employee_record.personal_email}


def test_follow_ups_fall_back_to_the_work_email(org):
    org.employee_record.personal_email = ""
    org.employee_record.save()
    departure = departure_actions.departure_start(
        employee=org.employee_record,
        kind="resignation",
        notice_date=NOTICE_DATE,
        last_working_day=LAST_WORKING_DAY,
        actor=org.hr,
    )
    departure_actions.departure_approve(departure=departure, actor=org.manager)
    assert {a.recipient for a in follow_up_actions()} == {org.employee_record.email}


def test_follow_ups_move_with_the_last_working_day(on_fixed_dates, org):
    departure = on_fixed_dates
    departure_actions.departure_update(
        departure=departure, actor=org.hr, data={"last_working_day": datetime.date(2027, 1, 15)}
    )
    assert follow_up_actions("cancelled").count() == 2
    assert [a.due_at.date() for a in follow_up_actions()] == [datetime.date(2027, 2, 15), datetime.date(2027, 4, 15)]


def test_moving_the_last_day_back_schedules_again(on_fixed_dates, org):
    departure = on_fixed_dates
    for day in (datetime.date(2027, 1, 15), datetime.date(2026, 12, 18)):
        departure_actions.departure_update(departure=departure, actor=org.hr, data={"last_working_day": day})
    assert [a.due_at.date() for a in follow_up_actions()] == [datetime.date(2027, 1, 18), datetime.date(2027, 3, 18)]


def test_cancelling_the_departure_cancels_the_follow_ups(departure, org):
    departure_actions.departure_cancel(departure=departure, actor=org.hr)
    assert not follow_up_actions().exists()
    assert set(FollowUpSurvey.objects.values_list("state", flat=True)) == {"cancelled"}


def test_the_email_carries_a_signed_link_in_the_employees_language(departure, org):
    org.employee_record.language = "sv"
    org.employee_record.save()
    message = render_follow_up(follow_up_actions().first())
    assert "http://testserver/survey/" in message.body
    assert "Enkäten" in message.body
    assert message.to == [org.employee_record.personal_email]


def test_an_answered_survey_is_not_sent(departure, org):
    survey = FollowUpSurvey.objects.filter(departure=departure).first()
    survey.state = "answered"
    survey.save()
    assert render_follow_up(follow_up_actions().get(payload__survey=survey.pk)) is None


def test_survey_link_needs_no_login_and_is_answered_once(departure, api):
    survey = FollowUpSurvey.objects.filter(departure=departure).first()
    url = f"/api/v1/surveys/{survey_link(survey)}/"
    assert api().get(url).json()["state"] == "pending"
    payload = {"reasons": {"primary": "manager"}, "ratings": {"manager": 1}, "would_return": False, "addition": "more"}
    assert api().post(url, payload, format="json").status_code == 200
    again = api().post(url, {"ratings": {"manager": 5}}, format="json")
    assert again.status_code == 409 and "already" in again.json()["detail"]
    survey.refresh_from_db()
    assert (survey.state, survey.primary_reason, survey.rating_manager) == ("answered", "manager", 1)


def test_tampered_survey_link_is_404_and_changes_nothing(departure, api):
    survey = FollowUpSurvey.objects.filter(departure=departure).first()
    token = survey_link(survey)
    response = api().post(f"/api/v1/surveys/{token[:-2]}xx/", {"would_return": True}, format="json")
    assert response.status_code == 404 and "not valid" in response.json()["detail"]
    survey.refresh_from_db()
    assert survey.state == "pending" and survey.would_return is None


def test_a_link_for_a_guessed_survey_id_is_rejected(departure, api):
    survey = FollowUpSurvey.objects.filter(departure=departure).first()
    forged = signing.dumps({"s": survey.pk, "u": "00000000-0000-0000-0000-000000000000"}, salt="other")
    assert api().get(f"/api/v1/surveys/{forged}/").status_code == 404


def test_expired_survey_link_is_410_and_changes_nothing(departure, api):
    survey = FollowUpSurvey.objects.filter(departure=departure).first()
    with time_machine.travel(datetime.datetime(2027, 1, 18, 8, 0, tzinfo=datetime.UTC)):
        token = survey_link(survey)
    with time_machine.travel(datetime.datetime(2027, 2, 18, 9, 0, tzinfo=datetime.UTC)):
        response = api().post(f"/api/v1/surveys/{token}/", {"would_return": True}, format="json")
    assert response.status_code == 410 and "expired" in response.json()["detail"]
    survey.refresh_from_db()
    assert survey.state == "pending"


def test_a_cancelled_departures_survey_link_no_longer_works(departure, org, api):
    survey = FollowUpSurvey.objects.filter(departure=departure).first()
    token = selectors.survey_token(survey)
    departure_actions.departure_cancel(departure=departure, actor=org.hr)
    assert api().post(f"/api/v1/surveys/{token}/", {"would_return": True}, format="json").status_code == 409


def test_survey_rejects_a_rating_outside_1_to_5(departure, api):
    survey = FollowUpSurvey.objects.filter(departure=departure).first()
    response = api().post(f"/api/v1/surveys/{survey_link(survey)}/", {"ratings": {"role": 9}}, format="json")
    assert response.status_code == 400 and "ratings" in response.json()["fields"]


def test_a_browser_gets_a_form_page_and_posts_the_form(departure, client):
    survey = FollowUpSurvey.objects.filter(departure=departure).first()
    url = f"/api/v1/surveys/{survey_link(survey)}/"
    page = client.get(url, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b'name="rating_manager"' in page.content
    form = {"primary_reason": "workload", "rating_manager": "2", "would_return": "yes", "addition": "later words"}
    done = client.post(url, form, HTTP_ACCEPT="text/html")
    assert done.status_code == 200 and b"Thank you" in done.content
    survey.refresh_from_db()
    assert (survey.primary_reason, survey.rating_manager, survey.would_return) == ("workload", 2, True)
    again = client.post(url, form, HTTP_ACCEPT="text/html")
    assert again.status_code == 409 and b"already been answered" in again.content


def test_a_browser_opening_a_tampered_link_is_told_so(client):
    page = client.get("/api/v1/surveys/not-a-real-token/", HTTP_ACCEPT="text/html")
    assert page.status_code == 404 and b"not valid" in page.content
