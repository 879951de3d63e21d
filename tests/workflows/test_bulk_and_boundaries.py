"""Bulk starts cost a constant number of queries; the engine never imports the domain."""

import ast
import datetime
import pathlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offboarding.actions import checklist as checklist_actions
from offboarding.models import Departure
from tests.factories import DepartureFactory, EmployeeFactory
from workflows.models import Step

pytestmark = pytest.mark.django_db

WORKFLOWS_DIR = pathlib.Path(__file__).resolve().parents[2] / "workflows"


def _departures(n: int, org) -> list[Departure]:
    made = [DepartureFactory(employee=EmployeeFactory(manager=org.manager_record)) for _ in range(n)]
    return list(Departure.objects.filter(pk__in=[d.pk for d in made]).select_related("employee"))


def _statements(n: int, org) -> list[str]:
    departures = _departures(n, org)
    with CaptureQueriesContext(connection) as captured:
        checklist_actions.departure_checklist_start_bulk(departures=departures)
    assert Step.objects.filter(workflow__departure__in=departures).count() == 14 * n
    # The statement and its table: savepoint names differ from run to run.
    return [
        " ".join(q["sql"].split(" ", 3)[:3]) if not q["sql"].startswith(("SAVEPOINT", "RELEASE")) else "savepoint"
        for q in captured.captured_queries
    ]


def _shape(statements) -> list:
    """Statements with consecutive repeats of the same one folded: a batched insert split by the
    database's parameter limit (SQLite: 999) is one logical query."""
    folded = []
    for statement in statements:
        if not folded or folded[-1] != statement:
            folded.append(statement)
    return folded


def test_starting_n_checklists_costs_a_constant_number_of_queries(org, frozen):
    few = _statements(2, org)
    many = _statements(12, org)

    assert _shape(few) == _shape(many)
    assert len(_shape(many)) <= 12


def test_on_postgresql_the_query_count_is_exactly_constant(org, frozen, postgres_required):
    # Small enough that no insert reaches the outbox's 500-row batch size.
    assert len(_statements(2, org)) == len(_statements(4, org))


def test_a_bulk_start_links_each_departure_to_its_workflow(org, frozen):
    departures = _departures(3, org)

    workflows = checklist_actions.departure_checklist_start_bulk(departures=departures)

    linked = dict(Departure.objects.filter(pk__in=[d.pk for d in departures]).values_list("pk", "workflow_id"))
    assert sorted(linked.values()) == sorted(w.pk for w in workflows)
    by_workflow = {workflow_id: pk for pk, workflow_id in linked.items()}
    assert all(w.subject == f"departure:{by_workflow[w.pk]}" for w in workflows)


def test_a_bulk_start_skips_departures_that_already_have_a_checklist(org, frozen):
    departures = _departures(2, org)
    checklist_actions.departure_checklist_start_bulk(departures=departures[:1])

    started = checklist_actions.departure_checklist_start_bulk(departures=departures)

    assert len(started) == 1


def test_the_engine_never_imports_offboarding():
    # The outbox sub-package (workflows/outbox/) has its own owner and is checked by its own tests.
    offenders = []
    for path in WORKFLOWS_DIR.rglob("*.py"):
        if "outbox" in path.relative_to(WORKFLOWS_DIR).parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(WORKFLOWS_DIR.parent)}: {n}" for n in names if n.split(".")[0] == "offboarding"
            ]
    assert offenders == []


def test_step_dates_are_plain_dates_not_datetimes(org, frozen):
    departures = _departures(1, org)
    checklist_actions.departure_checklist_start_bulk(departures=departures)

    due = Step.objects.filter(key="access_revocation").get().due_date
    assert type(due) is datetime.date
