"""Writes of the workflow engine: templates and their versions, starting workflows, step transitions,
due-date moves and cancellation. Each public service is one transaction with its audit rows.

Permission checks belong to the domain that knows who is who (offboarding.checklist); these
services take an already-authorised actor.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django_fsm import can_proceed

from core import bulk, errors
from workflows import engine, hooks
from workflows.business_time import next_business_day
from workflows.defaults import DEFAULT_TEMPLATES
from workflows.models import (
    FINISHED_STATES,
    OPEN_STATES,
    Anchor,
    AssigneeRole,
    Step,
    StepHistory,
    StepKind,
    StepState,
    TemplateVersion,
    Workflow,
    WorkflowTemplate,
)
from workflows.outbox import services as outbox
from workflows.template_steps import STEP_DEFAULTS, validate_template_steps


def _actor_fields(actor) -> dict:
    return {
        "actor": actor if getattr(actor, "pk", None) else None,
        "actor_label": getattr(actor, "username", "") or "system",
    }


def step_reminder_group(step: Step) -> str:
    """The outbox group holding one step's reminders, so they cancel and move together."""
    return f"step:{step.pk}"


def step_reminder_key_prefix(step: Step) -> str:
    return f"wf:{step.workflow_id}:step:{step.pk}:"


# --- templates


def template_create(
    *,
    name: str,
    kind: str,
    steps: list,
    country: str = "",
    department: str = "",
    slug: str = "",
    actor=None,
    note: str = "",
) -> WorkflowTemplate:
    """Create a template and its first version; the steps are validated first (400 with field errors)."""
    normalised = validate_template_steps(steps)
    if not name or not name.strip():
        raise errors.InvalidInput(fields={"name": ["A name is required."]})
    if not kind:
        raise errors.InvalidInput(fields={"kind": ["Say which departure kind the template is for."]})
    with transaction.atomic():
        base = slugify(slug or f"{kind}-{country}-{department}-{name}")[:70] or "template"
        candidate, n = base, 1
        while WorkflowTemplate.objects.filter(slug=candidate).exists():
            n += 1
            candidate = f"{base}-{n}"
        template = WorkflowTemplate.objects.create(
            slug=candidate, name=name.strip(), kind=kind, country=country.upper(), department=department
        )
        TemplateVersion.objects.create(
            template=template, number=1, steps=normalised, note=note, created_by=_actor_fields(actor)["actor"]
        )
    return template


def template_version_create(*, template: WorkflowTemplate, steps: list, actor=None, note: str = "") -> TemplateVersion:
    """Save edited steps as the template's next version; workflows already running keep their version."""
    normalised = validate_template_steps(steps)
    with transaction.atomic():
        locked = WorkflowTemplate.objects.select_for_update().get(pk=template.pk)
        latest = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = TemplateVersion.objects.create(
            template=locked,
            number=latest + 1,
            steps=normalised,
            note=note,
            created_by=_actor_fields(actor)["actor"],
        )
        locked.save(update_fields=["updated_at"])
    return version


def template_update(*, template: WorkflowTemplate, data: Mapping, actor=None) -> WorkflowTemplate:
    """Change a template's name, scope or active flag; with `steps`, also write a new version."""
    allowed = {"name", "kind", "country", "department", "is_active", "steps", "note"}
    unknown = set(data) - allowed
    if unknown:
        raise errors.InvalidInput(fields={name: ["This field cannot be changed."] for name in sorted(unknown)})
    with transaction.atomic():
        locked = WorkflowTemplate.objects.select_for_update().get(pk=template.pk)
        for name in ("name", "kind", "country", "department", "is_active"):
            if name in data:
                setattr(locked, name, data[name].upper() if name == "country" else data[name])
        locked.save()
        if "steps" in data:
            template_version_create(template=locked, steps=data["steps"], actor=actor, note=data.get("note", ""))
    return locked


def templates_install_defaults(*, apps=None) -> int:
    """Install the shipped default templates that are missing (matched by slug); HR's edits are kept.

    `apps` is a migration's app registry when called from a data migration. Returns how many were installed.
    """
    if apps is not None:
        template_model = apps.get_model("workflows", "WorkflowTemplate")
        version_model = apps.get_model("workflows", "TemplateVersion")
    else:
        template_model, version_model = WorkflowTemplate, TemplateVersion
    installed = 0
    with transaction.atomic():
        existing = set(template_model.objects.values_list("slug", flat=True))
        for spec in DEFAULT_TEMPLATES:
            if spec["slug"] in existing:
                continue
            steps = validate_template_steps(spec["steps"])
            template = template_model.objects.create(
                slug=spec["slug"], name=spec["name"], kind=spec["kind"], country="", department=""
            )
            version_model.objects.create(template=template, number=1, steps=steps, note="Shipped default.")
            installed += 1
    return installed


