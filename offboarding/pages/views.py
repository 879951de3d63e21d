"""Pages for managers, leavers and interviewers, and the pages everyone shares.

One view per page, each rendering the template of its name. A view reads the request, calls one
action or selector, and renders; the rules live in the actions. An ApplicationError from an action
becomes a message on the page it came from (its status kept for a 404).
"""

from __future__ import annotations

import datetime
import functools

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import errors, roles
from offboarding import access, people, selectors, steps
from offboarding.actions import answers as answer_actions
from offboarding.actions import departures as departure_actions
from offboarding.actions import interviews as interview_actions
from offboarding.actions import references as reference_actions
from offboarding.actions import steps as step_actions
from offboarding.feedback import selectors as feedback_selectors
from offboarding.feedback.models import FollowUpSurvey
from offboarding.interviews import references as interview_references
from offboarding.interviews import selectors as interview_selectors
from offboarding.interviews import slots as slot_finder
from offboarding.interviews.models import InterviewState, ReferenceOffer
from offboarding.models import ReasonCategory
from offboarding.notifications import interviews as interview_renderers

User = get_user_model()


def not_found_as_404(view):
    """Outside the caller's scope a thing does not exist: a 404 page, never a hint."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (errors.NotFound, errors.PermissionDenied) as exc:
            raise Http404(str(exc)) from exc

    return wrapper


def _flash(request, exc: errors.ApplicationError) -> None:
    fields = getattr(exc, "fields", None) or {}
    detail = "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in fields.items())
    messages.error(request, f"{exc.message} {detail}".strip())


def former_employee_narrowed(view):
    """After the last working day a leaver sees only their follow-up survey and reference (their home)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if _is_former_employee(request.user):
            return redirect("pages:me")
        return view(request, *args, **kwargs)

    return wrapper


def _is_former_employee(user) -> bool:
    if roles.is_hr_user(user) or roles.is_interviewer_user(user):
        return False
    return selectors.departure_of_former_employee(user=user) is not None


def back(request, default: str = "pages:home", **kwargs):
    """Back to the page the form was on (a local path only), else the default page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default, **kwargs)


@login_required
def home(request):
    """Everyone lands on what is theirs: HR the pipeline, interviewers their interviews, a manager the
    inbox, a leaver their own departure."""
    if roles.is_hr_user(request.user):
        return redirect("pages:pipeline")
    if roles.is_interviewer_user(request.user):
        return redirect("pages:interviews")
    if _is_former_employee(request.user) or selectors.departure_of_leaver(user=request.user) is not None:
        if not access.managed_employee_ids(request.user):
            return redirect("pages:me")
    if access.managed_employee_ids(request.user):
        return redirect("pages:inbox")
    return redirect("pages:me")


# --- sign-in by the invitation link


def sign_in_link(request, uidb64: str, token: str):
    """The link in an invitation email: GET asks to confirm (mail scanners fetch links), POST signs in.
    It works once: signing in changes last_login, which the token covers."""
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    valid = user is not None and default_token_generator.check_token(user, token)
    if valid and request.method == "POST":
        login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return redirect("pages:home")
    return render(
        request,
        "pages/sign_in_link.html",
        {"valid": valid, "person": people.display_name(user) if valid else ""},
        status=200 if valid else 400,
    )


# --- departures (managers, HR, the leaver)


@login_required
@former_employee_narrowed
@not_found_as_404
def departure_detail(request, pk: int):
    """One departure: its state, dates, steps and trail; to a manager only what the leaver shared."""
    departure = selectors.departure_get(user=request.user, pk=pk)
    interview = interview_selectors.exit_interview_latest_for(departure=departure)
    shared = None
    is_manager = access.is_manager_of(departure.employee, request.user)
    if interview is not None and is_manager:
        shared = feedback_selectors.interview_shared_read(
            interview=interview, user=request.user, language=translation.get_language()
        )
    context = {
        "departure": departure,
        "interview": interview,
        "shared": shared,
        "steps": steps.departure_steps_summary(departure=departure, user=request.user),
        "history": departure.history.order_by("at", "id") if not access.is_subject(departure, request.user) else [],
        "can_decide": departure.state == departure.S.NOTICE and access.can_approve_departure(departure, request.user),
        "is_hr": access.is_hr(departure, request.user),
        "today": timezone.localdate(),
    }
    return render(request, "pages/departure_detail.html", context)


@login_required
@require_POST
@not_found_as_404
def departure_decide(request, pk: int, decision: str):
    """Approve or reject (with a note) a departure plan."""
    departure = selectors.departure_get(user=request.user, pk=pk)
    note = request.POST.get("note", "").strip()[:2000]
    try:
        if decision == "approve":
            departure_actions.departure_approve(departure=departure, actor=request.user, note=note)
            messages.success(request, _("Approved."))
        else:
            departure_actions.departure_reject(departure=departure, actor=request.user, note=note)
            messages.success(request, _("Rejected."))
    except errors.ApplicationError as exc:
        _flash(request, exc)
    return back(request)


@login_required
@require_POST
@not_found_as_404
def step_action(request, pk: int, action: str):
    """Complete, skip, approve or reject one of the caller's checklist steps."""
    step = steps.step_get(user=request.user, pk=pk)
    try:
        step_actions.step_act(step=step, action=action, actor=request.user, note=request.POST.get("note", "")[:2000])
        messages.success(request, _("Saved."))
    except errors.ApplicationError as exc:
        _flash(request, exc)
    return back(request)


