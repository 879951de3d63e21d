"""Browser tests: headless Chromium from Debian's package, driven by Playwright, against a live server.

Chromium is never downloaded: Playwright launches /usr/bin/chromium (`apt-get install chromium`; CI's
.ci/run installs it). Screenshots of every page visited go to var/screenshots/."""

from __future__ import annotations

import datetime
import os
import pathlib
import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import sync_playwright

from tests.helpers import service_missing

CHROMIUM = "/usr/bin/chromium"
AXE = pathlib.Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
SCREENSHOTS = pathlib.Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        service_missing(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
    # browser steps are ordinary synchronous calls, so Django's guard against async contexts is lifted
    # while the browser runs (and only then: `check --deploy` refuses the variable).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launched()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launched():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context on the live server, phone-sized; any request to another host fails the test."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, accept_downloads=True
    )
    outside: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
    assert not outside, f"requests left the server: {outside}"


def check(page, name: str) -> None:
    """Save a screenshot and run axe-core in the page: no serious or critical violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: {bad}"


def sign_in_with_password(page, username: str, password: str = "pw") -> None:
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("Username|Användarnamn")).fill(username)
    page.get_by_label(re.compile("^(Password|Lösenord)$")).fill(password)
    page.locator("form:has(#id_password) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/(hr|inbox|me|interviews)/"))


def sign_in_with_code(page, email: str) -> None:
    page.goto("/accounts/login/")
    check(page, "sign-in")
    page.locator("a[href^='/accounts/login/code/']").click()
    page.locator("input[name=email]").fill(email)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/accounts/login/code/confirm/"))
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.M).group(1)
    page.locator("input[name=code]").fill(code)
    page.locator("form button[type=submit]").first.click()


def upcoming_weekday(days_ahead: int) -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day