# --- starting workflows


@dataclasses.dataclass
class WorkflowStart:
    """What one workflow starts from: a template version, named anchor dates, country and time zone."""

    template_version: TemplateVersion
    anchors: Mapping
    country: str
    time_zone: str
    subject: str = ""


def workflow_start(
    *,
    template_version: TemplateVersion,
    anchors: Mapping,
    country: str,
    time_zone: str,
    subject: str = "",
    actor=None,
) -> Workflow:
    """Start one workflow: its steps with due dates in business days of `country`, ready where
    nothing blocks them, and their reminders (through the planner registered for the subject)."""
    return workflows_start_bulk(
        starts=[WorkflowStart(template_version, anchors, country, time_zone, subject)], actor=actor
    )[0]


def workflows_start_bulk(*, starts: list[WorkflowStart], actor=None) -> list[Workflow]:
    """Start many workflows with a constant number of queries: one insert for the workflows, one for
    all their steps, one for all their reminders (each split only by the database's batch limit)."""
    if not starts:
        return []
    with transaction.atomic():
        now = timezone.now()
        started_by = _actor_fields(actor)["actor"]
        workflows = []
        anchors_by_index = []
        for start in starts:
            anchors = engine.parse_anchors(start.anchors)
            anchors_by_index.append(anchors)
            workflows.append(
                Workflow(
                    template_version=start.template_version,
                    subject=start.subject,
                    country=start.country,
                    time_zone=start.time_zone,
                    anchors={k: v.isoformat() for k, v in anchors.items()},
                    started_at=now,
                    started_by=started_by,
                )
            )
        bulk.insert_new(workflows)
        started = _insert_new_steps(workflows, starts, anchors_by_index)
        _plan_reminders(started)
    return workflows


@dataclasses.dataclass(slots=True)
class StartedStep:
    """A step a bulk start has just written, with Step's attribute names, as reminder planners read
    it: a reorganisation starts 140,000 steps, and a Step instance each costs more than writing them."""

    pk: int
    workflow: Workflow
    key: str
    assignee_role: str
    due_date: datetime.date | None
    remind: bool
    state: str
    reminder_round: int = 0

    @property
    def workflow_id(self) -> int:
        return self.workflow.pk

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


def _insert_new_steps(workflows: list[Workflow], starts: list[WorkflowStart], anchors_by_index) -> list[StartedStep]:
    """Write the steps of fresh workflows in one insert (COPY on PostgreSQL); return the ones that
    are ready to be reminded of (usually none: a checklist opens with its approval step).

    Workflows started from the same template version, dates, country and time zone get the same
    steps but for their workflow, so each distinct combination is computed once."""
    attnames = [f.attname for f in Step._meta.concrete_fields if not f.primary_key and f.attname != "workflow_id"]
    attnames.insert(0, "workflow_id")
    computed: dict[tuple, list[tuple[Step, tuple, bool]]] = {}
    rows: list[tuple] = []
    to_plan: list[tuple[int, Workflow, Step]] = []  # (row index, workflow, prototype)
    for workflow, start, anchors in zip(workflows, starts, anchors_by_index, strict=True):
        same = (start.template_version.pk, tuple(sorted(anchors.items())), workflow.country, workflow.time_zone)
        prototypes = computed.get(same)
        if prototypes is None:
            prototypes = computed[same] = []
            for position, definition in enumerate(start.template_version.steps):
                step = _step_from_definition(workflow, definition, position, anchors)
                remind = step.remind and step.due_date is not None and step.state == StepState.READY
                prototypes.append((step, tuple(bulk.plain_values(step, attnames[1:])), remind))
        for step, values, remind in prototypes:
            if remind:
                to_plan.append((len(rows), workflow, step))
            rows.append((workflow.pk, *values))
    # A fresh workflow's steps cannot conflict with anything: copied straight in, keys in row order.
    ids = bulk.insert_new_rows(Step, attnames, rows)
    return [
        StartedStep(
            pk=ids[index],
            workflow=workflow,
            key=step.key,
            assignee_role=step.assignee_role,
            due_date=step.due_date,
            remind=step.remind,
            state=step.state,
        )
        for index, workflow, step in to_plan
    ]


