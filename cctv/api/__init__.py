"""CCTV API (mobile app and staff): mounted at /api/v1/cctv/. The edge's read check
(`MediaAuthView`) is mounted apart, at /cctv/media-auth/ (jaki/urls.py)."""

from django.urls import path

from cctv.api.views import (
    CameraDetailView,
    CameraListView,
    FavouriteListView,
    FavouriteView,
    SnapshotView,
    StreamView,
)

urlpatterns = [
    path("cameras/", CameraListView.as_view(), name="cctv-camera-list"),
    path("cameras/<str:camera_id>/", CameraDetailView.as_view(), name="cctv-camera-detail"),
    path("cameras/<str:camera_id>/stream/", StreamView.as_view(), name="cctv-camera-stream"),
    path("cameras/<str:camera_id>/snapshot/", SnapshotView.as_view(), name="cctv-camera-snapshot"),
    path("favorites/", FavouriteListView.as_view(), name="cctv-favourite-list"),
    path("favorites/<str:camera_id>/", FavouriteView.as_view(), name="cctv-favourite"),
]
