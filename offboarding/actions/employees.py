"""People register actions: adding and changing employees."""

from __future__ import annotations

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
