"""The engine's pure rules: template validation, readiness of steps, due dates and reminder days.

Nothing here writes to the database; workflows.services applies these rules inside transactions.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Iterable, Mapping

from core import errors
from workflows.business_time import add_business_days, next_business_day
from workflows.models import FINISHED_STATES, Anchor, AssigneeRole, StepKind

# The named dates a workflow is anchored on; templates may refer to these or to another step.
ANCHOR_NAMES = (Anchor.NOTICE_DATE.value, Anchor.LAST_WORKING_DAY.value)
# Without a due time, a step is due at the end of its due day in the workflow's time zone.
END_OF_DAY = datetime.time(23, 59)
MAX_OFFSET_DAYS = 260  # about a working year either way
MAX_STEPS = 100
# Reminders: two business days before the due date, on it, then daily while overdue up to this bound.
REMIND_BEFORE_DAYS = 2
OVERDUE_REMINDER_DAYS = 5

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

STEP_DEFAULTS = {
    "description": "",
    "kind": StepKind.TASK.value,
    "anchor": Anchor.LAST_WORKING_DAY.value,
    "anchor_step": "",
    "offset_days": 0,
    "depends_on": [],
    "required": False,
    "remind": True,
    "approves_subject": False,
    "due_time": "",
}
STEP_FIELDS = ("key", "title", "assignee_role", *STEP_DEFAULTS)


def validate_template_steps(steps) -> list[dict]:
    """Check a template's step definitions and return them normalised (every field present).

    Raises InvalidInput whose `fields` name the offending step and field, e.g.
    {"steps[3].depends_on": ["Unknown step key 'handover'."]} or {"steps": ["Dependency cycle: a → b → a."]}.
    Dependencies and step anchors are both edges of the graph, so neither may form a cycle.
    """
    problems: dict[str, list[str]] = {}

    def problem(where: str, message: str) -> None:
        problems.setdefault(where, []).append(message)

    if not isinstance(steps, list) or not steps:
        raise errors.InvalidInput("A template needs at least one step.", fields={"steps": ["Give a list of steps."]})
    if len(steps) > MAX_STEPS:
        raise errors.InvalidInput(fields={"steps": [f"A template holds at most {MAX_STEPS} steps."]})

    normalised: list[dict] = []
    for index, raw in enumerate(steps):
        where = f"steps[{index}]"
        if not isinstance(raw, Mapping):
            problem(where, "Each step is an object.")
            normalised.append({})
            continue
        unknown = sorted(set(raw) - set(STEP_FIELDS))
        for name in unknown:
            problem(f"{where}.{name}", "Unknown field.")
        step = {**STEP_DEFAULTS, **{k: v for k, v in raw.items() if k in STEP_FIELDS}}
        step["depends_on"] = list(step.get("depends_on") or [])
        key = step.get("key")
        if not isinstance(key, str) or not _KEY_RE.match(key):
            problem(f"{where}.key", "A key is lowercase letters, digits, '-' or '_' (at most 60).")
        if not isinstance(step.get("title"), str) or not step["title"].strip():
            problem(f"{where}.title", "A title is required.")
        elif len(step["title"]) > 200:
            problem(f"{where}.title", "At most 200 characters.")
        if not isinstance(step["description"], str):
            problem(f"{where}.description", "Text expected.")
        if step.get("assignee_role") not in AssigneeRole.values:
            problem(f"{where}.assignee_role", f"One of: {', '.join(AssigneeRole.values)}.")
        if step["kind"] not in StepKind.values:
            problem(f"{where}.kind", f"One of: {', '.join(StepKind.values)}.")
        if step["anchor"] not in Anchor.values:
            problem(f"{where}.anchor", f"One of: {', '.join(Anchor.values)}.")
        if isinstance(step["offset_days"], bool) or not isinstance(step["offset_days"], int):
            problem(f"{where}.offset_days", "A whole number of business days.")
        elif abs(step["offset_days"]) > MAX_OFFSET_DAYS:
            problem(f"{where}.offset_days", f"At most {MAX_OFFSET_DAYS} business days either way.")
        for flag in ("required", "remind", "approves_subject"):
            if not isinstance(step[flag], bool):
                problem(f"{where}.{flag}", "true or false.")
        if step["due_time"] and (not isinstance(step["due_time"], str) or not _TIME_RE.match(step["due_time"])):
            problem(f"{where}.due_time", "A time as HH:MM.")
        if step["approves_subject"] is True and step["kind"] != StepKind.APPROVAL:
            problem(f"{where}.approves_subject", "Only an approval step can approve the departure.")
        if not all(isinstance(dep, str) for dep in step["depends_on"]):
            problem(f"{where}.depends_on", "A list of step keys.")
        normalised.append(step)

    keys: dict[str, int] = {}
    for index, step in enumerate(normalised):
        key = step.get("key")
        if isinstance(key, str):
            if key in keys:
                problem(f"steps[{index}].key", f"Duplicate key '{key}' (also steps[{keys[key]}]).")
            else:
                keys[key] = index
    for index, step in enumerate(normalised):
        if not step:
            continue
        for dep in step["depends_on"]:
            if dep == step.get("key"):
                problem(f"steps[{index}].depends_on", "A step cannot depend on itself.")
            elif isinstance(dep, str) and dep not in keys:
                problem(f"steps[{index}].depends_on", f"Unknown step key '{dep}'.")
        if step["anchor"] == Anchor.STEP:
            if not step["anchor_step"]:
                problem(f"steps[{index}].anchor_step", "Name the step whose completion anchors this one.")
            elif step["anchor_step"] == step.get("key"):
                problem(f"steps[{index}].anchor_step", "A step cannot be anchored on itself.")
            elif step["anchor_step"] not in keys:
                problem(f"steps[{index}].anchor_step", f"Unknown step key '{step['anchor_step']}'.")
        elif step["anchor_step"]:
            problem(f"steps[{index}].anchor_step", "Only used with anchor 'step'.")
    if sum(1 for s in normalised if s.get("approves_subject") is True) > 1:
        problem("steps", "At most one step may approve the departure.")
    if problems:
        raise errors.InvalidInput("The template is not valid.", fields=problems)

    cycle = find_cycle({s["key"]: _edges(s) for s in normalised})
    if cycle:
        raise errors.InvalidInput(
            "The template is not valid.", fields={"steps": [f"Dependency cycle: {' → '.join(cycle)}."]}
        )
    return normalised


def _edges(step: Mapping) -> list[str]:
    edges = list(step.get("depends_on") or [])
    if step.get("anchor") == Anchor.STEP and step.get("anchor_step"):
        edges.append(step["anchor_step"])
    return edges


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle in key → dependencies as a path whose first and last keys are equal, or None."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    for start in graph:
        if colour[start] != white:
            continue
        # Iterative DFS: templates are small, but recursion limits are not a template rule.
        stack = [(start, iter(graph[start]))]
        path = [start]
        colour[start] = grey
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in colour:
                    continue
                if colour[child] == grey:
                    return [*path[path.index(child) :], child]
                if colour[child] == white:
                    colour[child] = grey
                    stack.append((child, iter(graph[child])))
                    path.append(child)
                    break
            else:
                colour[node] = black
                stack.pop()
                path.pop()
    return None


def is_unblocked(depends_on: Iterable[str], states: Mapping[str, str]) -> bool:
    """Are all dependencies finished (done, skipped or approved)? Unknown keys count as finished."""
    return all(states.get(dep, FINISHED_STATES[0]) in FINISHED_STATES for dep in depends_on)


def earliest_due_date(anchors: Mapping[str, datetime.date], country: str) -> datetime.date | None:
    """Nothing falls due before the first business day on or after the earliest anchor (the notice)."""
    if not anchors:
        return None
    return next_business_day(min(anchors.values()), country)


def compute_due_date(
    *,
    anchor: str,
    offset_days: int,
    anchors: Mapping[str, datetime.date],
    country: str,
    anchor_step_finished: datetime.date | None = None,
) -> datetime.date | None:
    """The due date from an anchor and an offset in business days of the country; None while the
    anchoring step is unfinished. Never a weekend or public holiday, never before the notice."""
    if anchor == Anchor.STEP:
        if anchor_step_finished is None:
            return None
        base = anchor_step_finished
    else:
        base = anchors.get(anchor)
        if base is None:
            return None
    due = add_business_days(base, offset_days, country)
    floor = earliest_due_date(anchors, country)
    if floor is not None and due < floor:
        due = floor
    return due


def due_at_for(due_date: datetime.date | None, due_time: datetime.time | None, time_zone: str):
    """The due moment: the due time (or the end of the day) on the due date, in the workflow's zone."""
    if due_date is None:
        return None
    return datetime.datetime.combine(due_date, due_time or END_OF_DAY, tzinfo=zoneinfo.ZoneInfo(time_zone))


def parse_due_time(value: str | None) -> datetime.time | None:
    return datetime.time.fromisoformat(value) if value else None


def reminder_days(due_date: datetime.date, country: str) -> list[tuple[str, datetime.date]]:
    """(label, day) pairs: two business days before, the due day, then each overdue business day."""
    days = [("before", add_business_days(due_date, -REMIND_BEFORE_DAYS, country)), ("due", due_date)]
    day = due_date
    for n in range(1, OVERDUE_REMINDER_DAYS + 1):
        day = add_business_days(day, 1, country)
        days.append((f"overdue{n}", day))
    return days


def parse_anchors(anchors: Mapping) -> dict[str, datetime.date]:
    """Anchors as dates, from dates or ISO strings; unknown anchor names are refused."""
    parsed: dict[str, datetime.date] = {}
    for name, value in (anchors or {}).items():
        if name not in ANCHOR_NAMES:
            raise errors.InvalidInput(fields={"anchors": [f"Unknown anchor '{name}'."]})
        if value is None:
            continue
        parsed[name] = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
    return parsed
