"""Fixtures for the workflow engine: departures started through the real service, at a fixed time."""

import datetime

import pytest
import time_machine

from tests.helpers import on_fixed_dates
from workflows.models import Step

# Before every notice date used here, so reminders lie in the future.
NOW = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def start_departure(start_departure, frozen):
    """The shared starter, at this folder's fixed time and on the fixed dates its tests name."""
    return on_fixed_dates(start_departure)


@pytest.fixture
def step_of():
    def get(departure, key) -> Step:
        return Step.objects.get(workflow_id=departure.workflow_id, key=key)

    return get
