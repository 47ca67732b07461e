"""Reads for Open311. Every complaint is listed (the city's ledger of requests); what of it a
caller sees is decided in one place, `shows_details`: private and rejected complaints show
their service, status, office, times and kelurahan, never their words, point, address or
photos. Nothing of the reporter (name, contact, answers) is ever read out."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from complaints.models import ENDED_STATUSES, OPEN_STATUSES, Category, Complaint, Question, Status
from complaints.selectors import categories_active, category_active

MAX_RANGE = timedelta(days=90)  # GeoReport v2: at most 90 days between start and end
DEFAULT_PAGE_SIZE = 1000  # GeoReport v2: 1,000 requests by default
MAX_PAGE_SIZE = 1000

OPEN311_STATUSES = {"open": OPEN_STATUSES, "closed": ENDED_STATUSES}

_RELATED = ("category", "organisation", "kelurahan", "duplicate_of")


def shows_details(complaint: Complaint) -> bool:
    """Whether the description, point, address, photos and notes may be shown to anyone."""
    return complaint.public and complaint.status != Status.REJECTED


def open311_status(complaint: Complaint) -> str:
    return "open" if complaint.status in OPEN_STATUSES else "closed"


def open311_services() -> QuerySet[Category]:
    return categories_active()


def open311_service(*, code: str) -> Category | None:
    return category_active(code=code)


def _complaints() -> QuerySet[Complaint]:
    return Complaint.objects.select_related(*_RELATED).prefetch_related(
        Prefetch("photos", to_attr="open311_photos")
    )


@dataclass(frozen=True)
class RequestsPage:
    complaints: list[Complaint]
    has_more: bool


def open311_requests(
    *,
    ids: Sequence[str] = (),
    service_codes: Sequence[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: Sequence[str] = (),
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> RequestsPage:
    """Requests newest first. With `ids`, those requests and no other filter (as the
    specification says); otherwise within [start, end], by default the last 90 days."""
    queryset = _complaints().order_by("-submitted_at", "-id")
    if ids:
        queryset = queryset.filter(ticket__in=list(ids))
    else:
        start, end = window(start=start, end=end)
        queryset = queryset.filter(submitted_at__gte=start, submitted_at__lte=end)
        if service_codes:
            queryset = queryset.filter(category__code__in=list(service_codes))
        if statuses:
            wanted = [s for status in statuses for s in OPEN311_STATUSES[status]]
            queryset = queryset.filter(status__in=wanted)
    page_size = min(page_size, MAX_PAGE_SIZE)
    offset = (page - 1) * page_size
    rows = list(queryset[offset : offset + page_size + 1])
    return RequestsPage(complaints=rows[:page_size], has_more=len(rows) > page_size)


def window(*, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """(start, end) of a query: the last 90 days when neither is given, 90 days from the one
    given otherwise. The caller checks that a given pair is at most MAX_RANGE apart."""
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_RANGE
    if end is None:
        end = start + MAX_RANGE
    return start, end


def open311_request(*, service_request_id: str) -> Complaint | None:
    if "\x00" in service_request_id:  # no ticket holds one, and PostgreSQL refuses it
        return None
    return _complaints().filter(ticket=service_request_id).first()


def open311_request_for_token(*, token: str) -> Complaint | None:
    """The request a POST answered with this token (the complaint's public id)."""
    try:
        public_id = uuid.UUID(token)
    except ValueError:
        return None
    return Complaint.objects.filter(public_id=public_id).only("ticket", "public_id").first()


def questions_of(category: Category) -> list[Question]:
    return list(category.questions.all())  # prefetched, in order, by categories_active
