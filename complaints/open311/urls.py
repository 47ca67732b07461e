"""/open311/v2/: every GeoReport v2 resource at `<name>.json` and `<name>.xml` (two literal
paths rather than a `{format}` suffix, which schema generators leave out)."""

from django.urls import path, re_path

from complaints.open311 import formats, views

ROUTES = [
    ("discovery", views.Open311DiscoveryView, "open311-discovery"),
    ("services", views.Open311ServiceListView, "open311-services"),
    ("services/<slug:service_code>", views.Open311ServiceDefinitionView, "open311-service"),
    ("requests", views.Open311RequestsView, "open311-requests"),
    ("requests/<str:service_request_id>", views.Open311RequestDetailView, "open311-request"),
    ("tokens/<str:token>", views.Open311TokenView, "open311-token"),
]

urlpatterns = [
    path(f"{route}.{fmt}", view.as_view(), {"format": fmt}, name=f"{name}-{fmt}")
    for route, view, name in ROUTES
    for fmt in views.FORMATS
]
urlpatterns += [re_path(r"^(?P<path>(?s:.*))$", formats.not_found)]
