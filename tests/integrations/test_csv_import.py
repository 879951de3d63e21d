"""CSV bulk start: row validation, the per-row report, bulk queries, the API and the command."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.inbound.csv_import import ImportRow, departures_import
from offboarding.models import Departure, DepartureHistory
from tests.helpers import make_employees
from workflows.models import Step, Workflow
from workflows.outbox.models import ScheduledAction

pytestmark = pytest.mark.django_db

HEADER = "employee_external_id,kind,notice_date,last_working_day,reason"
URL = "/api/v1/departures/import/"


def csv_of(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def good(external_id: str, reason: str = "restructuring") -> str:
    return f"{external_id},termination,2026-11-02,2027-01-29,{reason}"


def post_csv(api, user, text: str, *, as_file=True):
    client = api(user)
    if as_file:
        upload = SimpleUploadedFile("departures.csv", text.encode(), content_type="text/csv")
        return client.post(URL, {"file": upload}, format="multipart")
    return client.post(URL, data=text, content_type="text/csv")


def test_mixed_rows_start_the_good_ones_and_report_the_bad_ones_with_line_and_reason(org, api, frozen):
    a, b = make_employees(2)
    text = csv_of(
        good(a.external_id),  # line 2
        "NOBODY,resignation,2026-11-02,2027-01-29,",  # line 3
        f"{b.external_id},fired,2026-11-02,2027-01-29,",  # line 4
        f"{org.employee_record.external_id},resignation,2026-11-02,2026-10-01,",  # line 5
        f"{org.manager2_record.external_id},resignation,02/11/2026,2027-01-29,",  # line 6
        f"{org.ceo_record.external_id},resignation,2026-11-02,2027-01-29,secret-reason",  # line 7
    )

    response = post_csv(api, org.hr, text)

    assert response.status_code == 200, response.data
    assert (response.data["rows"], response.data["created"], response.data["failed"]) == (6, 1, 5)
    errors = {e["line"]: e["reason"] for e in response.data["errors"]}
    assert set(errors) == {3, 4, 5, 6, 7}
    assert "no employee" in errors[3]
    # The same words as the API's field errors for the same values.
    assert errors[4] == 'kind: "fired" is not a valid choice.'
    assert errors[5] == "last_working_day: The last working day cannot be before the notice date."
    assert errors[6].startswith("notice_date: Date has wrong format.") and "YYYY-MM-DD" in errors[6]
    assert errors[7] == 'reason: "secret-reason" is not a valid choice.'
    departure = Departure.objects.get()
    assert departure.employee == a and departure.reason == "restructuring"
    assert departure.workflow is not None
    assert response.data["departures"] == [departure.pk]


def test_a_bad_row_leaves_no_half_made_departure(org, api, frozen):
    text = csv_of("NOBODY,resignation,2026-11-02,2027-01-29,")

    post_csv(api, org.hr, text)

    assert not Departure.objects.exists()
    assert not DepartureHistory.objects.exists()
    assert not Workflow.objects.exists()


def test_the_same_employee_twice_fails_both_rows(org, api, frozen):
    (a,) = make_employees(1)

    response = post_csv(api, org.hr, csv_of(good(a.external_id), good(a.external_id)))

    assert response.data["created"] == 0
    assert [e["line"] for e in response.data["errors"]] == [2, 3]
    assert all("more than one row" in e["reason"] for e in response.data["errors"])


def test_an_employee_with_an_open_departure_is_reported(org, api, frozen):
    (a,) = make_employees(1)
    post_csv(api, org.hr, csv_of(good(a.external_id)))

    response = post_csv(api, org.hr, csv_of(good(a.external_id)))

    assert response.data["errors"][0]["reason"] == "this employee already has an open departure"
    assert Departure.objects.count() == 1


def test_a_row_with_the_wrong_number_of_columns_is_reported_not_fatal(org, api, frozen):
    (a,) = make_employees(1)

    response = post_csv(api, org.hr, csv_of("X,resignation", good(a.external_id)))

    assert response.data["created"] == 1
    assert response.data["errors"] == [
        {"line": 2, "employee_external_id": "X", "reason": "the row has 2 columns, expected 5"}
    ]


def test_a_text_csv_body_works_like_a_file(org, api, frozen):
    (a,) = make_employees(1)

    response = post_csv(api, org.hr, csv_of(good(a.external_id)), as_file=False)

    assert response.status_code == 200, response.data
    assert response.data["created"] == 1


@pytest.mark.parametrize(
    "text",
    ["employee,kind,notice,last,reason\nE1,resignation,2026-11-02,2027-01-29,\n", "", HEADER + "\n"],
    ids=["wrong-header", "empty", "header-only"],
)
def test_a_wrong_header_or_empty_file_gets_400(org, api, text):
    response = post_csv(api, org.hr, text)

    assert response.status_code == 400
    assert not Departure.objects.exists()


def test_a_request_without_a_file_gets_400(org, api):
    response = api(org.hr).post(URL, {}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.data["fields"]


@pytest.mark.parametrize("who", ["manager", "employee", "interviewer", "it", "payroll", "ceo"])
def test_only_hr_imports(org, api, who):
    (a,) = make_employees(1)

    response = post_csv(api, getattr(org, who), csv_of(good(a.external_id)))

    assert response.status_code == 403
    assert not Departure.objects.exists()


def test_anonymous_gets_401(org, api):
    assert post_csv(api, None, csv_of(good("X"))).status_code == 401


def test_history_rows_name_the_importing_hr_user(org, api, frozen):
    (a,) = make_employees(1)

    post_csv(api, org.hr, csv_of(good(a.external_id)))

    row = DepartureHistory.objects.get()
    assert (row.transition, row.actor, row.actor_label) == ("start", org.hr, "hr")


def test_a_thousand_rows_with_ten_bad_ones_start_990_departures_and_report_the_ten(org, api, frozen):
    people = make_employees(990, manager=org.manager_record)
    lines = [good(p.external_id) for p in people]
    bad = [f"MISSING{n},resignation,2026-11-02,2027-01-29," for n in range(10)]
    for n, line in enumerate(bad):
        lines.insert(n * 97, line)

    response = post_csv(api, org.hr, csv_of(*lines))

    assert response.status_code == 200
    assert (response.data["rows"], response.data["created"], response.data["failed"]) == (1000, 990, 10)
    assert all(e["reason"].startswith("no employee with external id") for e in response.data["errors"])
    assert [e["line"] for e in response.data["errors"]] == [n * 97 + 2 for n in range(10)]
    assert Departure.objects.count() == 990
    assert Workflow.objects.count() == 990
    assert DepartureHistory.objects.count() == 990
    assert Step.objects.filter(key="manager_approval", state="ready").count() == 990
    assert ScheduledAction.objects.filter(kind="approval_request", recipient=org.manager_record.email).count() == 990


def _outbox_rows(departure) -> set:
    """The departure's outbox rows with its own id taken out of keys and payloads, to compare two starts."""
    rows = ScheduledAction.objects.filter(group=f"departure:{departure.pk}")
    own = f"departure:{departure.pk}:"
    return {
        (
            r.idempotency_key.replace(own, "departure:*:"),
            r.kind,
            r.handler,
            r.recipient,
            r.due_at,
            json.dumps({k: v for k, v in r.payload.items() if k != "departure"}, sort_keys=True),
        )
        for r in rows
    }


