"""Due dates in business days of the employee's country, date changes, and the step reminders."""

import datetime

import pytest
from django.contrib.auth.models import Group

from offboarding.actions import departures as departure_actions
from offboarding.actions import steps as step_actions
from workflows.models import StepHistory
from workflows.outbox.models import ScheduledAction
from workflows.outbox.registry import get_renderer

pytestmark = pytest.mark.django_db
D = datetime.date


def _move(departure, org, last_day):
    return departure_actions.departure_update(departure=departure, actor=org.hr, data={"last_working_day": last_day})


def test_a_swedish_departure_before_midsummer_counts_around_midsummer_eve(org, start_departure, step_of):
    departure = start_departure(notice_date=D(2026, 5, 25), last_working_day=D(2026, 6, 18))

    # +5 business days from 18 June: 19 (Midsummer Eve) and the weekend are off: 22..26.
    assert step_of(departure, "close_file").due_date == D(2026, 6, 26)
    assert step_of(departure, "access_revocation").due_date == D(2026, 6, 18)


def test_a_swedish_departure_over_christmas_skips_the_holidays(org, start_departure, step_of):
    departure = start_departure(notice_date=D(2026, 11, 30), last_working_day=D(2026, 12, 22))

    # 23, 28, 29, 30 Dec, then 31 (New Year's Eve), 1 Jan and the weekend are off: 4 Jan 2027.
    assert step_of(departure, "close_file").due_date == D(2027, 1, 4)
    # -1 from 22 Dec is 21 Dec; the farewell is the day before the last day.
    assert step_of(departure, "farewell").due_date == D(2026, 12, 21)


def test_a_us_departure_around_thanksgiving_skips_thanksgiving(org, start_departure, step_of):
    org.employee_record.country = "US"
    org.employee_record.time_zone = "America/New_York"
    org.employee_record.save()

    departure = start_departure(notice_date=D(2026, 11, 25), last_working_day=D(2026, 12, 11))

    # Notice on Wednesday + 2 business days: Thursday is Thanksgiving, so Friday and Monday.
    assert step_of(departure, "manager_approval").due_date == D(2026, 11, 30)
    local = step_of(departure, "access_revocation").due_at.astimezone(org.employee_record.tzinfo)
    assert (local.date(), local.hour) == (D(2026, 12, 11), 23)


def test_no_step_falls_due_before_the_notice_date(org, start_departure, step_of):
    departure = start_departure(notice_date=D(2026, 12, 14), last_working_day=D(2026, 12, 16))

    assert step_of(departure, "final_pay").due_date == D(2026, 12, 14)


def test_a_new_last_day_moves_open_steps_and_records_it(org, start_departure, step_of):
    departure = start_departure()

    _move(departure, org, D(2027, 1, 15))

    step = step_of(departure, "access_revocation")
    assert step.due_date == D(2027, 1, 15)
    row = StepHistory.objects.get(step=step, transition="reschedule")
    assert row.note == "due 2026-12-18 → 2027-01-15"
    assert row.actor_label == "hr"


