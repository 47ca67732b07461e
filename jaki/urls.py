from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.core.files.storage import storages
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from cctv.api.views import MediaAuthView
from jaki import health
from jaki.api import api_not_found

api_v1 = [
    path("", include("jaki.accounts.api")),
    path("", include("jaki.regions.api")),
    path("", include("jaki.notifications.api")),
    path("complaints/", include("complaints.api")),
    path("cctv/", include("cctv.api")),
    path("airquality/", include("airquality.api")),
    path("alerts/", include("disasteralerts.api")),
    path("water-gates/", include("disasteralerts.api.gates")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("open311/v2/", include("complaints.open311.urls")),
    path("cctv/media-auth/", MediaAuthView.as_view(), name="cctv-media-auth"),
    path("alerts/", include("disasteralerts.feeds")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(r"^api/", api_not_found),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("jaki.media.api")),
]

if settings.DEBUG and not settings.AWS_STORAGE_BUCKET_NAME:
    # Public media only: private files have no address but a signed one (jaki.media).
    public = storages["media_public"]
    urlpatterns += static(public.base_url, document_root=public.location)

handler500 = "jaki.api.server_error"
handler400 = "jaki.api.bad_request"