@login_required
@former_employee_narrowed
def inbox(request):
    """The manager's inbox: approvals waiting, their steps, and the departures of their organisation."""
    user = request.user
    me = roles.employee_of(user)
    organisation = selectors.departure_list(user=user)
    if me is not None:
        organisation = organisation.exclude(employee=me)
    pending = [d for d in organisation.filter(state="notice") if access.can_approve_departure(d, user)]
    my_steps = [s for s in steps.step_list(user=user, mine=True) if s.is_open and not s.approves_subject]
    return render(
        request,
        "pages/inbox.html",
        {"pending": pending, "my_steps": my_steps, "organisation": organisation[:200], "today": timezone.localdate()},
    )


# --- the leaver


@login_required
def me(request):
    """The leaver's own page: the timeline, their steps, the interview, the questionnaire, the reference.
    After the last working day only the follow-up survey and the reference remain."""
    user = request.user
    former = selectors.departure_of_former_employee(user=user)
    departure = former or selectors.departure_of_leaver(user=user)
    context: dict = {"departure": departure, "former": former is not None, "today": timezone.localdate()}
    if departure is not None:
        context["reference"] = ReferenceOffer.objects.filter(departure=departure).first()
        context["surveys"] = [
            {"survey": s, "url": f"/survey/{feedback_selectors.survey_token(s)}/"}
            for s in FollowUpSurvey.objects.filter(departure=departure, due_at__lte=timezone.now()).exclude(
                state__in=["cancelled", "answered"]
            )
        ]
        if former is None:
            interview = interview_selectors.exit_interview_latest_for(departure=departure)
            context["interview"] = interview
            context["my_steps"] = [
                s for s in steps.step_list(user=user, mine=True) if s.workflow_id == departure.workflow_id
            ]
            context["zone"] = departure.employee.time_zone
            if interview is not None and interview.state == InterviewState.SCHEDULED:
                context["slots"] = [
                    {"value": start.isoformat(), "label": start}
                    for start, _end in interview_selectors.exit_interview_slots(interview=interview)[:8]
                ]
            context["timeline"] = _timeline(departure, interview)
    return render(request, "pages/me.html", context)


def _timeline(departure, interview) -> list[dict]:
    today = timezone.localdate()
    points = [
        {"label": _("Notice given"), "date": departure.notice_date},
        {"label": _("Last working day"), "date": departure.last_working_day},
    ]
    if interview is not None and interview.start:
        points.append(
            {"label": _("Exit interview"), "date": interview.start.astimezone(departure.employee.tzinfo).date()}
        )
    points.append(
        {"label": _("Follow-up after you leave"), "date": departure.last_working_day + datetime.timedelta(days=30)}
    )
    points.sort(key=lambda p: p["date"])
    for point in points:
        point["past"] = point["date"] < today
    return points


def _own_interview(request, pk: int):
    interview, _level = interview_selectors.exit_interview_get(user=request.user, pk=pk)
    return interview


