"""Writes for exit interviews: scheduling and its life cycle, wired to the departure, with invites,
cancellations and reminders written to the outbox in the same transaction as the state change.

Locks come from offboarding.transitions in its fixed order (departure, interview, interviewer), so
concurrent actions queue instead of deadlocking; the outbox rows from offboarding.notifications.interviews.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed

from core import errors, roles
from integrations.calendar import CalendarParseError, parse_reply
from offboarding import access, transitions
from offboarding.actions import calendars as calendar_actions
from offboarding.actions import references as reference_actions
from offboarding.feedback import crypto
from offboarding.interviews import selectors
from offboarding.interviews import slots as slot_finder
from offboarding.interviews.models import (
    ACTIVE_STATES,
    AttendeeReply,
    CalendarFeed,
    CounterDecision,
    ExitInterview,
    InterviewState,
    PartStat,
)
from offboarding.models import Departure, DepartureState, InterviewOutcome
from offboarding.notifications import interviews as notices
from offboarding.people import user_email
from workflows import services as workflow_services

# Who may run each action on an interview (roles from selectors.caller_roles).
ACTION_ROLES = {
    "reschedule": {"hr", "interviewer", "employee"},
    "request_other_time": {"employee"},
    "reassign": {"hr"},
    "cancel": {"hr", "interviewer"},
    "decline": {"hr", "employee"},
    "hold": {"hr", "interviewer"},
    "close": {"hr", "interviewer"},
    "no_show": {"hr", "interviewer"},
}
# Deciding on a proposed time (a COUNTER): the people who would otherwise reschedule by hand.
PROPOSAL_ROLES = {"hr", "interviewer"}


def _require(interview: ExitInterview, actor, action: str) -> set[str]:
    found = selectors.caller_roles(interview=interview, user=actor)
    if not found & ACTION_ROLES[action]:
        raise errors.PermissionDenied(f"You may not {action.replace('_', ' ')} this interview.")
    return found


def exit_interview_action_require(*, interview: ExitInterview, actor, action: str) -> None:
    """403 when the caller may never run this action on this interview (before any input is read)."""
    _require(interview, actor, action)


def _can(interview: ExitInterview, name: str) -> None:
    if not can_proceed(getattr(interview, name)):
        raise errors.TransitionNotAllowed(f"An interview in state '{interview.state}' cannot {name.replace('_', ' ')}.")


def _run(interview: ExitInterview, name: str, actor, note: str = "") -> None:
    """Run the interview's transition, save, and write its audit row on the departure's trail.

    The departure's trail is visible to the employee's managers, so it never carries free text typed by
    the interviewer or the employee: only fixed, system-written notes."""
    _can(interview, name)
    from_state = interview.state
    getattr(interview, name)()
    interview.save()
    _record(interview, name, actor, note, from_state=from_state)


def _record(interview: ExitInterview, what: str, actor, note: str = "", from_state: str | None = None) -> None:
    """An audit row on the departure's trail for something done to the interview (fixed, system-written
    notes only: the trail is visible to the employee's managers)."""
    transitions.history_record(
        departure=interview.departure,
        transition=what,
        from_state=interview.state if from_state is None else from_state,
        to_state=interview.state,
        actor=actor,
        note=note or f"Exit interview #{interview.pk}",
        subject="interview",
    )


def _departure(interview: ExitInterview, name: str, actor, **kwargs) -> Departure:
    departure = transitions.departure_transition(
        departure=interview.departure,
        name=name,
        actor=actor,
        note=f"Exit interview #{interview.pk}",
        check_permission=False,
        **kwargs,
    )
    interview.departure = departure
    return departure


# --- interviewer choice


def interviewer_choose(
    *, departure: Departure, start: datetime.datetime | None = None, duration: datetime.timedelta | None = None
) -> object:
    """The interviewer group first, balanced by load (the fewest active interviews); HR only when no
    dedicated interviewer is eligible and free (a free slot in the window, or free at `start`). When
    nobody is free, the first in rank, so the caller reports that no slot is free."""
    ranked = interviewer_candidates_ranked(departure=departure)
    for user in ranked:
        if _is_free(departure=departure, user=user, start=start, duration=duration):
            return user
    if ranked:
        return ranked[0]
    raise errors.Unprocessable(
        "No eligible interviewer: add someone outside the employee's management chain to the interviewer group.",
        code=errors.ErrorCode.NO_INTERVIEWER,
    )