def test_a_new_last_day_leaves_finished_steps_alone(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    step_actions.step_act(step=step_of(departure, "access_revocation"), action="complete", actor=org.it)

    _move(departure, org, D(2027, 1, 15))

    step = step_of(departure, "access_revocation")
    assert (step.state, step.due_date) == ("done", D(2026, 12, 18))
    assert not StepHistory.objects.filter(step=step, transition="reschedule").exists()


def test_a_new_notice_date_does_not_move_last_day_steps(org, start_departure, step_of):
    departure = start_departure()

    departure_actions.departure_update(departure=departure, actor=org.hr, data={"notice_date": D(2026, 11, 9)})

    assert step_of(departure, "access_revocation").due_date == D(2026, 12, 18)


# --- reminders


def reminders(step):
    return ScheduledAction.objects.filter(group=f"step:{step.pk}", kind="reminder")


def test_only_the_next_reminder_is_written_for_a_step(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)

    rows = list(reminders(step_of(departure, "equipment_return")))

    assert [r.recipient for r in rows] == [org.employee_record.email]
    assert rows[0].due_at.astimezone(org.employee_record.tzinfo).date() == D(2026, 12, 16)
    assert rows[0].payload == {"step": rows[0].payload["step"], "due_date": "2026-12-18", "label": "before"}


def test_sending_a_reminder_writes_the_one_after_it(org, start_departure, step_of, frozen):
    from workflows.outbox.delivery import deliver

    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    step = step_of(departure, "equipment_return")
    days = []
    while (row := reminders(step).filter(status="pending").first()) is not None:
        days.append(row.due_at.astimezone(org.employee_record.tzinfo).date())
        frozen.move_to(row.due_at)
        assert deliver(row.pk, now=row.due_at).sent  # the travelled clock

    assert days == [
        D(2026, 12, 16),
        D(2026, 12, 18),
        D(2026, 12, 21),
        D(2026, 12, 22),
        D(2026, 12, 23),
        D(2026, 12, 28),
        D(2026, 12, 29),
    ]


def test_reminders_start_inside_the_recipients_working_hours(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)

    row = reminders(step_of(departure, "equipment_return")).order_by("due_at").first()

    local = row.due_at.astimezone(org.employee_record.tzinfo)
    assert org.employee_record.work_starts <= local.time() < org.employee_record.work_ends


def test_group_steps_remind_every_member_of_the_group_in_one_row(org, start_departure, step_of):
    from tests.factories import UserFactory

    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    UserFactory(username="it2", groups=["it"])  # joined after the reminder was planned

    rows = list(reminders(step_of(departure, "access_revocation")))

    assert [r.recipient for r in rows] == ["group:it"]
    assert get_renderer(rows[0].handler)(rows[0]).to == ["it2@example.com", "it@example.com"]


def test_manager_steps_remind_the_direct_manager(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)

    rows = reminders(step_of(departure, "handover_plan"))

    assert {r.recipient for r in rows} == {org.manager_record.email}


def test_the_approval_step_leaves_reminding_to_the_approval_request(org, start_departure, step_of):
    departure = start_departure()

    assert not reminders(step_of(departure, "manager_approval")).exists()


def test_moving_the_last_day_cancels_and_reschedules_reminders(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    step = step_of(departure, "access_revocation")
    before = set(reminders(step).values_list("id", flat=True))

    _move(departure, org, D(2027, 1, 15))

    assert set(reminders(step).filter(id__in=before).values_list("status", flat=True)) == {"cancelled"}
    fresh = reminders(step).filter(status="pending")
    assert fresh.count() == len(before) == 1
    assert {r.payload["due_date"] for r in fresh} == {"2027-01-15"}


def test_moving_the_last_day_back_again_reschedules_without_key_collisions(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    step = step_of(departure, "access_revocation")
    planned = reminders(step).count()
    assert planned == 1

    _move(departure, org, D(2027, 1, 15))
    _move(departure, org, D(2026, 12, 18))

    assert reminders(step).filter(status="pending", payload__due_date="2026-12-18").count() == planned


def test_finishing_a_step_cancels_its_reminders(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    step = step_of(departure, "access_revocation")

    step_actions.step_act(step=step, action="complete", actor=org.it)

    assert set(reminders(step).values_list("status", flat=True)) == {"cancelled"}


def test_cancelling_the_departure_cancels_every_step_reminder(org, start_departure):
    departure = start_departure()

    departure_actions.departure_cancel(departure=departure, actor=org.hr)

    assert not ScheduledAction.objects.filter(group__startswith="step:", status="pending").exists()


def test_the_reminder_email_names_the_step_and_its_due_date(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    row = reminders(step_of(departure, "equipment_return")).order_by("due_at").first()

    message = get_renderer(row.handler)(row)

    assert message.to == [org.employee_record.email]
    assert "Return your equipment" in message.subject
    assert "2026-12-18" in message.body
    assert "career" not in message.body.lower()


def test_the_reminder_email_is_in_swedish_for_a_swedish_speaker(org, start_departure, step_of):
    org.employee_record.language = "sv"
    org.employee_record.save()
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    row = reminders(step_of(departure, "equipment_return")).order_by("due_at").first()

    message = get_renderer(row.handler)(row)

    assert message.subject.startswith("Snart")
    assert "Sista arbetsdag" in message.body


def test_a_reminder_for_a_finished_step_no_longer_applies(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    step = step_of(departure, "access_revocation")
    row = reminders(step).first()
    step_actions.step_act(step=step, action="complete", actor=org.it)

    assert get_renderer(row.handler)(row) is None


def test_hr_group_members_are_reminded_of_hr_steps(org, start_departure, step_of):
    Group.objects.get_or_create(name="hr")
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)

    rows = reminders(step_of(departure, "exit_interview"))

    assert {r.recipient for r in rows} == {"group:hr"}
    assert get_renderer(rows[0].handler)(rows[0]).to == ["hr@example.com"]


def test_a_step_waiting_for_others_has_no_reminder_until_it_becomes_ready(org, start_departure, step_of):
    departure = start_departure()
    step = step_of(departure, "equipment_return")

    assert step.state == "pending"
    assert not reminders(step).exists()

    departure_actions.departure_approve(departure=departure, actor=org.hr)

    assert list(reminders(step).values_list("status", "payload__label")) == [("pending", "before")]


def test_a_step_that_becomes_ready_late_gets_the_first_reminder_still_ahead(org, start_departure, step_of, frozen):
    departure = start_departure()
    # Past the "two business days before" reminder of the 18 December due date.
    frozen.move_to(datetime.datetime(2026, 12, 17, 12, tzinfo=org.employee_record.tzinfo))

    departure_actions.departure_approve(departure=departure, actor=org.hr)

    row = reminders(step_of(departure, "equipment_return")).get()
    assert row.payload["label"] == "due"
    assert row.due_at.astimezone(org.employee_record.tzinfo).date() == D(2026, 12, 18)


def test_a_reminder_row_of_a_step_back_to_waiting_is_held_back(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    step = step_of(departure, "equipment_return")
    row = reminders(step).get()
    step.state = "pending"  # e.g. a row written before a step's dependencies changed
    step.save(update_fields=["state"])

    assert get_renderer(row.handler)(row) is None


def test_a_reminder_for_an_old_due_date_no_longer_applies(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    row = reminders(step_of(departure, "equipment_return")).first()
    _move(departure, org, D(2027, 1, 15))

    assert get_renderer(row.handler)(row) is None


def test_the_outbox_delivers_a_due_step_reminder_by_email(org, start_departure, step_of, frozen, mailoutbox):
    from workflows.outbox.delivery import deliver

    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    row = reminders(step_of(departure, "access_revocation")).order_by("due_at").first()
    frozen.move_to(row.due_at)

    outcome = deliver(row.pk, now=row.due_at)  # due by the travelled clock

    assert outcome.sent
    assert [m.to for m in mailoutbox] == [["it@example.com"]]
    assert "Revoke access" in mailoutbox[0].subject


def test_rendering_a_group_reminder_costs_a_fixed_number_of_queries(
    org, start_departure, step_of, django_assert_num_queries
):
    from tests.factories import UserFactory

    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    row = reminders(step_of(departure, "access_revocation")).get()
    render = get_renderer(row.handler)
    for n in range(20):
        UserFactory(username=f"it-extra-{n}", groups=["it"])

    # The step, the departure with its people, the group's members, and the next reminder's insert
    # (with its read-back when due soon is not needed: it is days away).
    with django_assert_num_queries(4):
        message = render(row)

    assert len(message.to) == 21
