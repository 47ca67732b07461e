"""The emergency officers' screens: compose from a hazard template, the approval queue, a
warning's page (TEST/ACTUAL banner, preview count, submit / approve / one-click cancel) and its
delivery dashboard. Every button calls a service; the admin holds no rules of its own."""

from __future__ import annotations

import json
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException, ValidationError

from disasteralerts import permissions, selectors, services, validation
from disasteralerts.hazards import HAZARDS, hazard_texts
from disasteralerts.models import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    Alert,
    Category,
    Certainty,
    GateReading,
    ResponseType,
    Severity,
    State,
    Status,
    Urgency,
    WaterGate,
)
from jaki.regions.geo import InvalidArea
from jaki.regions.selectors import region_list

TEXT_FIELDS = ("headline", "description", "instruction", "short_text", "long_text")
# An officer composes Actual, Exercise or Test; System and Draft come from machines only.
COMPOSE_STATUSES = [(s, s) for s in (Status.ACTUAL, Status.EXERCISE, Status.TEST)]


def kelurahan_choices() -> list[tuple[str, str]]:
    return [(r.code, f"{r.name} ({r.code})") for r in region_list(level="kelurahan")]


class ComposeForm(forms.Form):
    hazard = forms.ChoiceField(label=_("Hazard template"), choices=[], required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=COMPOSE_STATUSES, widget=forms.RadioSelect
    )
    area_description = forms.CharField(label=_("Area name"), max_length=255)
    kelurahan = forms.MultipleChoiceField(
        label=_("Kelurahan"),
        required=False,
        widget=FilteredSelectMultiple(_("kelurahan"), is_stacked=False),
    )
    geojson = forms.CharField(
        label=_("GeoJSON polygon"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Paste a Polygon, MultiPolygon, Feature or FeatureCollection (lon/lat)."),
    )
    category = forms.MultipleChoiceField(label=_("Category"), choices=Category.choices)
    response_type = forms.MultipleChoiceField(
        label=_("Response"), choices=ResponseType.choices, required=False
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    certainty = forms.ChoiceField(label=_("Certainty"), choices=Certainty.choices)
    event = forms.CharField(label=_("Event"), max_length=120)
    effective = forms.DateTimeField(label=_("Effective"))
    expires = forms.DateTimeField(label=_("Expires"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hazard"].choices = [("", "—")] + [(h, h) for h in HAZARDS]
        self.fields["kelurahan"].choices = kelurahan_choices()
        limits = {"short_text": SHORT_TEXT_MAX, "long_text": LONG_TEXT_MAX, "headline": 160}
        for language, label in (("id", _("Indonesian")), ("en", _("English"))):
            for field in TEXT_FIELDS:
                self.fields[f"{field}_{language}"] = forms.CharField(
                    label=f"{field.replace('_', ' ').capitalize()} ({label})",
                    max_length=limits.get(field, 4000),
                    required=field == "headline" and language == "id",
                    widget=forms.Textarea(attrs={"rows": 2})
                    if field != "headline"
                    else forms.TextInput(attrs={"size": 80}),
                )

    def clean_geojson(self) -> list:
        text = self.cleaned_data["geojson"].strip()
        if not text:
            return []
        try:
            return validation.rings_from_geojson(json.loads(text))
        except ValueError:
            raise forms.ValidationError(_("This is not valid JSON.")) from None
        except InvalidArea as exc:
            raise forms.ValidationError(str(exc.detail)) from None

    def draft_fields(self) -> dict:
        data = self.cleaned_data
        info = {
            language: {field: data.get(f"{field}_{language}", "") for field in TEXT_FIELDS}
            for language in ("id", "en")
            if data.get(f"headline_{language}")
        }
        return {
            "status": data["status"],
            "event": data["event"],
            "category": data["category"],
            "response_type": data["response_type"],
            "urgency": data["urgency"],
            "severity": data["severity"],
            "certainty": data["certainty"],
            "effective": data["effective"],
            "expires": data["expires"],
            "hazard": data.get("hazard") or "",
            "info": info,
            "areas": [
                {
                    "description": data["area_description"],
                    "polygons": data["geojson"],
                    "kelurahan": data["kelurahan"],
                }
            ],
        }


def template_initial(hazard: str) -> dict:
    """The form prefilled from a hazard template (`?hazard=flood`)."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    if hazard not in HAZARDS:
        return {"status": Status.ACTUAL, "effective": now, "expires": now + timedelta(hours=6)}
    template = HAZARDS[hazard]
    initial = {
        "hazard": hazard,
        "status": Status.ACTUAL,
        "category": template["category"],
        "response_type": template["response_type"],
        "urgency": template["urgency"],
        "severity": template["severity"],
        "certainty": template["certainty"],
        "event": template["event"]["id"],
        "effective": now,
        "expires": now + template["duration"],
    }
    for language, texts in hazard_texts(hazard, area="{area}").items():
        for field in TEXT_FIELDS:
            initial[f"{field}_{language}"] = texts[field]
    return initial


def marker(alert: Alert) -> str:
    """TEST (or EXERCISE) in orange, ACTUAL in red: never mistaken for each other (Hawaii)."""
    if alert.is_test:
        return format_html(
            '<strong style="background:#f0ad4e;color:#000;padding:2px 6px">{}</strong>',
            alert.status.upper(),
        )
    return format_html(
        '<strong style="background:#c9302c;color:#fff;padding:2px 6px">{}</strong>', "ACTUAL"
    )


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = (
        "test_or_actual",
        "headline",
        "msg_type",
        "state",
        "author",
        "approver",
        "sent",
        "expires",
    )
    list_filter = ("state", "status", "msg_type", "source", "hazard")
    search_fields = ("identifier", "infos__headline")
    list_select_related = ("author", "approver")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"

    @admin.display(description=_("Marker"))
    def test_or_actual(self, alert: Alert) -> str:
        return marker(alert)

    @admin.display(description=_("Headline"))
    def headline(self, alert: Alert) -> str:
        info = alert.info("id")
        return info.headline if info else alert.identifier

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("infos")

    # Officers only; the table is written by services, never edited here.
    def has_module_permission(self, request) -> bool:
        return permissions.is_alert_officer(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_alert_officer(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("compose/", view(self.compose_view), name="disasteralerts_alert_compose"),
            path("queue/", view(self.queue_view), name="disasteralerts_alert_queue"),
            path(
                "<int:pk>/step/<str:step>/",
                view(require_POST(self.step_view)),
                name="disasteralerts_alert_step",
            ),
            path(
                "<int:pk>/delivery/",
                view(self.delivery_view),
                name="disasteralerts_alert_delivery",
            ),
            *super().get_urls(),
        ]

    def _officer(self, request) -> None:
        if not permissions.is_alert_officer(request.user):
            raise PermissionDenied

    def _context(self, request, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    def compose_view(self, request):
        if not permissions.can_draft(request.user):
            raise PermissionDenied
        if request.method == "POST":
            form = ComposeForm(request.POST)
            if form.is_valid():
                try:
                    alert = services.alert_draft(
                        author=request.user, request=request, **form.draft_fields()
                    )
                except ValidationError as exc:
                    form.add_error(None, _flatten(exc.detail))
                else:
                    self.message_user(request, _("Draft saved. Check it, then submit it."))
                    return HttpResponseRedirect(
                        reverse("admin:disasteralerts_alert_change", args=[alert.pk])
                    )
        else:
            form = ComposeForm(initial=template_initial(request.GET.get("hazard", "")))
        context = self._context(
            request, _("Compose a warning"), form=form, hazards=sorted(HAZARDS), media=form.media
        )
        return TemplateResponse(request, "admin/disasteralerts/compose.html", context)

    def queue_view(self, request):
        self._officer(request)
        rows = [
            {
                "alert": alert,
                "marker": marker(alert),
                "preview": selectors.alert_preview_count(alert=alert),
                "headline": self.headline(alert),
                "may_approve": permissions.can_approve(request.user, alert),
            }
            for alert in selectors.alerts_pending()
        ]
        context = self._context(request, _("Warnings awaiting approval"), rows=rows)
        return TemplateResponse(request, "admin/disasteralerts/queue.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._officer(request)
        alert = get_object_or_404(selectors.alerts_for_officers(), pk=object_id)
        user = request.user
        context = self._context(
            request,
            self.headline(alert),
            alert=alert,
            marker=marker(alert),
            infos=alert.infos.all(),
            areas=alert.areas.all(),
            preview=selectors.alert_preview_count(alert=alert)
            if alert.state in (State.DRAFT, State.PENDING)
            else None,
            may_submit=alert.state == State.DRAFT and permissions.can_submit(user, alert),
            may_approve=alert.state == State.PENDING and permissions.can_approve(user, alert),
            is_author=alert.author_id == user.pk,
            may_cancel=alert.state in (State.DRAFT, State.PENDING, State.BROADCAST)
            and alert.msg_type != "Cancel"
            and permissions.can_cancel(user, alert),
            cap_url=reverse("alert-cap", kwargs={"alert_id": alert.public_id}),
        )
        return TemplateResponse(request, "admin/disasteralerts/alert.html", context)

    def step_view(self, request, pk: int, step: str):
        """Submit, approve or cancel: one POST, one service call."""
        self._officer(request)
        alert = get_object_or_404(Alert, pk=pk)
        actions = {
            "submit": services.alert_submit,
            "approve": services.alert_approve,
            "cancel": services.alert_cancel,
        }
        if step not in actions:
            raise PermissionDenied
        try:
            result = actions[step](alert=alert, user=request.user, request=request)
        except APIException as exc:
            self.message_user(request, _flatten(exc.detail), messages.ERROR)
            result = alert
        else:
            done = {
                "submit": _("Submitted for approval."),
                "approve": _("Approved and broadcast."),
                "cancel": _("Cancelled."),
            }
            self.message_user(request, done[step], messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:disasteralerts_alert_change", args=[result.pk]))

    def delivery_view(self, request, pk: int):
        self._officer(request)
        alert = get_object_or_404(selectors.alerts_for_officers(), pk=pk)
        context = self._context(
            request,
            _("Delivery of %(headline)s") % {"headline": self.headline(alert)},
            alert=alert,
            marker=marker(alert),
            delivery=selectors.alert_delivery(alert=alert),
        )
        return TemplateResponse(request, "admin/disasteralerts/delivery.html", context)


def _flatten(detail) -> str:
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_flatten(value)}" for key, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_flatten(value) for value in detail)
    return str(detail)


@admin.register(WaterGate)
class WaterGateAdmin(admin.ModelAdmin):
    """The gates' Siaga thresholds and downstream kelurahan are data officers keep here."""

    list_display = (
        "name",
        "code",
        "river",
        "siaga3_cm",
        "siaga2_cm",
        "siaga1_cm",
        "last_level_cm",
        "last_siaga",
        "last_measured_at",
    )
    search_fields = ("name", "code")
    readonly_fields = (
        "last_measured_at",
        "last_level_cm",
        "last_siaga",
        "drafted_siaga",
    )


@admin.register(GateReading)
class GateReadingAdmin(admin.ModelAdmin):
    list_display = ("gate", "measured_at", "level_cm", "siaga", "source", "alert")
    list_filter = ("source", "siaga")
    list_select_related = ("gate", "alert")
    date_hierarchy = "measured_at"

    def has_add_permission(self, request):
        return False  # readings come from gauges and snapshots, not by hand

    def has_change_permission(self, request, obj=None):
        return False