def interviewer_candidates_ranked(*, departure: Departure) -> list:
    """Eligible interviewers: the dedicated ones by load, then HR by load (HR stand in, they are not the
    first choice even when less busy)."""
    candidates = [
        user
        for user in selectors.interviewer_candidates()
        if selectors.interviewer_refusal(departure=departure, user=user) is None
    ]
    return sorted(candidates, key=lambda u: (0 if u.is_dedicated else 1, u.active_interviews, u.pk))


def _is_free(*, departure: Departure, user, start, duration) -> bool:
    duration = duration or slot_finder.default_duration()
    if start is None:
        return bool(selectors.slots_for(departure=departure, interviewer=user, duration=duration, limit=1))
    if timezone.is_naive(start):
        return True  # _validated_start refuses it with a field error
    end = start + duration
    return not any(
        busy_start < end and start < busy_end for busy_start, busy_end in selectors.interviewer_busy(user=user)
    )


def _validated_interviewer(*, departure: Departure, user) -> object:
    refusal = selectors.interviewer_refusal(departure=departure, user=user)
    if refusal:
        raise errors.InvalidInput(refusal, fields={"interviewer": [refusal]})
    return user


def slots_offered(
    *, departure: Departure, interviewer, exclude=(), first=None, last=None, duration=None, limit: int | None = 40
) -> tuple[list[tuple[datetime.datetime, datetime.datetime]], list[str]]:
    """Free slots that also avoid busy time in the interviewer's and the leaver's own calendars, and the
    notes of calendars that did not answer (their owner's slots then follow working hours only)."""
    default_first, default_last = slot_finder.default_window(departure=departure)
    first, last = first or default_first, last or default_last
    people = [interviewer, departure.employee.user] if departure.employee.user_id else [interviewer]
    busy = calendar_actions.personal_busy(users=people, first=first, last=last)
    found = selectors.slots_for(
        departure=departure,
        interviewer=interviewer,
        exclude=exclude,
        first=first,
        last=last,
        duration=duration,
        limit=limit,
        extra_busy=busy.intervals,
    )
    return found, busy.notes


def exit_interview_slots_offered(
    *, interview: ExitInterview, first=None, last=None, duration=None, limit: int | None = 40
):
    """GET /interviews/{id}/slots/: (slots, notes) for this interview, its own time left out."""
    return slots_offered(
        departure=interview.departure,
        interviewer=interview.interviewer,
        exclude=[interview.pk],
        first=first,
        last=last,
        duration=duration,
        limit=limit,
    )


def interviewer_self_assignment_check(*, actor, interviewer) -> None:
    """Nobody gains access by assigning themself: taking the interview over needs the standing to read
    the answers already (HR holding the confidential-answers permission)."""
    if interviewer is None or getattr(actor, "pk", None) != interviewer.pk:
        return
    if not (roles.is_hr_user(actor) and actor.has_perm(roles.READ_ANSWERS_PERMISSION)):
        message = "You may not assign the interview to yourself without the permission to read answers."
        raise errors.PermissionDenied(message)


# The employee's local hours outside which a meeting is "at night": refused unless HR forces it.
DAYTIME = (datetime.time(7, 0), datetime.time(21, 0))


def interview_time_problems(*, departure: Departure, start: datetime.datetime, end: datetime.datetime) -> list[str]:
    """What is unreasonable about this time for the leaver, though possible: HR may force it with a note."""
    tz = departure.employee.tzinfo
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    problems = []
    if local_start.time() < DAYTIME[0] or local_end.time() > DAYTIME[1] or local_end.date() != local_start.date():
        problems.append(f"The time is at night for the employee ({local_start:%H:%M} {departure.employee.time_zone}).")
    if local_start.date() > departure.last_working_day:
        problems.append("The time is after the employee's last working day.")
    return problems


