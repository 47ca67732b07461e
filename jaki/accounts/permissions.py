"""Who may do what: roles are Django groups named after `Role` values."""

from rest_framework.permissions import BasePermission

from jaki.accounts.models import Role


def has_role(user, role: Role | str) -> bool:
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name=str(role)).exists()


def role_required(*roles: Role) -> type[BasePermission]:
    """A DRF permission class admitting active staff in any of `roles`."""

    class HasRole(BasePermission):
        def has_permission(self, request, view) -> bool:
            return any(has_role(request.user, role) for role in roles)

    HasRole.__name__ = "HasRole_" + "_".join(str(r) for r in roles)
    return HasRole
