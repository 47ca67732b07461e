"""The triage list's filters: overdue now, the responsible organisation, and the regions from
kota down to kelurahan (each level lists the places of the one chosen above it)."""

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import selectors
from jaki.accounts.models import Organisation
from jaki.accounts.permissions import organisations_in_scope
from jaki.regions.models import Region


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        overdue = selectors.overdue_filter(timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class OrganisationFilter(admin.SimpleListFilter):
    """The organisation answering now. Offered: the viewer's own subtree and the agencies
    (a kelurahan dispatches to a dinas); for a city-wide viewer every office above the
    kelurahan (the kelurahan filter finds those)."""

    title = _("responsible organisation")
    parameter_name = "organisation"

    def lookups(self, request, model_admin):
        scope = organisations_in_scope(request.user)
        agencies = Q(
            kind__in=[
                Organisation.Kind.DINAS,
                Organisation.Kind.SUKU_DINAS,
                Organisation.Kind.BPBD,
            ]
        )
        if scope is None or request.user.organisation_id is None:
            organisations = Organisation.objects.exclude(kind=Organisation.Kind.KELURAHAN)
        else:
            organisations = Organisation.objects.filter(agencies | Q(pk__in=scope))
        return [(str(o.pk), o.name) for o in organisations.order_by("kind", "name")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(organisation_id=_id(self.value()))


class RegionFilter(admin.SimpleListFilter):
    level: str = ""
    parent_parameter: str | None = None

    def lookups(self, request, model_admin):
        regions = Region.objects.filter(level=self.level).only("pk", "name").order_by("name")
        if self.parent_parameter is not None:
            parent = _id(request.GET.get(self.parent_parameter))
            if parent is None:
                return []  # too many to list: choose the level above first
            regions = regions.filter(parent_id=parent)
        return [(str(r.pk), r.name) for r in regions]

    def has_output(self) -> bool:
        # A place chosen by link (the dashboard's, a bookmark) filters even while its level
        # is not listed.
        return super().has_output() or self.value() is not None

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(**{f"{self.parameter_name}_id": _id(self.value())})


class KotaFilter(RegionFilter):
    title = _("kota")
    parameter_name = "kota"
    level = Region.Level.KOTA


class KecamatanFilter(RegionFilter):
    title = _("kecamatan")
    parameter_name = "kecamatan"
    level = Region.Level.KECAMATAN
    parent_parameter = "kota"


class KelurahanFilter(RegionFilter):
    title = _("kelurahan")
    parameter_name = "kelurahan"
    level = Region.Level.KELURAHAN
    parent_parameter = "kecamatan"