@login_required
@require_POST
@former_employee_narrowed
@not_found_as_404
def interview_respond(request, pk: int):
    """The leaver answers the invitation: accept, decline, pick another free slot, or ask for another time."""
    interview = _own_interview(request, pk)
    answer = request.POST.get("answer", "")
    try:
        if answer == "accept":
            interview_actions.exit_interview_accept(interview=interview, actor=request.user)
            messages.success(request, _("You accepted the time."))
        elif answer == "decline":
            interview_actions.exit_interview_decline(interview=interview, actor=request.user)
            messages.success(request, _("You declined the exit interview. Thank you for letting us know."))
        elif answer == "reschedule":
            start = datetime.datetime.fromisoformat(request.POST.get("start", ""))
            interview_actions.exit_interview_reschedule(interview=interview, actor=request.user, start=start)
            messages.success(request, _("The interview has moved; a new invite is on its way."))
        elif answer == "other_time":
            interview_actions.exit_interview_request_other_time(
                interview=interview, actor=request.user, note=request.POST.get("note", "")[:500]
            )
            messages.success(request, _("We have asked HR to find another time."))
        else:
            raise errors.InvalidInput(fields={"answer": ["Choose an answer."]})
    except ValueError:
        messages.error(request, _("Choose one of the times offered."))
    except errors.ApplicationError as exc:
        _flash(request, exc)
    return redirect("pages:me")


@login_required
@not_found_as_404
def interview_invite(request, pk: int):
    """The current invite as an .ics file, for the participants and HR."""
    interview = _own_interview(request, pk)
    if not interview_selectors.caller_roles(interview=interview, user=request.user) & {"hr", "interviewer", "employee"}:
        raise Http404
    if interview.start is None:
        raise Http404
    body, method = interview_renderers.interview_ics(interview, language=people.user_language(request.user))
    response = HttpResponse(body, content_type=f"text/calendar; charset=utf-8; method={method}")
    response["Content-Disposition"] = 'attachment; filename="exit-interview.ics"'
    return response


def _answer_form(data: dict) -> list[dict]:
    by_key = {a["question"]: a for a in data["answers"]}
    sections = []
    for section in data["sections"]:
        questions = []
        for q in section["questions"]:
            answer = by_key.get(q["key"], {})
            questions.append({**q, "answer": answer.get("text", ""), "shared": answer.get("share_with_manager", False)})
        sections.append({**section, "questions": questions})
    return sections


def _posted_answers(request, data: dict, *, with_consent: bool) -> list[dict]:
    result = []
    for section in data["sections"]:
        for q in section["questions"]:
            name = f"answer_{q['key']}"
            if name in request.POST:
                item = {"question": q["key"], "text": request.POST.get(name, "")[:10000]}
                if with_consent:
                    item["share_with_manager"] = request.POST.get(f"share_{q['key']}") == "on"
                result.append(item)
    return result


@login_required
@former_employee_narrowed
@not_found_as_404
def questionnaire(request, pk: int):
    """The leaver's pre-interview questionnaire: their own answers, each with its consent to share."""
    interview = _own_interview(request, pk)
    if "employee" not in interview_selectors.caller_roles(interview=interview, user=request.user):
        raise Http404
    language = translation.get_language()
    data = feedback_selectors.interview_response_read(
        interview=interview, user=request.user, purpose="page.questionnaire", language=language
    )
    if request.method == "POST":
        try:
            answer_actions.interview_response_write(
                interview=interview, actor=request.user, answers=_posted_answers(request, data, with_consent=True)
            )
            messages.success(request, _("Your answers are saved."))
            return redirect("pages:questionnaire", pk=pk)
        except errors.ApplicationError as exc:
            _flash(request, exc)
    return render(
        request, "pages/questionnaire.html", {"interview": interview, "data": data, "sections": _answer_form(data)}
    )


@login_required
@former_employee_narrowed
@not_found_as_404
def reference_accept(request, pk: int):
    """The leaver accepts the reference offer from their page."""
    offer = ReferenceOffer.objects.select_related("departure").filter(pk=pk).first()
    if offer is None or not access.is_subject(offer.departure, request.user):
        raise Http404
    if request.method == "POST":
        try:
            reference_actions.reference_offer_accept(offer=offer, actor=request.user)
            messages.success(request, _("Thank you. Your manager has been asked to write your reference."))
        except errors.ApplicationError as exc:
            _flash(request, exc)
    return redirect("pages:me")


