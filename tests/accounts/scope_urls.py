"""A staff API over organisations, scoped as a service scopes its rows (tests only)."""

from django.urls import include, path
from rest_framework import generics, serializers

from jaki.accounts.models import Organisation
from jaki.accounts.permissions import InOrganisationScope, scoped
from jaki.urls import urlpatterns as project_urlpatterns


class OrganisationOutput(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ("code", "name", "kind")


class ScopedOrganisations:
    serializer_class = OrganisationOutput
    permission_classes = [InOrganisationScope(via="pk")]
    lookup_field = "code"
    cursor_ordering = "code"

    def get_queryset(self):
        return scoped(Organisation.objects.all(), self.request.user, via="pk")


class OrganisationList(ScopedOrganisations, generics.ListAPIView):
    pass


class OrganisationDetail(ScopedOrganisations, generics.RetrieveAPIView):
    pass


urlpatterns = [
    path("api/test/organisations/", OrganisationList.as_view()),
    path("api/test/organisations/<slug:code>/", OrganisationDetail.as_view()),
    path("", include(project_urlpatterns)),
]
