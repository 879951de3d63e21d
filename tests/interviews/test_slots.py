"""Slot finding: both people's working hours in their own time zones, business days, the window, and
daylight-saving changes between the two countries."""

import datetime
import zoneinfo

import pytest

from offboarding.interviews import selectors, slots
from offboarding.interviews.models import ExitInterview, InterviewState
from offboarding.models import DepartureState
from tests.factories import DepartureFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _hours(tz, country, start=9, end=17):
    return slots.WorkingHours(tz, datetime.time(start), datetime.time(end), country)


def test_the_default_window_is_the_last_two_weeks_without_the_last_day(departure, clock):
    assert slots.default_window(departure=departure) == (datetime.date(2026, 12, 4), datetime.date(2026, 12, 17))


def test_a_short_notice_window_starts_tomorrow(departure, clock):
    departure.last_working_day = datetime.date(2026, 12, 8)
    assert slots.default_window(departure=departure) == (datetime.date(2026, 12, 2), datetime.date(2026, 12, 7))


def test_slots_fall_inside_both_working_days_across_time_zones(clock):
    found = slots.free_slots(
        employee_hours=_hours("America/New_York", "US"),
        interviewer_hours=_hours("Europe/Stockholm", "SE"),
        first=datetime.date(2026, 12, 2),
        last=datetime.date(2026, 12, 2),
    )
    # New York 09-17 EST is 14-22 UTC; Stockholm 09-17 CET is 08-16 UTC: the overlap is 14-16 UTC.
    assert [s for s, _ in found] == [
        datetime.datetime(2026, 12, 2, 14, 0, tzinfo=UTC),
        datetime.datetime(2026, 12, 2, 14, 30, tzinfo=UTC),
        datetime.datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    ]
    for start, end in found:
        for tz in (STOCKHOLM, NEW_YORK):
            assert datetime.time(9) <= start.astimezone(tz).time() and end.astimezone(tz).time() <= datetime.time(17)


def test_the_overlap_follows_each_countrys_daylight_saving_change(clock):
    clock.move_to(datetime.datetime(2026, 10, 20, 6, 0, tzinfo=UTC))
    found = slots.free_slots(
        employee_hours=_hours("America/New_York", "US"),
        interviewer_hours=_hours("Europe/Stockholm", "SE"),
        first=datetime.date(2026, 10, 23),
        last=datetime.date(2026, 11, 2),
    )
    by_day: dict = {}
    for start, end in found:
        by_day.setdefault(start.date(), []).append((start.time(), end.time()))
    # Both on summer time: 13-15 UTC.
    assert (by_day[datetime.date(2026, 10, 23)][0][0], by_day[datetime.date(2026, 10, 23)][-1][1]) == (
        datetime.time(13),
        datetime.time(15),
    )
    # Europe changed on 25 October, the US not yet: 13-16 UTC.
    assert (by_day[datetime.date(2026, 10, 27)][0][0], by_day[datetime.date(2026, 10, 27)][-1][1]) == (
        datetime.time(13),
        datetime.time(16),
    )
    # The US changed on 1 November: 14-16 UTC.
    assert (by_day[datetime.date(2026, 11, 2)][0][0], by_day[datetime.date(2026, 11, 2)][-1][1]) == (
        datetime.time(14),
        datetime.time(16),
    )
    # The weekends in between have no slots.
    assert datetime.date(2026, 10, 24) not in by_day and datetime.date(2026, 11, 1) not in by_day


def test_slots_stay_at_nine_local_across_the_change_in_one_zone(clock):
    clock.move_to(datetime.datetime(2026, 10, 20, 6, 0, tzinfo=UTC))
    found = slots.free_slots(
        employee_hours=_hours("Europe/Stockholm", "SE"),
        interviewer_hours=_hours("Europe/Stockholm", "SE"),
        first=datetime.date(2026, 10, 23),
        last=datetime.date(2026, 10, 26),
        limit=None,
    )
    firsts = sorted({min(s for s, _ in found if s.date() == day) for day in {s.date() for s, _ in found}})
    assert [s.astimezone(STOCKHOLM).hour for s in firsts] == [9, 9]
    assert [s.hour for s in firsts] == [7, 8]  # 07 UTC in summer time, 08 UTC after the change