def interview_force_check(*, departure: Departure, actor, start, end, force: bool, note: str) -> str:
    """Refuse a night-time or after-the-last-day interview unless HR forces it with a note; returns the
    note to record in the history ("" when nothing was forced)."""
    problems = interview_time_problems(departure=departure, start=start, end=end)
    if not problems:
        return ""
    if not force:
        raise errors.InvalidInput(fields={"start": [*problems, "HR may force it with a note (force, force_note)."]})
    if not access.is_hr(departure, actor):
        raise errors.PermissionDenied("Only HR may force an unusual interview time.")
    if not note.strip():
        raise errors.InvalidInput(fields={"force_note": ["Say why this time is forced."]})
    return f"Time forced by HR: {' '.join(problems)} Note: {note.strip()}"


def _validated_start(
    *, interview_or_none, departure, interviewer, start, duration, must_be_offered: bool
) -> tuple[datetime.datetime, datetime.datetime]:
    if start is None:
        raise errors.InvalidInput(fields={"start": ["A start time is required."]})
    if timezone.is_naive(start):
        raise errors.InvalidInput(fields={"start": ["Give the time with its UTC offset (for example 'Z')."]})
    start = start.astimezone(datetime.UTC)
    end = start + duration
    if start <= timezone.now():
        raise errors.InvalidInput(fields={"start": ["The interview must start in the future."]})
    exclude = [interview_or_none.pk] if interview_or_none is not None else []
    if must_be_offered:
        offered, _ = slots_offered(
            departure=departure, interviewer=interviewer, exclude=exclude, duration=duration, limit=None
        )
        if (start, end) not in offered:
            raise errors.InvalidInput(fields={"start": ["Pick one of the proposed slots, or ask for another time."]})
    for busy_start, busy_end in selectors.interviewer_busy(user=interviewer, exclude=exclude):
        if busy_start < end and start < busy_end:
            raise errors.InvalidInput(fields={"start": ["The interviewer has another interview at that time."]})
    return start, end


# --- the life cycle


