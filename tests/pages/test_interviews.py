"""The interviewer's pages: today's and upcoming interviews, the guide saved as they type, hold and close."""

import datetime

from offboarding.feedback.models import Answer, InterviewResponse


def test_interviewer_sees_upcoming_interviews(org, interview, client_for):
    body = client_for(org.interviewer).get("/interviews/").content.decode()
    assert "Erik Employee" in body
    assert f"/interviews/{interview.pk}/guide/" in body


def test_the_guide_shows_the_nine_sections(org, interview, client_for):
    body = client_for(org.interviewer, language="en").get(f"/interviews/{interview.pk}/guide/").content.decode()
    assert body.count("<fieldset>") == 10  # the nine sections of the guide and the summary
    assert 'hx-post="/interviews/' in body


def test_an_htmx_save_stores_the_answer_and_says_so(org, interview, client_for):
    response = client_for(org.interviewer).post(
        f"/interviews/{interview.pk}/guide/",
        {"answer_reasons.decision": "a better offer", "field_reasons": "1", "primary_reason": "compensation"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    assert Answer.objects.filter(question="reasons.decision").count() == 1
    assert InterviewResponse.objects.get().primary_reason == "compensation"


def test_hold_then_close(org, interview, client_for, clock):
    clock.move_to(datetime.datetime(2026, 12, 10, 10, 5, tzinfo=datetime.UTC))
    client = client_for(org.interviewer)
    client.post(f"/interviews/{interview.pk}/hold/")
    interview.refresh_from_db()
    assert interview.state == "held"
    client.post(f"/interviews/{interview.pk}/close/")
    interview.refresh_from_db()
    assert interview.state == "closed"
