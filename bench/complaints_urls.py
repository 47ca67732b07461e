"""The URLs of bench/complaints.py's server (complaints_settings.py): the project's, plus the
bare DRF views each complaints endpoint is measured against on the same server.

Two baselines per endpoint:
- bare: what DRF does for every request (negotiation, authentication, permission, throttles,
  parsing, rendering) and nothing else: GET answers a small constant JSON; POST parses and
  validates a body like a complaint's and answers it back with 201. No page of 20 complaints
  can cost as little as an empty answer: a floor, not a target.
- fair: what plain DRF costs for the same work: a `ListAPIView` with `ModelSerializer`s over the
  same public complaints (same joins, photos prefetched, cursor pages of 20 in the same order),
  and a `CreateAPIView` whose `perform_create` is one `Complaint.objects.create` (a fixed office,
  no locating, ticket counter, timeline or notification). The targets are against these.
"""

import uuid
from datetime import timedelta

from django.urls import include, path
from django.utils import timezone
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.models import Category, Complaint, Status
from jaki.accounts.models import Organisation
from jaki.media.models import StoredImage
from jaki.regions.models import Region


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


class _Category(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name", "icon"]


class _Region(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


class _Organisation(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["code", "name"]


class _Photo(serializers.ModelSerializer):
    class Meta:
        model = StoredImage
        fields = ["public_id", "width", "height", "content_type"]


class _Complaint(serializers.ModelSerializer):
    """About the fields of the public feed's rows, the DRF way."""

    category = _Category(read_only=True)
    kelurahan = _Region(read_only=True)
    organisation = _Organisation(read_only=True)
    photos = _Photo(many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "public_id", "ticket", "category", "status", "public", "description", "lat", "lon",
            "address", "kelurahan", "organisation", "submitted_at", "updated_at",
            "coordination_due_at", "resolution_due_at", "support_count", "photos",
        ]  # fmt: skip


class _Pages(CursorPagination):
    page_size = 20
    ordering = ("-submitted_at", "-id")


class FairList(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = _Complaint
    pagination_class = _Pages

    def get_queryset(self):
        return (
            Complaint.objects.filter(public=True)
            .exclude(status=Status.REJECTED)
            .select_related("category", "kelurahan", "organisation")
            .defer("kelurahan__boundary")
            .prefetch_related("photos")
        )


class FairCreate(generics.CreateAPIView):
    permission_classes = [IsAuthenticated]

    class Input(serializers.ModelSerializer):
        category = serializers.SlugRelatedField(
            slug_field="code", queryset=Category.objects.filter(is_active=True)
        )

        class Meta:
            model = Complaint
            fields = ["public_id", "ticket", "category", "description", "lat", "lon", "status"]
            read_only_fields = ["public_id", "ticket", "status"]

    serializer_class = Input
    office = None

    def perform_create(self, serializer):
        office = FairCreate.office
        if office is None:
            office = FairCreate.office = Organisation.objects.filter(kind="kelurahan").first()
        now = timezone.now()
        serializer.save(
            ticket=f"B-{uuid.uuid4().hex[:18]}",  # ticket is 20 characters at most
            kelurahan_id=office.region_id,
            office=office,
            organisation=office,
            reporter=self.request.user,
            coordination_due_at=now + timedelta(hours=24),
            resolution_due_at=now + timedelta(hours=72),
        )


urlpatterns = [
    path("bench/bare/", BareGet.as_view()),
    path("bench/bare-post/", BarePost.as_view()),
    path("bench/fair/", FairList.as_view()),
    path("bench/fair-post/", FairCreate.as_view()),
    path("", include("jaki.urls")),
]
