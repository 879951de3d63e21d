"""Logins resist guessing: failed attempts are counted per real client address in the shared cache on
every login path, and API tokens are stored only as a hash and expire."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import caches
from django.test import override_settings
from knox.models import AuthToken

from core.client_ip import client_ip

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"


@pytest.fixture
def hr(org):
    org.hr.set_password("right-password")
    org.hr.save()
    return org.hr


def _guess(client, password="wrong", **headers):
    return client.post(URL, {"username": "hr", "password": password}, content_type="application/json", **headers)


def test_changing_forwarded_for_headers_does_not_escape_the_limit(client, hr, settings):
    answers = [
        _guess(client, HTTP_X_FORWARDED_FOR=f"10.0.{i}.1").status_code for i in range(settings.AXES_FAILURE_LIMIT)
    ]

    assert answers[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert answers[-1] == 429
    locked = _guess(client, "right-password", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert locked.status_code == 429 and locked.json()["code"] == "throttled"


def test_the_admin_login_shares_the_limit(client, hr, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _guess(client)

    response = client.post("/admin/login/?next=/admin/", {"username": "hr", "password": "right-password"})

    assert response.status_code == 429


def test_the_admin_login_counts_its_own_failures_too(client, hr, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/?next=/admin/", {"username": "hr", "password": "wrong"})

    assert _guess(client, "right-password").status_code == 429


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_a_trusted_proxy_each_client_is_counted_on_its_own(client, hr, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _guess(client, HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert _guess(client, "right-password", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert _guess(client, "right-password", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


@pytest.mark.parametrize(
    "peer, forwarded, trusted, expected",
    [
        ("203.0.113.5", "10.0.0.1", [], "203.0.113.5"),
        ("10.1.1.1", "198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),
        ("10.1.1.1", "6.6.6.6, 198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),
        ("10.1.1.1", "198.51.100.7, 10.2.2.2", ["10.0.0.0/8"], "198.51.100.7"),
        ("10.1.1.1", "not-an-address", ["10.0.0.0/8"], "10.1.1.1"),
    ],
)
def test_the_client_address_trusts_forwarded_for_only_from_a_configured_proxy(
    rf, settings, peer, forwarded, trusted, expected
):
    settings.TRUSTED_PROXIES = trusted
    request = rf.get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_token_is_stored_only_as_a_hash_and_works_as_before(client, hr):
    token = _guess(client, "right-password").json()["token"]

    stored = AuthToken.objects.get(user=hr)
    assert token not in (stored.digest, stored.token_key)
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").json()["username"] == "hr"


def test_a_token_expires(client, hr, settings):
    token = _guess(client, "right-password").json()["token"]
    later = datetime.datetime.now(tz=datetime.UTC) + settings.REST_KNOX["TOKEN_TTL"] + datetime.timedelta(minutes=1)

    with time_machine.travel(later):
        assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


def test_the_counters_are_shared_through_redis_between_processes(client, hr, settings, redis_available):
    """Two cache clients on one Redis database stand for two web processes."""
    shared = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_available}}
    with override_settings(CACHES=shared, AXES_HANDLER="axes.handlers.cache.AxesCacheHandler"):
        caches["default"].clear()
        try:
            for _ in range(settings.AXES_FAILURE_LIMIT):
                _guess(client)
            # A fresh connection, as another process would open, sees the lockout.
            del caches["default"]
            assert _guess(client, "right-password").status_code == 429
        finally:
            caches["default"].clear()
