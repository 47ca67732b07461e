"""Who sees which camera.

Public cameras: everyone. Restricted cameras: the operators (`cctv_operator`) of the owning
organisation or of one above it, and superusers; to anyone else a restricted camera does not
exist (404, never 403), so its id cannot be probed.
"""

from django.db.models import Q

from jaki.accounts.models import Role
from jaki.accounts.permissions import can_act, has_role, organisations_in_scope

OPERATOR = Role.CCTV_OPERATOR


def restricted_filter(user) -> Q | None:
    """The restricted cameras `user` may see, as a filter (None: all of them)."""
    if not has_role(user, OPERATOR):
        return Q(pk__in=[])
    scope = organisations_in_scope(user)
    return None if scope is None else Q(organisation__in=scope)


def visible_filter(user) -> Q | None:
    """Public cameras, and the restricted ones `user` operates (None: every camera)."""
    restricted = restricted_filter(user)
    return None if restricted is None else Q(public=True) | restricted


def can_operate(user, camera) -> bool:
    """Whether `user` is an operator of the camera's organisation (or above it)."""
    return can_act(user, OPERATOR, camera)
