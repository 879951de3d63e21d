"""The answers endpoint: shape, validation, who writes what when, consent and the read log."""

import pytest
from django.db import connection

from core import roles
from offboarding.actions import answers
from offboarding.feedback.models import Answer, ConfidentialAccess, FollowUpSurvey, InterviewResponse
from tests.factories import UserFactory
from tests.helpers import SECRET, SECRET_NOTE, SHARED, grant_read_answers

pytestmark = pytest.mark.django_db


def url(interview):
    return f"/api/v1/interviews/{interview.pk}/responses/"


def test_get_lists_the_guides_questions_with_keys_before_any_answer(interview, org, api):
    body = api(org.interviewer).get(url(interview)).json()
    assert [s["key"] for s in body["sections"]][:2] == ["setting", "reasons"]
    assert {"key": "reasons.decision", "text": "How did you come to the decision to leave?"} in body["sections"][1][
        "questions"
    ]
    assert body["answers"] == []


def test_get_in_swedish_when_asked(interview, org, api):
    body = api(org.interviewer).get(url(interview) + "?language=sv").json()
    assert body["sections"][1]["title"] == "Varför du slutar"


def test_interviewer_records_answers_and_reads_them_back(answered, org, api):
    body = api(org.interviewer).get(url(answered)).json()
    texts = {a["question"]: a["text"] for a in body["answers"]}
    assert texts == {"reasons.decision": SECRET, "suggestions.change": SHARED}
    assert body["reasons"] == {"primary": "career", "secondary": "compensation"}
    assert body["ratings"]["role"] == 4 and body["ratings"]["culture"] is None
    assert body["would_recommend"] is True and body["would_return"] is False
    assert body["notes"] == SECRET_NOTE


def test_employee_reads_own_answers_but_not_the_interviewer_notes(answered, org, api):
    body = api(org.employee).get(url(answered)).json()
    assert SECRET in {a["text"] for a in body["answers"]}
    assert "notes" not in body
    assert SECRET_NOTE not in str(body)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"answers": [{"question": "no.such.question", "text": "x", "share_with_manager": False}]}, "answers"),
        ({"ratings": {"role": 6}}, "ratings"),
        ({"ratings": {"role": 0}}, "ratings"),
        ({"ratings": {"happiness": 3}}, "ratings"),
        ({"reasons": {"primary": "boredom"}}, "reasons"),
        ({"reasons": {"primary": "career", "secondary": "career"}}, "reasons"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_changes_nothing(interview, org, api, payload, field):
    response = api(org.interviewer).put(url(interview), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not InterviewResponse.objects.filter(interview=interview).exists()


def test_employee_cannot_write_interviewer_notes(interview, org, api):
    response = api(org.employee).put(url(interview), {"notes": "mine"}, format="json")
    assert response.status_code == 400
    assert "notes" in response.json()["fields"]


def test_only_the_employee_can_consent_to_share(interview, org, api):
    response = api(org.interviewer).put(
        url(interview),
        {"answers": [{"question": "reasons.decision", "text": "t", "share_with_manager": True}]},
        format="json",
    )
    assert response.status_code == 400
    assert "share_with_manager" in str(response.json()["fields"])


def test_consent_lapses_when_the_interviewer_changes_the_shared_text(answered, org, api):
    response = api(org.interviewer).put(
        url(answered),
        {"answers": [{"question": "suggestions.change", "text": "reworded", "share_with_manager": True}]},
        format="json",
    )
    assert response.status_code == 200
    assert not Answer.objects.get(question="suggestions.change").share_with_manager


def test_answers_are_read_only_for_the_interviewer_once_closed(answered, org, api):
    answered.state = "closed"
    answered.save()
    response = api(org.interviewer).put(url(answered), {"ratings": {"role": 1}}, format="json")
    assert response.status_code == 409
    assert InterviewResponse.objects.get(interview=answered).rating_role == 4


def test_employee_may_withdraw_consent_after_the_interview_is_closed(answered, org, api):
    answered.state = "closed"
    answered.save()
    response = api(org.employee).put(
        url(answered),
        {"answers": [{"question": "suggestions.change", "text": SHARED, "share_with_manager": False}]},
        format="json",
    )
    assert response.status_code == 200
    assert not Answer.objects.get(question="suggestions.change").share_with_manager


def test_employee_cannot_change_answers_after_the_interview_was_held(answered, org, api):
    answered.state = "held"
    answered.save()
    response = api(org.employee).put(url(answered), {"ratings": {"role": 1}}, format="json")
    assert response.status_code == 409


def test_employee_fills_the_written_questionnaire_after_declining(make_interview, departure, org, api):
    declined = make_interview(departure, state="declined")
    response = api(org.employee).put(
        url(declined),
        {
            "answers": [{"question": "reasons.events", "text": "written", "share_with_manager": False}],
            "would_return": True,
        },
        format="json",
    )
    assert response.status_code == 200
    assert InterviewResponse.objects.get(interview=declined).employee_submitted_at is not None


def test_every_read_is_logged_with_who_which_interview_and_endpoint_but_no_content(answered, org, api):
    before = ConfidentialAccess.objects.count()
    api(org.interviewer).get(url(answered))
    entry = ConfidentialAccess.objects.order_by("-id").first()
    assert ConfidentialAccess.objects.count() == before + 1
    assert (entry.user, entry.interview_id, entry.purpose) == (org.interviewer, answered.pk, "api.responses.get")
    assert SECRET not in str(vars(entry))


def test_omitted_fields_stay_unchanged_on_put(answered, org, api):
    api(org.interviewer).put(url(answered), {"ratings": {"culture": 5}}, format="json")
    response = InterviewResponse.objects.get(interview=answered)
    assert (response.rating_role, response.rating_culture, response.would_return) == (4, 5, False)


def test_a_manager_who_also_holds_the_hr_permission_still_gets_403(answered, org, api):
    UserFactory(username=org.manager.username, groups=[roles.HR])
    grant_read_answers(org.manager)
    manager = type(org.manager).objects.get(pk=org.manager.pk)  # no cached groups or permissions
    assert roles.is_hr_user(manager) and manager.has_perm(roles.READ_ANSWERS_PERMISSION)
    response = api(manager).get(url(answered))
    assert response.status_code == 403
    assert SECRET not in response.content.decode()


def test_follow_up_answers_reach_the_readers_encrypted_at_rest(answered, org, api):
    survey = FollowUpSurvey.objects.filter(departure=answered.departure).first()
    answers.follow_up_survey_answer(survey=survey, ratings={"role": 3}, addition=SECRET + "-later")
    with connection.cursor() as cursor:
        cursor.execute("SELECT addition FROM feedback_followupsurvey WHERE id = %s", [survey.pk])
        assert SECRET not in cursor.fetchone()[0]
    follow_ups = api(org.interviewer).get(url(answered)).json()["follow_ups"]
    assert [(f["offset_days"], f["addition"]) for f in follow_ups if f["state"] == "answered"] == [
        (30, SECRET + "-later")
    ]


def test_a_refused_write_stores_nothing(make_interview, departure, org, api):
    closed = make_interview(departure, state="closed")
    response = api(org.interviewer).put(url(closed), {"ratings": {"role": 2}}, format="json")
    assert response.status_code == 409
    assert not InterviewResponse.objects.filter(interview=closed).exists()
