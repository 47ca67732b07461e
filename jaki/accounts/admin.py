"""Staff screens for people and organisations. Phone numbers are masked in lists (UU PDP).

Roles and flags are the superusers' alone: a staff member with `change_user` edits residents'
profiles and their own, never anyone's roles, flags, groups or permissions, and never another
staff account (whose password they could otherwise reset and take over). Every change of roles
is written to the audit log.
"""

import contextlib

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jaki.accounts.models import Organisation, OTPCode, User
from jaki.accounts.permissions import OrganisationScopedAdmin, can_act
from jaki.accounts.phones import normalise_phone
from jaki.accounts.services import (
    role_permissions_snapshot,
    role_record_change,
    staff_roles_record_change,
    staff_roles_snapshot,
)

# What only a superuser may set: who is staff, with which powers, in which agency.
ROLE_FIELDS = (
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
    "organisation",
)


class PhoneFormMixin:
    def clean_phone(self):
        phone = self.cleaned_data.get("phone")
        if not phone:
            return None
        try:
            return normalise_phone(phone)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class UserCreationForm(PhoneFormMixin, forms.ModelForm):
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, required=False)

    class Meta:
        model = User
        fields = ("phone", "name", "organisation", "is_staff")

    def save(self, commit=True):
        user = super().save(commit=False)
        password = self.cleaned_data.get("password1")
        user.set_password(password) if password else user.set_unusable_password()
        if commit:
            user.save()
        return user


class UserChangeForm(PhoneFormMixin, auth_forms.UserChangeForm):
    """Django's change form (the password shown as its hash's summary, changed only through the
    password form), with our fields."""

    class Meta:
        model = User
        fields = (
            "phone",
            "password",
            "name",
            "language",
            "organisation",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        )


class PhoneSearchMixin:
    """Staff type numbers as people say them (0812…): the owner's stored E.164 form is found
    too, while the term as typed still searches every other field (kelurahan names, codes)."""

    phone_field = "user__phone"  # a model with a `user`; UserAdmin uses "phone"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        with contextlib.suppress(ValidationError):
            phone = normalise_phone(search_term)
            results |= queryset.filter(**{self.phone_field: phone})
        return results, may_have_duplicates


@admin.register(User)
class UserAdmin(PhoneSearchMixin, DjangoUserAdmin):
    phone_field = "phone"
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("masked_phone_display", "name", "organisation", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "is_superuser", "groups", "organisation__kind")
    list_select_related = ("organisation",)
    search_fields = ("phone", "name", "organisation__name")
    ordering = ("-date_joined",)
    autocomplete_fields = ("organisation",)
    readonly_fields = ("public_id", "date_joined", "last_login", "erased_at")
    fieldsets = (
        (None, {"fields": ("public_id", "phone", "password")}),
        (_("Profile"), {"fields": ("name", "language", "organisation")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("date_joined", "last_login", "erased_at")}),
    )
    add_fieldsets = (
        (None, {"fields": ("phone", "name", "organisation", "is_staff", "password1")}),
    )

    @admin.display(description=_("phone number"), ordering="phone")
    def masked_phone_display(self, user: User) -> str:
        return user.masked_phone or "—"

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return readonly
        return (*readonly, *ROLE_FIELDS)

    def get_fieldsets(self, request, obj=None):
        if obj is None and not request.user.is_superuser:
            # A read-only field has no place on the add form: its default (not staff) stands.
            return ((None, {"fields": ("phone", "name", "password1")}),)
        return super().get_fieldsets(request, obj)

    def _may_touch(self, request, obj) -> bool:
        return (
            obj is None
            or request.user.is_superuser
            or obj.pk == request.user.pk
            or not (obj.is_staff or obj.is_superuser)
        )

    def has_change_permission(self, request, obj=None):
        # Also guards the password form (`user_change_password` asks this).
        return super().has_change_permission(request, obj) and self._may_touch(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_touch(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            # The bulk delete asks for the model permission only, never per account.
            actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        form.roles_before = staff_roles_snapshot(user=obj if change else User())
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        staff_roles_record_change(
            actor=request.user,
            user=form.instance,
            before=form.roles_before,
            request=request,
            via="admin",
        )


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """A role's permissions are a role change for everyone in it: superusers only."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        form.role_before = role_permissions_snapshot(group=obj if change else Group())
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        role_record_change(
            actor=request.user, group=form.instance, before=form.role_before, request=request
        )


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScopedAdmin, admin.ModelAdmin):
    """Staff read their own office and every office below it; superusers see and edit all
    (the offices follow the regions, `offices_sync`, so edits are rare)."""

    scope_field = "pk"

    list_display = ("name", "code", "kind", "parent", "region")
    list_filter = ("kind",)
    list_select_related = ("parent", "region")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "region")
    ordering = ("kind", "name")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        # No model permission needed to read: knowing one's own subtree is part of every job.
        return self.has_module_permission(request) and (
            obj is None or can_act(request.user, None, obj, via=self.scope_field)
        )

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(OTPCode)
class OTPCodeAdmin(admin.ModelAdmin):
    """Read-only view of login codes, for support: who is stuck, not what the code was."""

    list_display = ("masked_phone", "created_at", "expires_at", "attempts", "used_at")
    list_filter = ("used_at",)
    ordering = ("-created_at",)
    exclude = ("phone", "code_hash", "client")

    @admin.display(description=_("phone number"))
    def masked_phone(self, otp: OTPCode) -> str:
        return User(phone=otp.phone).masked_phone

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Admin login records (django-axes; AXES_ENABLE_ADMIN is off so these replace its screens) ---


class MaskedUsernameMixin(PhoneSearchMixin):
    """axes keys attempts on the phone (E.164): shown masked, found as people say it."""

    phone_field = "username"

    def _swap(self, names):
        return [("masked_username" if name == "username" else name) for name in names]

    def get_list_display(self, request):
        return self._swap(super().get_list_display(request))

    def get_fieldsets(self, request, obj=None):
        return [
            (title, {**options, "fields": self._swap(options["fields"])})
            for title, options in super().get_fieldsets(request, obj)
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*self._swap(super().get_readonly_fields(request, obj)), "masked_username"]

    @admin.display(description=_("phone number"))
    def masked_username(self, record) -> str:
        try:
            return User(phone=normalise_phone(record.username or "")).masked_phone
        except ValidationError:
            return "—"

    # axes' models name the raw username in __str__, which the list and the change page print.
    def _label(self, record) -> str:
        return f"{self.masked_username(record)} @ {record.ip_address or '—'}"

    def action_checkbox(self, record):
        return super().action_checkbox(_Labelled(record.pk, self._label(record)))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["subtitle"] = self._label(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)


class _Labelled:
    def __init__(self, pk, label: str):
        self.pk, self.label = pk, label

    def __str__(self) -> str:
        return self.label


@admin.register(AccessAttempt)
class AccessAttemptAdmin(MaskedUsernameMixin, axes_admin.AccessAttemptAdmin):
    """axes\' record of admin attempts, phones masked."""


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(MaskedUsernameMixin, axes_admin.AccessFailureLogAdmin):
    """axes\' record of admin failures, phones masked."""


@admin.register(AccessLog)
class AccessLogAdmin(MaskedUsernameMixin, axes_admin.AccessLogAdmin):
    """axes\' record of admin logins, phones masked."""
