"""Routes of the edges: HRIS events, IT receipts, inbound mail, and the CSV bulk start (under /departures/)."""

from django.urls import path

from integrations.inbound import views

urlpatterns = [
    path("integrations/hris/<slug:source>/events/", views.HrisEventApi.as_view(), name="hris-events"),
    path(
        "integrations/webhooks/receipts/",
        views.AccessRevocationReceiptApi.as_view(),
        name="webhook-receipts",
    ),
    path("integrations/mail/inbound/", views.InboundMailApi.as_view(), name="inbound-mail"),
    path("departures/import/", views.DepartureImportApi.as_view(), name="departure-import"),
]
