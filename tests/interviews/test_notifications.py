"""Outbox row builders for the exit interview: when reminders are due."""

import datetime

from offboarding.interviews import slots as slot_finder
from offboarding.notifications import interviews as notices

UTC = datetime.UTC


def test_a_day_ahead_reminder_for_a_monday_goes_out_on_friday():
    hours = slot_finder.WorkingHours("Europe/Stockholm", datetime.time(9), datetime.time(17), "SE")
    monday = datetime.datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    assert notices.interview_reminder_due(monday, 24, hours) == datetime.datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    assert notices.interview_reminder_due(monday, 1, hours) == datetime.datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_reminders_follow_the_recipients_own_working_hours():
    new_york = slot_finder.WorkingHours("America/New_York", datetime.time(9), datetime.time(17), "US")
    start = datetime.datetime(2026, 12, 8, 14, 0, tzinfo=UTC)  # 09:00 in New York
    # An hour before is 08:00 there: the reminder goes at 16:30 New York time the day before.
    assert notices.interview_reminder_due(start, 1, new_york) == datetime.datetime(2026, 12, 7, 21, 30, tzinfo=UTC)
