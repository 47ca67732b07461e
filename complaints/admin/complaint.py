"""The triage screen: the officers' daily list of complaints, their moves and replies, and the
dashboard.

Who sees what is complaints.permissions' rule (`staff_filter`, `can_see`), the same one the API
uses. The platform's OrganisationScopedAdmin follows one organisation path and one role; a
complaint is in scope through its coordinating office *or* its responsible organisation,
differently for triage and agency staff, so this admin asks complaints.permissions instead of
stating the rule a second time. Out of scope is a 404.

Nothing here writes a complaint: every move goes through `complaint_transition`, every reply
or note through `complaint_comment` (timeline event, audit row, the reporter told). The
workflow's fields are read-only; refusals (409, 403) come back as messages, per row.
"""

import re

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints import permissions, selectors, services
from complaints.admin import filters
from complaints.admin.forms import (
    CommentForm,
    DispatchForm,
    DuplicateForm,
    MoveForm,
    RejectForm,
    ReplyForm,
    reply_text,
)
from complaints.models import Complaint, Status
from jaki.accounts.phones import mask_phone
from jaki.api import DomainError
from jaki.media.selectors import media_url

TICKET = re.compile(r"^\s*JKT-\d{4}-\d+\s*$", re.IGNORECASE)
MAX_ROW_MESSAGES = 20  # one message per refused row, up to this many
OSM = "https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=18/{lat:.6f}/{lon:.6f}"

WORKFLOW_FIELDS = (
    "ticket",
    "status",
    "category",
    "organisation",
    "office",
    "submitted_at",
    "updated_at",
    "due_display",
    "description",
    "answers_display",
    "personal_details",
    "photos_display",
    "public",
    "source",
    "reporter_display",
    "location_display",
    "coordination_due_at",
    "coordinated_at",
    "coordination_overdue_at",
    "resolution_due_at",
    "resolution_overdue_at",
    "escalated_at",
    "escalated_to",
    "resolved_at",
    "closed_at",
    "response",
    "rejection_reason",
    "duplicate_of",
    "reopen_count",
    "rating",
    "rating_comment",
    "support_count",
)


