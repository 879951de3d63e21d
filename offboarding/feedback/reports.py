"""The reasons-for-leaving report: k-anonymous aggregates of the structured answers, released by
closed quarter so that no comparison of reports over time, or across views, reveals a person.

The release model (the README's confidentiality section gives the argument and its limits):
- The only period is the calendar quarter of the last working day. A quarter is released to a scope
  (HR: everyone; a manager: their organisation at release time) once it has ended and
  settings.REPORT_RELEASE_DELAY_DAYS have passed, at the first request after that. The release is stored
  (ReportRelease) and never revised: answers recorded later do not move any released figure.
- Quarters never overlap, so there is no finer or coarser period to subtract ("Q3 − July").
- Inside a release, the departments and the departure kinds are one-way breakdowns of the same
  responses, with one suppression decision each: a group under settings.REPORT_MIN_GROUP_SIZE is hidden,
  and the next-smallest too until the hidden groups together reach the threshold (complementary
  suppression). A quarter with fewer responses than the threshold is withheld whole, for good.
- The overall total adds up the shown quarters only, never a withheld one, and there is no breakdown
  across quarters (an all-time department figure minus a quarter's would undo that quarter's suppression).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from core import errors, roles
from offboarding import access
from offboarding.feedback.models import RATING_NAMES, FollowUpSurvey, InterviewResponse, ReportRelease, SurveyState

PERIODS = ("quarter",)
BREAKDOWNS = ("department", "kind")
ALL = "all"


def quarter_key(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(key: str) -> tuple[datetime.date, datetime.date]:
    year, quarter = int(key[:4]), int(key[-1])
    first = datetime.date(year, 3 * quarter - 2, 1)
    following = datetime.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, following - datetime.timedelta(days=1)


def released_through(today: datetime.date) -> datetime.date:
    """The last day of the latest quarter that may be released today (ended, and the delay passed)."""
    day = today - datetime.timedelta(days=settings.REPORT_RELEASE_DELAY_DAYS)
    first, _ = quarter_bounds(quarter_key(day))
    return first - datetime.timedelta(days=1)


def report_scope(*, user) -> tuple[str, frozenset[int] | None]:
    """("all", None) for HR; ("org:<employee id>", the employees below) for a manager; 403 otherwise."""
    if roles.is_hr_user(user):
        return ALL, None
    managed = access.managed_employee_ids(user)
    if managed:
        return f"org:{roles.employee_of(user).pk}", managed
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

    def raw(self) -> dict:
        """The sums behind the figures, so released quarters can be added up exactly."""
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_raw(cls, raw: dict) -> _Group:
        group = cls()
        for name in cls.__slots__:
            value = raw[name]
            setattr(group, name, defaultdict(int, value) if isinstance(value, dict) else value)
        return group

    def merge(self, other: _Group) -> None:
        self.n += other.n
        for name in ("primary", "secondary", "rating_sum", "rating_count"):
            for key, value in getattr(other, name).items():
                getattr(self, name)[key] += value
        for mine, theirs in ((self.recommend, other.recommend), (self.return_, other.return_)):
            mine[0] += theirs[0]
            mine[1] += theirs[1]
        self.due += other.due
        self.answered += other.answered

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


def releases_due(
    *, scope: str, managed: frozenset[int] | None, released: list[str], now: datetime.datetime
) -> list[dict]:
    """The releases this scope is due and has not had: closed quarters after its latest release with any
    response, each as ReportRelease fields. Reads only; offboarding.actions.reports stores them."""
    today = timezone.localdate(now)
    until = released_through(today)
    after = quarter_bounds(max(released))[1] if released else None
    if after is not None and after >= until:
        return []
    threshold = settings.REPORT_MIN_GROUP_SIZE
    window = Q(interview__departure__last_working_day__lte=until)
    survey_window = Q(departure__last_working_day__lte=until, due_at__lte=now)
    if after is not None:
        window &= Q(interview__departure__last_working_day__gt=after)
        survey_window &= Q(departure__last_working_day__gt=after)
    responses = InterviewResponse.objects.filter(window).exclude(interview__departure__state="cancelled")
    surveys = FollowUpSurvey.objects.filter(survey_window).exclude(state=SurveyState.CANCELLED)
    if managed is not None:
        responses = responses.filter(interview__departure__employee_id__in=managed)
        surveys = surveys.filter(departure__employee_id__in=managed)
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
    rows = (
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
    quarters: dict[str, dict] = defaultdict(lambda: {"total": _Group(), **{b: defaultdict(_Group) for b in BREAKDOWNS}})
    counted: set[int] = set()
    for row in rows:
        # One person, one voice: a departure with a second interview counts its latest answers only.
        if row["departure_id"] in counted:
            continue
        counted.add(row["departure_id"])
        quarter = quarters[quarter_key(row["last_day"])]
        quarter["total"].add_response(row)
        for breakdown, key in _keys(row).items():
            quarter[breakdown][key].add_response(row)
    survey_rows = surveys.values(
        "state",
        last_day=F("departure__last_working_day"),
        department=F("departure__employee__department"),
        kind=F("departure__kind"),
    )
    for row in survey_rows:
        key = quarter_key(row["last_day"])
        if key not in quarters:
            continue  # follow-ups only accompany a quarter that has answers
        quarter = quarters[key]
        for group in (quarter["total"], *[quarter[b][k] for b, k in _keys(row).items()]):
            group.due += 1
            group.answered += 1 if row["state"] == SurveyState.ANSWERED else 0

    due = []
    for period, quarter in sorted(quarters.items()):
        total: _Group = quarter["total"]
        withheld = total.n < threshold
        data = {"total": None if withheld else total.raw()}
        for breakdown in BREAKDOWNS:
            sizes = {key: group.n for key, group in quarter[breakdown].items()}
            hidden = suppressed_keys(sizes, total=total.n, threshold=threshold)
            data[f"by_{breakdown}"] = [
                _hidden(key) if key in hidden else quarter[breakdown][key].render(key) for key in sorted(sizes)
            ]
        due.append({"scope": scope, "period": period, "responses": total.n, "withheld": withheld, "data": data})
    return due


def period_check(period: str) -> None:
    if period not in PERIODS:
        raise errors.InvalidInput(
            fields={"period": ["The report is released by closed quarter only; use period=quarter."]}
        )


def reasons_report(*, user, period: str = "quarter") -> dict:
    """The released quarters of the caller's scope: each quarter's total, by department and by kind,
    and the total over the quarters shown. Reads stored releases only (one query)."""
    period_check(period)
    scope, _ = report_scope(user=user)
    threshold = settings.REPORT_MIN_GROUP_SIZE
    overall = _Group()
    by_period, releases = [], []
    for release in ReportRelease.objects.filter(scope=scope).order_by("period"):
        if release.withheld:
            by_period.append(_hidden(release.period))
            releases.append(
                {"key": release.period, "released_at": release.released_at, "suppressed": True,
                 "total": _hidden(release.period), "by_department": [], "by_kind": []}
            )  # fmt: skip
            continue
        total = _Group.from_raw(release.data["total"])
        overall.merge(total)
        by_period.append(total.render(release.period))
        releases.append(
            {
                "key": release.period,
                "released_at": release.released_at,
                "suppressed": False,
                "total": total.render(release.period),
                "by_department": release.data["by_department"],
                "by_kind": release.data["by_kind"],
            }
        )
    return {
        "period": period,
        "min_group_size": threshold,
        "release_delay_days": settings.REPORT_RELEASE_DELAY_DAYS,
        "total": overall.render(None) if overall.n >= threshold else _hidden(None),
        "by_period": by_period,
        "releases": releases,
    }


def _keys(row: dict) -> dict[str, str]:
    return {"department": row["department"] or "(none)", "kind": row["kind"]}


def _hidden(key: str | None) -> dict:
    return {"key": key, "suppressed": True, "responses": None}
