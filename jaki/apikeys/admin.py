"""Staff's screen for machine keys: issue (the key shown once), edit, expire, revoke.

The plaintext exists only in the response to the creation: rendered on a page of its own, not
put in a message (messages travel in a cookie or the session). The hash is never shown.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from jaki.apikeys import scopes as declared_scopes
from jaki.apikeys.models import ApiKey
from jaki.apikeys.services import api_key_create, api_key_revoke, api_key_update


class ResourcesField(forms.CharField):
    """A list of codes, typed one per line or separated by commas."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [code.strip() for code in text.replace(",", "\n").splitlines() if code.strip()]


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), widget=forms.CheckboxSelectMultiple, choices=()
    )
    resources = ResourcesField(
        label=_("allowed resources"),
        required=False,
        help_text=_(
            "Codes this key may act on (e.g. station codes), one per line; empty allows all."
        ),
    )

    class Meta:
        model = ApiKey
        fields = ("name", "scopes", "resources", "organisation", "expires_at", "rate")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when the form is built: services declare their scopes in ready(), after import.
        choices = [
            (scope, f"{scope} — {label}") for scope, label in declared_scopes.declared().items()
        ]
        # A scope no longer declared stays visible on a key that has it, so it can be removed.
        choices += [
            (s, s) for s in (self.instance.scopes or []) if not declared_scopes.is_declared(s)
        ]
        self.fields["scopes"].choices = choices


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("expired", _("Expired")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        from django.db.models import Q
        from django.utils import timezone

        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(
                Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at=None
            )
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now, revoked_at=None)
        if self.value() == "revoked":
            return queryset.exclude(revoked_at=None)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = (
        "name",
        "prefix",
        "scope_list",
        "organisation",
        "state",
        "expires_at",
        "last_used_at",
    )
    list_filter = (StateFilter, "organisation__kind")
    list_select_related = ("organisation",)
    search_fields = ("name", "prefix", "organisation__name")
    autocomplete_fields = ("organisation",)
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)
    ordering = ("-created_at",)

    def get_fields(self, request, obj=None):
        fields = list(ApiKeyForm.Meta.fields)
        return fields if obj is None else [*fields, *self.readonly_fields]

    @admin.display(description=_("scopes"))
    def scope_list(self, api_key: ApiKey) -> str:
        return ", ".join(api_key.scopes)

    @admin.display(description=_("state"))
    def state(self, api_key: ApiKey) -> str:
        if api_key.revoked_at is not None:
            return str(_("Revoked"))
        return str(_("Active") if api_key.is_active() else _("Expired"))

    def save_model(self, request, obj, form, change):
        if change:
            api_key_update(
                api_key=obj, actor=request.user, changed=form.changed_data, request=request
            )
            return
        issued = api_key_create(
            created_by=request.user,
            request=request,
            **{f: form.cleaned_data[f] for f in ApiKeyForm.Meta.fields},
        )
        # The admin goes on with `obj` (its history entry, the response): make it the new row.
        obj.__dict__.update(issued.api_key.__dict__)
        request._api_key_plaintext = issued.plaintext

    def response_add(self, request, obj, post_url_continue=None):
        plaintext = getattr(request, "_api_key_plaintext", None)
        if plaintext is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "api_key": obj,
            "plaintext": plaintext,
            "title": _("Copy the new API key now"),
        }
        # The admin's views are never_cache (no-store): no browser or proxy keeps this page.
        return TemplateResponse(request, "admin/apikeys/apikey/created.html", context)

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(
            api_key_revoke(api_key=k, actor=request.user, request=request) for k in queryset
        )
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )
