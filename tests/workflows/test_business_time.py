"""Business days per country: weekends, public holidays and Sweden's de facto days off."""

import datetime

import pytest

from workflows.business_time import add_business_days, business_days_between, is_business_day

D = datetime.date


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        (D(2026, 6, 19), "SE", False),  # Midsummer Eve: de facto closed
        (D(2026, 6, 20), "SE", False),  # Midsummer Day (a Saturday anyway)
        (D(2026, 6, 18), "SE", True),
        (D(2026, 12, 24), "SE", False),  # Christmas Eve
        (D(2026, 12, 25), "SE", False),
        (D(2026, 12, 28), "SE", True),
        (D(2026, 11, 26), "US", False),  # Thanksgiving
        (D(2026, 11, 27), "US", True),  # the Friday after is not a federal holiday
        (D(2026, 11, 26), "SE", True),
        (D(2026, 11, 28), "US", False),  # Saturday
    ],
)
def test_is_business_day_knows_weekends_and_holidays(day, country, expected):
    assert is_business_day(day, country) is expected


def test_adding_business_days_skips_midsummer_in_sweden():
    assert add_business_days(D(2026, 6, 18), 1, "SE") == D(2026, 6, 22)


def test_adding_business_days_skips_christmas_in_sweden():
    # 23 Dec (Wed) + 1: 24, 25, 26, 27 are all off.
    assert add_business_days(D(2026, 12, 23), 1, "SE") == D(2026, 12, 28)


def test_adding_business_days_skips_thanksgiving_in_the_us():
    assert add_business_days(D(2026, 11, 25), 1, "US") == D(2026, 11, 27)


def test_subtracting_business_days_goes_backwards_over_holidays():
    assert add_business_days(D(2026, 12, 28), -2, "SE") == D(2026, 12, 22)


def test_zero_days_on_a_day_off_means_the_business_day_before():
    assert add_business_days(D(2026, 6, 19), 0, "SE") == D(2026, 6, 18)


def test_business_days_between_counts_only_working_days():
    assert business_days_between(D(2026, 12, 21), D(2026, 12, 31), "SE") == 5
    assert business_days_between(D(2026, 12, 31), D(2026, 12, 21), "SE") == -5


def test_a_transferred_working_saturday_counts_as_a_business_day():
    # Russia 2024: Saturday 27 April was worked so that 29-30 April could bridge to 1 May.
    assert is_business_day(D(2024, 4, 27), "RU") is True
    assert is_business_day(D(2024, 4, 29), "RU") is False
    assert add_business_days(D(2024, 4, 26), 1, "RU") == D(2024, 4, 27)
    assert add_business_days(D(2024, 4, 26), 2, "RU") == D(2024, 5, 2)
    assert add_business_days(D(2024, 4, 30), 0, "RU") == D(2024, 4, 27)
    assert business_days_between(D(2024, 4, 25), D(2024, 5, 2), "RU") == 3