def _step_from_definition(workflow: Workflow, definition: Mapping, position: int, anchors) -> Step:
    definition = {**STEP_DEFAULTS, **definition}
    depends_on = list(definition["depends_on"])
    if definition["anchor"] == Anchor.STEP and definition["anchor_step"] not in depends_on:
        depends_on.append(definition["anchor_step"])  # a step anchored on another also waits for it
    due_time = engine.parse_due_time(definition["due_time"])
    due_date = engine.compute_due_date(
        anchor=definition["anchor"], offset_days=definition["offset_days"], anchors=anchors, country=workflow.country
    )
    return Step(
        workflow=workflow,
        key=definition["key"],
        title=definition["title"],
        description=definition["description"],
        assignee_role=definition["assignee_role"],
        kind=definition["kind"],
        required=definition["required"],
        position=position,
        depends_on=depends_on,
        anchor=definition["anchor"],
        anchor_step=definition["anchor_step"],
        offset_days=definition["offset_days"],
        due_time=due_time,
        due_date=due_date,
        due_at=engine.due_at_for(due_date, due_time, workflow.time_zone),
        remind=definition["remind"],
        approves_subject=definition["approves_subject"],
        state=StepState.READY if not depends_on else StepState.PENDING,
    )


def _plan_reminders(steps: Iterable[Step]) -> int:
    """Ask each subject's planner for the reminders of these steps and write them in one insert.

    Only a ready step is reminded of (nobody can act on one waiting for others), so only ready
    steps get a reminder row: a step waiting for others gets its first one when it becomes ready,
    the first of its plan still ahead then. A checklist starts with a row or two, not one per step."""
    by_type: dict[str, list[Step]] = defaultdict(list)
    for step in steps:
        if step.remind and step.due_date is not None and step.state == StepState.READY:
            by_type[step.workflow.subject.split(":", 1)[0]].append(step)
    actions = []
    for type_steps in by_type.values():
        # One call per subject type (not per subject), so the planner can read its people in bulk.
        planner = hooks.planner_for(type_steps[0].workflow.subject)
        if planner is not None:
            actions.extend(planner(steps=type_steps))
    if actions:
        outbox.actions_schedule_bulk(actions)
    return len(actions)


def _cancel_reminders(steps: Iterable[Step]) -> None:
    outbox.actions_cancel(groups=[step_reminder_group(step) for step in steps])


# --- step transitions


def _history(step: Step, name: str, from_state: str, actor, note: str = "") -> StepHistory:
    return StepHistory(
        step=step, transition=name, from_state=from_state, to_state=step.state, note=note, **_actor_fields(actor)
    )


def step_lock(step_id: int) -> Step:
    """Lock the workflow, then the step (always in this order), and return the fresh step."""
    workflow_id = Step.objects.values_list("workflow_id", flat=True).get(pk=step_id)
    Workflow.objects.select_for_update().filter(pk=workflow_id).first()
    return Step.objects.select_for_update().select_related("workflow").get(pk=step_id)


def step_transition(*, step: Step, name: str, actor, note: str = "") -> Step:
    """Run one step transition under a lock with its audit row; then unblock dependent steps, date
    the steps anchored on this one, and cancel this step's reminders once it is finished.

    Raises TransitionNotAllowed (409) when the step's state or kind does not allow it.
    """
    with transaction.atomic():
        locked = step_lock(step.pk)
        if locked.workflow.cancelled_at is not None:
            raise errors.TransitionNotAllowed("This checklist was cancelled.")
        method = getattr(locked, name, None)
        if method is None or not hasattr(method, "_django_fsm"):
            raise errors.NotFound(f"There is no step action called {name!r}.")
        label = name.replace("_", " ")
        if not can_proceed(method):
            if locked.state == StepState.PENDING:
                raise errors.TransitionNotAllowed(
                    f"This step waits for other steps first: {', '.join(_blocking(locked))}.",
                    code=errors.ErrorCode.STEP_BLOCKED,
                )
            if not can_proceed(method, check_conditions=False):
                raise errors.TransitionNotAllowed(f"A {locked.state} step cannot {label}.")
            raise errors.TransitionNotAllowed(f"A {locked.get_kind_display().lower()} step cannot {label}.")
        from_state = locked.state
        method()
        if locked.state in FINISHED_STATES or locked.state == StepState.REJECTED:
            locked.finished_by = _actor_fields(actor)["actor"]
        locked.note = note or locked.note
        locked.save()
        history = [_history(locked, name, from_state, actor, note)]
        if locked.state in FINISHED_STATES or locked.state == StepState.REJECTED:
            outbox.actions_cancel(group=step_reminder_group(locked))
        if locked.state in FINISHED_STATES:
            history += _advance(locked)
        if name == "reopen":
            locked.reminder_round += 1
            locked.save(update_fields=["reminder_round"])
            _plan_reminders([locked])
        StepHistory.objects.bulk_create(history)
    return locked


