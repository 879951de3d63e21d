"""References after the interview: the policy, the offer email, acceptance (signed link or API) creating
the manager's step, and the delivered reference reaching the employee."""

import datetime
import re

import pytest
from django.core import signing

from offboarding.actions import departures as departure_actions
from offboarding.actions import interviews as interview_actions
from offboarding.actions import references as reference_actions
from offboarding.interviews.models import ReferenceOffer, ReferenceState
from offboarding.models import DepartureKind
from tests.helpers import hold_after_start
from workflows.models import Step, StepState

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def _accept_path(message):
    return re.search(r"http://testserver(/reference/accept/[^/\s]+/)", message.body).group(1)


def test_a_held_interview_offers_a_reference_to_a_voluntary_leaver(schedule, org, deliver, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    sent = deliver(handler="reference_offer")
    assert [m.to for _, m in sent] == [[org.employee_record.email]]
    assert "/reference/accept/" in sent[0][1].body


def test_a_declined_interview_offers_a_reference_too(schedule, org):
    interview = schedule()
    interview_actions.exit_interview_decline(interview=interview, actor=org.employee)
    assert ReferenceOffer.objects.filter(departure=interview.departure).exists()


@pytest.mark.parametrize(
    "kind, eligible, offered",
    [
        (DepartureKind.RESIGNATION, True, True),
        (DepartureKind.RETIREMENT, True, True),
        (DepartureKind.RESIGNATION, None, False),
        (DepartureKind.TERMINATION, True, False),
        (DepartureKind.END_OF_CONTRACT, True, False),
    ],
)
def test_the_default_policy(schedule, departure, org, kind, eligible, offered, clock):
    departure.kind, departure.rehire_eligible = kind, eligible
    departure.save()
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    assert ReferenceOffer.objects.filter(departure=departure).exists() is offered


def test_hr_overrides_the_policy_per_case(schedule, departure, org, clock):
    departure.kind = DepartureKind.TERMINATION
    departure.save()
    interview = schedule(offer_reference=True)
    hold_after_start(clock, interview, actor=org.interviewer)
    assert ReferenceOffer.objects.filter(departure=departure).exists()


def test_hr_can_withhold_the_offer_per_case(schedule, departure, org, clock):
    interview = schedule(offer_reference=False)
    hold_after_start(clock, interview, actor=org.interviewer)
    assert not ReferenceOffer.objects.filter(departure=departure).exists()


def test_accepting_from_the_email_link_creates_the_managers_step(schedule, org, deliver, workflow, api, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    path = _accept_path(deliver(handler="reference_offer")[0][1])
    page = api().get(path)
    assert page.status_code == 200 and b"<form" in page.content
    assert ReferenceOffer.objects.get().state == ReferenceState.OFFERED  # a GET accepts nothing
    assert api().post(path).status_code == 200
    offer = ReferenceOffer.objects.get()
    assert offer.state == ReferenceState.ACCEPTED
    step = Step.objects.get(workflow=workflow, key="write_reference")
    assert (step.assignee_role, step.kind, step.required, step.state) == ("manager", "task", False, StepState.READY)
    # Accepted on Friday 4 December, the interview's day: five business days later is Friday 11 December.
    assert interview.start.date() == datetime.date(2026, 12, 4)
    assert step.due_date == datetime.date(2026, 12, 11)
    assert offer.step == step


def test_accepting_retires_the_templates_generic_reference_step(schedule, org, deliver, workflow, api, clock):
    generic = Step.objects.get(workflow=workflow, key="reference")
    Step.objects.filter(pk=generic.pk).update(state=StepState.READY)  # the manager approved the plan earlier
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)

    assert api().post(_accept_path(deliver(handler="reference_offer")[0][1])).status_code == 200

    generic.refresh_from_db()
    assert generic.state == StepState.SKIPPED
    assert Step.objects.get(workflow=workflow, key="write_reference").state == StepState.READY


def test_a_used_link_says_so_and_changes_nothing(schedule, org, deliver, api, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    path = _accept_path(deliver(handler="reference_offer")[0][1])
    api().post(path)
    again = api().post(path)
    assert again.status_code == 409
    assert b"already accepted" in again.content
    assert ReferenceOffer.objects.get().state == ReferenceState.ACCEPTED


def test_an_expired_link_says_so(schedule, org, deliver, api, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    path = _accept_path(deliver(handler="reference_offer")[0][1])
    clock.shift(datetime.timedelta(days=31))
    response = api().post(path)
    assert response.status_code == 410 and b"expired" in response.content
    assert ReferenceOffer.objects.get().state == ReferenceState.OFFERED


def test_a_forged_link_is_404(api):
    token = signing.dumps({"reference": 1}, salt="another-salt")
    assert api().post(f"/api/v1/references/accept/{token}/").status_code == 404


def test_the_employee_accepts_through_the_api(schedule, org, api, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    offer = ReferenceOffer.objects.get()
    assert api(org.manager).post(f"/api/v1/references/{offer.pk}/accept/").status_code == 403
    response = api(org.employee).post(f"/api/v1/references/{offer.pk}/accept/")
    assert response.status_code == 200 and response.data["state"] == "accepted"


def test_the_manager_is_asked_and_the_reference_reaches_the_employee(schedule, org, deliver, workflow, api, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    offer = ReferenceOffer.objects.get()
    reference_actions.reference_offer_accept(offer=offer, actor=org.employee)
    request = deliver(handler="reference_request")
    assert [m.to for _, m in request] == [[org.manager_record.email]]
    response = api(org.manager).post(
        f"/api/v1/references/{offer.pk}/submit/", {"text": "Erik was a pleasure to work with."}, format="json"
    )
    assert response.status_code == 200, response.data
    delivered = deliver(handler="reference_delivery")
    assert [m.to for _, m in delivered] == [[org.employee_record.personal_email]]
    assert "Erik was a pleasure to work with." in delivered[0][1].body
    assert Step.objects.get(key="write_reference").state == StepState.DONE


def test_another_manager_cannot_write_the_reference(schedule, org, api, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    offer = ReferenceOffer.objects.get()
    reference_actions.reference_offer_accept(offer=offer, actor=org.employee)
    response = api(org.manager2).post(f"/api/v1/references/{offer.pk}/submit/", {"text": "x"}, format="json")
    assert response.status_code == 404


def test_hr_offers_a_reference_by_hand(departure, org, api):
    departure.kind = DepartureKind.TERMINATION
    departure.save()
    response = api(org.hr).post(f"/api/v1/departures/{departure.pk}/reference/")
    assert response.status_code == 201
    assert api(org.manager).post(f"/api/v1/departures/{departure.pk}/reference/").status_code == 403


def test_a_pending_offer_is_dropped_when_the_departure_is_withdrawn(schedule, departure, org, deliver, clock):
    interview = schedule()
    hold_after_start(clock, interview, actor=org.interviewer)
    departure_actions.departure_cancel(departure=departure, actor=org.hr)
    assert deliver(handler="reference_offer") == []
