"""The issue's "done when" path through the real interview API: HR schedules, the interviewer records
answers, the manager sees only that the interview was held, and the report hides small groups."""

import datetime

import pytest
import time_machine

from tests.helpers import LAST_WORKING_DAY, SECRET

pytestmark = pytest.mark.django_db


def test_interviewer_records_answers_and_the_manager_sees_only_that_it_was_held(departure, org, api):
    at_eight = datetime.time(8, 0)
    # 17 days before the last working day, then the day before it (1 and 17 December 2026 when written).
    with time_machine.travel(
        datetime.datetime.combine(LAST_WORKING_DAY - datetime.timedelta(days=17), at_eight, tzinfo=datetime.UTC),
        tick=False,
    ) as clock:
        scheduled = api(org.hr).post(
            f"/api/v1/departures/{departure.pk}/interview/", {"interviewer": org.interviewer.pk}, format="json"
        )
        assert scheduled.status_code == 201, scheduled.content
        interview_id = scheduled.json()["id"]
        clock.move_to(
            datetime.datetime.combine(LAST_WORKING_DAY - datetime.timedelta(days=1), at_eight, tzinfo=datetime.UTC)
        )
        assert api(org.interviewer).post(f"/api/v1/interviews/{interview_id}/hold/").status_code == 200
        url = f"/api/v1/interviews/{interview_id}/responses/"
        recorded = api(org.interviewer).put(
            url,
            {
                "answers": [{"question": "reasons.decision", "text": SECRET, "share_with_manager": False}],
                "reasons": {"primary": "career"},
                "ratings": {"manager": 3},
                "would_return": True,
            },
            format="json",
        )
        assert recorded.status_code == 200

        assert api(org.manager).get(url).status_code in (403, 404)
        seen = api(org.manager).get(f"/api/v1/interviews/{interview_id}/")
        assert seen.status_code == 200 and seen.json()["state"] == "held"
        assert SECRET not in seen.content.decode()

        report = api(org.hr).get("/api/v1/reports/reasons/").json()
        assert report["total"]["suppressed"] is True  # one response: no group under 5 is shown

        assert api(org.interviewer).post(f"/api/v1/interviews/{interview_id}/close/").status_code == 200
        assert api(org.interviewer).put(url, {"ratings": {"manager": 5}}, format="json").status_code == 409
