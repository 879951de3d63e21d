"""Auth, me and the employees register."""

import pytest

from offboarding.models import Employee

pytestmark = pytest.mark.django_db


def test_token_for_good_credentials_authenticates_later_calls(org, api):
    response = api().post("/api/v1/auth/token/", {"username": "manager", "password": "pw"}, format="json")

    assert response.status_code == 200
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    assert client.get("/api/v1/me/").data["username"] == "manager"


@pytest.mark.parametrize(
    "payload", [{"username": "manager", "password": "wrong"}, {"username": "nobody", "password": "pw"}, {}]
)
def test_bad_credentials_get_400_without_a_token(org, api, payload):
    response = api().post("/api/v1/auth/token/", payload, format="json")

    assert response.status_code == 400
    assert "token" not in response.data


@pytest.mark.parametrize(
    ("who", "roles"),
    [
        ("hr", ["hr", "employee"]),
        ("manager", ["manager", "employee"]),
        ("ceo", ["manager", "employee"]),
        ("employee", ["employee"]),
        ("interviewer", ["interviewer", "employee"]),
        ("it", ["it", "employee"]),
        ("facilities", ["facilities"]),
    ],
)
def test_me_lists_the_callers_roles(org, api, who, roles):
    data = api(getattr(org, who)).get("/api/v1/me/").data

    assert data["username"] == who
    assert data["roles"] == roles


def test_me_gives_the_employee_id(org, api):
    assert api(org.employee).get("/api/v1/me/").data["employee"] == org.employee_record.pk


def new_employee(**overrides):
    data = {
        "external_id": "E9001",
        "name": "Nora New",
        "email": "nora@example.com",
        "country": "SE",
        "time_zone": "Europe/Stockholm",
        "language": "sv",
    }
    data.update(overrides)
    return data


def test_hr_registers_an_employee(org, api):
    response = api(org.hr).post("/api/v1/employees/", new_employee(manager=org.manager_record.pk), format="json")

    assert response.status_code == 201, response.data
    assert Employee.objects.get(external_id="E9001").manager == org.manager_record


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"country": "XX"}, "country"),
        ({"language": "de"}, "language"),
        ({"manager": 99999}, "manager"),
        ({"external_id": ""}, "external_id"),
        ({"work_starts": "18:00", "work_ends": "09:00"}, "work_ends"),
    ],
)
def test_bad_employee_input_gets_400_per_field(org, api, overrides, field):
    response = api(org.hr).post("/api/v1/employees/", new_employee(**overrides), format="json")

    assert response.status_code == 400
    assert field in response.data["fields"]
    assert not Employee.objects.filter(external_id="E9001").exists()


def test_a_duplicate_hris_id_is_refused(org, api):
    response = api(org.hr).post(
        "/api/v1/employees/", new_employee(external_id=org.employee_record.external_id), format="json"
    )

    assert response.status_code == 400
    assert "external_id" in response.data["fields"]


def test_a_reporting_loop_is_refused(org, api):
    url = f"/api/v1/employees/{org.ceo_record.pk}/"

    response = api(org.hr).patch(url, {"manager": org.employee_record.pk}, format="json")

    assert response.status_code == 400
    assert "manager" in response.data["fields"]


@pytest.mark.parametrize("who", ["manager", "employee", "it", "interviewer"])
def test_only_hr_reads_the_employee_register(org, api, who):
    assert api(getattr(org, who)).get("/api/v1/employees/").status_code == 403
    assert api(getattr(org, who)).post("/api/v1/employees/", new_employee(), format="json").status_code == 403


def test_the_openapi_schema_documents_the_contract(org, api):
    response = api().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"] if hasattr(response, "json") else response.data["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/employees/",
        "/api/v1/departures/",
        "/api/v1/departures/{id}/",
        "/api/v1/departures/{id}/{transition}/",
    ]:
        assert path in paths


def test_the_docs_ui_is_served(api):
    assert api().get("/api/v1/docs/").status_code == 200