@login_required
@former_employee_narrowed
@not_found_as_404
def reference_write(request, pk: int):
    """The manager writes the reference the leaver accepted; it is emailed to the leaver."""
    offer = interview_references.reference_get(user=request.user, pk=pk)
    if not interview_references.can_write(offer, request.user):
        raise Http404
    if request.method == "POST":
        try:
            reference_actions.reference_submit(offer=offer, actor=request.user, text=request.POST.get("text", ""))
            messages.success(request, _("The reference is sent."))
            return redirect("pages:home")
        except errors.ApplicationError as exc:
            _flash(request, exc)
    return render(request, "pages/reference_write.html", {"offer": offer})


# --- the interviewer


@login_required
def interviews(request):
    """The interviewer's interviews: today's, then upcoming, then those waiting to be closed."""
    rows = list(interview_selectors.exit_interview_list(user=request.user).filter(interviewer=request.user))
    now = timezone.now()
    today = timezone.localdate()
    return render(
        request,
        "pages/interviews.html",
        {
            "today_rows": [
                i for i in rows if i.start and timezone.localdate(i.start) == today and i.state == "scheduled"
            ],
            "upcoming": [
                i
                for i in rows
                if i.start and i.start > now and timezone.localdate(i.start) != today and i.state == "scheduled"
            ],
            "to_close": [
                i for i in rows if i.state in ("held",) or (i.state == "scheduled" and i.start and i.start < now)
            ],
        },
    )


@login_required
@not_found_as_404
def interview_guide(request, pk: int):
    """The guide's nine sections as a form the interviewer fills in during the conversation.

    Each field saves as it is typed (htmx posts the form after a pause), so a dropped connection loses
    at most the last seconds; without JavaScript the Save button does the same."""
    interview = _own_interview(request, pk)
    found = interview_selectors.caller_roles(interview=interview, user=request.user)
    if not found & {"interviewer", "hr"}:
        raise Http404
    language = translation.get_language()
    data = feedback_selectors.interview_response_read(
        interview=interview, user=request.user, purpose="page.guide", language=language
    )
    saved = None
    if request.method == "POST":
        provided = frozenset(
            name for name in ("reasons", "would_return", "would_recommend") if f"field_{name}" in request.POST
        )
        kwargs = {"answers": _posted_answers(request, data, with_consent=False), "provided": provided}
        if "notes" in request.POST:
            kwargs["notes"] = request.POST.get("notes", "")[:20000]
        if "reasons" in provided:
            kwargs["reasons"] = {
                "primary": request.POST.get("primary_reason", ""),
                "secondary": request.POST.get("secondary_reason", ""),
            }
        for name in ("would_return", "would_recommend"):
            if name in provided:
                kwargs[name] = {"yes": True, "no": False}.get(request.POST.get(name, ""))
        try:
            answer_actions.interview_response_write(interview=interview, actor=request.user, **kwargs)
            # Shown in the interviewer's own zone: "saved at" must match the clock on their wall.
            saved = slot_finder.hours_of_user(request.user).local(timezone.now()).strftime("%H:%M:%S")
        except errors.ApplicationError as exc:
            if request.headers.get("HX-Request"):
                return render(request, "pages/guide_saved.html", {"error": exc.message}, status=exc.status)
            _flash(request, exc)
        if request.headers.get("HX-Request"):
            return render(request, "pages/guide_saved.html", {"saved": saved})
        return redirect("pages:interview-guide", pk=pk)
    return render(
        request,
        "pages/interview_guide.html",
        {
            "interview": interview,
            "data": data,
            "sections": _answer_form(data),
            "reasons": ReasonCategory.choices,
            "actions": interview_actions.available_actions(interview=interview, user=request.user),
        },
    )


@login_required
@require_POST
@not_found_as_404
def interview_action(request, pk: int, action: str):
    """Hold, close or mark a no-show, from the interviewer's page."""
    if action not in ("hold", "close", "no_show", "cancel"):
        raise Http404
    interview = _own_interview(request, pk)
    try:
        interview_actions.exit_interview_run_action(interview=interview, action=action, actor=request.user, data={})
        messages.success(request, _("Saved."))
    except errors.ApplicationError as exc:
        _flash(request, exc)
    return back(request, "pages:interview-guide", pk=pk)