def _blocking(step: Step) -> list[str]:
    states = dict(step.workflow.steps.values_list("key", "state"))
    titles = dict(step.workflow.steps.values_list("key", "title"))
    return [titles.get(k, k) for k in step.depends_on if states.get(k) not in FINISHED_STATES]


def _advance(finished: Step) -> list[StepHistory]:
    """After a step finished: make ready what it unblocked, and date the steps anchored on it."""
    workflow = finished.workflow
    siblings = list(workflow.steps.exclude(pk=finished.pk).select_for_update())
    states = {s.key: s.state for s in siblings}
    states[finished.key] = finished.state
    finished_day = timezone.localtime(finished.finished_at or timezone.now(), workflow.tzinfo).date()
    history, replanned = [], []
    for step in siblings:
        changed = []
        if step.anchor == Anchor.STEP and step.anchor_step == finished.key and step.due_date is None and step.is_open:
            step.due_date = engine.compute_due_date(
                anchor=step.anchor,
                offset_days=step.offset_days,
                anchors=_anchors(workflow),
                country=workflow.country,
                anchor_step_finished=finished_day,
            )
            step.due_at = engine.due_at_for(step.due_date, step.due_time, workflow.time_zone)
            changed += ["due_date", "due_at"]
            history.append(_history(step, "schedule", step.state, None, f"due {step.due_date.isoformat()}"))
        if step.state == StepState.PENDING and engine.is_unblocked(step.depends_on, states):
            step.make_ready()
            changed.append("state")
            history.append(_history(step, "make_ready", StepState.PENDING, None))
        if changed:
            step.workflow = workflow
            step.save(update_fields=changed)
            replanned.append(step)  # newly dated or newly ready: its first reminder (if ready)
    _plan_reminders(replanned)
    return history


def _anchors(workflow: Workflow) -> dict[str, datetime.date]:
    return engine.parse_anchors(workflow.anchors)


def steps_finish_by_kind(*, workflow: Workflow, kind: str, actor, note: str = "", state: str = "done") -> int:
    """Finish the open (pending or ready) steps of one kind, e.g. the interview step when the exit
    interview is held (state="done") or declined (state="skipped"). Returns how many were finished."""
    if state not in (StepState.DONE, StepState.SKIPPED):
        raise errors.InvalidInput(fields={"state": ["Either done or skipped."]})
    name = "close" if state == StepState.DONE else "skip"
    count = 0
    with transaction.atomic():
        ids = list(
            workflow.steps.filter(kind=kind, state__in=[StepState.PENDING, StepState.READY]).values_list(
                "id", flat=True
            )
        )
        for step_id in ids:
            step_transition(step=Step(pk=step_id), name=name, actor=actor, note=note)
            count += 1
    return count


def step_settle_approved(*, workflow: Workflow, actor, note: str = "") -> int:
    """The subject was approved outside its approval step: mark that step approved. Returns 0 or 1."""
    with transaction.atomic():
        ids = list(
            workflow.steps.filter(approves_subject=True).exclude(state=StepState.APPROVED).values_list("id", flat=True)
        )
        for step_id in ids:
            step_transition(step=Step(pk=step_id), name="settle_approved", actor=actor, note=note)
    return len(ids)


