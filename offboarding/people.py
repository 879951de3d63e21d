"""Addresses, languages and names of users: their employee record's when they have one, else the login's."""

from __future__ import annotations

from django.conf import settings

from core.roles import employee_of


def user_email(user) -> str:
    employee = employee_of(user)
    return (employee.email if employee is not None else "") or user.email


def user_language(user) -> str:
    employee = employee_of(user)
    # The site's language ("en", or "sv" from "sv-se"): one of the languages emails are written in.
    return employee.language if employee is not None else settings.LANGUAGE_CODE[:2]


def display_name(user) -> str:
    """A user's name as colleagues know it: their employee record's, else the login's."""
    employee = employee_of(user)
    if employee is not None:
        return employee.name
    return user.get_full_name() or user.username
