"""Air-quality API: mounted at /api/v1/airquality/ (views.py; renderers in outputs.py)."""

from django.urls import path

from airquality.api.views import (
    HistoryView,
    NearestView,
    ReadingsView,
    StationDetailView,
    StationListView,
    SubscriptionView,
    SummaryView,
)

urlpatterns = [
    path("stations/", StationListView.as_view(), name="airquality-stations"),
    path("stations/<str:code>/", StationDetailView.as_view(), name="airquality-station"),
    path("stations/<str:code>/history/", HistoryView.as_view(), name="airquality-history"),
    path("nearest/", NearestView.as_view(), name="airquality-nearest"),
    path("summary/", SummaryView.as_view(), name="airquality-summary"),
    path("readings/", ReadingsView.as_view(), name="airquality-readings"),
    path("subscription/", SubscriptionView.as_view(), name="airquality-subscription"),
]
