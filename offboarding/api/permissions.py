"""DRF permission classes over offboarding.roles."""

from rest_framework.permissions import BasePermission

from core import roles


class IsHR(BasePermission):
    message = "Only HR may do this."

    def has_permission(self, request, view) -> bool:
        return roles.is_hr_user(request.user)
