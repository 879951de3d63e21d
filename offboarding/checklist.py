"""The departure's checklist: starting, moving and stopping its workflow. (Workflow issue.)"""


def departure_checklist_start(*, departure, actor=None) -> None:
    """Start the workflow of this departure's kind (template version pinned)."""


def departure_checklist_last_day_changed(*, departure, actor=None) -> None:
    """Recompute open steps' due dates and move their reminders."""


def departure_checklist_cancel(*, departure, actor=None) -> None:
    """Stop open steps (cancelled departure)."""


def departure_checklist_approved(*, departure, actor=None) -> None:
    """The departure was approved outside the approval step: close that step as approved."""
