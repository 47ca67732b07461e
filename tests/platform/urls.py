"""Views that exist only for the platform tests: the conventions, exercised through real views."""

import threading

from django.http import HttpResponse
from django.urls import include, path
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jaki.accounts.models import Organisation
from jaki.api import idempotent
from jaki.urls import urlpatterns as project_urlpatterns

# Set by a test to let a request sent with `X-Test-Crash: hold` finish.
RELEASE_HELD = threading.Event()


class CreateOrganisation(APIView):
    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        code = serializers.SlugField()

    @idempotent
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        org = Organisation.objects.create(code=data.validated_data["code"], name="x", kind="dinas")
        crash = request.headers.get("X-Test-Crash")
        if crash == "exit":
            raise SystemExit(1)  # the process is killed mid-request, after its write
        if crash == "bug":
            raise RuntimeError("a bug after the write")
        if crash == "hold":
            RELEASE_HELD.wait(timeout=30)  # a request that outlives its pending lease
        return Response({"id": org.pk}, status=status.HTTP_201_CREATED)


class Broken(APIView):
    permission_classes = []

    def get(self, request):
        raise RuntimeError("a bug")


def broken_plain_view(request):
    raise RuntimeError("a bug outside DRF")


def ok(request):
    return HttpResponse("ok")


urlpatterns = [
    path("api/test/organisations/", CreateOrganisation.as_view()),
    path("api/test/broken/", Broken.as_view()),
    path("api/test/broken-plain/", broken_plain_view),
    path("", include(project_urlpatterns)),
]
handler500 = "jaki.api.server_error"
handler400 = "jaki.api.bad_request"
