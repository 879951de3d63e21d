"""The reasons report: aggregates only, small groups hidden, and no subtraction reveals them."""

import datetime

import pytest
from django.contrib.auth.models import User

from offboarding.feedback.models import FollowUpSurvey, InterviewResponse
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


def report(api, user, **params):
    response = api(user).get("/api/v1/reports/reasons/", params)
    assert response.status_code == 200, response.content
    return response.json()


def by_key(rows):
    return {row["key"]: row for row in rows}


def test_groups_of_at_least_five_show_reasons_ratings_and_would_return(org, api, add_responses):
    add_responses(5, department="Engineering", reason="career", role=4)
    add_responses(6, department="Sales", reason="compensation", role=2, would_return=False)
    body = report(api, org.hr)
    sales = by_key(body["by_department"])["Sales"]
    assert sales["responses"] == 6 and sales["reasons"]["primary"] == {"compensation": 6}
    assert sales["ratings"]["role"] == 2.0 and sales["would_return"]["share"] == 0.0
    assert body["total"]["responses"] == 11 and body["total"]["ratings"]["role"] == pytest.approx(2.91, abs=0.01)


def test_a_group_under_five_is_hidden_with_the_next_smallest(org, api, add_responses):
    add_responses(9, department="Engineering")
    add_responses(6, department="Sales")
    add_responses(2, department="Legal")
    rows = by_key(report(api, org.hr)["by_department"])
    assert rows["Legal"] == {"key": "Legal", "suppressed": True, "responses": None}
    assert rows["Sales"]["suppressed"] is True  # else total − Engineering − Sales = Legal
    assert rows["Engineering"]["responses"] == 9


def test_hidden_groups_cannot_be_recovered_by_subtracting_from_the_total(org, api, add_responses):
    for department, count in (("A", 12), ("B", 7), ("C", 5), ("D", 1), ("E", 3)):
        add_responses(count, department=department)
    add_responses(4, department="A", kind="retirement")
    body = report(api, org.hr)
    for dimension in ("by_department", "by_kind", "by_period"):
        hidden = [row for row in body[dimension] if row["suppressed"]]
        visible_total = sum(row["responses"] for row in body[dimension] if not row["suppressed"])
        remainder = body["total"]["responses"] - visible_total
        assert len(hidden) != 1
        assert remainder == 0 or remainder >= 5, dimension


def test_a_total_under_five_hides_everything(org, api, add_responses):
    add_responses(4)
    body = report(api, org.hr)
    assert body["total"]["suppressed"] is True
    assert all(row["suppressed"] for d in ("by_department", "by_kind", "by_period") for row in body[d])


def test_periods_by_month_or_quarter(org, api, add_responses):
    add_responses(5, day=datetime.date(2026, 11, 30))
    add_responses(5, day=datetime.date(2026, 12, 18))
    assert [r["key"] for r in report(api, org.hr, period="month")["by_period"]] == ["2026-11", "2026-12"]
    assert [r["key"] for r in report(api, org.hr)["by_period"]] == ["2026-Q4"]


def test_an_unknown_period_is_400(org, api):
    response = api(org.hr).get("/api/v1/reports/reasons/", {"period": "week"})
    assert response.status_code == 400 and "period" in response.json()["fields"]


def test_a_manager_sees_only_their_organisation(org, api, add_responses):
    add_responses(5, department="Mine", manager=org.manager_record)
    add_responses(7, department="Elsewhere", manager=org.manager2_record)
    body = report(api, org.manager)
    assert body["total"]["responses"] == 5
    assert [r["key"] for r in body["by_department"]] == ["Mine"]


def test_follow_up_response_rates_are_reported(org, api, add_responses):
    add_responses(5)
    due = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    for i, interview in enumerate(ExitInterview.objects.select_related("departure")):
        FollowUpSurvey.objects.create(
            departure=interview.departure, offset_days=30, due_at=due, state="answered" if i < 2 else "pending"
        )
    assert report(api, org.hr)["total"]["follow_up"] == {"due": 5, "answered": 2, "response_rate": 0.4}


def test_query_count_does_not_grow_with_rows(org, api, add_responses, django_assert_num_queries):
    """The caller's groups, the responses, the surveys: three queries for 5 rows or for 45."""
    add_responses(5, department="A")
    hr = User.objects.get(pk=org.hr.pk)
    with django_assert_num_queries(3):
        report(api, hr)
    add_responses(20, department="B")
    add_responses(20, department="C", kind="retirement")
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
