"""Template context for every page: the navigation this person may use."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import roles
from offboarding import access, selectors


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    if roles.is_hr_user(user):
        items += [
            (reverse("pages:pipeline"), _("Pipeline")),
            (reverse("pages:overdue"), _("Overdue")),
            (reverse("pages:deliveries"), _("Deliveries")),
            (reverse("pages:report"), _("Reasons")),
            (reverse("pages:people"), _("People")),
        ]
    if roles.is_interviewer_user(user):
        items.append((reverse("pages:interviews"), _("Interviews")))
    if access.managed_employee_ids(user):
        items.append((reverse("pages:inbox"), _("Inbox")))
    if selectors.departure_of_leaver(user=user) is not None:
        items.append((reverse("pages:me"), _("My departure")))
    path = request.path
    return {"nav": [{"url": url, "label": label, "current": path == url} for url, label in items]}
