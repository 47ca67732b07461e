"""Warnings API (mobile app, officers, aggregators): mounted at /api/v1/alerts/.

Who may see a warning is `selectors.alert_visible`'s answer (others get a 404); who may move it
is the service's. Drafts, tests and delivery counts are for alert officers only.
"""

from django.urls import path

from disasteralerts.api.views import (
    AlertDetailView,
    AlertHistoryView,
    AlertListView,
    ApproveView,
    CancelView,
    DeliveryView,
    PreviewView,
    SubmitView,
    UpdateView,
)

urlpatterns = [
    path("", AlertListView.as_view(), name="alert-list"),
    path("history/", AlertHistoryView.as_view(), name="alert-history"),
    path("<str:alert_id>/", AlertDetailView.as_view(), name="alert-detail"),
    path("<str:alert_id>/submit/", SubmitView.as_view(), name="alert-submit"),
    path("<str:alert_id>/approve/", ApproveView.as_view(), name="alert-approve"),
    path("<str:alert_id>/cancel/", CancelView.as_view(), name="alert-cancel"),
    path("<str:alert_id>/update/", UpdateView.as_view(), name="alert-update"),
    path("<str:alert_id>/delivery/", DeliveryView.as_view(), name="alert-delivery"),
    path("<str:alert_id>/preview/", PreviewView.as_view(), name="alert-preview"),
]
