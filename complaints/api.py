"""Complaints API (mobile app and staff): mounted at /api/v1/complaints/."""

urlpatterns: list = []