def error_text(error: DomainError) -> str:
    """A service's refusal as one line, whatever the shape of its detail."""
    detail = error.detail
    if isinstance(detail, dict):
        return " ".join(error_text(DomainError(value)) for value in detail.values())
    if isinstance(detail, list):
        return " ".join(str(item) for item in detail)
    return str(detail)


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = (
        "thumbnail",
        "ticket",
        "category",
        "status",
        "organisation",
        "kelurahan",
        "submitted_at",
        "due_display",
        "support_count",
    )
    list_display_links = ("ticket",)
    list_filter = (
        "status",
        "category",
        filters.OrganisationFilter,
        filters.OverdueFilter,
        filters.KotaFilter,
        filters.KecamatanFilter,
        filters.KelurahanFilter,
        ("submitted_at", admin.DateFieldListFilter),
    )
    search_fields = ("ticket", "description")
    search_help_text = _("A ticket (JKT-2026-000123) or words of the description.")
    ordering = ("-submitted_at", "-id")
    list_per_page = 50
    show_full_result_count = False  # a second COUNT over everything in scope, on every page
    readonly_fields = WORKFLOW_FIELDS
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "ticket",
                    "status",
                    "category",
                    "organisation",
                    "office",
                    "submitted_at",
                    "updated_at",
                    "due_display",
                )
            },
        ),
        (
            _("Report"),
            {
                "fields": (
                    "description",
                    "answers_display",
                    "personal_details",
                    "photos_display",
                    "public",
                    "source",
                    "reporter_display",
                )
            },
        ),
        (_("Location"), {"fields": ("location_display",)}),
        (
            _("Clock"),
            {
                "fields": (
                    "coordination_due_at",
                    "coordinated_at",
                    "coordination_overdue_at",
                    "resolution_due_at",
                    "resolution_overdue_at",
                    "escalated_at",
                    "escalated_to",
                    "resolved_at",
                    "closed_at",
                )
            },
        ),
        (
            _("Outcome"),
            {
                "fields": (
                    "response",
                    "rejection_reason",
                    "duplicate_of",
                    "reopen_count",
                    "rating",
                    "rating_comment",
                    "support_count",
                )
            },
        ),
    )
    actions = ("verify", "dispatch_to", "start_work", "resolve", "mark_duplicate", "reject")
    change_form_template = "admin/complaints/complaint/change_form.html"
    change_list_template = "admin/complaints/complaint/change_list.html"

    # --- who sees what ------------------------------------------------------------------------

    def get_queryset(self, request):
        return selectors.complaints_for_triage(user=request.user)

    def get_object(self, request, object_id, from_field=None):
        """Out of scope (or no such complaint) is a 404, not the admin's redirect home."""
        complaint = super().get_object(request, object_id, from_field)
        if complaint is None:
            raise Http404(_("No such complaint."))
        return complaint

    def has_module_permission(self, request):
        return permissions.is_complaint_staff(request.user)

    def has_view_permission(self, request, obj=None):
        user = request.user
        return permissions.is_complaint_staff(user) and (
            obj is None or permissions.can_see(user, obj)
        )

    def has_change_permission(self, request, obj=None):
        # The list's actions need it; a complaint itself is never edited through the form
        # (its page is read-only, the moves and replies are the panels under it).
        return obj is None and permissions.is_complaint_staff(request.user)

    def has_add_permission(self, request):
        return False  # residents and Open311 clients report; staff do not

    def has_delete_permission(self, request, obj=None):
        return False  # the city keeps every report (erasure anonymises)

    def get_search_results(self, request, queryset, search_term):
        if TICKET.match(search_term):
            # A ticket is unique and indexed: no need to scan every description for it.
            return queryset.filter(ticket=search_term.strip().upper()), False
        return super().get_search_results(request, queryset, search_term)

    # --- columns and fields -------------------------------------------------------------------

    @admin.display(description=_("photo"))
    def thumbnail(self, complaint: Complaint) -> str:
        photos = list(complaint.photos.all())  # prefetched
        if not photos:
            return "—"
        return format_html(
            '<img src="{}" alt="" loading="lazy" style="max-width:64px;max-height:64px">',
            media_url(photos[0], thumbnail=True),
        )

    @admin.display(description=_("due"), ordering="due")
    def due_display(self, complaint: Complaint) -> str:
        due = getattr(complaint, "due", complaint.due_at)
        if due is None:
            return "—"
        text = admin.utils.display_for_value(due, "")
        if complaint.is_overdue:
            return format_html('<strong style="color:#ba2121">{} ({})</strong>', text, _("overdue"))
        return text

    @admin.display(description=_("photos"))
    def photos_display(self, complaint: Complaint) -> str:
        photos = list(complaint.photos.all())
        if not photos:
            return "—"
        return format_html_join(
            " ",
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" '
            'style="max-width:160px;max-height:160px"></a>',
            ((media_url(p), media_url(p, thumbnail=True)) for p in photos),
        )

    @admin.display(description=_("answers"))
    def answers_display(self, complaint: Complaint) -> str:
        if not complaint.answers:
            return "—"
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            (
                (code, ", ".join(map(str, v)) if isinstance(v, list) else v)
                for code, v in complaint.answers.items()
            ),
        )

    @admin.display(description=_("reporter"))
    def reporter_display(self, complaint: Complaint) -> str:
        """A masked number to tell reporters apart and nothing more (UU PDP): no name, no
        e-mail; the officer answers through the timeline, which reaches the reporter."""
        if complaint.anonymised_at is not None:
            return str(_("Erased at the reporter's request"))
        if complaint.reporter_id is not None:
            return complaint.reporter.masked_phone or "—"
        return mask_phone(complaint.contact_phone) or "—"

    @admin.display(description=_("location"))
    def location_display(self, complaint: Complaint) -> str:
        places = ", ".join(
            region.name
            for region in (complaint.kelurahan, complaint.kecamatan, complaint.kota)
            if region is not None
        )
        return format_html(
            '<div>{}</div><div>{}</div><div>{} · <a href="{}" target="_blank" '
            'rel="noopener noreferrer">{}</a></div>',
            complaint.address or "—",
            places,
            f"{complaint.lat:.6f}, {complaint.lon:.6f}",
            OSM.format(lat=complaint.lat, lon=complaint.lon),
            _("Open in OpenStreetMap"),
        )

    # --- the change page's panels ---------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("dashboard/", view(self.dashboard_view), name="{}_{}_dashboard".format(*info)),
            path("<path:object_id>/move/", view(self.move_view), name="{}_{}_move".format(*info)),
            path(
                "<path:object_id>/reply/", view(self.reply_view), name="{}_{}_reply".format(*info)
            ),
            *super().get_urls(),
        ]

    def app_list_links(self, request) -> list[dict]:
        """The dashboard in the admin's app list (JakiAdminSite asks each ModelAdmin)."""
        if not self.has_view_permission(request):
            return []
        return [
            {
                "name": _("Complaints dashboard"),
                "object_name": "ComplaintDashboard",
                "admin_url": reverse("admin:complaints_complaint_dashboard"),
                "add_url": None,
                "view_only": True,
                "perms": {"view": True},
            }
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        complaint = self.get_object(request, object_id)
        context = {
            "timeline": selectors.complaint_timeline(complaint=complaint, staff=True)
            .select_related("actor")
            .order_by("created_at", "id"),
            "move_form": MoveForm(
                complaint=complaint, user=request.user, initial={"expected": complaint.status}
            ),
            "comment_form": CommentForm(complaint=complaint),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def move_view(self, request, object_id):
        complaint = self.get_object(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        form = MoveForm(request.POST, complaint=complaint, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            self._move(
                request,
                complaint,
                to=data["to"],
                expected=data["expected"],
                note=reply_text(data["template"], data["text"], complaint),
                internal_note=data["internal_note"],
                organisation=data["organisation"],
                duplicate_of=data["original"],
            )
        else:
            self._form_errors(request, form)
        return redirect("admin:complaints_complaint_change", complaint.pk)

    def reply_view(self, request, object_id):
        complaint = self.get_object(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        form = CommentForm(request.POST, complaint=complaint)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.complaint_comment(
                    actor=request.user,
                    complaint=complaint,
                    text=reply_text(data["template"], data["text"], complaint),
                    public=data["public"],
                    request=request,
                )
            except DomainError as error:
                self.message_user(request, error_text(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Reply sent to the reporter.") if data["public"] else _("Note added."),
                    messages.SUCCESS,
                )
        else:
            self._form_errors(request, form)
        return redirect("admin:complaints_complaint_change", complaint.pk)

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise Http404
        counts = selectors.complaint_counts(user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Complaints dashboard"),
            "counts": counts,
            "status_max": max([n for __, __, n in counts["by_status"]] or [0]) or 1,
            "organisation_max": max([r["open"] for r in counts["by_organisation"]] or [0]) or 1,
            "kota_max": max([r["open"] for r in counts["by_kota"]] or [0]) or 1,
        }
        return TemplateResponse(request, "admin/complaints/complaint/dashboard.html", context)

    # --- actions ------------------------------------------------------------------------------

    @admin.action(description=_("Verify the selected complaints"), permissions=["change"])
    def verify(self, request, queryset):
        self._move_each(request, queryset, to=Status.VERIFIED)

    @admin.action(description=_("Dispatch to an organisation…"), permissions=["change"])
    def dispatch_to(self, request, queryset):
        form = DispatchForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._action_page(request, queryset, form, "dispatch_to", _("Dispatch"))
        self._move_each(
            request,
            queryset,
            to=Status.DISPATCHED,
            organisation=form.cleaned_data["organisation"],
            reply={"template": None, "text": form.cleaned_data["note"]},
        )
        return None

    @admin.action(description=_("Start the work"), permissions=["change"])
    def start_work(self, request, queryset):
        self._move_each(request, queryset, to=Status.IN_PROGRESS)

    @admin.action(description=_("Resolve with a reply…"), permissions=["change"])
    def resolve(self, request, queryset):
        form = ReplyForm(request.POST if "apply" in request.POST else None, status=Status.RESOLVED)
        if not form.is_valid():
            return self._action_page(request, queryset, form, "resolve", _("Resolve"))
        self._move_each(request, queryset, to=Status.RESOLVED, reply=form.cleaned_data)
        return None

    @admin.action(description=_("Mark as a duplicate of…"), permissions=["change"])
    def mark_duplicate(self, request, queryset):
        form = DuplicateForm(request.POST if "apply" in request.POST else None, user=request.user)
        if not form.is_valid():
            return self._action_page(
                request, queryset, form, "mark_duplicate", _("Mark as duplicates")
            )
        original = form.cleaned_data["original"]
        self._move_each(request, queryset, to=Status.DUPLICATE, duplicate_of=original)
        return None

    @admin.action(description=_("Reject with a reason…"), permissions=["change"])
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._action_page(request, queryset, form, "reject", _("Reject"))
        self._move_each(request, queryset, to=Status.REJECTED, reply=form.cleaned_data)
        return None

    # --- how actions and panels call the service ----------------------------------------------

    def _action_page(self, request, queryset, form, action: str, title) -> TemplateResponse:
        """The intermediate page of an action that needs more than a click."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "action": action,
            "complaints": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/complaints/complaint/action_form.html", context)

    def _move_each(self, request, queryset, *, to: str, reply: dict | None = None, **kwargs):
        """One service call per row (each its own transaction): the moves that succeed stay,
        each refusal is a message naming its ticket."""
        moved, refused = [], []
        for complaint in queryset:
            note = reply_text(reply["template"], reply["text"], complaint) if reply else ""
            error = self._transition(
                request, complaint, to=to, expected=complaint.status, note=note or "", **kwargs
            )
            if error is None:
                moved.append(complaint.ticket)
            else:
                refused.append(f"{complaint.ticket}: {error}")
        if moved:
            self.message_user(
                request,
                ngettext(
                    "%(count)d complaint moved to “%(status)s”: %(tickets)s.",
                    "%(count)d complaints moved to “%(status)s”: %(tickets)s.",
                    len(moved),
                )
                % {"count": len(moved), "status": Status(to).label, "tickets": ", ".join(moved)},
                messages.SUCCESS,
            )
        for line in refused[:MAX_ROW_MESSAGES]:
            self.message_user(request, line, messages.ERROR)
        if len(refused) > MAX_ROW_MESSAGES:
            more = len(refused) - MAX_ROW_MESSAGES
            self.message_user(
                request,
                ngettext(
                    "%(count)d more complaint was refused.",
                    "%(count)d more complaints were refused.",
                    more,
                )
                % {"count": more},
                messages.ERROR,
            )

    def _move(self, request, complaint, *, to: str, **kwargs) -> None:
        error = self._transition(request, complaint, to=to, **kwargs)
        if error is None:
            self.message_user(
                request,
                _("%(ticket)s moved to “%(status)s”.")
                % {"ticket": complaint.ticket, "status": Status(to).label},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, error, messages.ERROR)

    def _transition(self, request, complaint, **kwargs) -> str | None:
        try:
            services.complaint_transition(
                actor=request.user, complaint=complaint, request=request, **kwargs
            )
        except DomainError as error:
            return error_text(error)
        return None

    def _form_errors(self, request, form) -> None:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                self.message_user(request, f"{label}: {error}" if label else error, messages.ERROR)
