"""The exit interview's scheduling side: the meeting, its state machine, attendee replies, calendar feeds
and the reference offer that may follow it. The confidential answers live in offboarding.feedback."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition


def new_uid() -> str:
    return f"{uuid.uuid4()}@offboarding"


class InterviewState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No show")


# An interview in one of these states still occupies the departure (at most one per departure); a
# no-show stays active because it is rescheduled, cancelled or declined next.
ACTIVE_STATES = [InterviewState.PROPOSED, InterviewState.SCHEDULED, InterviewState.NO_SHOW]


class PartStat(models.TextChoices):
    NEEDS_ACTION = "NEEDS-ACTION", _("No answer yet")
    ACCEPTED = "ACCEPTED", _("Accepted")
    DECLINED = "DECLINED", _("Declined")
    TENTATIVE = "TENTATIVE", _("Tentative")


class ExitInterview(models.Model):
    """One exit interview meeting between the leaving employee and a neutral interviewer."""

    S = InterviewState

    departure = models.ForeignKey("offboarding.Departure", on_delete=models.CASCADE, related_name="interviews")
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exit_interviews")
    state = FSMField(default=S.PROPOSED, choices=S.choices, protected=False, db_index=True)
    start = models.DateTimeField(null=True, blank=True)  # UTC
    end = models.DateTimeField(null=True, blank=True)  # UTC
    # The calendar identity: the UID never changes, SEQUENCE grows with every change sent out.
    uid = models.CharField(max_length=255, unique=True, default=new_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    location = models.CharField(max_length=255, blank=True)
    video_link = models.URLField(blank=True)
    # Attendee answers from iTIP REPLY; never blocking anything.
    employee_partstat = models.CharField(max_length=12, choices=PartStat.choices, default=PartStat.NEEDS_ACTION)
    interviewer_partstat = models.CharField(max_length=12, choices=PartStat.choices, default=PartStat.NEEDS_ACTION)
    # HR's per-case override of the reference policy: None follows the default policy.
    reference_offer_override = models.BooleanField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["interviewer", "state", "start"])]
        constraints = [
            models.UniqueConstraint(
                fields=["departure"],
                condition=models.Q(state__in=ACTIVE_STATES),
                name="one_active_interview_per_departure",
            ),
            models.CheckConstraint(
                condition=models.Q(start__isnull=True) | models.Q(end__gt=models.F("start")),
                name="interview_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Exit interview #{self.pk} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    # --- transitions (pure; the actions write history, outbox rows and the departure's transition)

    @transition(field=state, source=S.PROPOSED, target=S.SCHEDULED)
    def schedule(self) -> None:
        pass

    @transition(field=state, source=[S.SCHEDULED, S.NO_SHOW], target=S.SCHEDULED)
    def reschedule(self) -> None:
        pass

    @transition(field=state, source=S.SCHEDULED, target=S.HELD)
    def hold(self) -> None:
        self.held_at = timezone.now()

    @transition(field=state, source=S.HELD, target=S.CLOSED)
    def close(self) -> None:
        pass

    @transition(field=state, source=ACTIVE_STATES, target=S.DECLINED)
    def decline(self) -> None:
        pass

    @transition(field=state, source=ACTIVE_STATES, target=S.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=state, source=S.SCHEDULED, target=S.NO_SHOW)
    def no_show(self) -> None:
        pass


class CounterDecision(models.TextChoices):
    OPEN = "", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class AttendeeReply(models.Model):
    """An attendee's answer: an iTIP REPLY or COUNTER by mail, the employee asking for another time, or a
    decline in the app.

    `note` (the employee's own words) and `comment` (an iTIP COMMENT) are leaver free text: ciphertext
    bound to this row's uuid (offboarding.feedback.crypto), shown to HR and the interviewer, never emailed."""

    class Method(models.TextChoices):
        REPLY = "REPLY", "iTIP REPLY"
        COUNTER = "COUNTER", "iTIP COUNTER"
        OTHER_TIME = "OTHER_TIME", "Asked for another time"
        DECLINE = "DECLINE", "Declined in the app"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    interview = models.ForeignKey(ExitInterview, on_delete=models.CASCADE, related_name="replies")
    method = models.CharField(max_length=10, choices=Method.choices)
    attendee_email = models.EmailField()
    sequence = models.PositiveIntegerField()
    partstat = models.CharField(max_length=12, blank=True)
    # COUNTER: the proposed new time, for HR or the interviewer to accept by rescheduling.
    proposed_start = models.DateTimeField(null=True, blank=True)
    proposed_end = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    applied = models.BooleanField(default=False)  # False: ignored (an older SEQUENCE, or a closed interview)
    received_at = models.DateTimeField(default=timezone.now)
    # A COUNTER's fate: accepted (rescheduled to it) or refused (DECLINECOUNTER sent).
    decision = models.CharField(max_length=10, choices=CounterDecision.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.method} from {self.attendee_email} for #{self.interview_id}"


class CalendarFeed(models.Model):
    """An interviewer's secret calendar feed URL; only a hash of the token is stored."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interview_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of user #{self.user_id}"


class CalendarKind(models.TextChoices):
    CALDAV = "caldav", _("CalDAV calendar (free-busy query)")
    ICS = "ics", _("Published iCalendar URL")


class PersonalCalendar(models.Model):
    """A person's own calendar, read for busy time when slots are proposed, and an interviewer's default
    meeting place. `url` and `password` are ciphertext bound to this row's uuid (a published calendar's
    URL is itself a secret)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_calendar")
    kind = models.CharField(max_length=10, choices=CalendarKind.choices, blank=True)
    url = models.TextField(blank=True)
    username = models.CharField(max_length=200, blank=True)
    password = models.TextField(blank=True)
    # Where this interviewer meets by default: a room, or a video link.
    default_location = models.CharField(max_length=255, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar of user #{self.user_id}"

    @property
    def is_connected(self) -> bool:
        return bool(self.kind and self.url)


class ReferenceState(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DELIVERED = "delivered", _("Delivered")


class ReferenceOffer(models.Model):
    """A reference offered to the leaving employee after the interview; the manager writes it on acceptance."""

    S = ReferenceState

    departure = models.OneToOneField("offboarding.Departure", on_delete=models.CASCADE, related_name="reference_offer")
    interview = models.ForeignKey(
        ExitInterview, null=True, blank=True, on_delete=models.SET_NULL, related_name="reference_offers"
    )
    state = FSMField(default=S.OFFERED, choices=S.choices, protected=False)
    offered_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    step = models.ForeignKey(
        "workflows.Step", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the manager's "write reference" step
    text = models.TextField(blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Reference offer for departure #{self.departure_id} ({self.state})"

    @transition(field=state, source=S.OFFERED, target=S.ACCEPTED)
    def accept(self) -> None:
        self.accepted_at = timezone.now()

    @transition(field=state, source=S.ACCEPTED, target=S.DELIVERED)
    def deliver(self) -> None:
        self.delivered_at = timezone.now()
