"""The primitives every action uses: row locks in one fixed order, and one FSM transition with its audit row.

Locks are always taken in this order, so two actions that need the same rows queue instead of
deadlocking: the departure, then its exit interview (then its answers), then its reference offer,
then an interviewer's user row (to serialise bookings). Follow-up surveys are locked after their
departure. `of=("self",)` keeps a select_related from
locking the joined rows too (the employee, the interviewer), which other actions lock in their
own order. On SQLite, select_for_update is a no-op and writes are serialised by the database.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_fsm import can_proceed

from core import errors
from offboarding import access
from offboarding.feedback.models import FollowUpSurvey, InterviewResponse
from offboarding.interviews.models import ExitInterview, ReferenceOffer
from offboarding.models import OPEN_STATES, Departure, DepartureHistory, Employee
from workflows.models import Workflow

# Departure transitions offered through POST /departures/{id}/{transition}/.
PUBLIC_TRANSITIONS = ("approve", "cancel", "complete", "waive_interview")


def departure_lock(departure_id: int) -> Departure:
    """Re-read the departure under a row lock; concurrent transitions queue here, then see the new state."""
    return Departure.objects.select_for_update(of=("self",)).select_related("employee").get(pk=departure_id)


def open_departures_exist(employee_ids: list[int]) -> bool:
    """Whether any of these employees has an open departure, locking those rows (before a start)."""
    return (
        Departure.objects.select_for_update(of=("self",))
        .filter(employee_id__in=employee_ids, state__in=OPEN_STATES)
        .exists()
    )


def interview_lock(interview: ExitInterview) -> ExitInterview:
    """The interview under a row lock, its departure locked first."""
    departure_lock(interview.departure_id)
    return (
        ExitInterview.objects.select_for_update(of=("self",))
        .select_related("departure", "departure__employee", "interviewer")
        .get(pk=interview.pk)
    )


def interview_response_lock(interview: ExitInterview) -> tuple[ExitInterview, InterviewResponse | None]:
    """The interview (its departure first) and its response, locked, for writing answers."""
    locked = interview_lock(interview)
    return locked, InterviewResponse.objects.select_for_update(of=("self",)).filter(interview=locked).first()


def follow_up_surveys_lock(*, departure: Departure, state: str) -> list[FollowUpSurvey]:
    """A departure's surveys in this state, locked in primary-key order (the departure is already locked)."""
    return list(
        FollowUpSurvey.objects.select_for_update(of=("self",)).filter(departure=departure, state=state).order_by("pk")
    )


def follow_up_survey_lock(survey: FollowUpSurvey) -> FollowUpSurvey:
    """One survey, locked, for its one answer (a leaf row: nothing else is locked after it)."""
    return FollowUpSurvey.objects.select_for_update(of=("self",)).get(pk=survey.pk)


def reference_offer_lock(offer: ReferenceOffer) -> tuple[Departure, ReferenceOffer]:
    """The offer's departure and the offer, both locked, in that order."""
    departure = departure_lock(offer.departure_id)
    return departure, ReferenceOffer.objects.select_for_update(of=("self",)).get(pk=offer.pk)


def interviewer_lock(user) -> None:
    """Serialise bookings per interviewer: a concurrent booking waits here, then sees the other's interview
    among the busy times instead of taking the same slot. Always the last lock taken."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


def _actor_label(actor) -> str:
    return getattr(actor, "username", "") or "system"


def history_record(
    *, departure: Departure, transition: str, from_state: str, to_state: str, actor, note: str = "", subject="departure"
) -> DepartureHistory:
    """One row of the departure's audit trail (who, when, from, to, why)."""
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


def history_rows(*, departures: list[Departure], transition: str, actor, note: str = "") -> list[DepartureHistory]:
    """Unsaved audit rows for a bulk action (one per departure, each from nothing to its state)."""
    label = _actor_label(actor)
    return [
        DepartureHistory(
            departure=d,
            transition=transition,
            from_state="",
            to_state=d.state,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=label,
            note=note,
        )
        for d in departures
    ]


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


# What available_transitions_on_page reads of each departure of a page, in the model's field order
# (Model.from_db takes them so), then the leaver's time zone.
PAGE_FIELDS = ("id", "employee_id", "last_working_day", "state", "workflow_id")
_STATE, _WORKFLOW, _TIME_ZONE = 3, 4, 5


def _conditional(state: str) -> bool:
    """Whether a public transition from this state has conditions (which read the departure itself)."""
    for name in PUBLIC_TRANSITIONS:
        found = getattr(Departure, name)._django_fsm.get_transition(state)
        if found is not None and found.conditions:
            return True
    return False


def _departure(row: tuple, using: str, open_steps: frozenset[int]) -> Departure:
    """A departure with the PAGE_FIELDS only: any other field would be read from the database if asked."""
    departure = Departure.from_db(using, PAGE_FIELDS, row[:_TIME_ZONE])
    departure.employee = Employee.from_db(using, ("id", "time_zone"), (departure.employee_id, row[_TIME_ZONE]))
    if departure.workflow_id is not None:
        departure._open_required_steps = departure.workflow_id in open_steps
    return departure


def available_transitions_on_page(*, rows: list[tuple], user, using: str = "default") -> list[list[str]]:
    """available_transitions of each departure of a list page, the same answers in a fixed number of queries.

    `rows` hold the PAGE_FIELDS and the leaver's time zone. Besides the state, the permissions read only
    how the user stands to the leaver (access.standing), so each (state, standing) is asked once.
    Conditions read the departure itself (complete's: last day reached, required steps done): a
    departure in a state with a conditional transition is asked on its own, the required steps of all
    such departures on the page read in one query."""
    conditional = {state: _conditional(state) for state in {row[_STATE] for row in rows}}
    judged = [row[_WORKFLOW] for row in rows if conditional[row[_STATE]] and row[_WORKFLOW] is not None]
    open_steps = Workflow.with_open_required_steps(judged) if judged else frozenset()
    standing = access.standing(user)
    asked: dict[tuple, list[str]] = {}
    answers = []
    for row in rows:
        if conditional[row[_STATE]]:
            answers.append(available_transitions(departure=_departure(row, using, open_steps), user=user))
            continue
        key = (row[_STATE], standing(row[1]))
        if key not in asked:
            asked[key] = available_transitions(departure=_departure(row, using, open_steps), user=user)
        answers.append(list(asked[key]))
    return answers
