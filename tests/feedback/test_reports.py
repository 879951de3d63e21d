"""The reasons report: released by closed quarter and never revised, small groups hidden, and no
subtraction (across views or over time) reveals anyone."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User

from offboarding.feedback.models import FollowUpSurvey, InterviewResponse, ReportRelease
from offboarding.feedback.reports import suppressed_keys
from offboarding.feedback.selectors import guide_current
from offboarding.interviews.models import ExitInterview
from tests.factories import DepartureFactory, EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_responses(org):
    def add(
        count,
        *,
        department="Engineering",
        kind="resignation",
        day=datetime.date(2026, 12, 18),
        manager=None,
        reason="career",
        role=4,
        would_return=True,
    ):
        guide = guide_current()
        for _ in range(count):
            employee = EmployeeFactory(department=department, manager=manager)
            departure = DepartureFactory(
                employee=employee, kind=kind, last_working_day=day, notice_date=day - datetime.timedelta(days=30)
            )
            interview = ExitInterview.objects.create(departure=departure, interviewer=org.interviewer, state="closed")
            InterviewResponse.objects.create(
                interview=interview, guide=guide, primary_reason=reason, rating_role=role, would_return=would_return
            )

    return add


# Q4 2026 ends on 31 December; with the 30-day delay it is released from 31 January 2027.
AFTER_Q4 = datetime.datetime(2027, 2, 15, 9, 0, tzinfo=datetime.UTC)
DURING_Q4 = datetime.datetime(2026, 12, 20, 9, 0, tzinfo=datetime.UTC)


def report(api, user, at=AFTER_Q4, **params):
    with time_machine.travel(at, tick=False):
        response = api(user).get("/api/v1/reports/reasons/", params)
    assert response.status_code == 200, response.content
    return response.json()


def release(body, key="2026-Q4"):
    return by_key(body["releases"])[key]


def by_key(rows):
    return {row["key"]: row for row in rows}


def test_groups_of_at_least_five_show_reasons_ratings_and_would_return(org, api, add_responses):
    add_responses(5, department="Engineering", reason="career", role=4)
    add_responses(6, department="Sales", reason="compensation", role=2, would_return=False)
    body = report(api, org.hr)
    sales = by_key(release(body)["by_department"])["Sales"]
    assert sales["responses"] == 6 and sales["reasons"]["primary"] == {"compensation": 6}
    assert sales["ratings"]["role"] == 2.0 and sales["would_return"]["share"] == 0.0
    assert body["total"]["responses"] == 11 and body["total"]["ratings"]["role"] == pytest.approx(2.91, abs=0.01)


def test_a_group_under_five_is_hidden_with_the_next_smallest(org, api, add_responses):
    add_responses(9, department="Engineering")
    add_responses(6, department="Sales")
    add_responses(2, department="Legal")
    rows = by_key(release(report(api, org.hr))["by_department"])
    assert rows["Legal"] == {"key": "Legal", "suppressed": True, "responses": None}
    assert rows["Sales"]["suppressed"] is True  # else total − Engineering − Sales = Legal
    assert rows["Engineering"]["responses"] == 9


def test_hidden_groups_cannot_be_recovered_by_subtracting_from_the_total(org, api, add_responses):
    for department, count in (("A", 12), ("B", 7), ("C", 5), ("D", 1), ("E", 3)):
        add_responses(count, department=department)
    add_responses(4, department="A", kind="retirement")
    quarter = release(report(api, org.hr))
    for dimension in ("by_department", "by_kind"):
        hidden = [row for row in quarter[dimension] if row["suppressed"]]
        visible_total = sum(row["responses"] for row in quarter[dimension] if not row["suppressed"])
        remainder = quarter["total"]["responses"] - visible_total
        assert len(hidden) != 1
        assert remainder == 0 or remainder >= 5, dimension


def test_a_quarter_under_five_is_withheld_for_good(org, api, add_responses):
    add_responses(4)
    body = report(api, org.hr)
    assert body["total"]["suppressed"] is True
    assert release(body)["suppressed"] is True and release(body)["by_department"] == []
    add_responses(3)  # answers recorded after the release never move it
    assert release(report(api, org.hr))["suppressed"] is True


def test_an_open_quarter_is_not_in_the_report(org, api, add_responses):
    add_responses(10)
    body = report(api, org.hr, at=DURING_Q4)
    assert body["releases"] == [] and body["by_period"] == []
    assert body["total"]["suppressed"] is True
    assert not ReportRelease.objects.exists()


def test_attack_before_and_after_one_interview_closes_shows_nothing(org, api, add_responses):
    """The issue's attack: compare the report before and after one person's answers are recorded."""
    add_responses(6, department="Engineering", reason="career", role=4)
    before = report(api, org.hr)
    add_responses(1, department="Engineering", reason="manager", role=1, would_return=False)
    after = report(api, org.hr, at=AFTER_Q4 + datetime.timedelta(days=40))
    assert after == before


def test_attack_quarter_minus_month_is_not_possible(org, api, add_responses):
    """The issue's attack: "Q3 − July". There is one granularity, the quarter; months are refused."""
    add_responses(5, day=datetime.date(2026, 10, 30))
    add_responses(5, day=datetime.date(2026, 12, 18))
    with time_machine.travel(AFTER_Q4, tick=False):
        by_month = api(org.hr).get("/api/v1/reports/reasons/", {"period": "month"})
    assert by_month.status_code == 400 and "period" in by_month.json()["fields"]
    assert [r["key"] for r in report(api, org.hr)["by_period"]] == ["2026-Q4"]


