"""Who may see and move a complaint.

Triage staff (complaint_triage) work for the office a complaint was routed to: they see the
complaints whose coordinating office or responsible organisation lies in their organisation's
subtree (a kota office sees its kecamatan and kelurahan); triage staff without an organisation
are the city's own desk and see every complaint. Agency officers see only the complaints their
organisation (or one below it) answers for. Superusers see everything.
"""

from django.db.models import Q, QuerySet

from jaki.accounts.models import Role
from jaki.accounts.permissions import has_role, organisations_in_scope

TRIAGE = Role.COMPLAINT_TRIAGE
AGENCY = Role.AGENCY_OFFICER


def is_complaint_staff(user) -> bool:
    return has_role(user, TRIAGE) or has_role(user, AGENCY)


def _triage_scope(user) -> set[int] | None:
    if user.is_superuser or user.organisation_id is None:
        return None
    return organisations_in_scope(user)


def staff_filter(user) -> Q | None:
    """The complaints `user` may see as staff, as a filter (None: all, Q(pk__in=[]): none)."""
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    if user.is_superuser and user.is_active:
        return None
    filters: list[Q] = []
    if has_role(user, TRIAGE):
        scope = _triage_scope(user)
        if scope is None:
            return None
        filters.append(Q(office__in=scope) | Q(organisation__in=scope))
    if has_role(user, AGENCY):
        filters.append(Q(organisation__in=organisations_in_scope(user) or set()))
    if not filters:
        return Q(pk__in=[])
    combined = filters[0]
    for extra in filters[1:]:
        combined |= extra
    return combined


def visible_to_staff(queryset: QuerySet, user) -> QuerySet:
    condition = staff_filter(user)
    return queryset if condition is None else queryset.filter(condition)


def can_triage(user, complaint) -> bool:
    """Verify, dispatch, reject, mark duplicate, close, send back: triage in scope."""
    if not has_role(user, TRIAGE):
        return False
    scope = _triage_scope(user)
    return scope is None or complaint.office_id in scope or complaint.organisation_id in scope


def can_work(user, complaint) -> bool:
    """Start and resolve the work: the responsible organisation's officers, or triage in scope
    (a kelurahan office that handles a complaint itself)."""
    if can_triage(user, complaint):
        return True
    if not has_role(user, AGENCY):
        return False
    scope = organisations_in_scope(user)
    return scope is None or complaint.organisation_id in scope


def can_see(user, complaint) -> bool:
    return can_triage(user, complaint) or can_work(user, complaint)
