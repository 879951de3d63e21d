"""Departure actions: start, approve, reject, cancel, complete, waive the interview, change dates.

Each is one business action in one transaction: lock, transition with its audit row, outbox rows."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import bulk, errors
from offboarding import access, transitions
from offboarding.actions import answers, checklist, interviews
from offboarding.models import Departure, DepartureState, Employee
from offboarding.notifications import departures as departure_notices
from offboarding.notifications import outbound
from offboarding.transitions import departure_lock, departure_transition, history_record, history_rows

# Dates outside this range are typing errors (0001-01-01, 9999-12-31), not departures.
EARLIEST_DATE = datetime.date(1900, 1, 1)
MAX_YEARS_AHEAD = 5


def departure_dates_check(*, notice_date: datetime.date, last_working_day: datetime.date, backdated: bool) -> None:
    """Dates within reason, and a last working day in the past only when asked for explicitly."""
    today = timezone.localdate()
    latest = datetime.date(today.year + MAX_YEARS_AHEAD, 12, 31)
    problems = {
        name: [f"Give a date between {EARLIEST_DATE} and {latest}."]
        for name, value in (("notice_date", notice_date), ("last_working_day", last_working_day))
        if value is not None and not EARLIEST_DATE <= value <= latest
    }
    if problems:
        raise errors.InvalidInput(fields=problems)
    if last_working_day is not None and last_working_day < today and not backdated:
        raise errors.InvalidInput(
            fields={"last_working_day": ["The last working day has passed: set backdated to start it anyway."]}
        )


def _validate(departure: Departure) -> None:
    """Field validation, and the date order as a field error (the database constraint backs it up)."""
    # The open-departure constraint is checked under a lock by the caller, with a clear 409.
    departure.full_clean(validate_constraints=False)
    if departure.last_working_day < departure.notice_date:
        raise errors.InvalidInput(
            fields={"last_working_day": ["The last working day cannot be before the notice date."]}
        )


def departure_start(
    *,
    employee: Employee,
    kind: str,
    notice_date: datetime.date,
    last_working_day: datetime.date,
    reason: str = "",
    rehire_eligible: bool | None = None,
    actor=None,
    note: str = "",
    backdated: bool = False,
) -> Departure:
    """HR starts an offboarding: the departure, its checklist, and the manager's approval request.

    A last working day already past needs `backdated` (the entry points insist on it); the messages
    anchored on that day are then not sent (see departure_messages_approved)."""
    departure = Departure(
        employee=employee,
        kind=kind,
        notice_date=notice_date,
        last_working_day=last_working_day,
        reason=reason,
        rehire_eligible=rehire_eligible,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    departure_dates_check(notice_date=notice_date, last_working_day=last_working_day, backdated=backdated)
    _validate(departure)
    return departures_start(departures=[departure], actor=actor, note=note)[0]


def departures_start(*, departures: list[Departure], actor=None, note: str = "") -> list[Departure]:
    """Start many validated departures (employee loaded) at once: a reorganisation, a CSV, or one person.

    One transaction with a constant number of statements (bulk inserts of the departures, their
    audit rows, checklists and outbox rows). Conflict (409, nothing written) when one of these
    employees already has an open departure, or gets one concurrently."""
    if not departures:
        return []
    one = len(departures) == 1
    exists = errors.Conflict(
        "This employee already has an open departure."
        if one
        else "A departure for one of these employees was started meanwhile; nothing was started. Try again.",
        code=errors.ErrorCode.DEPARTURE_EXISTS,
    )
    with bulk.collection_paused(), transaction.atomic():
        employee_ids = [d.employee_id for d in departures]
        if transitions.open_departures_exist(employee_ids):
            raise exists
        try:
            with transaction.atomic():
                bulk.insert_new(departures)
        except IntegrityError as e:  # the one-open-departure index, under a concurrent start
            raise exists from e
        bulk.insert_new(history_rows(departures=departures, transition="start", actor=actor, note=note))
        checklist.departure_checklist_start_bulk(departures=departures, actor=actor)
        departure_notices.approval_requests_schedule(departures=departures)
        outbound.departures_outbound_started_bulk(departures=departures)
    return departures


def departure_approve(*, departure: Departure, actor, note: str = "") -> Departure:
    """The manager (or HR) approves the departure plan and last working day.

    The checklist's approval step ends approved with it, whichever of the two was pressed."""
    with transaction.atomic():
        departure = departure_transition(departure=departure, name="approve", actor=actor, note=note)
        checklist.departure_checklist_approved(departure=departure, actor=actor, note=note)
        departure_notices.departure_messages_approved(departure=departure)
        answers.follow_ups_schedule(departure=departure)
    return departure


