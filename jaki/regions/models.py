from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A kota/kabupaten, kecamatan or kelurahan of DKI Jakarta, with its boundary."""

    class Level(models.TextChoices):
        KOTA = "kota", _("City / regency")
        KECAMATAN = "kecamatan", _("District (kecamatan)")
        KELURAHAN = "kelurahan", _("Sub-district (kelurahan)")

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=128)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # A GeoJSON geometry (Polygon or MultiPolygon), lon/lat order as GeoJSON writes it.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["level", "name"]
        indexes = [
            models.Index(fields=["level", "name"], name="region_level_name_idx"),
            models.Index(fields=["parent", "level"], name="region_parent_level_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.name}"

    @property
    def bbox(self) -> list[float] | None:
        """[min_lon, min_lat, max_lon, max_lat], GeoJSON's bbox order."""
        if self.min_lat is None:
            return None
        return [self.min_lon, self.min_lat, self.max_lon, self.max_lat]
