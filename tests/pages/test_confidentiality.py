"""A manager never sees interview content on any page: only the answers the leaver chose to share."""

import pytest

from tests.helpers import SECRET, SECRET_NOTE, SHARED


@pytest.fixture
def manager_pages(answered, org):
    departure = answered.departure
    return [
        "/inbox/",
        f"/departures/{departure.pk}/",
        "/me/",
        "/interviews/",
        f"/interviews/{answered.pk}/guide/",
        f"/interviews/{answered.pk}/questionnaire/",
        f"/interviews/{answered.pk}/invite.ics",
        "/hr/reports/",
    ]


def test_no_manager_page_holds_interview_content(org, answered, manager_pages, client_for):
    client = client_for(org.manager)
    for path in manager_pages:
        body = client.get(path).content.decode()
        assert SECRET not in body, path
        assert SECRET_NOTE not in body, path


def test_the_manager_sees_what_the_leaver_shared(org, answered, client_for):
    body = client_for(org.manager).get(f"/departures/{answered.departure.pk}/").content.decode()
    assert SHARED in body


def test_the_manager_cannot_open_the_guide_or_the_questionnaire(org, answered, client_for):
    client = client_for(org.manager)
    assert client.get(f"/interviews/{answered.pk}/guide/").status_code == 404
    assert client.get(f"/interviews/{answered.pk}/questionnaire/").status_code == 404
    assert client.post(f"/interviews/{answered.pk}/guide/", {"answer_reasons.decision": "x"}).status_code == 404
