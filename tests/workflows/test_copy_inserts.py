"""Bulk starts write few outbox rows, and on PostgreSQL stream steps and outbox rows with COPY."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from offboarding.actions import departures as departure_actions
from offboarding.models import Departure
from tests.factories import EmployeeFactory
from workflows.models import Step
from workflows.outbox import services as outbox
from workflows.outbox.models import ScheduledAction

pytestmark = pytest.mark.django_db


def _start(n, org):
    departures = [
        Departure(
            employee=EmployeeFactory(manager=org.manager_record),
            kind="resignation",
            notice_date=datetime.date(2026, 11, 2),
            last_working_day=datetime.date(2026, 12, 18),
        )
        for _ in range(n)
    ]
    return departure_actions.departures_start(departures=departures, actor=org.hr)


def test_a_started_departure_writes_at_most_twenty_outbox_rows(org, frozen):
    departures = _start(20, org)

    assert ScheduledAction.objects.count() <= 20 * 20
    # Steps waiting for the approval have no reminder row yet.
    assert not ScheduledAction.objects.filter(handler="step_reminder").exists()

    for departure in departures:
        departure_actions.departure_approve(departure=departure, actor=org.hr)

    # Then one reminder per ready, reminded step: the rest are written as each one is sent.
    per_step = ScheduledAction.objects.filter(handler="step_reminder").values_list("group", flat=True)
    ready = Step.objects.filter(workflow__departure__in=departures, state="ready", remind=True)
    assert len(per_step) == len(set(per_step)) == ready.count() > 0


def test_on_postgresql_bulk_starts_copy_their_steps_and_outbox_rows(org, frozen, postgres_required):
    with CaptureQueriesContext(connection) as captured:
        departures = _start(50, org)

    sql = [q["sql"] for q in captured.captured_queries]
    # Fresh steps are copied straight in with keys taken from the sequence (outbox rows go through
    # a staging table, their idempotency keys deciding: the test below).
    assert any(q.startswith("SELECT nextval") and "workflows_step" in q for q in sql)
    steps = Step.objects.filter(workflow__departure__in=departures)
    assert steps.count() == 14 * 50
    assert set(steps.values_list("due_date", flat=True)) >= {datetime.date(2026, 12, 18)}
    requests = ScheduledAction.objects.filter(handler="departure_approval_request", payload__round=0)
    assert {r.payload["departure"] for r in requests} == {d.pk for d in departures}
    assert {r.recipient for r in requests} == {org.manager_record.email}


def test_on_postgresql_copied_outbox_rows_keep_their_idempotency_keys(db, postgres_required):
    due = timezone.now() + datetime.timedelta(days=3)

    def rows(keys):
        return [
            ScheduledAction(
                kind="reminder",
                handler="bench",
                recipient=f"{key}@example.com",
                due_at=due,
                idempotency_key=f"copy:{key}",
                group="copy",
                payload={"n": key},
            )
            for key in keys
        ]

    outbox.actions_schedule_bulk(rows(range(300)))
    outbox.actions_schedule_bulk(rows(range(150, 450)))

    assert ScheduledAction.objects.filter(group="copy").count() == 450
    row = ScheduledAction.objects.get(idempotency_key="copy:7")
    assert (row.recipient, row.payload, row.status, row.due_at) == ("7@example.com", {"n": 7}, "pending", due)


def test_on_postgresql_copied_steps_equal_steps_started_one_at_a_time(org, frozen, postgres_required):
    (single,) = _start(1, org)  # below the COPY threshold: the ORM writes these
    copied = _start(30, org)  # 420 steps: copied in binary with keys from the sequence
    fields = [f.attname for f in Step._meta.concrete_fields if f.attname not in ("id", "workflow_id")]

    def steps_of(departure):
        return {s["key"]: s for s in Step.objects.filter(workflow__departure=departure).values(*fields)}

    expected = steps_of(single)
    assert expected["close_file"]["depends_on"] == ["access_revocation", "equipment_return", "final_pay"]
    for departure in copied[:: len(copied) // 3]:
        assert steps_of(departure) == expected
    ids = list(Step.objects.filter(workflow__departure__in=copied).values_list("id", flat=True))
    assert len(ids) == len(set(ids)) == 14 * 30
    # The sequence moved past the copied keys: the next step written the ordinary way does not collide.
    _start(1, org)


def test_on_postgresql_a_copied_bulk_start_losing_a_race_is_a_conflict_writing_nothing(
    org, frozen, postgres_required, monkeypatch
):
    from core import errors
    from offboarding import transitions

    people = [EmployeeFactory(manager=org.manager_record) for _ in range(210)]
    departure_actions.departures_start(
        departures=[
            Departure(employee=people[7], kind="resignation", notice_date=datetime.date(2026, 11, 2),
                      last_working_day=datetime.date(2026, 12, 18))
        ]
    )  # fmt: skip
    # As if that departure was started between the check and the copy (a concurrent start).
    monkeypatch.setattr(transitions, "open_departures_exist", lambda employee_ids: False)

    with pytest.raises(errors.Conflict):
        departure_actions.departures_start(
            departures=[
                Departure(employee=e, kind="resignation", notice_date=datetime.date(2026, 11, 2),
                          last_working_day=datetime.date(2026, 12, 18))
                for e in people
            ]
        )  # fmt: skip

    assert Departure.objects.count() == 1
    assert Step.objects.count() == 14
