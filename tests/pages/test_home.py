"""Everyone lands on what is theirs at `/`; signed out, they are asked to sign in first."""

import pytest


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [("hr", "/hr/"), ("manager", "/inbox/"), ("employee", "/me/"), ("interviewer", "/interviews/")],
)
def test_each_person_lands_on_their_page(org, started, client_for, who, lands_on):
    response = client_for(getattr(org, who)).get("/")
    assert response.status_code == 302
    assert response["Location"] == lands_on
    assert client_for(getattr(org, who)).get(lands_on).status_code == 200


def test_signed_out_visitor_is_sent_to_sign_in(db, client_for):
    response = client_for().get("/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/inbox/")


def test_sign_in_page_offers_a_code_by_email_and_a_password(db, client_for):
    body = client_for().get("/accounts/login/").content.decode()
    assert "/accounts/login/code/" in body
    assert 'type="password"' in body
    assert "sign up" not in body.lower()


def test_the_pages_load_nothing_from_another_host(org, started, client_for):
    body = client_for(org.hr).get("/hr/").content.decode()
    assert "/static/pages/htmx-2.0.11.min.js" in body
    assert "https://" not in body and "http://" not in body.replace("http://testserver", "")
