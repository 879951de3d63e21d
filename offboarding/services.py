"""Writes for employees and departures. Each service is one business action in one transaction."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django_fsm import can_proceed

from core import errors
from offboarding import checklist, messages, outbound
from offboarding.feedback import hooks as feedback_hooks
from offboarding.models import OPEN_STATES, Departure, DepartureHistory, Employee

# Departure transitions offered through POST /departures/{id}/{transition}/.
PUBLIC_TRANSITIONS = ("approve", "cancel", "complete", "waive_interview")


def _actor_label(actor) -> str:
    return getattr(actor, "username", "") or "system"


def history_record(
    *, departure: Departure, transition: str, from_state: str, to_state: str, actor, note: str = "", subject="departure"
) -> DepartureHistory:
    return DepartureHistory.objects.create(
        departure=departure,
        subject=subject,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor),
        note=note,
    )


def departure_lock(departure_id: int) -> Departure:
    """Re-read the departure under a row lock; concurrent transitions queue here, then see the new state."""
    return Departure.objects.select_for_update().select_related("employee").get(pk=departure_id)


def transition_permitted(method, user) -> bool:
    """May this user ever run this transition (whatever the current state and conditions)?

    django-fsm's has_transition_perm also folds in state and conditions; separating them lets the
    API answer 403 for "never yours to do" and 409 for "not now"."""
    instance = method.__self__
    return any(t.has_perm(instance, user) for t in method._django_fsm.transitions.values())


def departure_transition(
    *, departure: Departure, name: str, actor, note: str = "", check_permission: bool = True, **kwargs
) -> Departure:
    """Run one FSM transition under a row lock with its audit row. Call inside transaction.atomic."""
    locked = departure_lock(departure.pk)
    method = getattr(locked, name)
    label = name.replace("_", " ")
    if check_permission and not transition_permitted(method, actor):
        raise errors.PermissionDenied(f"You may not {label} this departure.")
    if not can_proceed(method, check_conditions=False):
        raise errors.TransitionNotAllowed(f"A departure in state '{locked.state}' cannot {label}.")
    if not can_proceed(method):
        blockers = " ".join(locked.completion_blockers()) if name == "complete" else ""
        raise errors.TransitionNotAllowed(
            f"The conditions to {label} do not hold yet. {blockers}".strip(), code=errors.ErrorCode.CONDITIONS_NOT_MET
        )
    from_state = locked.state
    method(**kwargs)
    locked.save()
    history_record(
        departure=locked, transition=name, from_state=from_state, to_state=locked.state, actor=actor, note=note
    )
    return locked


def _validate(departure: Departure) -> None:
    """Field validation, and the date order as a field error (the database constraint backs it up)."""
    # The open-departure constraint is checked under a lock by the caller, with a clear 409.
    departure.full_clean(validate_constraints=False)
    if departure.last_working_day < departure.notice_date:
        raise errors.InvalidInput(
            fields={"last_working_day": ["The last working day cannot be before the notice date."]}
        )


def employee_create(*, actor=None, **fields) -> Employee:
    employee = Employee(**fields)
    employee.full_clean()
    employee.save()
    return employee


def employee_update(*, employee: Employee, actor=None, data: dict) -> Employee:
    for name, value in data.items():
        setattr(employee, name, value)
    employee.full_clean()
    employee.save()
    return employee


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
) -> Departure:
    """HR starts an offboarding: the departure, its checklist, and the manager's approval request."""
    departure = Departure(
        employee=employee,
        kind=kind,
        notice_date=notice_date,
        last_working_day=last_working_day,
        reason=reason,
        rehire_eligible=rehire_eligible,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _validate(departure)
    with transaction.atomic():
        if Departure.objects.select_for_update().filter(employee=employee, state__in=OPEN_STATES).exists():
            raise errors.Conflict(
                "This employee already has an open departure.",
                code=errors.ErrorCode.DEPARTURE_EXISTS,
            )
        try:
            with transaction.atomic():
                departure.save()
        except IntegrityError as exc:  # the partial unique index, under a concurrent start
            raise errors.Conflict(
                "This employee already has an open departure.", code=errors.ErrorCode.DEPARTURE_EXISTS
            ) from exc
        history_record(
            departure=departure, transition="start", from_state="", to_state=departure.state, actor=actor, note=note
        )
        checklist.departure_checklist_start(departure=departure, actor=actor)
        messages.departure_messages_started(departure=departure)
        outbound.departure_outbound_started(departure=departure)
        outbound.departure_outbound_scheduled(departure=departure)
    return departure


def departure_approve(*, departure: Departure, actor, note: str = "", from_checklist: bool = False) -> Departure:
    """The manager (or HR) approves the departure plan and last working day."""
    with transaction.atomic():
        departure = departure_transition(departure=departure, name="approve", actor=actor, note=note)
        if not from_checklist:
            checklist.departure_checklist_approved(departure=departure, actor=actor)
        messages.departure_messages_approved(departure=departure)
        feedback_hooks.departure_feedback_approved(departure=departure)
    return departure


def departure_cancel(*, departure: Departure, actor, note: str = "", check_permission: bool = True) -> Departure:
    """The resignation is withdrawn (or the departure was a mistake): stop everything scheduled."""
    with transaction.atomic():
        departure = departure_transition(
            departure=departure, name="cancel", actor=actor, note=note, check_permission=check_permission
        )
        checklist.departure_checklist_cancel(departure=departure, actor=actor)
        messages.departure_messages_cancelled(departure=departure)
        outbound.departure_outbound_cancelled(departure=departure)
        feedback_hooks.departure_feedback_cancelled(departure=departure)
        _interview_cancel_for(departure=departure, actor=actor)
    return departure


def _interview_cancel_for(*, departure: Departure, actor) -> None:
    # Imported late: the interview services import this module.
    from offboarding.interviews import services as interview_services

    interview_services.exit_interview_cancel_for_departure(departure=departure, actor=actor)


def _interview_last_day_changed(*, departure: Departure, actor) -> None:
    from offboarding.interviews import services as interview_services

    interview_services.exit_interview_last_day_changed(departure=departure, actor=actor)


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
            messages.departure_messages_last_day_changed(departure=locked)
            outbound.departure_outbound_scheduled(departure=locked)
            feedback_hooks.departure_feedback_last_day_changed(departure=locked)
            _interview_last_day_changed(departure=locked, actor=actor)
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


def available_transitions(*, departure: Departure, user) -> list[str]:
    """The public transitions this user may run now (conditions included, so the UI can grey out)."""
    names = []
    for name in PUBLIC_TRANSITIONS:
        method = getattr(departure, name)
        if can_proceed(method, check_conditions=False) and transition_permitted(method, user):
            if name == "complete" and not can_proceed(method):
                if transition_permitted(departure.complete_with_override, user):
                    names.append(name)  # allowed with override=true and a note
                continue
            names.append(name)
    return names