def step_add(
    *,
    workflow: Workflow,
    key: str,
    title: str,
    assignee_role: str,
    due_date: datetime.date | None,
    kind: str = StepKind.TASK,
    required: bool = False,
    description: str = "",
) -> Step:
    """Add an ad-hoc step to a running workflow (e.g. the manager's "write a reference"); it is ready at
    once. A due date on a weekend or holiday moves to the next business day. Reminders are planned."""
    if assignee_role not in AssigneeRole.values:
        raise errors.InvalidInput(fields={"assignee_role": [f"One of: {', '.join(AssigneeRole.values)}."]})
    if kind not in StepKind.values:
        raise errors.InvalidInput(fields={"kind": [f"One of: {', '.join(StepKind.values)}."]})
    with transaction.atomic():
        locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
        if locked.cancelled_at is not None:
            raise errors.TransitionNotAllowed("This checklist was cancelled.")
        if locked.steps.filter(key=key).exists():
            raise errors.Conflict(f"This checklist already has a step '{key}'.", code=errors.ErrorCode.STEP_EXISTS)
        if due_date is not None:
            due_date = next_business_day(due_date, locked.country)
        position = (locked.steps.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        step = Step.objects.create(
            workflow=locked,
            key=key,
            title=title,
            description=description,
            assignee_role=assignee_role,
            kind=kind,
            required=required,
            position=position,
            due_date=due_date,
            due_at=engine.due_at_for(due_date, None, locked.time_zone),
            ad_hoc=True,
            state=StepState.READY,
        )
        StepHistory.objects.create(
            step=step, transition="add", from_state="", to_state=step.state, actor_label="system"
        )
        _plan_reminders([step])
    return step


# --- date changes and cancellation


def workflow_anchors_change(*, workflow: Workflow, anchors: Mapping, actor=None) -> list[Step]:
    """New anchor dates (e.g. a moved last working day): open steps get new due dates, with an audit
    row each, and their pending reminders are cancelled and planned again for the new date. Finished
    steps keep their dates and history. Returns the steps whose due date moved."""
    with transaction.atomic():
        locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
        merged = {**_anchors(locked), **engine.parse_anchors(anchors)}
        locked.anchors = {k: v.isoformat() for k, v in merged.items()}
        locked.save(update_fields=["anchors"])
        steps = list(locked.steps.filter(state__in=[StepState.PENDING, StepState.READY, StepState.REJECTED]))
        finished_on = dict(
            locked.steps.filter(state__in=FINISHED_STATES, finished_at__isnull=False).values_list("key", "finished_at")
        )
        moved, history = [], []
        for step in steps:
            if step.ad_hoc:
                continue  # an ad-hoc step's date was set by a person, not derived from an anchor
            step.workflow = locked
            finished_at = finished_on.get(step.anchor_step)
            new_due = engine.compute_due_date(
                anchor=step.anchor,
                offset_days=step.offset_days,
                anchors=merged,
                country=locked.country,
                anchor_step_finished=timezone.localtime(finished_at, locked.tzinfo).date() if finished_at else None,
            )
            if new_due == step.due_date:
                continue
            old = step.due_date.isoformat() if step.due_date else "none"
            step.due_date = new_due
            step.due_at = engine.due_at_for(new_due, step.due_time, locked.time_zone)
            history.append(_history(step, "reschedule", step.state, actor, f"due {old} → {new_due.isoformat()}"))
            moved.append(step)
        if moved:
            for step in moved:
                step.reminder_round += 1
            Step.objects.bulk_update(moved, ["due_date", "due_at", "reminder_round"])
            StepHistory.objects.bulk_create(history)
            _cancel_reminders(moved)
            _plan_reminders(moved)
    return moved


def workflow_cancel(*, workflow: Workflow, actor=None, note: str = "") -> int:
    """Stop a workflow: open steps are skipped (with audit rows) and every pending reminder cancelled.
    A rejected approval stays rejected. Returns how many steps were skipped."""
    with transaction.atomic():
        locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
        if locked.cancelled_at is not None:
            return 0
        steps = list(locked.steps.filter(state__in=[StepState.PENDING, StepState.READY]))
        history = []
        for step in steps:
            from_state = step.state
            step.skip()
            history.append(_history(step, "skip", from_state, actor, note or "Checklist cancelled."))
        if steps:
            Step.objects.bulk_update(steps, ["state", "finished_at"])
            StepHistory.objects.bulk_create(history)
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["cancelled_at"])
        # By the steps' groups (an index lookup each), not a LIKE over every key in the outbox.
        outbox.actions_cancel(groups=[f"step:{pk}" for pk in locked.steps.values_list("pk", flat=True)])
    return len(steps)


def step_reopen_rejected(*, workflow: Workflow, actor=None, note: str = "") -> int:
    """Rejected approvals go back to ready (the plan they judged has changed). Returns how many."""
    with transaction.atomic():
        ids = list(workflow.steps.filter(state=StepState.REJECTED).values_list("id", flat=True))
        for step_id in ids:
            step_transition(step=Step(pk=step_id), name="reopen", actor=actor, note=note)
    return len(ids)
