"""People register actions: adding and changing employees, their logins, invitations and the reporting line.

Two fields decide who may read confidential answers: the login (whoever holds it is "the employee")
and the manager (the management chain may never interview). Both are changed only here, audited, and
a change of the reporting line re-checks the open exit interviews below it.
"""

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
from offboarding.actions import interviews as interview_actions
from offboarding.models import Employee, EmployeeChange

LINK_LOGIN_PERMISSION = "offboarding.link_employee_login"


def _audit(*, employee: Employee, field: str, old, new, actor, note: str = "") -> None:
    EmployeeChange.objects.create(
        employee=employee,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "username", "") or "system",
        note=note,
    )


def _refuse_own_record(*, employee: Employee, actor, what: str) -> None:
    me = roles.employee_of(actor)
    if me is not None and me.pk == employee.pk:
        raise errors.PermissionDenied(f"You may not change your own {what}; ask another HR person.")


def _check_no_loop(*, employee: Employee, manager: Employee | None) -> None:
    if manager is not None and (manager.pk == employee.pk or employee in manager.management_chain()):
        raise errors.InvalidInput(fields={"manager": ["This would make a loop in the reporting line."]})


def employee_create(*, actor=None, **fields) -> Employee:
    if "user" in fields:
        raise errors.InvalidInput(fields={"user": ["Link a login with the link-login action."]})
    employee = Employee(**fields)
    employee.full_clean()
    employee.save()
    return employee


def employee_update(*, employee: Employee, actor=None, data: dict, note: str = "") -> Employee:
    """Correct an employee. A new manager is audited and re-checks the open interviews below; nobody
    changes their own reporting line, and the login is never a plain field (employee_link_user)."""
    if "user" in data:
        raise errors.InvalidInput(fields={"user": ["Link a login with the link-login action."]})
    with transaction.atomic():
        employee = Employee.objects.select_for_update().get(pk=employee.pk)
        manager_changed = "manager" in data and data["manager"] != employee.manager
        if manager_changed:
            _refuse_own_record(employee=employee, actor=actor, what="manager")
            _check_no_loop(employee=employee, manager=data["manager"])
            old_manager = employee.manager
        for name, value in data.items():
            setattr(employee, name, value)
        employee.full_clean()
        employee.save()
        if manager_changed:
            _audit(
                employee=employee,
                field=EmployeeChange.Field.MANAGER,
                old=old_manager.external_id if old_manager else None,
                new=employee.manager.external_id if employee.manager else None,
                actor=actor,
                note=note,
            )
            interview_actions.exit_interviews_reporting_line_changed(employee=employee, actor=actor)
    return employee


def employee_link_user(*, employee: Employee, user, actor, note: str = "") -> Employee:
    """Link a login to the employee record (or unlink with user=None): HR with the dedicated permission,
    never for their own record, audited. Whoever holds the login reads the employee's own answers."""
    if not (getattr(actor, "is_active", False) and actor.has_perm(LINK_LOGIN_PERMISSION)):
        raise errors.PermissionDenied("Linking a login to an employee needs the link-login permission.")
    _refuse_own_record(employee=employee, actor=actor, what="login")
    if user is not None and getattr(actor, "pk", None) == user.pk:
        raise errors.PermissionDenied("You may not link your own login to an employee record.")
    with transaction.atomic():
        employee = Employee.objects.select_for_update().get(pk=employee.pk)
        if (employee.user_id or None) == (getattr(user, "pk", None)):
            return employee
        if user is not None and Employee.objects.filter(user=user).exclude(pk=employee.pk).exists():
            raise errors.InvalidInput(fields={"user": ["This login is already linked to another employee."]})
        old = employee.user.get_username() if employee.user_id else None
        employee.user = user
        employee.save(update_fields=["user", "updated_at"])
        _audit(
            employee=employee,
            field=EmployeeChange.Field.LOGIN,
            old=old,
            new=user.get_username() if user is not None else None,
            actor=actor,
            note=note,
        )
        # The login may be an interviewer's: the same rule as a change of reporting line applies.
        interview_actions.exit_interviews_reporting_line_changed(employee=employee, actor=actor)
    return employee


def employee_login_create(*, employee: Employee, actor) -> User:
    """HR gives an employee from the register a login (no usable password: they sign in by emailed code).

    Creating the login links it to the person, which decides what they may read: the same permission,
    refusals and audit as employee_link_user, which does the linking."""
    if not (getattr(actor, "is_active", False) and actor.has_perm(LINK_LOGIN_PERMISSION)):
        raise errors.PermissionDenied("Creating a login for an employee needs the link-login permission.")
    _refuse_own_record(employee=employee, actor=actor, what="login")
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
        employee_link_user(employee=employee, user=user, actor=actor, note="Login created for the employee.")
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
