"""Outbox row builders and the renderers that turn a row into an email, invite, chat message or webhook.

Importing the package registers every renderer and the step-reminder planner (offboarding.apps).
"""

from offboarding.notifications import departures, feedback, interviews, outbound, references, steps  # noqa: F401