def exit_interview_schedule(
    *,
    departure: Departure,
    actor,
    interviewer=None,
    start: datetime.datetime | None = None,
    duration: datetime.timedelta | None = None,
    location: str = "",
    video_link: str = "",
    offer_reference: bool | None = None,
    force: bool = False,
    force_note: str = "",
) -> ExitInterview:
    """HR schedules the exit interview: picks (or is given) a neutral interviewer and a time (by default
    the first free slot), moves the departure to interview_scheduled and sends the invites. A time at
    night or after the last working day needs `force` with a note, recorded in the history."""
    if not access.is_hr(departure, actor):
        raise errors.PermissionDenied("Only HR may schedule the exit interview.")
    interviewer_self_assignment_check(actor=actor, interviewer=interviewer)
    duration = duration or slot_finder.default_duration()
    with transaction.atomic():
        locked = transitions.departure_lock(departure.pk)
        if locked.state != DepartureState.APPROVED:
            raise errors.TransitionNotAllowed(
                f"An interview can be scheduled for an approved departure, not one in state '{locked.state}'."
            )
        if interviewer is not None:
            chosen = _validated_interviewer(departure=locked, user=interviewer)
        else:
            chosen = interviewer_choose(departure=locked, start=start, duration=duration)
        transitions.interviewer_lock(chosen)
        if start is None:
            free, _ = slots_offered(departure=locked, interviewer=chosen, duration=duration, limit=1)
            if not free:
                raise errors.Unprocessable(
                    "No free slot in the interview window: give a start time.", code=errors.ErrorCode.NO_FREE_SLOT
                )
            start, end = free[0]
        else:
            start, end = _validated_start(
                interview_or_none=None,
                departure=locked,
                interviewer=chosen,
                start=start,
                duration=duration,
                must_be_offered=False,
            )
        forced = interview_force_check(
            departure=locked, actor=actor, start=start, end=end, force=force, note=force_note
        )
        try:
            with transaction.atomic():
                interview = ExitInterview.objects.create(
                    departure=locked,
                    interviewer=chosen,
                    start=start,
                    end=end,
                    location=location,
                    video_link=video_link,
                    reference_offer_override=offer_reference,
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
        except IntegrityError as exc:
            raise errors.Conflict(
                "This departure already has an active interview.", code=errors.ErrorCode.INTERVIEW_EXISTS
            ) from exc
        interview.departure = locked
        _record(interview, "propose", actor, from_state="")
        _run(interview, "schedule", actor, forced)
        _departure(interview, "schedule_interview", actor)
        notices.interview_invites_schedule(interview=interview)
        notices.interview_reminders_schedule(interview=interview)
    return interview


def exit_interview_reschedule(
    *,
    interview: ExitInterview,
    actor,
    start: datetime.datetime,
    duration: datetime.timedelta | None = None,
    force: bool = False,
    force_note: str = "",
) -> ExitInterview:
    """Move the interview (also after a no-show): same UID, SEQUENCE+1, new invites and reminders.
    The employee may only pick one of the proposed slots."""
    found = _require(interview, actor, "reschedule")
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        _can(interview, "reschedule")
        transitions.interviewer_lock(interview.interviewer)
        duration = duration or (interview.end - interview.start if interview.start else slot_finder.default_duration())
        start, end = _validated_start(
            interview_or_none=interview,
            departure=interview.departure,
            interviewer=interview.interviewer,
            start=start,
            duration=duration,
            must_be_offered=not found & {"hr", "interviewer"},
        )
        forced = interview_force_check(
            departure=interview.departure, actor=actor, start=start, end=end, force=force, note=force_note
        )
        notices.interview_pending_messages_cancel(interview=interview)
        interview.start, interview.end = start, end
        interview.sequence += 1
        # A new time needs new answers from both attendees.
        interview.employee_partstat = interview.interviewer_partstat = PartStat.NEEDS_ACTION
        _run(interview, "reschedule", actor, forced)
        notices.interview_invites_schedule(interview=interview)
        notices.interview_reminders_schedule(interview=interview)
    return interview


def exit_interview_reassign(*, interview: ExitInterview, actor, interviewer) -> ExitInterview:
    """HR hands the interview to another interviewer: the old one gets a CANCEL, both attendees the update."""
    _require(interview, actor, "reassign")
    interviewer_self_assignment_check(actor=actor, interviewer=interviewer)
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        if interview.state not in (InterviewState.PROPOSED, InterviewState.SCHEDULED):
            raise errors.TransitionNotAllowed(f"An interview in state '{interview.state}' cannot change interviewer.")
        _validated_interviewer(departure=interview.departure, user=interviewer)
        if interviewer.pk == interview.interviewer_id:
            return interview
        transitions.interviewer_lock(interviewer)
        if interview.start is not None:
            for busy_start, busy_end in selectors.interviewer_busy(user=interviewer, exclude=[interview.pk]):
                if busy_start < interview.end and interview.start < busy_end:
                    raise errors.InvalidInput(
                        fields={"interviewer": ["This interviewer has another interview at that time."]}
                    )
        _interviewer_replace(interview, interviewer, actor)
    return interview


def _interviewer_replace(interview: ExitInterview, interviewer, actor, note: str = "") -> None:
    """Hand a locked, active interview to another interviewer: CANCEL to the former one, updates to both."""
    previous = interview.interviewer
    notices.interview_pending_messages_cancel(interview=interview)
    interview.interviewer = interviewer
    interview.interviewer_partstat = PartStat.NEEDS_ACTION
    interview.sequence += 1
    interview.save()
    _record(interview, "reassign", actor, note or f"Exit interview #{interview.pk}")
    if interview.start is not None:
        notices.interview_cancels_schedule(interview=interview, former_interviewer=previous)
        notices.interview_invites_schedule(interview=interview)
        notices.interview_reminders_schedule(interview=interview)


def exit_interviews_reporting_line_changed(*, employee, actor) -> list[ExitInterview]:
    """The reporting line above `employee` changed (an API edit, the admin, the HRIS): the same rule as at
    scheduling is applied again to every open interview of them and of everyone below them. An interviewer
    now in the leaver's management chain (or no longer allowed to interview) loses access at once, since
    access is checked against the rule on every read; an interview not yet held goes to the least-loaded
    eligible interviewer free at that time, and HR is told either way. Called inside the change's transaction."""
    changed = []
    for found in selectors.interviews_to_recheck(employee=employee):
        if selectors.interviewer_refusal(departure=found.departure, user=found.interviewer) is None:
            continue
        interview = transitions.interview_lock(found)
        former = interview.interviewer
        replacement = None
        if interview.state in (InterviewState.PROPOSED, InterviewState.SCHEDULED):
            for candidate in interviewer_candidates_ranked(departure=interview.departure):
                busy = selectors.interviewer_busy(user=candidate, exclude=[interview.pk])
                if interview.start is None or not any(
                    b_start < interview.end and interview.start < b_end for b_start, b_end in busy
                ):
                    replacement = candidate
                    break
        if replacement is not None:
            transitions.interviewer_lock(replacement)
            _interviewer_replace(
                interview, replacement, actor, "The reporting line changed; the interview has a new interviewer."
            )
        notices.interview_interviewer_removed_notices_schedule(
            interview=interview, former_interviewer=former, reassigned=replacement is not None
        )
        changed.append(interview)
    return changed


def _withdraw(interview: ExitInterview, name: str, actor, note: str = "") -> None:  # note: system text only
    """Cancel or decline: SEQUENCE+1 and METHOD:CANCEL when invites went out; pending reminders dropped."""
    had_meeting = interview.start is not None and interview.state in (InterviewState.SCHEDULED, InterviewState.NO_SHOW)
    _can(interview, name)
    notices.interview_pending_messages_cancel(interview=interview)
    if had_meeting:
        interview.sequence += 1
    _run(interview, name, actor, note)
    if had_meeting:
        notices.interview_cancels_schedule(interview=interview)


def exit_interview_cancel(*, interview: ExitInterview, actor) -> ExitInterview:
    """Call the interview off (HR or the interviewer): CANCEL to both, the departure back to approved so
    another interview can be scheduled."""
    _require(interview, actor, "cancel")
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        _withdraw(interview, "cancel", actor)
        if interview.departure.state == DepartureState.INTERVIEW_SCHEDULED:
            _departure(interview, "unschedule_interview", actor)
    return interview


def exit_interview_cancel_for_departure(*, departure: Departure, actor) -> ExitInterview | None:
    """The departure was cancelled: cancel its active interview and send METHOD:CANCEL. Called by
    offboarding.actions.departures.departure_cancel inside its transaction."""
    active = ExitInterview.objects.filter(departure=departure, state__in=ACTIVE_STATES).first()
    if active is None:
        return None
    with transaction.atomic():
        interview = transitions.interview_lock(active)
        _withdraw(interview, "cancel", actor, "The departure was cancelled.")
    return interview


def exit_interview_last_day_changed(*, departure: Departure, actor) -> ExitInterview | None:
    """The last working day moved: an interview that no longer falls before it (interviews are never on
    the last day) moves to the first free slot of the new window, or is called off when there is none so
    HR can agree a time. Called by offboarding.actions.departures.departure_update inside its transaction."""
    active = ExitInterview.objects.filter(departure=departure, state=InterviewState.SCHEDULED).first()
    if active is None or active.start is None:
        return None
    with transaction.atomic():
        interview = transitions.interview_lock(active)
        local_day = interview.start.astimezone(interview.departure.employee.tzinfo).date()
        if local_day < interview.departure.last_working_day:
            return interview
        transitions.interviewer_lock(interview.interviewer)
        duration = interview.end - interview.start
        free, _ = slots_offered(
            departure=interview.departure,
            interviewer=interview.interviewer,
            exclude=[interview.pk],
            duration=duration,
            limit=1,
        )
        if not free:
            _withdraw(interview, "cancel", actor, "The last working day moved and no free slot was left.")
            if interview.departure.state == DepartureState.INTERVIEW_SCHEDULED:
                _departure(interview, "unschedule_interview", actor)
            return interview
        notices.interview_pending_messages_cancel(interview=interview)
        interview.start, interview.end = free[0]
        interview.sequence += 1
        interview.employee_partstat = interview.interviewer_partstat = PartStat.NEEDS_ACTION
        _run(interview, "reschedule", actor, "The last working day moved; the interview moved with it.")
        notices.interview_invites_schedule(interview=interview)
        notices.interview_reminders_schedule(interview=interview)
    return interview


def _finish_workflow_step(departure: Departure, actor, *, state: str) -> None:
    if departure.workflow_id is None:
        return
    workflow_services.steps_finish_by_kind(
        workflow=departure.workflow, kind="interview", actor=actor, note="Exit interview finished.", state=state
    )


def exit_interview_hold(*, interview: ExitInterview, actor) -> ExitInterview:
    """The interviewer (or HR) records that the interview took place: the departure moves to interview_done
    (outcome held), the workflow's interview step is done, and a reference is offered when policy allows."""
    _require(interview, actor, "hold")
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        _can(interview, "hold")
        if interview.start is not None and timezone.now() < interview.start:
            raise errors.TransitionNotAllowed("An interview cannot be recorded as held before its start time.")
        notices.interview_pending_messages_cancel(interview=interview)
        _run(interview, "hold", actor)
        departure = _departure(interview, "finish_interview", actor, outcome=InterviewOutcome.HELD)
        _finish_workflow_step(departure, actor, state="done")
        reference_actions.reference_offer_if_allowed(departure=departure, interview=interview, actor=actor)
    return interview


def exit_interview_decline(*, interview: ExitInterview, actor, note: str = "") -> ExitInterview:
    """The employee (or HR for them) declines: interviews are voluntary. The departure moves on with the
    outcome declined, the written questionnaire is offered, and a reference when policy allows. A `note`
    is kept encrypted on the interview's replies, for HR and the interviewer, never on the history."""
    _require(interview, actor, "decline")
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        _withdraw(interview, "decline", actor)
        if note:
            _reply_create(
                interview=interview,
                method=AttendeeReply.Method.DECLINE,
                attendee_email=user_email(actor) if getattr(actor, "pk", None) else "",
                sequence=interview.sequence,
                partstat=PartStat.DECLINED,
                note=note,
                applied=True,
            )
        departure = _departure(interview, "finish_interview", actor, outcome=InterviewOutcome.DECLINED)
        _finish_workflow_step(departure, actor, state="skipped")
        notices.interview_questionnaire_offer_schedule(interview=interview)
        reference_actions.reference_offer_if_allowed(departure=departure, interview=interview, actor=actor)
    return interview


def exit_interview_close(*, interview: ExitInterview, actor) -> ExitInterview:
    """The interviewer (or HR) closes a held interview once the notes are done."""
    _require(interview, actor, "close")
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        _run(interview, "close", actor)
    return interview


def exit_interview_no_show(*, interview: ExitInterview, actor) -> ExitInterview:
    """The employee did not come: the outcome is recorded on the departure, which stays scheduled so the
    interview can be rescheduled (or cancelled, or declined)."""
    _require(interview, actor, "no_show")
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        _can(interview, "no_show")
        notices.interview_pending_messages_cancel(interview=interview)
        _run(interview, "no_show", actor)
        departure = interview.departure
        departure.interview_outcome = InterviewOutcome.NO_SHOW
        departure.save(update_fields=["interview_outcome", "updated_at"])
    return interview


def exit_interview_request_other_time(*, interview: ExitInterview, actor, note: str = "") -> AttendeeReply:
    """The employee asks for another time; HR and the interviewer are notified (the note stays in the app)."""
    _require(interview, actor, "request_other_time")
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        if interview.state not in (InterviewState.PROPOSED, InterviewState.SCHEDULED, InterviewState.NO_SHOW):
            raise errors.TransitionNotAllowed(f"An interview in state '{interview.state}' cannot be moved.")
        reply = _reply_create(
            interview=interview,
            method=AttendeeReply.Method.OTHER_TIME,
            attendee_email=interview.departure.employee.email,
            sequence=interview.sequence,
            note=note,
            applied=True,
        )
        notices.interview_change_request_notices_schedule(interview=interview, reply=reply)
    return reply


def exit_interview_run_action(*, interview: ExitInterview, action: str, actor, data: dict):
    """Dispatch POST /interviews/{id}/{action}/."""
    if action == "reschedule":
        return exit_interview_reschedule(
            interview=interview,
            actor=actor,
            start=data.get("start"),
            duration=data.get("duration"),
            force=data.get("force", False),
            force_note=data.get("force_note", ""),
        )
    if action == "reassign":
        return exit_interview_reassign(interview=interview, actor=actor, interviewer=data.get("interviewer"))
    if action == "request_other_time":
        exit_interview_request_other_time(interview=interview, actor=actor, note=data.get("note", ""))
        return interview
    if action == "decline":
        return exit_interview_decline(interview=interview, actor=actor, note=data.get("note", ""))
    handlers = {
        "cancel": exit_interview_cancel,
        "hold": exit_interview_hold,
        "close": exit_interview_close,
        "no_show": exit_interview_no_show,
    }
    if action not in handlers:
        raise errors.NotFound(f"There is no interview action called {action!r}.")
    return handlers[action](interview=interview, actor=actor)


def available_actions(*, interview: ExitInterview, user) -> list[str]:
    found = selectors.caller_roles(interview=interview, user=user)
    names = []
    for action, allowed in ACTION_ROLES.items():
        if not found & allowed:
            continue
        if action == "request_other_time" or action == "reassign":
            ok = interview.state in (InterviewState.PROPOSED, InterviewState.SCHEDULED) or (
                action == "request_other_time" and interview.state == InterviewState.NO_SHOW
            )
        else:
            ok = can_proceed(getattr(interview, action))
        if ok:
            names.append(action)
    return names


# --- attendee replies (iTIP REPLY and COUNTER from the organizer mailbox, the mail webhook or the API)


def _reply_create(*, note: str = "", comment: str = "", **fields) -> AttendeeReply:
    """An AttendeeReply with its leaver free text sealed to the new row (uuid set before the insert)."""
    record = AttendeeReply(**fields)
    record.note = crypto.seal(record, "note", note)
    record.comment = crypto.seal(record, "comment", comment)
    record.save()
    return record


def exit_interview_record_reply(*, data: bytes | str, sender: str = "") -> AttendeeReply:
    """Record an attendee's REPLY (their PARTSTAT) or COUNTER (a proposed new time, for HR or the interviewer
    to accept or refuse). Matched on UID and attendee address (`sender`, the email's From, picks the proposer
    of a COUNTER that lists everyone); a reply to an older SEQUENCE, or to an interview no longer scheduled,
    is kept but not applied. A decline tells HR and the interviewer; its COMMENT is kept encrypted. Nothing
    waits on these."""
    try:
        reply = parse_reply(data, sender=sender)
    except CalendarParseError as exc:
        raise errors.InvalidInput(str(exc), fields={"calendar": [str(exc)]}) from exc
    with transaction.atomic():
        found = ExitInterview.objects.filter(uid=reply.uid).values_list("pk", "departure_id").first()
        if found is None:
            raise errors.NotFound("No interview has this UID.")
        interview = transitions.interview_lock(ExitInterview(pk=found[0], departure_id=found[1]))
        employee = interview.departure.employee
        if reply.attendee_email in {employee.email.lower(), (employee.personal_email or "").lower()} - {""}:
            who = "employee"
        elif reply.attendee_email == user_email(interview.interviewer).lower():
            who = "interviewer"
        else:
            raise errors.NotFound("The attendee is not invited to this interview.")
        current = reply.sequence >= interview.sequence and interview.state == InterviewState.SCHEDULED
        record = _reply_create(
            interview=interview,
            method=reply.method,
            attendee_email=reply.attendee_email,
            sequence=reply.sequence,
            partstat=reply.partstat[:12],
            proposed_start=reply.start if reply.method == "COUNTER" else None,
            proposed_end=reply.end if reply.method == "COUNTER" else None,
            comment=reply.comment,
            applied=current,
        )
        if not current:
            return record
        if reply.method == "REPLY" and reply.partstat in (PartStat.ACCEPTED, PartStat.DECLINED, PartStat.TENTATIVE):
            changed = getattr(interview, f"{who}_partstat") != reply.partstat
            setattr(interview, f"{who}_partstat", reply.partstat)
            interview.save(update_fields=[f"{who}_partstat", "updated_at"])
            if changed and reply.partstat == PartStat.DECLINED:
                notices.interview_attendee_declined_notices_schedule(interview=interview, reply=record)
        elif reply.method == "COUNTER":
            notices.interview_change_request_notices_schedule(interview=interview, reply=record)
    return record


def _open_counter(interview: ExitInterview, reply_id: int) -> AttendeeReply:
    reply = AttendeeReply.objects.select_for_update().filter(pk=reply_id, interview=interview).first()
    if reply is None or reply.method != AttendeeReply.Method.COUNTER:
        raise errors.NotFound("This interview has no proposed time with this id.")
    if reply.decision or not reply.applied or reply.sequence < interview.sequence:
        raise errors.TransitionNotAllowed("This proposed time was already answered or overtaken by a later change.")
    return reply


def exit_interview_counter_accept(*, interview: ExitInterview, actor, reply_id: int) -> ExitInterview:
    """HR or the interviewer accepts an attendee's COUNTER: the interview moves to the proposed time (same
    UID, SEQUENCE+1, a new REQUEST to both) through the reschedule action, and the proposal is closed."""
    if not selectors.caller_roles(interview=interview, user=actor) & PROPOSAL_ROLES:
        raise errors.PermissionDenied("Only HR and the interviewer may answer a proposed time.")
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        reply = _open_counter(interview, reply_id)
        interview = exit_interview_reschedule(
            interview=interview,
            actor=actor,
            start=reply.proposed_start,
            duration=reply.proposed_end - reply.proposed_start,
        )
        reply.decision, reply.decided_by, reply.decided_at = CounterDecision.ACCEPTED, actor, timezone.now()
        reply.save(update_fields=["decision", "decided_by", "decided_at"])
    return interview


def exit_interview_counter_refuse(*, interview: ExitInterview, actor, reply_id: int) -> ExitInterview:
    """HR or the interviewer refuses an attendee's COUNTER: the meeting stays, and the attendee gets an iTIP
    DECLINECOUNTER so their calendar drops the proposal."""
    if not selectors.caller_roles(interview=interview, user=actor) & PROPOSAL_ROLES:
        raise errors.PermissionDenied("Only HR and the interviewer may answer a proposed time.")
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        reply = _open_counter(interview, reply_id)
        reply.decision, reply.decided_by, reply.decided_at = CounterDecision.REFUSED, actor, timezone.now()
        reply.save(update_fields=["decision", "decided_by", "decided_at"])
        _record(interview, "refuse_counter", actor, f"Exit interview #{interview.pk}")
        notices.interview_declinecounter_schedule(interview=interview, reply=reply)
    return interview


# --- the interviewer's calendar feed


def _feed_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_rotate(*, user) -> str:
    """Issue a new secret feed token for this interviewer (the old URL stops working). Only its hash is
    kept, so the returned token is shown once."""
    if not (roles.is_interviewer_user(user) or roles.is_hr_user(user)):
        raise errors.PermissionDenied("Only interviewers and HR have an interview calendar feed.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            user=user, defaults={"token_hash": _feed_hash(token), "created_at": timezone.now(), "revoked_at": None}
        )
    return token


def calendar_feed_revoke(*, user) -> bool:
    """Revoke the feed URL; returns whether there was an active one."""
    return bool(
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), token_hash=_feed_hash(secrets.token_urlsafe(32))
        )
    )


def calendar_feed_owner(*, token: str):
    """The user whose active feed has this token, or None."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_feed_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def exit_interview_accept(*, interview: ExitInterview, actor) -> ExitInterview:
    """The employee accepts the time from the web page, as an ACCEPTED iTIP reply would; an answer only,
    it never blocks or moves the workflow."""
    if "employee" not in selectors.caller_roles(interview=interview, user=actor):
        raise errors.PermissionDenied("Only the employee answers their own invitation.")
    with transaction.atomic():
        interview = transitions.interview_lock(interview)
        if interview.state != InterviewState.SCHEDULED:
            raise errors.TransitionNotAllowed(f"An interview in state '{interview.state}' cannot be accepted.")
        if interview.employee_partstat != PartStat.ACCEPTED:
            interview.employee_partstat = PartStat.ACCEPTED
            interview.save(update_fields=["employee_partstat", "updated_at"])
            _record(interview, "accept", actor, f"Exit interview #{interview.pk}: the employee accepted the time")
    return interview
