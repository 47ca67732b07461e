"""The catalogue the workflow runs on: categories (SLA, routing, Open311 questions) and the
response templates officers reply with. Changed by those holding the model permissions
(superusers); every complaint officer may read them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from complaints import permissions
from complaints.models import Category, Question, ResponseTemplate


class CatalogueAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return super().has_module_permission(request) or permissions.is_complaint_staff(
            request.user
        )

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or permissions.is_complaint_staff(
            request.user
        )


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = (
        ("code", "datatype", "required", "position", "personal"),
        ("label_id", "label_en"),
        "values",
    )


@admin.register(Category)
class CategoryAdmin(CatalogueAdmin):
    list_display = (
        "name_id",
        "name_en",
        "code",
        "routing",
        "organisation",
        "coordination_sla_hours",
        "resolution_sla_hours",
        "is_active",
        "position",
    )
    list_filter = ("is_active", "routing")
    list_select_related = ("organisation",)
    search_fields = ("code", "name_id", "name_en")
    autocomplete_fields = ("organisation",)
    ordering = ("position", "code")
    inlines = (QuestionInline,)
    fieldsets = (
        (None, {"fields": ("code", "name_id", "name_en", "icon", "is_active", "position")}),
        (_("Description"), {"fields": ("description_id", "description_en")}),
        (
            _("Service level and routing"),
            {
                "fields": (
                    "coordination_sla_hours",
                    "resolution_sla_hours",
                    "routing",
                    "organisation",
                )
            },
        ),
    )


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(CatalogueAdmin):
    list_display = ("title", "category", "status", "is_active")
    list_filter = ("is_active", "status", "category")
    list_select_related = ("category",)
    search_fields = ("title", "text_id", "text_en")
    autocomplete_fields = ("category",)
    fields = ("title", "category", "status", "text_id", "text_en", "is_active")
