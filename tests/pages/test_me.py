"""The leaver's page: timeline, own steps, the interview time and its answers, the invite, the reference;
nobody else's page; and after the last working day, only the follow-up survey and the reference."""

import datetime
import re
import zoneinfo

from offboarding.actions import departures as departure_actions
from offboarding.interviews.models import PartStat
from tests.factories import EmployeeFactory, UserFactory


def test_leaver_sees_timeline_steps_and_interview_in_their_zone(org, interview, client_for):
    body = client_for(org.employee, language="en").get("/me/").content.decode()
    for text in ("Notice given", "Last working day", "Exit interview", "2026-12-18"):
        assert text in body
    assert "Thursday 10 December 2026, 10:00" in body  # 09:00 UTC shown in Stockholm time
    assert "Europe/Stockholm" in body
    assert f"/interviews/{interview.pk}/invite.ics" in body


def test_leaver_accepts_the_time(org, interview, client_for):
    client_for(org.employee).post(f"/interviews/{interview.pk}/respond/", {"answer": "accept"})
    interview.refresh_from_db()
    assert interview.employee_partstat == PartStat.ACCEPTED


def test_leaver_moves_the_interview_to_an_offered_slot(org, interview, client_for):
    client = client_for(org.employee)
    body = client.get("/me/").content.decode()
    value = body.split('<select id="slot" name="start"><option value="')[1].split('"')[0]
    client.post(f"/interviews/{interview.pk}/respond/", {"answer": "reschedule", "start": value})
    interview.refresh_from_db()
    assert interview.start == datetime.datetime.fromisoformat(value)
    assert interview.sequence == 1


def test_leaver_asks_for_another_time_and_can_decline(org, interview, client_for):
    client = client_for(org.employee)
    client.post(f"/interviews/{interview.pk}/respond/", {"answer": "other_time", "note": "mornings"})
    assert interview.replies.filter(method="OTHER_TIME").exists()
    client.post(f"/interviews/{interview.pk}/respond/", {"answer": "decline"})
    interview.refresh_from_db()
    assert interview.state == "declined"


def test_leaver_downloads_the_current_invite(org, interview, client_for):
    response = client_for(org.employee).get(f"/interviews/{interview.pk}/invite.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert interview.uid in response.content.decode()


def test_leaver_cannot_open_another_persons_pages(org, interview, client_for):
    other = EmployeeFactory(name="Other Leaver", user=UserFactory(username="other"), manager=org.manager_record)
    theirs = departure_actions.departure_start(
        employee=other,
        kind="resignation",
        notice_date=datetime.date(2026, 11, 20),
        last_working_day=datetime.date(2026, 12, 31),
        actor=org.hr,
    )
    client = client_for(other.user)
    assert client.get(f"/departures/{interview.departure.pk}/").status_code == 404
    assert client.get(f"/interviews/{interview.pk}/questionnaire/").status_code == 404
    assert client.get(f"/interviews/{interview.pk}/invite.ics").status_code == 404
    assert client.post(f"/interviews/{interview.pk}/respond/", {"answer": "decline"}).status_code == 404
    assert client.get(f"/departures/{theirs.pk}/").status_code == 200
    interview.refresh_from_db()
    assert interview.state == "scheduled"


def test_after_the_last_day_only_the_survey_and_reference_remain(org, interview, client_for, clock):
    clock.move_to(datetime.datetime(2027, 1, 20, 9, 0, tzinfo=datetime.UTC))
    client = client_for(org.employee, language="en")
    body = client.get("/me/").content.decode()
    assert "follow-up survey" in body
    assert "Reference" in body
    assert "invite.ics" not in body and "Your steps" not in body
    for path in (f"/departures/{interview.departure.pk}/", f"/interviews/{interview.pk}/questionnaire/", "/inbox/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/me/", path


def test_free_slots_are_offered_in_the_leavers_zone(org, interview, client_for):
    body = client_for(org.employee, language="en").get("/me/").content.decode()
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', body.split('id="slot"')[1].split("</select>")[0])
    value, label = options[0]
    start = datetime.datetime.fromisoformat(value).astimezone(zoneinfo.ZoneInfo("Europe/Stockholm"))
    assert label.endswith(start.strftime("%H:%M"))
