"""A photo upload endpoint as a service will write one (the complaints' `photos[]`): the
serializer field runs the intake while validating, the view stores in one transaction."""

from django.db import transaction
from django.urls import include, path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jaki.api import error_responses
from jaki.media.api import UPLOAD_PARSER_CLASSES, ImageListField, StoredImageSerializer
from jaki.media.models import ImageKind, Visibility
from jaki.media.services import media_ingest
from jaki.urls import urlpatterns as project_urlpatterns


class UploadPhotos(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = UPLOAD_PARSER_CLASSES

    class Input(serializers.Serializer):
        note = serializers.CharField(max_length=100)
        public = serializers.BooleanField(default=False)
        photos = ImageListField(max_items=3)

    @extend_schema(
        request=Input,
        responses={
            201: inline_serializer("Photos", {"photos": StoredImageSerializer(many=True)}),
            **error_responses(400, 401, 413, 415),
        },
    )
    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        visibility = Visibility.PUBLIC if data.validated_data["public"] else Visibility.PRIVATE
        with transaction.atomic():
            images = [
                media_ingest(photo, owner=request.user, visibility=visibility, kind=ImageKind.PHOTO)
                for photo in data.validated_data.get("photos", [])
            ]
        output = StoredImageSerializer(images, many=True, context={"request": request})
        return Response({"photos": output.data}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("api/test/photos/", UploadPhotos.as_view()),
    path("", include(project_urlpatterns)),
]
handler500 = "jaki.api.server_error"
handler400 = "jaki.api.bad_request"
