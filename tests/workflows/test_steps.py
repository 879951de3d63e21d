"""Step state machine through the services: dependency order, approvals, finishing by kind, cancel."""

import datetime

import pytest

from core import errors
from offboarding.actions import departures as departure_actions
from offboarding.actions import steps as step_actions
from offboarding.models import Departure
from workflows import services as workflow_services
from workflows.models import StepHistory

pytestmark = pytest.mark.django_db


def test_a_step_waits_until_its_dependencies_are_done(org, start_departure, step_of):
    departure = start_departure()

    assert step_of(departure, "manager_approval").state == "ready"
    assert step_of(departure, "handover_plan").state == "pending"
    assert step_of(departure, "knowledge_transfer").state == "pending"


def test_completing_a_blocked_step_is_a_conflict_naming_what_it_waits_for(org, start_departure, step_of):
    departure = start_departure()
    step = step_of(departure, "handover_plan")

    with pytest.raises(errors.TransitionNotAllowed) as caught:
        step_actions.step_act(step=step, action="complete", actor=org.manager)

    assert "Approve the departure plan" in caught.value.message


def test_finishing_a_dependency_makes_the_next_step_ready(org, start_departure, step_of):
    departure = start_departure()
    step_actions.step_act(step=step_of(departure, "manager_approval"), action="approve", actor=org.manager)

    step_actions.step_act(step=step_of(departure, "handover_plan"), action="complete", actor=org.manager)

    assert step_of(departure, "knowledge_transfer").state == "ready"
    assert list(StepHistory.objects.filter(step__key="knowledge_transfer").values_list("transition", flat=True)) == [
        "make_ready"
    ]


def test_approving_the_approval_step_approves_the_departure_with_audit_rows(org, start_departure, step_of):
    departure = start_departure()

    step_actions.step_act(step=step_of(departure, "manager_approval"), action="approve", actor=org.manager, note="fine")

    departure.refresh_from_db()
    assert departure.state == "approved"
    assert departure.history.filter(transition="approve", actor=org.manager).exists()
    row = StepHistory.objects.get(step=step_of(departure, "manager_approval"))
    assert (row.transition, row.from_state, row.to_state, row.actor_label) == (
        "approve",
        "ready",
        "approved",
        "manager",
    )


def test_rejecting_the_approval_step_keeps_the_departure_in_notice(org, start_departure, step_of):
    departure = start_departure()

    step_actions.step_act(step=step_of(departure, "manager_approval"), action="reject", actor=org.manager, note="date")

    assert Departure.objects.get(pk=departure.pk).state == "notice"
    assert step_of(departure, "manager_approval").state == "rejected"
    assert step_of(departure, "handover_plan").state == "pending"


def test_a_rejection_needs_a_note(org, start_departure, step_of):
    departure = start_departure()

    with pytest.raises(errors.InvalidInput) as caught:
        step_actions.step_act(step=step_of(departure, "manager_approval"), action="reject", actor=org.manager)

    assert "note" in caught.value.fields


def test_a_rejected_approval_reopens_when_the_last_day_changes(org, start_departure, step_of):
    departure = start_departure()
    step_actions.step_act(step=step_of(departure, "manager_approval"), action="reject", actor=org.manager, note="later")

    departure_actions.departure_update(
        departure=departure, actor=org.hr, data={"last_working_day": datetime.date(2027, 1, 15)}
    )

    assert step_of(departure, "manager_approval").state == "ready"


def test_approving_the_departure_directly_closes_the_approval_step(org, start_departure, step_of):
    departure = start_departure()

    departure_actions.departure_approve(departure=departure, actor=org.hr)

    assert step_of(departure, "manager_approval").state == "approved"
    assert step_of(departure, "handover_plan").state == "ready"


