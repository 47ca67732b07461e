"""Staff screens for people and organisations. Phone numbers are masked in lists (UU PDP)."""

import contextlib

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jaki.accounts.models import Organisation, OTPCode, User
from jaki.accounts.phones import normalise_phone


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


class UserChangeForm(PhoneFormMixin, forms.ModelForm):
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


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "region")
    list_filter = ("kind",)
    list_select_related = ("parent", "region")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent", "region")
    ordering = ("kind", "name")


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
