"""Reads of complaints. Each takes the viewer where what it returns depends on who asks, so a
list can never hold someone else's private report."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, When
from django.utils import timezone

from complaints import permissions
from complaints.models import (
    OPEN_STATUSES,
    Category,
    Complaint,
    Event,
    Question,
    ResponseTemplate,
    Status,
)
from jaki.process_copy import ProcessCopy
from jaki.regions.selectors import nearby

SIMILAR_RADIUS_M = 250  # FixMyStreet's default: suggest supporting one of these instead
FEED_RADIUS_M = 500
FEED_LIMIT = 50

_LIST_RELATED = ("category", "kelurahan", "organisation")
# A kelurahan's boundary is a polygon of many kilobytes: no complaint output shows it.
_NO_BOUNDARIES = ("kelurahan__boundary", "kecamatan__boundary", "kota__boundary")


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("position", "code"))
    )


def _catalogue() -> dict[str, Category]:
    return {c.code: c for c in categories_active().select_related("organisation")}


# Every report asks for its category, and categories change a few times a year.
_categories: ProcessCopy[dict[str, Category]] = ProcessCopy(
    version_key="complaints:categories-version",
    build=_catalogue,
    check_seconds=lambda: settings.COMPLAINTS_CATEGORIES_CHECK_SECONDS,
)


def category_active(*, code: str) -> Category | None:
    """An active category with its questions and organisation, from this process's copy of the
    catalogue (saving a category or a question renews it: complaints.apps). Read-only."""
    return _categories.get().get(code)


def categories_changed() -> None:
    _categories.invalidate()


def _listed(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return (
        queryset.select_related(*_LIST_RELATED).defer(_NO_BOUNDARIES[0]).prefetch_related("photos")
    )


def complaints_public(
    *, status: str | None = None, category: str | None = None
) -> QuerySet[Complaint]:
    """The public feed: complaints their reporters made public, newest first. Rejected ones
    are left out (they were not what the city should show)."""
    queryset = Complaint.objects.filter(public=True).exclude(status=Status.REJECTED)
    if status:
        queryset = queryset.filter(status=status)
    if category:
        queryset = queryset.filter(category__code=category)
    return _listed(queryset)


def complaints_public_near(
    *,
    lat: float,
    lon: float,
    radius_m: float = FEED_RADIUS_M,
    status: str | None = None,
    category: str | None = None,
    limit: int = FEED_LIMIT,
) -> list[tuple[Complaint, float]]:
    """Public complaints within radius_m of a point, nearest first, with their distances."""
    queryset = Complaint.objects.filter(public=True).exclude(status=Status.REJECTED)
    if status:
        queryset = queryset.filter(status=status)
    if category:
        queryset = queryset.filter(category__code=category)
    return nearby(_listed(queryset), lat=lat, lon=lon, radius_m=radius_m, limit=limit)


def complaints_similar(
    *,
    lat: float,
    lon: float,
    category: Category,
    radius_m: float = SIMILAR_RADIUS_M,
    limit: int = 20,
) -> list[tuple[Complaint, float]]:
    """Open complaints of this category close by, public or not: before submitting, a resident
    may support one instead. Callers show private ones without their details."""
    queryset = Complaint.objects.filter(category=category, status__in=OPEN_STATUSES)
    return nearby(_listed(queryset), lat=lat, lon=lon, radius_m=radius_m, limit=limit)


def complaints_of_reporter(*, user) -> QuerySet[Complaint]:
    return _listed(Complaint.objects.filter(reporter=user))


def complaints_for_staff(*, user) -> QuerySet[Complaint]:
    return permissions.visible_to_staff(Complaint.objects.all(), user)


def overdue_filter(now: datetime) -> Q:
    """The clock that runs now has passed: coordination while submitted, resolution after."""
    return Q(status=Status.SUBMITTED, coordination_due_at__lt=now) | Q(
        status__in=OPEN_STATUSES[1:], resolution_due_at__lt=now
    )


def complaints_for_triage(*, user) -> QuerySet[Complaint]:
    """The admin's work list: what `user` may see as staff, with what a row shows in a
    constant number of queries (category, offices, regions without their boundaries, photos)
    and `due`, the deadline that runs now, to sort by."""
    return (
        complaints_for_staff(user=user)
        .select_related("category", "organisation", "office", "kelurahan", "kecamatan", "kota")
        .defer(*_NO_BOUNDARIES)
        .prefetch_related("photos")
        .annotate(
            due=Case(
                When(status=Status.SUBMITTED, then=F("coordination_due_at")),
                When(status__in=OPEN_STATUSES[1:], then=F("resolution_due_at")),
                default=None,
            )
        )
    )


def response_templates_for(*, complaint: Complaint) -> QuerySet[ResponseTemplate]:
    """The active replies that fit a complaint: its category's or every category's."""
    return (
        ResponseTemplate.objects.filter(is_active=True)
        .filter(Q(category__isnull=True) | Q(category_id=complaint.category_id))
        .order_by("status", "title")
    )


def complaint_visible(*, public_id, user) -> Complaint | None:
    """The complaint if `user` may see it: anyone a public one, the reporter theirs, staff what
    is in their scope; None otherwise (a 404, so ids cannot be probed)."""
    try:
        complaint = (
            Complaint.objects.select_related(
                "category",
                "kelurahan",
                "kecamatan",
                "kota",
                "organisation",
                "office",
                "duplicate_of",
            )
            .defer(*_NO_BOUNDARIES)
            .prefetch_related("photos")
            .get(public_id=public_id)
        )
    except (Complaint.DoesNotExist, ValueError):
        return None
    if complaint.public and complaint.status != Status.REJECTED:
        return complaint
    viewer = user is not None and user.is_authenticated
    if viewer and (complaint.reporter_id == user.pk or permissions.can_see(user, complaint)):
        return complaint
    return None


def complaint_supportable(*, public_id, user) -> Complaint | None:
    """What a resident may support: a complaint they may see, or any open one (`similar`
    lists private open complaints nearby, so that a resident supports one instead of
    reporting it again); None otherwise."""
    complaint = complaint_visible(public_id=public_id, user=user)
    if complaint is not None:
        return complaint
    return Complaint.objects.filter(public_id=public_id, status__in=OPEN_STATUSES).first()


def viewer_is_staff_of(complaint: Complaint, user) -> bool:
    return bool(user and user.is_authenticated and permissions.can_see(user, complaint))


def complaint_timeline(*, complaint: Complaint, staff: bool) -> QuerySet[Event]:
    """The public events, or every event (internal notes too) for staff."""
    events = Event.objects.filter(complaint=complaint)
    if not staff:
        events = events.filter(public=True)
    return events.select_related("organisation").prefetch_related("attachments")


def complaint_counts(*, user) -> dict:
    """The dashboard: counts by status, and open/overdue per organisation and per kota, within
    what the user may see."""
    queryset = complaints_for_staff(user=user)
    overdue = overdue_filter(timezone.now())
    by_status = dict(
        queryset.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    open_qs = queryset.filter(status__in=OPEN_STATUSES).order_by()
    by_organisation = list(
        open_qs.values("organisation__code", "organisation__name")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue))
        .order_by("-overdue", "-open")[:20]
    )
    by_kota = list(
        open_qs.values("kota__code", "kota__name")
        .annotate(open=Count("id"), overdue=Count("id", filter=overdue))
        .order_by("kota__code")
    )
    return {
        "by_status": [(s.value, s.label, by_status.get(s.value, 0)) for s in Status],
        "by_organisation": by_organisation,
        "by_kota": by_kota,
        "overdue": sum(row["overdue"] for row in by_kota),
    }
