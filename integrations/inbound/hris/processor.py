"""Turn mapped HRIS events into departure actions, each event once per source.

A request's events run in one transaction with their ProcessedEvent rows: either every event of
the request takes effect and is recorded, or nothing changes and the HR system may retry. The
actor is the system (None), so audit rows say "system"; the note names the source and event id.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import errors
from integrations.inbound.hris import mappers
from integrations.inbound.hris.mappers import HrisEvent
from integrations.models import ProcessedEvent
from offboarding.actions import departures as departure_actions
from offboarding.actions import employees as employee_actions
from offboarding.api.serializers import DepartureTermsSerializer
from offboarding.models import OPEN_STATES, Departure, Employee

REQUIRED_TO_CREATE = ("external_id", "name", "email")


def hris_payload_process(*, source: str, payload) -> dict:
    """Map and process one request's payload from `source`; returns {"status", "events": [...]}.

    Raises NotFound for an unknown source, InvalidInput (400) for a malformed payload,
    Unprocessable (422) when an unknown employee cannot be created or no open departure exists
    to change, and the departure actions' own errors (e.g. Conflict 409 for a second departure).
    """
    mapper = mappers.MAPPERS.get(source)
    if mapper is None:
        raise errors.NotFound(f"There is no HRIS source called {source!r}.")
    events = mapper(payload)
    results = []
    with transaction.atomic():
        for event in events:
            results.append(_process_once(source=source, event=event))
    statuses = {r["status"] for r in results}
    return {"status": "duplicate" if statuses == {"duplicate"} else "processed", "events": results}


def _process_once(*, source: str, event: HrisEvent) -> dict:
    try:
        with transaction.atomic():
            record = ProcessedEvent.objects.create(source=source, event_id=event.event_id, event_type=event.source_type)
    except IntegrityError:
        earlier = ProcessedEvent.objects.filter(source=source, event_id=event.event_id).first()
        outcome = earlier.outcome if earlier else {}
        return {"id": event.event_id, "status": "duplicate", **outcome}
    outcome = _process(source=source, event=event)
    record.outcome = outcome
    record.save(update_fields=["outcome"])
    return {"id": event.event_id, "status": "processed", **outcome}


def _note(source: str, event: HrisEvent) -> str:
    return f"HRIS {source} event {event.event_id} ({event.source_type})"


def _process(*, source: str, event: HrisEvent) -> dict:
    if event.action == mappers.IGNORED:
        return {"result": "ignored"}
    external_id = event.employee.get("external_id", "")
    employee = Employee.objects.filter(external_id=external_id).first()
    open_departure = (
        Departure.objects.filter(employee=employee, state__in=OPEN_STATES).first() if employee is not None else None
    )
    note = _note(source, event)
    action = event.action
    if action == mappers.TERMINATION_SET:
        if open_departure is None:
            action = mappers.TERMINATED  # starts a departure of event.kind
        elif open_departure.last_working_day != event.last_working_day:
            action = mappers.LAST_DAY_CHANGED
        else:
            return {"result": "unchanged", "departure": open_departure.pk}
    elif action == mappers.TERMINATION_CLEARED:
        if open_departure is None:
            return {"result": "unchanged"}
        action = mappers.WITHDRAWN

    if action in (mappers.RESIGNED, mappers.TERMINATED):
        if employee is None:
            employee = _employee_create(event)
        # The same terms check as the API's and a CSV row's.
        terms = DepartureTermsSerializer(
            data={
                "kind": event.kind,
                "notice_date": _notice_date(event),
                "last_working_day": event.last_working_day,
                "reason": event.reason,
                # The HR system records facts, late ones included; the leaver gets no "today is your last day".
                "backdated": True,
            }
        )
        if not terms.is_valid():
            raise errors.InvalidInput(fields=terms.errors)
        departure = departure_actions.departure_start(
            employee=employee,
            actor=None,
            note=note,
            **terms.validated_data,
        )
        return {"result": "started", "departure": departure.pk}
    if open_departure is None:
        raise errors.Unprocessable(
            f"Employee {external_id!r} has no open departure to change.", code=errors.ErrorCode.NO_OPEN_DEPARTURE
        )
    if action == mappers.LAST_DAY_CHANGED:
        departure = departure_actions.departure_update(
            departure=open_departure, actor=None, data={"last_working_day": event.last_working_day}
        )
        # departure_update writes its own audit row; add the event's origin to it.
        _annotate_last_change(departure, note)
        return {"result": "last_day_changed", "departure": departure.pk}
    if action == mappers.WITHDRAWN:
        departure = departure_actions.departure_cancel(
            departure=open_departure, actor=None, note=note, check_permission=False
        )
        return {"result": "withdrawn", "departure": departure.pk}
    raise errors.InvalidInput(fields={"type": [f"Unhandled event action {action!r}."]})


def _annotate_last_change(departure: Departure, note: str) -> None:
    latest = departure.history.filter(transition="change_last_working_day").order_by("-at", "-id").first()
    if latest is not None:
        latest.note = f"{latest.note} ({note})".strip()
        latest.save(update_fields=["note"])


def _notice_date(event: HrisEvent) -> datetime.date:
    notice = event.notice_date or timezone.localdate()
    # An HR system may report a notice dated after the last day it also reports (data entered late).
    return min(notice, event.last_working_day) if event.last_working_day else notice


def _employee_create(event: HrisEvent) -> Employee:
    data = event.employee
    missing = [f"employee.{name}" for name in REQUIRED_TO_CREATE if not data.get(name)]
    manager = None
    manager_id = data.get("manager_external_id")
    if manager_id:
        manager = Employee.objects.filter(external_id=manager_id).first()
        if manager is None:
            missing.append(f"employee.manager_external_id (no employee {manager_id!r} is known)")
    if missing:
        raise errors.Unprocessable(
            f"Employee {data.get('external_id', '')!r} is unknown and the event lacks what is needed to create "
            f"them: {', '.join(missing)}.",
            code=errors.ErrorCode.EMPLOYEE_INCOMPLETE,
            fields={"missing": missing},
        )
    fields = {name: data[name] for name in ("external_id", "name", "email") if data.get(name)}
    for optional in ("department", "country", "time_zone", "language", "personal_email"):
        if data.get(optional):
            fields[optional] = data[optional]
    return employee_actions.employee_create(actor=None, manager=manager, **fields)
