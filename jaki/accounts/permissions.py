"""Who may do what: roles are Django groups named after `Role` values, and an organisation
sees its own rows and those of every organisation below it.

A service states its row rule once and uses it in the API and the admin alike:

    # selectors / api.py: a list that cannot leak another office's rows
    complaints = scoped(Complaint.objects.all(), user, role=Role.COMPLAINT_TRIAGE)
    # an object check (e.g. before a transition)
    can_act(user, Role.COMPLAINT_TRIAGE, complaint)
    # DRF views and admin screens
    permission_classes = [InOrganisationScope(Role.COMPLAINT_TRIAGE)]
    class ComplaintAdmin(OrganisationScopedAdmin, admin.ModelAdmin): scope_role = ...

Rows out of scope are *not found* (404), not forbidden: a scoped queryset never holds them, so
an office cannot learn that another kota's complaint exists by trying its id.
"""

from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet
from rest_framework.permissions import BasePermission

from jaki.accounts.models import Organisation, Role

# Where the user's scope is kept for the rest of the request: on the user object, which
# DRF and the admin build anew for every request.
_SCOPE_ATTR = "_organisations_in_scope"
_ROLES_ATTR = "_role_names"


def _is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def has_role(user, role: Role | str) -> bool:
    if not _is_staff(user):
        return False
    return user.is_superuser or str(role) in role_names(user)


def role_names(user) -> frozenset[str]:
    """The names of the user's groups: one query, once per request (kept on the user object),
    since an admin list asks for every row it shows."""
    cached = getattr(user, _ROLES_ATTR, None)
    if cached is None:
        holds = getattr(user, "has_roles", True)  # False: known from the sign-in query
        cached = frozenset(user.groups.values_list("name", flat=True)) if holds else frozenset()
        setattr(user, _ROLES_ATTR, cached)
    return cached


def role_required(*roles: Role) -> type[BasePermission]:
    """A DRF permission class admitting active staff in any of `roles`."""

    class HasRole(BasePermission):
        def has_permission(self, request, view) -> bool:
            return any(has_role(request.user, role) for role in roles)

    HasRole.__name__ = "HasRole_" + "_".join(str(r) for r in roles)
    return HasRole


def organisations_in_scope(user) -> set[int] | None:
    """Ids of the user's organisation and of every organisation below it (a dinas and its suku
    dinas; a kota office, its kecamatan and kelurahan offices). None means unrestricted (a
    superuser); an empty set, nothing (residents, staff without an organisation).

    One recursive query, once per request (kept on the user object)."""
    if not _is_staff(user):
        return set()
    if user.is_superuser:
        return None
    cached = getattr(user, _SCOPE_ATTR, None)
    if cached is not None:
        return set(cached)
    scope: set[int] = set()
    if user.organisation_id is not None:
        table = connection.ops.quote_name(Organisation._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH RECURSIVE subtree(id) AS (
                    SELECT id FROM {table} WHERE id = %s
                    UNION
                    SELECT child.id FROM {table} child JOIN subtree ON child.parent_id = subtree.id
                )
                SELECT id FROM subtree
                """,  # noqa: S608  (the table name is ours; the id is a parameter)
                [user.organisation_id],
            )
            scope = {row[0] for row in cursor.fetchall()}
    setattr(user, _SCOPE_ATTR, frozenset(scope))
    return scope


def _allowed(user, role: Role | str | None) -> bool:
    return has_role(user, role) if role is not None else _is_staff(user)


def scoped(
    queryset: QuerySet, user, *, role: Role | str | None = None, via: str = "organisation"
) -> QuerySet:
    """The rows of `queryset` whose `via` organisation (a lookup path: "organisation",
    "complaint__agency", "pk" for organisations themselves) is in the user's scope; none for a
    user without `role` (any active staff when role is None)."""
    if not _allowed(user, role):
        return queryset.none()
    scope = organisations_in_scope(user)
    if scope is None:
        return queryset
    return queryset.filter(**{f"{via}__in": scope})


def _organisation_id_of(obj: Model, via: str) -> Any:
    *path, last = via.split("__")
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    if last == "pk":
        return obj.pk
    field = obj._meta.get_field(last)
    return getattr(obj, field.attname)


def can_act(user, role: Role | str | None, obj: Model, *, via: str = "organisation") -> bool:
    """Whether the user holds `role` and `obj`'s `via` organisation is in their scope."""
    if not _allowed(user, role):
        return False
    scope = organisations_in_scope(user)
    return scope is None or _organisation_id_of(obj, via) in scope


# Named like a class: it is used where DRF expects one, `permission_classes = [...]`.
def InOrganisationScope(
    role: Role | str | None = None, *, via: str = "organisation"
) -> type[BasePermission]:
    """A DRF permission class: the role to enter, `can_act` on each object. Pair it with a
    `scoped` queryset, so out-of-scope ids are 404 before the object check is reached."""

    class _InOrganisationScope(BasePermission):
        def has_permission(self, request, view) -> bool:
            return _allowed(request.user, role)

        def has_object_permission(self, request, view, obj) -> bool:
            return can_act(request.user, role, obj, via=via)

    _InOrganisationScope.__name__ = f"InOrganisationScope_{role or 'staff'}"
    return _InOrganisationScope


class OrganisationScopedAdmin:
    """A ModelAdmin mixin: staff see and change only rows of their organisation's subtree.

    `scope_field` is the lookup path to the row's organisation; `scope_role` the role needed
    (None: any staff with the model permission). Superusers see everything."""

    scope_field = "organisation"
    scope_role: Role | str | None = None

    def get_queryset(self, request):
        return scoped(
            super().get_queryset(request), request.user, role=self.scope_role, via=self.scope_field
        )

    def _in_scope(self, request, obj) -> bool:
        return obj is None or can_act(request.user, self.scope_role, obj, via=self.scope_field)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)
