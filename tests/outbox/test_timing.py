"""next_working_moment: inside the recipient's working hours, on their business days, in their zone."""

import datetime
from types import SimpleNamespace

import pytest

from workflows.outbox.timing import next_working_moment, recipient_working_moment

UTC = datetime.UTC


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "time_zone", "country", "expected"),
    [
        # Tuesday 10:00 Stockholm (09:00 UTC in winter): inside hours, unchanged.
        (utc(2026, 11, 3, 9, 0), "Europe/Stockholm", "SE", utc(2026, 11, 3, 9, 0)),
        # Tuesday 06:30 Stockholm: moved to 09:00 local the same day.
        (utc(2026, 11, 3, 5, 30), "Europe/Stockholm", "SE", utc(2026, 11, 3, 8, 0)),
        # Tuesday 17:00 Stockholm: the end is exclusive, so Wednesday 09:00.
        (utc(2026, 11, 3, 16, 0), "Europe/Stockholm", "SE", utc(2026, 11, 4, 8, 0)),
        # Saturday: Monday 09:00.
        (utc(2026, 11, 7, 12, 0), "Europe/Stockholm", "SE", utc(2026, 11, 9, 8, 0)),
        # Midsummer Eve (Friday 19 June 2026) is a de facto holiday in Sweden: Monday 22 June, 09:00 CEST.
        (utc(2026, 6, 19, 8, 0), "Europe/Stockholm", "SE", utc(2026, 6, 22, 7, 0)),
        # Christmas Eve evening: past the 25th, the 26th and the weekend, to Monday 28 December.
        (utc(2026, 12, 24, 20, 0), "Europe/Stockholm", "SE", utc(2026, 12, 28, 8, 0)),
        # 10:00 UTC is 05:00 in New York: 09:00 EST is 14:00 UTC.
        (utc(2026, 12, 1, 10, 0), "America/New_York", "US", utc(2026, 12, 1, 14, 0)),
        # Thanksgiving is a US holiday: Friday 27 November instead.
        (utc(2026, 11, 26, 15, 0), "America/New_York", "US", utc(2026, 11, 27, 14, 0)),
        # Late Friday evening UTC is already Saturday in Tokyo: Monday 09:00 JST = Sunday 00:00 UTC.
        (utc(2026, 11, 6, 16, 0), "Asia/Tokyo", "JP", utc(2026, 11, 9, 0, 0)),
    ],
)
def test_next_working_moment(at, time_zone, country, expected):
    assert next_working_moment(at, time_zone=time_zone, country=country) == expected


def test_result_is_utc_aware():
    result = next_working_moment(utc(2026, 11, 3, 5, 30), time_zone="Europe/Stockholm", country="SE")
    assert result.utcoffset() == datetime.timedelta(0)


def test_naive_input_is_read_as_utc():
    naive = datetime.datetime(2026, 11, 3, 5, 30)
    assert next_working_moment(naive, time_zone="Europe/Stockholm", country="SE") == utc(2026, 11, 3, 8, 0)


def test_custom_working_hours_are_respected():
    # Someone working 07:00-15:00 Stockholm: 14:30 local is inside, 15:10 local moves to 07:00 next day.
    hours = {"time_zone": "Europe/Stockholm", "country": "SE", "starts": datetime.time(7), "ends": datetime.time(15)}
    assert next_working_moment(utc(2026, 11, 3, 13, 30), **hours) == utc(2026, 11, 3, 13, 30)
    assert next_working_moment(utc(2026, 11, 3, 14, 10), **hours) == utc(2026, 11, 4, 6, 0)


def test_daylight_saving_change_keeps_local_start():
    # Saturday 28 March 2026 -> Monday 30 March, after the switch to CEST: 09:00 local is 07:00 UTC.
    assert next_working_moment(utc(2026, 3, 28, 12), time_zone="Europe/Stockholm", country="SE") == utc(2026, 3, 30, 7)


def test_recipient_without_employee_record_uses_the_installation_zone(settings):
    settings.TIME_ZONE = "Europe/London"
    assert recipient_working_moment(utc(2026, 11, 3, 7, 0)) == utc(2026, 11, 3, 9, 0)


def test_recipient_employee_hours_and_zone_are_used():
    person = SimpleNamespace(
        time_zone="America/New_York", country="US", work_starts=datetime.time(8), work_ends=datetime.time(16)
    )
    assert recipient_working_moment(utc(2026, 11, 3, 7, 0), employee=person) == utc(2026, 11, 3, 13, 0)
