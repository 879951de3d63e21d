"""Delivery under faults, one guarantee per test: stable Message-IDs, the database's clock, short
leases, one bounded publish per transaction, no stale error, one SMTP connection per process."""

from __future__ import annotations

import datetime
import socket
import threading

import pytest
import time_machine
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, Value
from django.db.models.functions import Now
from django.utils import timezone

from tests.helpers import point_broker
from workflows.outbox import delivery, queue, services
from workflows.outbox.models import ActionStatus, ScheduledAction

pytestmark = [pytest.mark.django_db, pytest.mark.smtp]


def db_ago(age: datetime.timedelta) -> ExpressionWrapper:
    return ExpressionWrapper(Now() - Value(age, output_field=DurationField()), output_field=DateTimeField())


def in_thread(work) -> None:
    """Run database work from the SMTP server's event loop, in a plain thread of its own."""
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def lose_the_attempt(action: ScheduledAction) -> None:
    """The worker died after the server accepted the message: the row still says `sending`, and the
    attempt's lease has run out."""
    expired = delivery.claim_lease() + datetime.timedelta(seconds=5)
    ScheduledAction.objects.filter(pk=action.pk).update(
        status=ActionStatus.SENDING,
        sent_at=None,
        claimed_at=db_ago(expired),
        attempt_started_at=db_ago(expired),
        history=[{"attempt": 1, "started_at": "2026-11-02T09:00:00+00:00"}],
    )


def test_message_id_comes_from_the_row_under_the_sites_domain(smtp, note_action, settings):
    settings.SITE_URL = "https://offboarding.example.org"
    action = note_action("mid@example.com")

    delivery.deliver(action.pk)

    [message] = smtp.to("mid@example.com")
    assert message["Message-ID"] == delivery.message_id(action)
    assert message["Message-ID"].startswith(f"<outbox.{action.pk}.")
    assert message["Message-ID"].endswith("@offboarding.example.org>")


def test_a_resend_after_an_unrecorded_success_has_the_same_message_id_and_shows_in_the_outbox(smtp, note_action):
    action = note_action("twice@example.com")
    delivery.deliver(action.pk)
    lose_the_attempt(action)

    assert delivery.claim_due() == [action.pk]
    delivery.deliver(action.pk)

    first, second = smtp.to("twice@example.com")
    assert first["Message-ID"] == second["Message-ID"]  # any receiver can drop the copy
    action.refresh_from_db()
    assert action.status == ActionStatus.SENT and action.attempts == 2
    assert [entry["outcome"] for entry in action.history] == ["unknown", "sent"]
    assert "may have gone out" in action.history[0]["error"]


@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_recorded_before_the_server_is_contacted(smtp, note_action):
    action = note_action("recorded@example.com")
    seen = {}

    def read_row():
        row = ScheduledAction.objects.get(pk=action.pk)
        seen.update(status=row.status, attempts=row.attempts, history=row.history)
        connection.close()

    def on_data(envelope):
        # Read the row as the server receives the message.
        in_thread(read_row)

    smtp.on_data = on_data
    delivery.deliver(action.pk)

    assert seen["status"] == ActionStatus.SENDING and seen["attempts"] == 1
    assert seen["history"][-1]["attempt"] == 1 and "outcome" not in seen["history"][-1]


def test_a_sent_row_keeps_no_stale_error_but_its_history_does(smtp, note_action, api, org):
    smtp.refuse["flaky@example.com"] = "451 4.3.0 Try again later"
    action = note_action("flaky@example.com")
    delivery.deliver(action.pk)
    smtp.refuse.clear()
    ScheduledAction.objects.filter(pk=action.pk).update(due_at=db_ago(datetime.timedelta(seconds=1)))

    delivery.deliver(action.pk)

    action.refresh_from_db()
    assert action.status == ActionStatus.SENT and action.last_error == "" and action.attempts == 2
    shown = api(org.hr).get(f"/api/v1/outbox/actions/{action.pk}/").json()
    assert shown["attempts"] == 2 and shown["last_error"] == ""
    assert [(e["attempt"], e["outcome"]) for e in shown["history"]] == [(1, "retry"), (2, "sent")]
    assert "451" in shown["history"][0]["error"]


def test_leases_and_due_times_follow_the_databases_clock_not_the_hosts(smtp, note_action):
    live = note_action("live@example.com")
    delivery.claim_due()
    later = note_action("later@example.com", due_at=timezone.now() + datetime.timedelta(minutes=10))

    # This host's clock runs 15 minutes ahead of the database's.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=15)):
        assert delivery.claim_due() == []
        outcome = delivery.deliver(later.pk)

    assert outcome.detail == "not due yet" and smtp.to("later@example.com") == []
    assert ScheduledAction.objects.get(pk=live.pk).status == ActionStatus.SENDING


def test_a_dead_workers_claim_comes_back_after_a_lease_of_under_two_minutes(note_action):
    action = note_action()
    [claimed] = delivery.claim_due()
    assert claimed == action.pk and delivery.claim_lease() <= datetime.timedelta(minutes=2)

    ScheduledAction.objects.filter(pk=action.pk).update(
        claimed_at=db_ago(delivery.claim_lease() + datetime.timedelta(seconds=1))
    )

    assert delivery.claim_due() == [action.pk]


