"""Routes for auth, me, employees and departures."""

from django.urls import path

from offboarding.api import auth, departures, employees

urlpatterns = [
    path("auth/token/", auth.TokenApi.as_view(), name="auth-token"),
    path("me/", auth.MeApi.as_view(), name="me"),
    path("employees/", employees.EmployeeListApi.as_view(), name="employee-list"),
    path("employees/<int:pk>/", employees.EmployeeDetailApi.as_view(), name="employee-detail"),
    path("employees/<int:pk>/login/", employees.EmployeeLoginApi.as_view(), name="employee-login"),
    path("departures/", departures.DepartureListApi.as_view(), name="departure-list"),
    path("departures/<int:pk>/", departures.DepartureDetailApi.as_view(), name="departure-detail"),
    path(
        "departures/<int:pk>/<slug:transition>/",
        departures.DepartureTransitionApi.as_view(),
        name="departure-transition",
    ),
]
