"""The URLs of bench/complaints.py's server (complaints_settings.py): the project's, plus
two bare DRF views: the baseline each complaints endpoint is measured against on the same server.

The bare views do what DRF does for every request (negotiation, authentication, permission,
throttles, parsing, rendering) and nothing of ours: GET answers a small constant JSON; POST
parses and validates a body like a complaint's and answers it back with 201.
"""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class BareGet(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"next": None, "previous": None, "results": []})


class BarePost(APIView):
    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer):
        category = serializers.CharField()
        description = serializers.CharField()
        lat = serializers.FloatField()
        lon = serializers.FloatField()

    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(data.validated_data, status=201)


urlpatterns = [
    path("bench/bare/", BareGet.as_view()),
    path("bench/bare-post/", BarePost.as_view()),
    path("", include("jaki.urls")),
]
