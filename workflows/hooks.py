"""Hooks a domain app registers so the generic engine can reach people without importing the domain.

A reminder planner receives steps that just got (or changed) a due date and returns unsaved
outbox ScheduledAction rows for them; the engine writes them in the same transaction. Planners are
keyed by the subject's prefix: a workflow whose subject is "departure:12" uses the planner
registered as "departure".
"""

from __future__ import annotations

from collections.abc import Callable

ReminderPlanner = Callable[..., list]
_planners: dict[str, ReminderPlanner] = {}


def reminder_planner(subject_type: str) -> Callable[[ReminderPlanner], ReminderPlanner]:
    def register(fn: ReminderPlanner) -> ReminderPlanner:
        _planners[subject_type] = fn
        return fn

    return register


def planner_for(subject: str) -> ReminderPlanner | None:
    return _planners.get(subject.split(":", 1)[0]) if subject else None
