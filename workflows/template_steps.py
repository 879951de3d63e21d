"""A template's steps: a serializer checks each step, validate_template_steps the list as a whole.

The one validator of step lists, for the API, the admin, the services and the shipped defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from graphlib import CycleError, TopologicalSorter

from rest_framework import serializers
from rest_framework.settings import api_settings

from core import errors
from core.api import RefuseUnknownFields
from workflows.models import Anchor, AssigneeRole, StepKind

MAX_OFFSET_DAYS = 260  # about a working year either way
MAX_STEPS = 100
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


def _one_of(choices) -> dict:
    return {"invalid_choice": f"One of: {', '.join(choices.values)}."}


_TITLE = {
    "required": "A title is required.",
    "blank": "A title is required.",
    "null": "A title is required.",
    "max_length": "At most 200 characters.",
}
_BUSINESS_DAYS = {
    "invalid": "A whole number of business days.",
    "min_value": f"At most {MAX_OFFSET_DAYS} business days either way.",
    "max_value": f"At most {MAX_OFFSET_DAYS} business days either way.",
}
_BOOLEAN = {"invalid": "true or false."}


class StepDefinitionSerializer(RefuseUnknownFields, serializers.Serializer):
    """One step of a template; a missing optional field gets its default, an unknown one is refused."""

    default_error_messages = {"invalid": "Each step is an object."}

    key = serializers.RegexField(
        r"^[a-z0-9][a-z0-9_-]{0,59}$",
        error_messages={"invalid": "A key is lowercase letters, digits, '-' or '_' (at most 60)."},
    )
    title = serializers.CharField(max_length=200, error_messages=_TITLE)
    description = serializers.CharField(allow_blank=True, trim_whitespace=False, default="")
    assignee_role = serializers.ChoiceField(choices=AssigneeRole.choices, error_messages=_one_of(AssigneeRole))
    kind = serializers.ChoiceField(
        choices=StepKind.choices, default=STEP_DEFAULTS["kind"], error_messages=_one_of(StepKind)
    )
    anchor = serializers.ChoiceField(
        choices=Anchor.choices,
        default=STEP_DEFAULTS["anchor"],
        error_messages=_one_of(Anchor),
        help_text="notice_date, last_working_day or step (the completion of anchor_step)",
    )
    anchor_step = serializers.CharField(allow_blank=True, allow_null=True, default="")
    offset_days = serializers.IntegerField(
        min_value=-MAX_OFFSET_DAYS,
        max_value=MAX_OFFSET_DAYS,
        default=0,
        error_messages=_BUSINESS_DAYS,
        help_text="business days of the employee's country",
    )
    depends_on = serializers.ListField(
        child=serializers.CharField(), default=list, error_messages={"not_a_list": "A list of step keys."}
    )
    required = serializers.BooleanField(default=STEP_DEFAULTS["required"], error_messages=_BOOLEAN)
    remind = serializers.BooleanField(default=STEP_DEFAULTS["remind"], error_messages=_BOOLEAN)
    approves_subject = serializers.BooleanField(default=STEP_DEFAULTS["approves_subject"], error_messages=_BOOLEAN)
    due_time = serializers.RegexField(
        r"^([01]\d|2[0-3]):[0-5]\d$",
        allow_blank=True,
        allow_null=True,
        default="",
        error_messages={"invalid": "A time as HH:MM."},
        help_text="HH:MM; default the end of the day",
    )

    def validate(self, attrs: dict) -> dict:
        attrs["anchor_step"] = attrs["anchor_step"] or ""
        attrs["due_time"] = attrs["due_time"] or ""
        problems: dict[str, list[str]] = {}
        if attrs["key"] in attrs["depends_on"]:
            problems["depends_on"] = ["A step cannot depend on itself."]
        if attrs["anchor"] == Anchor.STEP:
            if not attrs["anchor_step"]:
                problems["anchor_step"] = ["Name the step whose completion anchors this one."]
            elif attrs["anchor_step"] == attrs["key"]:
                problems["anchor_step"] = ["A step cannot be anchored on itself."]
        elif attrs["anchor_step"]:
            problems["anchor_step"] = ["Only used with anchor 'step'."]
        if attrs["approves_subject"] and attrs["kind"] != StepKind.APPROVAL:
            problems["approves_subject"] = ["Only an approval step can approve the departure."]
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


def validate_template_steps(steps) -> list[dict]:
    """Check a template's step definitions and return them normalised (every field present).

    Raises InvalidInput whose `fields` name the offending step and field, e.g.
    {"steps[3].depends_on": ["Unknown step key 'handover'."]} or {"steps": ["Dependency cycle: a → b → a."]}.
    Dependencies and step anchors are both edges of the graph, so neither may form a cycle.
    """
    if not isinstance(steps, list) or not steps:
        raise errors.InvalidInput("A template needs at least one step.", fields={"steps": ["Give a list of steps."]})
    if len(steps) > MAX_STEPS:
        raise errors.InvalidInput(fields={"steps": [f"A template holds at most {MAX_STEPS} steps."]})

    problems: dict[str, list[str]] = {}
    valid: dict[int, dict] = {}
    # Keys of every step, valid or not, so a step with a bad title does not make its key "unknown".
    keys: dict[str, int] = {}
    for index, raw in enumerate(steps):
        serializer = StepDefinitionSerializer(data=raw)
        if serializer.is_valid():
            valid[index] = dict(serializer.validated_data)
        else:
            _collect(problems, f"steps[{index}]", serializer.errors)
        key = raw.get("key") if isinstance(raw, Mapping) else None
        if isinstance(key, str):
            if key in keys:
                problems.setdefault(f"steps[{index}].key", []).append(
                    f"Duplicate key '{key}' (also steps[{keys[key]}])."
                )
            else:
                keys[key] = index
    for index, step in valid.items():
        for dep in step["depends_on"]:
            if dep not in keys:
                problems.setdefault(f"steps[{index}].depends_on", []).append(f"Unknown step key '{dep}'.")
        if step["anchor_step"] and step["anchor_step"] not in keys:
            problems.setdefault(f"steps[{index}].anchor_step", []).append(f"Unknown step key '{step['anchor_step']}'.")
    if sum(1 for step in valid.values() if step["approves_subject"]) > 1:
        problems.setdefault("steps", []).append("At most one step may approve the departure.")
    if problems:
        raise errors.InvalidInput("The template is not valid.", fields=problems)

    normalised = [valid[index] for index in range(len(steps))]
    cycle = _find_cycle(normalised)
    if cycle:
        raise errors.InvalidInput(
            "The template is not valid.", fields={"steps": [f"Dependency cycle: {' → '.join(cycle)}."]}
        )
    return normalised


def _collect(problems: dict[str, list[str]], where: str, detail) -> None:
    """Flatten DRF's nested errors into "steps[2].depends_on[0]"-style field names."""
    if isinstance(detail, Mapping):
        for name, inner in detail.items():
            if name == api_settings.NON_FIELD_ERRORS_KEY:
                _collect(problems, where, inner)
            else:
                _collect(problems, f"{where}[{name}]" if isinstance(name, int) else f"{where}.{name}", inner)
    else:
        problems.setdefault(where, []).extend(str(message) for message in detail)


def _find_cycle(steps: list[dict]) -> list[str] | None:
    """A dependency cycle as keys, each depending on the next, from the earliest step; or None."""
    graph = {
        step["key"]: [*step["depends_on"], *([step["anchor_step"]] if step["anchor_step"] else [])] for step in steps
    }
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        # graphlib lists each node before the one that depends on it; reversed, each depends on the next.
        path = list(reversed(exc.args[1][:-1]))
        order = {key: position for position, key in enumerate(graph)}
        first = min(range(len(path)), key=lambda i: order[path[i]])
        path = path[first:] + path[:first]
        return [*path, path[0]]
    return None
