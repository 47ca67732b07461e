"""A machine endpoint that exists only for the API-key tests, as a service would write one."""

from django.urls import include, path
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from jaki.accounts.models import Organisation
from jaki.api import idempotent
from jaki.apikeys import scopes
from jaki.apikeys.authentication import ApiKeyAuthentication
from jaki.apikeys.permissions import HasScope
from jaki.apikeys.throttles import ApiKeyRateThrottle
from jaki.urls import urlpatterns as project_urlpatterns

READ = scopes.register("test:read", "Read the test endpoint")
WRITE = scopes.register("test:write", "Write to the test endpoint")


class MachineRead(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope(READ)]
    throttle_classes = [ApiKeyRateThrottle]

    def get(self, request):
        station = request.query_params.get("station", "")
        return Response(
            {
                "key": request.auth.name,
                "user_authenticated": request.user.is_authenticated,
                "station_allowed": request.auth.allows(station),
            }
        )


class MachineWrite(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope(WRITE)]
    throttle_classes = [ApiKeyRateThrottle]

    class Input(serializers.Serializer):
        code = serializers.SlugField()

    @idempotent
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        org = Organisation.objects.create(code=data.validated_data["code"], name="x", kind="dinas")
        return Response({"id": org.pk}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("api/test/machine/", MachineRead.as_view()),
    path("api/test/machine/write/", MachineWrite.as_view()),
    path("", include(project_urlpatterns)),
]
