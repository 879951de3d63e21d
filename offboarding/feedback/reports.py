"""The reasons-for-leaving report: k-anonymous aggregates of the structured answers, never free text.

Each dimension (period, department, departure kind) is a one-way breakdown of the same population
with its total. A group with fewer than settings.REPORT_MIN_GROUP_SIZE responses is suppressed;
then, because the total minus the visible groups equals the suppressed ones, the next-smallest
groups are suppressed too until the suppressed groups together hold at least that many responses
(complementary suppression). A total under the threshold hides the whole report.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from core import errors, roles
from offboarding import access
from offboarding.feedback.models import RATING_NAMES, FollowUpSurvey, InterviewResponse, SurveyState

PERIODS = ("month", "quarter")
DIMENSIONS = ("period", "department", "kind")


def _period_key(day: datetime.date, period: str) -> str:
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def report_scope(*, user) -> Q | None:
    """None for everything (HR); a filter on departures for a manager's organisation; 403 otherwise."""
    if roles.is_hr_user(user):
        return None
    managed = access.managed_employee_ids(user)
    if managed:
        return Q(departure__employee_id__in=managed)
    raise errors.PermissionDenied("The reasons report is for HR and managers.")


class _Group:
    __slots__ = ("n", "primary", "secondary", "rating_sum", "rating_count", "recommend", "return_", "due", "answered")

    def __init__(self) -> None:
        self.n = 0
        self.primary: dict[str, int] = defaultdict(int)
        self.secondary: dict[str, int] = defaultdict(int)
        self.rating_sum: dict[str, int] = defaultdict(int)
        self.rating_count: dict[str, int] = defaultdict(int)
        self.recommend = [0, 0]  # yes, answered
        self.return_ = [0, 0]
        self.due = 0
        self.answered = 0

    def add_response(self, row: dict) -> None:
        self.n += 1
        if row["primary_reason"]:
            self.primary[row["primary_reason"]] += 1
        if row["secondary_reason"]:
            self.secondary[row["secondary_reason"]] += 1
        for name in RATING_NAMES:
            value = row[f"rating_{name}"]
            if value is not None:
                self.rating_sum[name] += value
                self.rating_count[name] += 1
        for field, pair in (("would_recommend", self.recommend), ("would_return", self.return_)):
            if row[field] is not None:
                pair[1] += 1
                pair[0] += 1 if row[field] else 0

    def render(self, key: str | None) -> dict:
        def share(pair):
            return {"yes": pair[0], "answered": pair[1], "share": round(pair[0] / pair[1], 3) if pair[1] else None}

        return {
            "key": key,
            "suppressed": False,
            "responses": self.n,
            "reasons": {
                "primary": dict(sorted(self.primary.items())),
                "secondary": dict(sorted(self.secondary.items())),
            },
            "ratings": {
                name: round(self.rating_sum[name] / self.rating_count[name], 2) if self.rating_count[name] else None
                for name in RATING_NAMES
            },
            "would_recommend": share(self.recommend),
            "would_return": share(self.return_),
            "follow_up": {
                "due": self.due,
                "answered": self.answered,
                "response_rate": round(self.answered / self.due, 3) if self.due else None,
            },
        }


def suppressed_keys(sizes: dict[str, int], *, total: int, threshold: int) -> set[str]:
    """The groups to hide in one dimension: the small ones, plus the next-smallest until the hidden
    groups together reach the threshold (so subtracting the visible ones from the total reveals no
    group smaller than the threshold)."""
    if total < threshold:
        return set(sizes)
    hidden = {key for key, n in sizes.items() if n < threshold}
    if not hidden:
        return hidden
    visible = sorted((n, key) for key, n in sizes.items() if key not in hidden)
    while visible and (len(hidden) < 2 or sum(sizes[k] for k in hidden) < threshold):
        hidden.add(visible.pop(0)[1])
    return hidden


def reasons_report(*, user, period: str = "quarter", now: datetime.datetime | None = None) -> dict:
    """Reasons, average ratings, would-recommend/return and follow-up response rates by period,
    department and departure kind, for HR (everyone) or a manager (their organisation).

    Two queries whatever the number of rows: the responses and the follow-up surveys."""
    if period not in PERIODS:
        raise errors.InvalidInput(fields={"period": [f"Use one of {', '.join(PERIODS)}."]})
    scope = report_scope(user=user)
    threshold = settings.REPORT_MIN_GROUP_SIZE
    now = now or timezone.now()

    responses = InterviewResponse.objects.exclude(interview__departure__state="cancelled")
    surveys = FollowUpSurvey.objects.filter(due_at__lte=now).exclude(state=SurveyState.CANCELLED)
    if scope is not None:
        responses = responses.filter(interview__departure__employee_id__in=access.managed_employee_ids(user))
        surveys = surveys.filter(scope)
    structured = [
        "primary_reason",
        "secondary_reason",
        *[f"rating_{n}" for n in RATING_NAMES],
        "would_recommend",
        "would_return",
    ]
    answered = Q(primary_reason__gt="") | Q(would_return__isnull=False) | Q(would_recommend__isnull=False)
    for name in RATING_NAMES:
        answered |= Q(**{f"rating_{name}__isnull": False})
    response_rows = (
        responses.filter(answered)
        .order_by("-updated_at", "-id")
        .values(
            *structured,
            departure_id=F("interview__departure_id"),
            last_day=F("interview__departure__last_working_day"),
            department=F("interview__departure__employee__department"),
            kind=F("interview__departure__kind"),
        )
    )
    survey_rows = surveys.values(
        "state",
        last_day=F("departure__last_working_day"),
        department=F("departure__employee__department"),
        kind=F("departure__kind"),
    )

    total = _Group()
    groups: dict[str, dict[str, _Group]] = {d: defaultdict(_Group) for d in DIMENSIONS}
    counted: set[int] = set()
    for row in response_rows:
        # One person, one voice: a departure with a second interview counts its latest answers only.
        if row["departure_id"] in counted:
            continue
        counted.add(row["departure_id"])
        total.add_response(row)
        for dimension, key in _keys(row, period).items():
            groups[dimension][key].add_response(row)
    for row in survey_rows:
        is_answered = row["state"] == SurveyState.ANSWERED
        for group in (total, *[groups[d][k] for d, k in _keys(row, period).items()]):
            group.due += 1
            group.answered += 1 if is_answered else 0

    result = {
        "period": period,
        "min_group_size": threshold,
        "total": total.render(None) if total.n >= threshold else _hidden(None),
    }
    for dimension in DIMENSIONS:
        sizes = {key: group.n for key, group in groups[dimension].items()}
        hidden = suppressed_keys(sizes, total=total.n, threshold=threshold)
        result[f"by_{dimension}"] = [
            _hidden(key) if key in hidden else groups[dimension][key].render(key) for key in sorted(sizes)
        ]
    return result


def _keys(row: dict, period: str) -> dict[str, str]:
    return {
        "period": _period_key(row["last_day"], period),
        "department": row["department"] or "(none)",
        "kind": row["kind"],
    }


def _hidden(key: str | None) -> dict:
    return {"key": key, "suppressed": True, "responses": None}
