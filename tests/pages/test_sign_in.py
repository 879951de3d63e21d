"""Sign-in: a one-time code by email for the leaver, a password for staff, the second factor HR can
require, single sign-on by OpenID Connect when configured, and email links that land on pages."""

import re

import environ
import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from config.settings.base import oidc_providers
from offboarding import links


def _sign_in_by_code(client, email: str, next_path: str = "") -> object:
    suffix = f"?next={next_path}" if next_path else ""
    response = client.post(f"/accounts/login/code/{suffix}", {"email": email})
    assert response.status_code == 302, response.content
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.M).group(1)
    return client.post(f"/accounts/login/code/confirm/{suffix}", {"code": code})


def test_leaver_signs_in_with_a_code_sent_by_email(org, started, client_for):
    client = client_for()
    response = _sign_in_by_code(client, org.employee.email)
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/me/"
    assert "Erik Employee" in client.get("/me/").content.decode() or client.get("/me/").status_code == 200


def test_staff_sign_in_with_a_password(org, client_for):
    org.hr.set_password("pw-for-hr-1")
    org.hr.save()
    client = client_for()
    response = client.post("/accounts/login/", {"login": "hr", "password": "pw-for-hr-1"})
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/hr/"


def test_email_link_opens_the_right_page_after_sign_in(org, started, client_for):
    url = links.link_url(action=links.OPEN, departure_id=started.pk, user_id=org.manager.pk)
    path = url.replace("http://testserver", "")
    assert path.startswith("/links/")
    client = client_for()
    opened = client.get(path)
    assert opened["Location"] == f"/departures/{started.pk}/"
    page = client.get(opened["Location"])
    assert page.status_code == 302 and page["Location"] == f"/accounts/login/?next=/departures/{started.pk}/"
    signed_in = _sign_in_by_code(client, org.manager.email, next_path=f"/departures/{started.pk}/")
    assert signed_in["Location"] == f"/departures/{started.pk}/"
    assert "Erik Employee" in client.get(signed_in["Location"]).content.decode()


def test_one_click_approval_page_has_the_site_look(org, started, client_for):
    url = links.link_url(action=links.APPROVE, departure_id=started.pk, user_id=org.manager.pk)
    body = client_for().get(url.replace("http://testserver", "")).content.decode()
    assert "/static/pages/site.css" in body


def test_hr_must_set_up_a_second_factor_when_required(org, client_for, settings):
    settings.MFA_REQUIRED_FOR_HR = True
    client = client_for(org.hr)
    response = client.get("/hr/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    # allauth asks to confirm the session first (a forced login is not a recent sign-in); no redirect loop.
    setup = client.get("/accounts/2fa/totp/activate/", follow=True)
    assert setup.status_code == 200 and setup.redirect_chain[-1][0].startswith("/accounts/")
    Authenticator.objects.create(user=org.hr, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client_for(org.hr).get("/hr/").status_code == 200
    assert client_for(org.manager).get("/inbox/").status_code == 200  # the rule is for HR only


def test_oidc_settings_parse_from_the_environment(monkeypatch):
    env = environ.Env()
    monkeypatch.setenv("OIDC_SERVER_URL", "https://login.example.com/realms/acme")
    monkeypatch.setenv("OIDC_CLIENT_ID", "offboarding")
    monkeypatch.setenv("OIDC_PROVIDER_NAME", "Acme SSO")
    providers = oidc_providers(env)
    (app,) = providers["openid_connect"]["APPS"]
    assert app["settings"]["server_url"] == "https://login.example.com/realms/acme"
    assert app["client_id"] == "offboarding" and app["name"] == "Acme SSO"
    monkeypatch.delenv("OIDC_SERVER_URL")
    assert oidc_providers(env) == {}


@pytest.mark.django_db
def test_the_sign_in_page_shows_the_sso_button_when_configured(client_for, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "acme",
                    "name": "Acme SSO",
                    "client_id": "offboarding",
                    "secret": "s",
                    "settings": {"server_url": "https://login.example.com"},
                }
            ]
        }
    }
    body = client_for().get("/accounts/login/").content.decode()
    assert "Sign in with Acme SSO" in body
    assert "/accounts/oidc/acme/login/" in body
