"""Routes of the web pages (mounted at the site's root)."""

from django.urls import path

from offboarding.pages import hr, views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/<str:uidb64>/<str:token>/", views.sign_in_link, name="sign-in-link"),
    path("inbox/", views.inbox, name="inbox"),
    path("me/", views.me, name="me"),
    path("departures/<int:pk>/", views.departure_detail, name="departure"),
    path("departures/<int:pk>/<str:decision>/", views.departure_decide, name="departure-decide"),
    path("steps/<int:pk>/<str:action>/", views.step_action, name="step-action"),
    path("interviews/", views.interviews, name="interviews"),
    path("interviews/<int:pk>/guide/", views.interview_guide, name="interview-guide"),
    path("interviews/<int:pk>/questionnaire/", views.questionnaire, name="questionnaire"),
    path("interviews/<int:pk>/respond/", views.interview_respond, name="interview-respond"),
    path("interviews/<int:pk>/invite.ics", views.interview_invite, name="interview-invite"),
    path("interviews/<int:pk>/<str:action>/", views.interview_action, name="interview-action"),
    path("references/<int:pk>/accept/", views.reference_accept, name="reference-accept"),
    path("references/<int:pk>/write/", views.reference_write, name="reference-write"),
    path("hr/", hr.pipeline, name="pipeline"),
    path("hr/departures/new/", hr.departure_new, name="departure-new"),
    path("hr/departures/import/", hr.departure_import, name="departure-import"),
    path("hr/departures/<int:pk>/interview/", hr.interview_schedule, name="interview-schedule"),
    path("hr/overdue/", hr.overdue, name="overdue"),
    path("hr/deliveries/", hr.deliveries, name="deliveries"),
    path("hr/deliveries/<int:pk>/retry/", hr.delivery_retry, name="delivery-retry"),
    path("hr/reports/", hr.report, name="report"),
    path("hr/people/", hr.people, name="people"),
    path("hr/people/<int:pk>/login/", hr.person_login, name="person-login"),
]
