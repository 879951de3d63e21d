"""One main path per role in a real browser, with axe-core in every page and a screenshot of each.

The demo's "done when" in short: HR starts a departure and schedules the interview in Stockholm time;
the manager approves it from the inbox; the leaver signs in with an emailed code, accepts the time
and downloads the invite; the interviewer records answers as they type; no manager page shows
interview content."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings

from offboarding import links
from offboarding.actions import answers as answer_actions
from offboarding.actions import departures as departure_actions
from offboarding.actions import interviews as interview_actions
from offboarding.feedback.models import Answer
from offboarding.interviews.models import ExitInterview, PartStat
from offboarding.models import Departure
from tests.browser.conftest import check, sign_in_with_code, sign_in_with_password, upcoming_weekday
from tests.factories import EmployeeFactory, UserFactory
from tests.helpers import SECRET, SECRET_NOTE, SHARED

pytestmark = pytest.mark.browser


@pytest.fixture
def approved(org):
    departure = departure_actions.departure_start(
        employee=org.employee_record,
        kind="resignation",
        notice_date=upcoming_weekday(-10),
        last_working_day=upcoming_weekday(21),
        reason="career",
        actor=org.hr,
    )
    return departure_actions.departure_approve(departure=departure, actor=org.manager)


@pytest.fixture
def scheduled(approved, org):
    day = upcoming_weekday(7)
    start = datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=datetime.UTC)
    return interview_actions.exit_interview_schedule(
        departure=approved, actor=org.hr, interviewer=org.interviewer, start=start
    )


def test_hr_starts_a_departure_and_schedules_the_interview(page, org):
    sign_in_with_password(page, "hr")
    check(page, "hr-pipeline")
    page.get_by_role("link", name=re.compile("Start a departure|Starta en avslutning")).click()
    page.get_by_label(re.compile("Employee|Anställd")).select_option(label=str(org.employee_record))
    page.get_by_label(re.compile("Kind|Typ")).select_option("resignation")
    page.get_by_label(re.compile("Notice date|Uppsägningsdatum")).fill(upcoming_weekday(-5).isoformat())
    page.get_by_label(re.compile("Last working day|Sista arbetsdag")).fill(upcoming_weekday(25).isoformat())
    check(page, "hr-start-departure")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/departures/\d+/"))
    departure = Departure.objects.get()
    assert departure.state == "notice"
    check(page, "hr-departure")

    departure_actions.departure_approve(departure=departure, actor=org.manager)
    page.goto(f"/hr/departures/{departure.pk}/interview/")
    assert "Europe/Stockholm" in page.content()
    day = upcoming_weekday(8)
    page.locator("#id_start").fill(f"{day.isoformat()}T14:30")
    page.get_by_label(re.compile("Interviewer|Samtalsledare")).select_option(str(org.interviewer.pk))
    check(page, "hr-schedule-interview")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/departures/{departure.pk}/")
    interview = ExitInterview.objects.get()
    local = interview.start.astimezone(org.employee_record.tzinfo)
    assert (local.date(), local.hour, local.minute) == (day, 14, 30)
    assert f"{day.isoformat()} 14:30" in page.content()

    page.goto("/hr/reports/")
    check(page, "hr-reasons")
    page.goto("/hr/deliveries/")
    check(page, "hr-deliveries")


def test_manager_approves_from_the_inbox_and_sees_only_what_was_shared(page, org, scheduled):
    answer_actions.interview_response_write(
        interview=scheduled,
        actor=org.employee,
        answers=[
            {"question": "reasons.decision", "text": SECRET, "share_with_manager": False},
            {"question": "suggestions.change", "text": SHARED, "share_with_manager": True},
        ],
    )
    answer_actions.interview_response_write(interview=scheduled, actor=org.interviewer, notes=SECRET_NOTE)
    other = departure_actions.departure_start(
        employee=org.manager_record.reports.exclude(pk=org.employee_record.pk).first() or _second_report(org),
        kind="resignation",
        notice_date=upcoming_weekday(-3),
        last_working_day=upcoming_weekday(30),
        actor=org.hr,
    )
    sign_in_with_password(page, "manager")
    check(page, "manager-inbox")
    assert SECRET not in page.content()
    page.get_by_label(re.compile("Note|Kommentar")).fill("Agreed with the handover plan")
    page.get_by_role("button", name=re.compile("^(Approve|Godkänn)")).click()
    page.wait_for_url("**/inbox/")
    other.refresh_from_db()
    assert other.state == "approved"
    page.goto(f"/departures/{scheduled.departure.pk}/")
    check(page, "manager-departure")
    body = page.content()
    assert SHARED in body and SECRET not in body and SECRET_NOTE not in body


def _second_report(org):
    return EmployeeFactory(name="Alva Report", user=UserFactory(username="alva"), manager=org.manager_record)


def test_leaver_signs_in_by_code_accepts_and_downloads_the_invite(page, org, scheduled):
    org.employee_record.language = "sv"
    org.employee_record.save()
    sign_in_with_code(page, org.employee.email)
    page.wait_for_url("**/me/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert "Tidslinje" in page.content() and "(Europe/Stockholm)" in page.content()
    check(page, "leaver-me-sv")
    page.get_by_role("button", name="Tacka ja till tiden").click()
    page.wait_for_url("**/me/")
    scheduled.refresh_from_db()
    assert scheduled.employee_partstat == PartStat.ACCEPTED
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Ladda ner inbjudan")).click()
    assert scheduled.uid in open(download.value.path()).read()

    page.get_by_role("link", name="Frågor inför samtalet").click()
    page.locator("textarea[name='answer_suggestions.change']").fill("Fewer meetings")
    page.locator("#share_suggestions\\.change").check()
    check(page, "leaver-questionnaire-sv")
    page.get_by_role("button", name="Spara mina svar").click()
    assert Answer.objects.get(question="suggestions.change").share_with_manager is True

    with page.expect_navigation():
        page.locator("#language-switch").select_option("en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Questions before the interview" in page.content()


def test_interviewer_records_answers_as_they_type_then_holds(page, org, scheduled):
    sign_in_with_password(page, "interviewer")
    check(page, "interviewer-interviews")
    page.get_by_role("link", name=str(org.employee_record.name)).first.click()
    page.wait_for_url(f"**/interviews/{scheduled.pk}/guide/")
    assert page.locator("fieldset").count() == 10
    page.locator("textarea[name='answer_reasons.decision']").fill("A better offer elsewhere")
    page.locator("#saved").filter(has_text=re.compile("Saved|Sparat")).wait_for()
    assert Answer.objects.filter(question="reasons.decision").exists()
    check(page, "interviewer-guide")


def test_an_email_link_opens_its_page_after_sign_in(page, org, approved):
    url = links.link_url(action=links.OPEN, departure_id=approved.pk, user_id=org.manager.pk)
    page.goto(url.replace(settings.SITE_URL, ""))
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    page.locator("#id_login").fill("manager")
    page.locator("#id_password").fill("pw")
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_url(f"**/departures/{approved.pk}/")
    assert "Erik Employee" in page.content()
    check(page, "email-link-departure")