def test_starting_the_attempt_renews_the_claim(smtp, note_action):
    action = note_action("renewed@example.com", payload={"gone": False})
    delivery.claim_due()
    ScheduledAction.objects.filter(pk=action.pk).update(claimed_at=db_ago(datetime.timedelta(seconds=50)))
    before = ScheduledAction.objects.get(pk=action.pk).claimed_at

    [started], _ = delivery._attempts_start([action.pk])

    assert started.claimed_at > before + datetime.timedelta(seconds=45)
    assert ScheduledAction.objects.get(pk=action.pk).claimed_at == started.claimed_at


def test_one_smtp_connection_is_reused_and_reopened_when_it_drops(smtp, note_action):
    delivery.close_mail_connection()
    first, second, third = (note_action(f"reuse{n}@example.com") for n in range(3))

    delivery.deliver(first.pk)
    delivery.deliver(second.pk)
    # The network drops the idle connection under the worker.
    delivery.mail_connection().connection.sock.shutdown(socket.SHUT_RDWR)
    outcome = delivery.deliver(third.pk)
    delivery.close_mail_connection()

    assert outcome.sent and ScheduledAction.objects.get(pk=third.pk).attempts == 1
    assert [len(smtp.to(f"reuse{n}@example.com")) for n in range(3)] == [1, 1, 1]
    assert smtp.peers[0] == smtp.peers[1] != smtp.peers[2]


@pytest.fixture
def hung_broker():
    """A TCP port that accepts connections (the kernel does) and never answers: a hung Redis."""
    server = socket.create_server(("127.0.0.1", 0), backlog=64)
    from config.celery import app

    previous = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    point_broker(f"redis://127.0.0.1:{server.getsockname()[1]}/0")
    yield server
    point_broker(previous[0])
    app.conf.broker_transport_options = previous[1]
    server.close()


def connections_made(server: socket.socket) -> int:
    server.setblocking(False)
    count = 0
    while True:
        try:
            accepted, _ = server.accept()
        except BlockingIOError:
            return count
        accepted.close()
        count += 1


def test_a_transaction_publishes_once_and_leaves_the_rest_to_the_sweep_when_the_broker_hangs(
    hung_broker, note_action, django_capture_on_commit_callbacks
):
    assert settings.OUTBOX_PUBLISH_TIMEOUT <= 2
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(1000):
            services.action_schedule(
                kind="notification",
                handler="tests.outbox.note",
                recipient=f"bulk{n}@example.com",
                due_at=timezone.now(),
                key=f"test-bulk:{n}",
            )

    assert connections_made(hung_broker) == 1
    assert ScheduledAction.objects.filter(status=ActionStatus.PENDING).count() == 1000
    assert len(delivery.claim_due(limit=2000)) == 1000


def test_one_message_carries_a_transactions_ids_to_the_sweep_queue(note_action, django_capture_on_commit_callbacks):
    from config.celery import app

    previous = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    point_broker("memory://")
    sent = []

    def record(sender=None, headers=None, routing_key=None, **_kwargs):
        sent.append((sender, routing_key))

    from celery.signals import before_task_publish

    before_task_publish.connect(record, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for n in range(3):
                services.action_schedule(
                    kind="notification",
                    handler="tests.outbox.note",
                    recipient=f"batch{n}@example.com",
                    due_at=timezone.now(),
                    key=f"test-batch:{n}",
                )
    finally:
        before_task_publish.disconnect(record)
        point_broker(previous[0])
        app.conf.broker_transport_options = previous[1]

    assert sent == [(queue.FAN_OUT_TASK, queue.SWEEP_QUEUE)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_recording_the_outcome_survives_a_dropped_database_connection(smtp, note_action):
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL to drop this session's connection from the server side.")
    action = note_action("dropped@example.com")
    dropped = threading.Event()

    def terminate():
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("select pg_terminate_backend(%s)", [backend])
        finally:
            other.close()
        dropped.set()

    def on_data(envelope):
        # The server has the message; the database drops the worker's connection before it records that.
        in_thread(terminate)

    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        [backend] = cursor.fetchone()
    smtp.on_data = on_data
    outcome = delivery.deliver(action.pk)

    assert dropped.is_set() and outcome.sent
    assert len(smtp.to("dropped@example.com")) == 1
    action.refresh_from_db()
    assert action.status == ActionStatus.SENT and action.attempts == 1


def test_the_fan_out_stops_at_the_first_refusal_and_leaves_the_rows_to_the_sweep(note_action, closed_port, caplog):
    from config.celery import app
    from workflows.outbox import tasks

    ids = [note_action(f"fan{n}@example.com").pk for n in range(3)]
    previous = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    point_broker(f"redis://127.0.0.1:{closed_port}/0")
    try:
        assert tasks.queue_actions(ids) == 0
    finally:
        point_broker(previous[0])
        app.conf.broker_transport_options = previous[1]

    assert len([r for r in caplog.records if "not queued" in r.getMessage()]) == 1
    assert sorted(delivery.claim_due()) == sorted(ids)