def test_attack_all_time_minus_a_quarter_reveals_no_withheld_quarter(org, api, add_responses):
    add_responses(3, day=datetime.date(2026, 8, 14), reason="manager")  # Q3: too few, withheld
    add_responses(6, day=datetime.date(2026, 12, 18), reason="career")
    body = report(api, org.hr)
    assert by_key(body["by_period"])["2026-Q3"]["suppressed"] is True
    # The overall total is the shown quarters only: subtracting them leaves nothing.
    assert body["total"]["responses"] == 6 and body["total"]["reasons"]["primary"] == {"career": 6}


def test_an_unknown_period_is_400(org, api):
    response = api(org.hr).get("/api/v1/reports/reasons/", {"period": "week"})
    assert response.status_code == 400 and "period" in response.json()["fields"]


def test_a_manager_sees_only_their_organisation(org, api, add_responses):
    add_responses(5, department="Mine", manager=org.manager_record)
    add_responses(7, department="Elsewhere", manager=org.manager2_record)
    body = report(api, org.manager)
    assert body["total"]["responses"] == 5
    assert [r["key"] for r in release(body)["by_department"]] == ["Mine"]


def test_follow_up_response_rates_are_reported(org, api, add_responses):
    add_responses(5)
    due = datetime.datetime(2027, 1, 20, tzinfo=datetime.UTC)
    for i, interview in enumerate(ExitInterview.objects.select_related("departure")):
        FollowUpSurvey.objects.create(
            departure=interview.departure, offset_days=30, due_at=due, state="answered" if i < 2 else "pending"
        )
    assert report(api, org.hr)["total"]["follow_up"] == {"due": 5, "answered": 2, "response_rate": 0.4}


def test_query_count_does_not_grow_with_rows(org, api, add_responses, django_assert_num_queries):
    """Releasing: groups, releases, responses, surveys, the insert (in a transaction); reading released
    quarters afterwards: groups, release periods, releases."""
    add_responses(5, department="A")
    add_responses(20, department="B")
    add_responses(20, department="C", kind="retirement")
    hr = User.objects.get(pk=org.hr.pk)
    with django_assert_num_queries(8):
        report(api, hr)
    for count in (5, 45):
        add_responses(count, department="D")
        hr = User.objects.get(pk=org.hr.pk)
        with django_assert_num_queries(3):
            report(api, hr)


@pytest.mark.parametrize(
    "sizes, hidden",
    [
        ({"a": 10, "b": 8}, set()),
        ({"a": 10, "b": 8, "c": 1}, {"b", "c"}),
        ({"a": 10, "b": 6, "c": 1, "d": 2}, {"c", "d", "b"}),
        ({"a": 10, "b": 2, "c": 3}, {"b", "c"}),
        ({"a": 3}, {"a"}),
    ],
)
def test_complementary_suppression_rule(sizes, hidden):
    assert suppressed_keys(sizes, total=sum(sizes.values()), threshold=5) == hidden


def test_a_departure_with_two_interviews_counts_once(org, api, add_responses):
    add_responses(5)
    interview = ExitInterview.objects.select_related("departure").first()
    second = ExitInterview.objects.create(departure=interview.departure, interviewer=org.interviewer, state="closed")
    InterviewResponse.objects.create(interview=second, guide=guide_current(), primary_reason="workload")
    total = report(api, org.hr)["total"]
    assert total["responses"] == 5
    assert total["reasons"]["primary"] == {"career": 4, "workload": 1}