def departure_reject(*, departure: Departure, actor, note: str) -> Departure:
    """The manager (or HR) rejects the departure plan: it stays in notice for HR to fix.

    Recorded in the history with the reason; the approval step ends rejected (it reopens when the
    plan changes), the approval request's reminders and escalation stop, and HR is told."""
    if not note.strip():
        raise errors.InvalidInput(fields={"note": ["Say why you reject, so the plan can be changed."]})
    with transaction.atomic():
        locked = departure_lock(departure.pk)
        if not access.can_approve_departure(locked, actor):
            raise errors.PermissionDenied("You may not reject this departure plan.")
        if locked.state != DepartureState.NOTICE:
            raise errors.TransitionNotAllowed(f"A departure in state '{locked.state}' is not waiting for approval.")
        history_record(
            departure=locked,
            transition="approval_rejected",
            from_state=locked.state,
            to_state=locked.state,
            actor=actor,
            note=note,
        )
        checklist.departure_checklist_rejected(departure=locked, actor=actor, note=note)
        departure_notices.departure_messages_rejected(departure=locked, actor=actor)
    return locked


def departure_cancel(*, departure: Departure, actor, note: str = "", check_permission: bool = True) -> Departure:
    """The resignation is withdrawn (or the departure was a mistake): stop everything scheduled."""
    with transaction.atomic():
        departure = departure_transition(
            departure=departure, name="cancel", actor=actor, note=note, check_permission=check_permission
        )
        checklist.departure_checklist_cancel(departure=departure, actor=actor)
        departure_notices.departure_messages_cancelled(departure=departure)
        outbound.departure_outbound_cancelled(departure=departure)
        answers.follow_ups_cancel(departure=departure)
        interviews.exit_interview_cancel_for_departure(departure=departure, actor=actor)
    return departure


def departure_complete(*, departure: Departure, actor, note: str = "", override: bool = False) -> Departure:
    """Close the departure: every required step done and the last day reached, or HR's recorded override."""
    with transaction.atomic():
        if override:
            if not note.strip():
                raise errors.InvalidInput(fields={"note": ["Say why the completion conditions are overridden."]})
            locked = departure_lock(departure.pk)
            blockers = locked.completion_blockers()
            note = f"Override: {note.strip()}" + (f" (bypassed: {' '.join(blockers)})" if blockers else "")
            departure = departure_transition(departure=locked, name="complete_with_override", actor=actor, note=note)
        else:
            departure = departure_transition(departure=departure, name="complete", actor=actor, note=note)
        outbound.departure_outbound_completed(departure=departure)
    return departure


def departure_waive_interview(*, departure: Departure, actor, note: str = "") -> Departure:
    """HR records that no exit interview will be held (interviews are voluntary)."""
    with transaction.atomic():
        departure = departure_transition(departure=departure, name="waive_interview", actor=actor, note=note)
    return departure


def departure_update(*, departure: Departure, actor, data: dict) -> Departure:
    """HR edits a departure; a new last working day moves due dates, reminders and hooks with it."""
    allowed = {"kind", "notice_date", "last_working_day", "reason", "rehire_eligible"}
    unknown = set(data) - allowed
    if unknown:
        raise errors.InvalidInput(fields={name: ["This field cannot be changed."] for name in sorted(unknown)})
    with transaction.atomic():
        locked = departure_lock(departure.pk)
        if not locked.is_open:
            raise errors.TransitionNotAllowed(f"A {locked.state} departure cannot be changed.")
        old_last_day, old_notice_date = locked.last_working_day, locked.notice_date
        for name, value in data.items():
            setattr(locked, name, value)
        _validate(locked)
        locked.save()
        notice_moved = locked.notice_date != old_notice_date
        last_day_moved = locked.last_working_day != old_last_day
        for moved, transition, old, new in (
            (notice_moved, "change_notice_date", old_notice_date, locked.notice_date),
            (last_day_moved, "change_last_working_day", old_last_day, locked.last_working_day),
        ):
            if moved:
                history_record(
                    departure=locked,
                    transition=transition,
                    from_state=locked.state,
                    to_state=locked.state,
                    actor=actor,
                    note=f"{old.isoformat()} → {new.isoformat()}",
                )
        if notice_moved or last_day_moved:
            checklist.departure_checklist_last_day_changed(departure=locked, actor=actor)
        if last_day_moved:
            departure_notices.departure_messages_last_day_changed(departure=locked)
            outbound.departure_outbound_scheduled(departure=locked)
            answers.follow_ups_move(departure=locked)
            interviews.exit_interview_last_day_changed(departure=locked, actor=actor)
    return locked


def departure_run_transition(*, departure: Departure, name: str, actor, note: str = "", override: bool = False):
    """Dispatch a public transition by name (the API's POST /departures/{id}/{transition}/)."""
    if name == "approve":
        return departure_approve(departure=departure, actor=actor, note=note)
    if name == "cancel":
        return departure_cancel(departure=departure, actor=actor, note=note)
    if name == "complete":
        return departure_complete(departure=departure, actor=actor, note=note, override=override)
    if name == "waive_interview":
        return departure_waive_interview(departure=departure, actor=actor, note=note)
    raise errors.NotFound(f"There is no transition called {name!r}.")
