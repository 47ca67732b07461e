"""The URLs of bench/cctv_probe.py's server: the project's, plus a bare DRF view, the baseline
the stream-URL endpoint is measured against on the same server.

The bare view does what DRF does for every request (negotiation, JWT authentication, permission,
throttles, rendering) and nothing of ours: an authenticated POST answered with a small JSON
object and 201, as the stream endpoint answers.
"""

from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class BarePost(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        return Response({"url": "https://edge.example.org/x/index.m3u8", "expires_at": None}, 201)


urlpatterns = [
    path("bench/bare-post/", BarePost.as_view()),
    path("", include("jaki.urls")),
]
