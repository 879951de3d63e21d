"""People register actions: adding and changing employees, giving them a login and an invitation."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core import errors, roles
from offboarding.models import Employee


def employee_create(*, actor=None, **fields) -> Employee:
    employee = Employee(**fields)
    employee.full_clean()
    employee.save()
    return employee


def employee_update(*, employee: Employee, actor=None, data: dict) -> Employee:
    for name, value in data.items():
        setattr(employee, name, value)
    employee.full_clean()
    employee.save()
    return employee


def employee_login_create(*, employee: Employee, actor) -> User:
    """HR gives an employee from the register a login (no usable password: they sign in by emailed code).

    Linking a login to a person decides what they may read, so only HR may do it, never for
    themself, and it is written to the audit log."""
    if not roles.is_hr_user(actor):
        raise errors.PermissionDenied("Only HR may create logins.")
    if roles.employee_of(actor) is not None and roles.employee_of(actor).pk == employee.pk:
        raise errors.PermissionDenied("Nobody creates their own login.")
    with transaction.atomic():
        employee = Employee.objects.select_for_update().get(pk=employee.pk)
        if employee.user_id is not None:
            raise errors.Conflict("This employee already has a login.")
        username = _free_username(employee.email.split("@")[0])
        user = User.objects.create_user(username=username, email=employee.email)
        user.set_unusable_password()
        user.first_name = employee.first_name
        user.save()
        EmailAddress.objects.create(user=user, email=employee.email, verified=True, primary=True)
        employee.user = user
        employee.save(update_fields=["user", "updated_at"])
        LogEntry.objects.log_actions(
            user_id=actor.pk,
            queryset=[employee],
            action_flag=CHANGE,
            change_message=f"Login {username!r} created and linked to the employee.",
            single_object=True,
        )
    return user


def _free_username(base: str) -> str:
    base = "".join(ch for ch in base.lower() if ch.isalnum() or ch in "._-")[:140] or "person"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def login_link_url(user) -> str:
    """A sign-in link for this login; it stops working once the person has signed in (Django's
    password-reset tokens cover last_login), and after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{settings.SITE_URL}/sign-in/{uid}/{default_token_generator.make_token(user)}/"


def employee_login_invite(*, employee: Employee, actor) -> None:
    """HR emails an employee who has a login an invitation with a sign-in link."""
    if not roles.is_hr_user(actor):
        raise errors.PermissionDenied("Only HR may send invitations.")
    if employee.user_id is None:
        raise errors.Conflict("This employee has no login yet: create one first.")
    context = {"name": employee.first_name, "link": login_link_url(employee.user), "language": employee.language}
    with translation.override(employee.language):
        subject = render_to_string("emails/login_invite.subject.txt", context).strip()
        text = render_to_string("emails/login_invite.txt", context)
    send_mail(subject, text, None, [employee.email])
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[employee],
        action_flag=CHANGE,
        change_message="Sign-in invitation sent.",
        single_object=True,
    )
