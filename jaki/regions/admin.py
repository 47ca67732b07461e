"""Regions in the admin: browse and rename; boundaries arrive through load_regions only."""

import shapely
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from shapely.geometry import shape

from jaki.regions import services
from jaki.regions.models import Region


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ("code", "name", "level", "parent")

    def clean(self):
        cleaned = super().clean()
        level = cleaned.get("level")
        if level:
            try:
                services.region_check_parent(level=level, parent=cleaned.get("parent"))
            except services.InvalidRegion as exc:
                self.add_error("parent", str(exc.detail))
            try:
                services.region_check_level_change(region=self.instance, level=level)
            except services.InvalidRegion as exc:
                self.add_error("level", str(exc.detail))
        return cleaned


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionForm
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("code",)
    list_per_page = 50
    fields = ("code", "name", "level", "parent", "boundary_summary", "bbox_display", "updated_at")
    # A boundary is thousands of coordinates: shown as a summary, never as an editable textarea.
    readonly_fields = ("boundary_summary", "bbox_display", "updated_at")

    def get_queryset(self, request):
        # Boundaries are large; lists and autocompletes never show them.
        return (
            super()
            .get_queryset(request)
            .select_related("parent")
            .defer("boundary", "parent__boundary")
        )

    def get_readonly_fields(self, request, obj=None):
        # Codes are how load_regions and other systems find a region again.
        if obj is not None:
            return ("code", *self.readonly_fields)
        return self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        source = (request.GET.get("app_label"), request.GET.get("model_name"))
        if source == ("regions", "region") and request.GET.get("field_name") == "parent":
            queryset = queryset.exclude(level=Region.Level.KELURAHAN)  # a kelurahan has no child
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        services.region_save(region=obj)

    @admin.display(description=_("boundary"))
    def boundary_summary(self, obj: Region) -> str:
        if not obj.boundary:
            return "—"
        try:
            geom = shape(obj.boundary)
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError):
            return _("Unreadable GeoJSON")
        polygons = len(shapely.get_parts(geom))
        points = shapely.get_num_coordinates(geom)
        return ngettext(
            "%(type)s: %(polygons)d polygon, %(points)d points",
            "%(type)s: %(polygons)d polygons, %(points)d points",
            polygons,
        ) % {"type": geom.geom_type, "polygons": polygons, "points": points}

    @admin.display(description=_("bounding box"))
    def bbox_display(self, obj: Region) -> str:
        bbox = obj.bbox
        if bbox is None:
            return "—"
        return _("lon %(min_lon).5f to %(max_lon).5f, lat %(min_lat).5f to %(max_lat).5f") % {
            "min_lon": bbox[0],
            "min_lat": bbox[1],
            "max_lon": bbox[2],
            "max_lat": bbox[3],
        }