def test_public_holidays_of_either_country_have_no_slots(clock):
    found = slots.free_slots(
        employee_hours=_hours("Europe/Stockholm", "SE"),
        interviewer_hours=_hours("Europe/London", "GB"),
        first=datetime.date(2026, 12, 24),
        last=datetime.date(2026, 12, 28),
    )
    # Christmas Eve (de facto off in Sweden), Christmas Day, the weekend and Boxing Day (observed 28th in GB).
    assert found == []


def test_an_interviewer_without_an_employee_record_works_the_installations_default_hours(settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    user = UserFactory(username="external-interviewer")
    assert slots.hours_of_user(user) == _hours("Europe/Stockholm", "SE")


def test_slots_avoid_the_interviewers_other_interviews(departure, org, clock):
    other = DepartureFactory(
        employee=EmployeeFactory(manager=org.manager_record),
        state=DepartureState.INTERVIEW_SCHEDULED,
        last_working_day=datetime.date(2026, 12, 18),
    )
    ExitInterview.objects.create(
        departure=other,
        interviewer=org.interviewer,
        state=InterviewState.SCHEDULED,
        start=datetime.datetime(2026, 12, 4, 8, 0, tzinfo=UTC),
        end=datetime.datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
    )
    found = selectors.slots_for(departure=departure, interviewer=org.interviewer, limit=2)
    assert [s for s, _ in found] == [
        datetime.datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
        datetime.datetime(2026, 12, 4, 9, 30, tzinfo=UTC),
    ]


def test_no_slot_lies_in_the_past(departure, org, clock):
    clock.move_to(datetime.datetime(2026, 12, 4, 12, 10, tzinfo=UTC))
    found = selectors.slots_for(
        departure=departure, interviewer=org.interviewer, first=datetime.date(2026, 12, 4), limit=1
    )
    assert found[0][0] == datetime.datetime(2026, 12, 4, 12, 30, tzinfo=UTC)


def test_the_default_window_never_offers_today(departure, org, clock):
    clock.move_to(datetime.datetime(2026, 12, 4, 6, 0, tzinfo=UTC))
    found = selectors.slots_for(departure=departure, interviewer=org.interviewer, limit=1)
    assert found[0][0] == datetime.datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_the_slots_endpoint_lists_utc_and_local_times(schedule, org, api):
    interview = schedule()
    response = api(org.employee).get(f"/api/v1/interviews/{interview.pk}/slots/")
    assert response.status_code == 200
    first = response.data["results"][0]
    # The scheduled interview itself is not "busy" for its own rescheduling.
    assert first["start"] == "2026-12-04T08:00:00Z"
    assert first["employee_local"] == "2026-12-04T09:00:00+01:00"


def test_the_slots_endpoint_takes_a_window_and_a_duration(schedule, org, api):
    interview = schedule()
    response = api(org.hr).get(
        f"/api/v1/interviews/{interview.pk}/slots/", {"from": "2026-12-07", "to": "2026-12-07", "duration": 90}
    )
    assert response.status_code == 200
    assert response.data["results"][0]["start"] == "2026-12-07T08:00:00Z"
    assert response.data["results"][-1]["end"] == "2026-12-07T16:00:00Z"


def test_the_window_length_is_configurable(departure, clock, settings):
    settings.INTERVIEW_WINDOW_DAYS = 7
    assert slots.default_window(departure=departure) == (datetime.date(2026, 12, 11), datetime.date(2026, 12, 17))


def test_the_default_duration_is_configurable(settings):
    settings.INTERVIEW_DURATION_MINUTES = 45
    assert slots.default_duration() == datetime.timedelta(minutes=45)


def test_the_slots_endpoint_refuses_a_huge_range(schedule, org, api):
    interview = schedule()
    response = api(org.hr).get(f"/api/v1/interviews/{interview.pk}/slots/", {"from": "2026-12-07", "to": "2027-12-07"})
    assert response.status_code == 400 and "to" in response.data["fields"]


def test_the_slots_endpoint_says_how_many_slots_there_are_and_pages_through_all(schedule, org, api):
    interview = schedule()
    client = api(org.hr)
    first = client.get(f"/api/v1/interviews/{interview.pk}/slots/", {"page_size": 20}).data
    everything = selectors.exit_interview_slots(interview=interview, limit=None)
    assert first["count"] == len(everything) > 40
    assert len(first["results"]) == 20 and first["next"]
    seen = [row["start"] for row in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).data
        seen += [row["start"] for row in page["results"]]
    assert seen == [start.isoformat().replace("+00:00", "Z") for start, _ in everything]