@pytest.mark.parametrize("with_manager", [True, False], ids=["manager", "no-manager-so-hr"])
def test_a_csv_row_starts_the_same_departure_as_the_api(org, api, frozen, with_manager):
    by_csv, by_api = make_employees(2, manager=org.manager_record if with_manager else None)
    row = ImportRow(2, by_csv.external_id, "resignation", "2026-11-02", "2027-01-29")
    from_csv = departures_import(rows=[row], actor=org.hr).created[0]
    response = api(org.hr).post(
        "/api/v1/departures/",
        {"employee": by_api.pk, "kind": "resignation", "notice_date": "2026-11-02", "last_working_day": "2027-01-29"},
        format="json",
    )
    from_api = Departure.objects.get(pk=response.data["id"])

    assert _outbox_rows(from_csv) and _outbox_rows(from_csv) == _outbox_rows(from_api)
    assert [h.transition for h in from_csv.history.all()] == [h.transition for h in from_api.history.all()] == ["start"]
    assert from_csv.workflow.steps.count() == from_api.workflow.steps.count() > 0


def _queries_for(api, user, count: int, prefix: str) -> list[str]:
    people = make_employees(count, prefix=prefix)
    text = csv_of(*(good(p.external_id) for p in people))
    fresh = type(user).objects.get(pk=user.pk)  # no role cache carried over from an earlier request
    with CaptureQueriesContext(connection) as queries:
        response = post_csv(api, fresh, text)
    assert response.data["created"] == count
    return [q["sql"] for q in queries.captured_queries]


def test_the_bulk_path_query_count_does_not_grow_with_rows(org, api, frozen):
    few = _queries_for(api, org.hr, 5, "Q")
    many = _queries_for(api, org.hr, 60, "R")

    # Multi-row INSERTs are split only by the database's parameter limit (999 on SQLite), so they
    # are counted per table, and large batches go through COPY on PostgreSQL (core.bulk: a staging
    # table, or keys from the sequence and the columns' types); every other statement must be the
    # same number for 5 rows as for 60.
    copy_statements = ("INSERT", "CREATE TEMP TABLE bulk_staging_", "DROP TABLE bulk_", "SELECT nextval(")

    def other(sqls):
        return [s for s in sqls if not s.startswith(copy_statements) and not s.endswith(" WHERE false")]

    assert len(other(many)) == len(other(few))
    for table in ("offboarding_departure", "offboarding_departurehistory", "workflows_workflow"):
        assert sum(s.startswith(f'INSERT INTO "{table}"') for s in many) == 1, table


def test_the_command_imports_with_a_report(org, frozen, tmp_path):
    (a,) = make_employees(1)
    path = tmp_path / "departures.csv"
    path.write_text(csv_of(good(a.external_id), "NOBODY,resignation,2026-11-02,2027-01-29,"))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_departures", str(path), stdout=out, stderr=err)

    assert Departure.objects.get().employee == a
    assert "line 3 (NOBODY): no employee with external id 'NOBODY'" in out.getvalue()
    assert "1 departures started, 1 rows rejected." in out.getvalue()
    assert "row" in err.getvalue()  # the progress bar


def test_the_command_commits_in_chunks(org, frozen, tmp_path):
    people = make_employees(25)
    path = tmp_path / "departures.csv"
    path.write_text(csv_of(*(good(p.external_id) for p in people)))

    call_command("import_departures", str(path), "--chunk-size", "10", "--no-progress", stdout=io.StringIO())

    assert Departure.objects.count() == 25


def test_the_command_refuses_a_wrong_header(org, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "departures.csv"
    path.write_text("a,b,c\n1,2,3\n")

    with pytest.raises(CommandError, match="header"):
        call_command("import_departures", str(path), stdout=io.StringIO())
