"""Routes for exit interview scheduling, the calendar feed and references. Each interview action has its
own path, so /interviews/{id}/responses/ (offboarding.feedback) is never shadowed."""

from django.urls import path

from offboarding.interviews.api import calendars, references, views

action_routes = [
    path(
        f"interviews/<int:pk>/{name}/",
        views.InterviewActionApi.as_view(action_name=name),
        name=f"interview-{name.replace('_', '-')}",
    )
    for name in views.ACTIONS
]

urlpatterns = [
    path("departures/<int:pk>/interview/", views.DepartureInterviewApi.as_view(), name="departure-interview"),
    path("departures/<int:pk>/reference/", references.DepartureReferenceApi.as_view(), name="departure-reference"),
    path("interviews/replies/", views.InterviewRepliesApi.as_view(), name="interview-replies"),
    path("interviews/feed/", views.FeedUrlApi.as_view(), name="interview-feed-url"),
    path("interviews/", views.InterviewListApi.as_view(), name="interview-list"),
    path("interviews/<int:pk>/", views.InterviewDetailApi.as_view(), name="interview-detail"),
    path("interviews/<int:pk>/slots/", views.InterviewSlotsApi.as_view(), name="interview-slots"),
    path("interviews/<int:pk>/invite.ics", views.InterviewInviteApi.as_view(), name="interview-invite"),
    *action_routes,
    path(
        "interviews/<int:pk>/proposals/<int:reply_id>/accept/",
        views.ProposalDecisionApi.as_view(decision="accept"),
        name="interview-proposal-accept",
    ),
    path(
        "interviews/<int:pk>/proposals/<int:reply_id>/refuse/",
        views.ProposalDecisionApi.as_view(decision="refuse"),
        name="interview-proposal-refuse",
    ),
    path("me/calendar/", calendars.PersonalCalendarApi.as_view(), name="personal-calendar"),
    path("calendar/feeds/<slug:token>.ics", views.FeedApi.as_view(), name="interview-feed"),
    path("references/<int:pk>/", references.ReferenceDetailApi.as_view(), name="reference-detail"),
    path("references/<int:pk>/accept/", references.ReferenceAcceptApi.as_view(), name="reference-accept"),
    path("references/<int:pk>/submit/", references.ReferenceSubmitApi.as_view(), name="reference-submit"),
    path("references/accept/<str:token>/", references.ReferenceAcceptLinkView.as_view(), name="reference-accept-link"),
]
