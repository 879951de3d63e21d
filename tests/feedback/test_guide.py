"""The interview guide: the seed's nine sections in Swedish and English, versioned, pinned per interview."""

import json

import pytest

from offboarding.actions import answers
from offboarding.feedback.guide import default_guide_content, guide_install_default
from offboarding.feedback.models import Guide, InterviewResponse

pytestmark = pytest.mark.django_db

SEED_ORDER = [
    "setting",
    "reasons",
    "experience",
    "organisation",
    "contributions",
    "suggestions",
    "confidentiality",
    "next_steps",
    "closing",
]


def test_migrate_installs_the_nine_sections_of_the_seed_in_order():
    guide = Guide.objects.get()
    assert [s["key"] for s in guide.content["sections"]] == SEED_ORDER


def test_every_section_has_questions_in_swedish_and_english():
    for section in Guide.objects.get().content["sections"]:
        assert section["title"]["sv"] and section["title"]["en"]
        assert section["questions"]
        assert all(q["text"]["sv"] and q["text"]["en"] for q in section["questions"])


def test_installing_the_default_again_changes_nothing():
    guide, created = guide_install_default()
    assert not created and Guide.objects.count() == 1 and guide.version == 1


def new_content():
    content = default_guide_content()
    content["sections"][0]["questions"] = [{"key": "setting.new", "text": {"en": "New?", "sv": "Ny?"}}]
    return content


def test_hr_publishes_a_new_version(org, api):
    response = api(org.hr).post("/api/v1/guides/", {"content": new_content(), "note": "v2"}, format="json")
    assert response.status_code == 201 and response.json()["version"] == 2


@pytest.mark.parametrize("who", ["manager", "interviewer", "employee"])
def test_only_hr_publishes_guides(org, api, who):
    response = api(getattr(org, who)).post("/api/v1/guides/", {"content": new_content()}, format="json")
    assert response.status_code == 403


def test_a_guide_with_a_section_without_questions_is_400(org, api):
    content = new_content()
    content["sections"][1]["questions"] = []
    response = api(org.hr).post("/api/v1/guides/", {"content": content}, format="json")
    assert response.status_code == 400 and "content" in response.json()["fields"]


def test_an_answered_interview_keeps_the_guide_version_it_used(answered, org, api):
    answers.guide_create_version(content=new_content(), actor=org.hr)
    body = api(org.interviewer).get(f"/api/v1/interviews/{answered.pk}/responses/").json()
    assert body["guide"]["version"] == 1
    assert InterviewResponse.objects.get(interview=answered).guide.version == 1
    assert "reasons.decision" in [q["key"] for s in body["sections"] for q in s["questions"]]


def test_a_new_interview_uses_the_newest_version(departure, make_interview, org, api):
    answers.guide_create_version(content=new_content(), actor=org.hr)
    interview = make_interview(departure)
    body = api(org.interviewer).get(f"/api/v1/interviews/{interview.pk}/responses/").json()
    assert body["guide"]["version"] == 2 and body["sections"][0]["questions"][0]["key"] == "setting.new"


def test_hr_adds_a_guide_version_in_the_admin(org, client):
    admin_user = type(org.hr).objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin_user)
    response = client.post("/admin/feedback/guide/add/", {"content": json.dumps(new_content()), "note": "admin"})
    assert response.status_code == 302
    assert Guide.objects.get(version=2).created_by == admin_user


def test_the_shipped_guide_comes_back_when_the_table_was_emptied(interview, org, api):
    Guide.objects.all().delete()
    body = api(org.interviewer).get(f"/api/v1/interviews/{interview.pk}/responses/").json()
    assert body["guide"]["version"] == 1 and len(body["sections"]) == 9