def test_approving_the_step_of_a_cancelled_departure_is_a_conflict(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_cancel(departure=departure, actor=org.hr)

    with pytest.raises(errors.TransitionNotAllowed):
        step_actions.step_act(step=step_of(departure, "manager_approval"), action="approve", actor=org.manager)


def test_cancelling_the_departure_skips_every_open_step(org, start_departure):
    departure = start_departure()

    departure_actions.departure_cancel(departure=departure, actor=org.hr)

    states = set(departure.workflow.steps.values_list("state", flat=True))
    assert states == {"skipped"}
    assert StepHistory.objects.filter(step__workflow=departure.workflow, transition="skip").count() == 14


def test_only_hr_skips_a_required_step(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)
    step = step_of(departure, "access_revocation")

    with pytest.raises(errors.PermissionDenied):
        step_actions.step_act(step=step, action="skip", actor=org.it)
    step_actions.step_act(step=step, action="skip", actor=org.hr, note="no accounts")

    assert step_of(departure, "access_revocation").state == "skipped"


def test_the_assignee_may_skip_an_optional_step(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)

    step_actions.step_act(step=step_of(departure, "farewell"), action="skip", actor=org.manager)

    assert step_of(departure, "farewell").state == "skipped"


def test_a_task_cannot_be_approved(org, start_departure, step_of):
    departure = start_departure()
    departure_actions.departure_approve(departure=departure, actor=org.hr)

    with pytest.raises(errors.TransitionNotAllowed):
        step_actions.step_act(step=step_of(departure, "handover_plan"), action="approve", actor=org.manager)


def test_required_steps_block_completion_until_finished(org, start_departure):
    departure = start_departure()

    assert departure.workflow.open_required_steps().count() == 10
    assert not Departure.objects.get(pk=departure.pk).required_steps_done()


def test_finishing_steps_by_kind_closes_the_interview_step(org, start_departure, step_of):
    departure = start_departure()

    count = workflow_services.steps_finish_by_kind(
        workflow=departure.workflow, kind="interview", actor=org.hr, note="held"
    )

    assert count == 1
    assert step_of(departure, "exit_interview").state == "done"
    assert step_of(departure, "follow_up").state == "ready"  # it waited for the interview only


def test_a_declined_interview_skips_the_interview_step(org, start_departure, step_of):
    departure = start_departure()

    workflow_services.steps_finish_by_kind(workflow=departure.workflow, kind="interview", actor=None, state="skipped")

    assert step_of(departure, "exit_interview").state == "skipped"


def test_an_ad_hoc_step_is_ready_at_once_and_dated_on_a_business_day(org, start_departure):
    departure = start_departure()

    step = workflow_services.step_add(
        workflow=departure.workflow,
        key="write_reference",
        title="Write the reference",
        assignee_role="manager",
        due_date=datetime.date(2026, 12, 26),  # Saturday and Second Day of Christmas
    )

    assert step.state == "ready"
    assert step.due_date == datetime.date(2026, 12, 28)
    assert step.ad_hoc


def test_an_ad_hoc_step_key_is_unique_in_its_workflow(org, start_departure):
    departure = start_departure()

    with pytest.raises(errors.Conflict):
        workflow_services.step_add(
            workflow=departure.workflow, key="farewell", title="x", assignee_role="hr", due_date=None
        )


def test_a_step_anchored_on_another_is_dated_when_that_one_finishes(org, frozen):
    from workflows.models import Step, TemplateVersion

    template = workflow_services.template_create(
        name="Anchored",
        kind="custom",
        steps=[
            {"key": "a", "title": "A", "assignee_role": "hr", "anchor": "notice_date"},
            {"key": "b", "title": "B", "assignee_role": "hr", "anchor": "step", "anchor_step": "a", "offset_days": 3},
        ],
    )
    workflow = workflow_services.workflow_start(
        template_version=TemplateVersion.objects.get(template=template),
        anchors={"notice_date": datetime.date(2026, 6, 15), "last_working_day": datetime.date(2026, 7, 31)},
        country="SE",
        time_zone="Europe/Stockholm",
    )
    b = Step.objects.get(workflow=workflow, key="b")
    assert (b.state, b.due_date) == ("pending", None)
    # Monday 22 June, 00:30 in Stockholm, is still Sunday in UTC: the local date counts.
    frozen.move_to(datetime.datetime(2026, 6, 21, 22, 30, tzinfo=datetime.UTC))

    workflow_services.step_transition(step=Step.objects.get(workflow=workflow, key="a"), name="complete", actor=org.hr)

    b.refresh_from_db()
    # +3 business days from Monday 22 June (from Sunday 21 June it would be the 24th).
    assert (b.state, b.due_date) == ("ready", datetime.date(2026, 6, 25))
