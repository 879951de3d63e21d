"""The leaver's pre-interview questionnaire: their own answers, with consent to share per answer."""

from offboarding.feedback.models import Answer


def test_leaver_answers_and_shares_one_answer(org, interview, client_for):
    client = client_for(org.employee, language="en")
    page = client.get(f"/interviews/{interview.pk}/questionnaire/").content.decode()
    assert 'for="answer_reasons.decision"' in page and 'for="share_reasons.decision"' in page
    client.post(
        f"/interviews/{interview.pk}/questionnaire/",
        {
            "answer_reasons.decision": "kept private",
            "answer_suggestions.change": "more pairing",
            "share_suggestions.change": "on",
        },
    )
    shared = dict(Answer.objects.values_list("question", "share_with_manager"))
    assert shared == {"reasons.decision": False, "suggestions.change": True}
    manager_view = client_for(org.manager).get(f"/departures/{interview.departure.pk}/").content.decode()
    assert "more pairing" in manager_view and "kept private" not in manager_view
    again = client.get(f"/interviews/{interview.pk}/questionnaire/").content.decode()
    assert "kept private" in again
