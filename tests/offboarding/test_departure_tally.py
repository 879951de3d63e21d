"""The number of departures the list shows comes from a tally PostgreSQL keeps: it must always equal
COUNT(*) as the reader's snapshot sees it, whatever wrote the departures and however."""

import datetime
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from core.rows import values_rows
from offboarding.models import Departure, DepartureTally
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def _counted() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM offboarding_departure")
        return cursor.fetchone()[0]


def _departure(employee=None, **fields) -> Departure:
    fields = {
        "kind": "resignation",
        "notice_date": datetime.date(2026, 11, 2),
        "last_working_day": datetime.date(2026, 12, 18),
        **fields,
    }
    return Departure(employee=employee or EmployeeFactory(), **fields)


def test_the_total_follows_starts_bulk_inserts_and_deletes(postgres_required, org, start_departure):
    start_departure()
    start_departure(employee=EmployeeFactory())
    Departure.objects.bulk_create([_departure() for _ in range(5)])
    Departure.objects.filter(pk=Departure.objects.order_by("pk").last().pk).delete()
    with connection.cursor() as cursor:  # a raw statement is counted too
        cursor.execute(
            "INSERT INTO offboarding_departure (employee_id, kind, notice_date, last_working_day, reason, state,"
            " interview_outcome, created_at, updated_at) SELECT id, 'dismissal', date '2026-11-02',"
            " date '2026-12-18', '', 'cancelled', '', now(), now() FROM offboarding_employee WHERE name = 'Ida IT'"
        )

    with CaptureQueriesContext(connection) as captured:
        total = Departure.objects.count()

    assert total == _counted() == 7 and type(total) is int
    assert len(captured) == 1 and 'offboarding_departure"' not in captured[0]["sql"]
    assert DepartureTally.objects.count() == 1  # each statement folds the earlier rows into its own


def test_filtered_and_scoped_totals_are_counted(postgres_required, org, start_departure):
    start_departure()
    Departure.objects.bulk_create([_departure(state="cancelled") for _ in range(3)])

    assert Departure.objects.filter(state="cancelled").count() == 3
    assert Departure.objects.exclude(state="cancelled").count() == 1
    assert Departure.objects.all()[:2].count() == 2
    assert Departure.objects.none().count() == 0
    assert Departure.objects.values("state").distinct().count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_make_the_total_wrong(postgres_required):
    """Another transaction's departures count once it commits, not before; folding skips its rows."""
    employee = EmployeeFactory()
    Departure.objects.bulk_create([_departure(employee, state="cancelled")])  # a committed tally row to fold
    inserted, release = threading.Event(), threading.Event()
    errors = []

    def other_transaction():
        try:
            with transaction.atomic():
                Departure.objects.bulk_create([_departure(employee, state="cancelled") for _ in range(2)])
                inserted.set()
                assert release.wait(30)
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
            inserted.set()
        finally:
            connections.close_all()

    writer = threading.Thread(target=other_transaction)
    writer.start()
    assert inserted.wait(30)
    # Meanwhile this connection writes, without waiting for the rows the other has folded and locked.
    Departure.objects.bulk_create([_departure(employee, state="cancelled")])
    uncommitted = Departure.objects.count()
    release.set()
    writer.join(30)

    assert not errors
    assert uncommitted == 2
    assert Departure.objects.count() == _counted() == 4


@pytest.mark.django_db(transaction=True)
def test_truncating_the_departures_empties_the_total(postgres_required):
    Departure.objects.bulk_create([_departure() for _ in range(4)])
    with connection.cursor() as cursor:
        cursor.execute('TRUNCATE "offboarding_departure", "offboarding_employee" RESTART IDENTITY CASCADE')

    assert Departure.objects.count() == 0
    Departure.objects.bulk_create([_departure()])
    assert Departure.objects.count() == _counted() == 1


def test_a_page_of_rows_reads_the_same_values_as_the_queryset(org, start_departure):
    for _ in range(3):
        start_departure(employee=EmployeeFactory())
    Departure.objects.update(completed_at=datetime.datetime(2026, 12, 1, 10, 30, 5, 120, tzinfo=datetime.UTC))
    page = Departure.objects.order_by("-created_at").values_list("id", "created_at", "completed_at", "notice_date")

    assert values_rows(page[:2]) == list(page[:2])
    assert values_rows(page.filter(pk__in=[])) == []
    assert values_rows(Departure.objects.values_list("id", "workflow__anchors")) == list(
        Departure.objects.values_list("id", "workflow__anchors")
    )
