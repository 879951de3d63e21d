"""Template filters of the pages: a state code in the reader's language."""

from django import template

from workflows.models import StepState

register = template.Library()


@register.filter
def step_state(code: str) -> str:
    try:
        return StepState(code).label
    except ValueError:
        return code
