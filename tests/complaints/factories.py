"""Complaints made through the service, as a resident makes them, at real places."""

from complaints.models import Category
from complaints.services import complaint_submit
from tests.complaints.conftest import MONAS


def category(code: str = "jalan-rusak") -> Category:
    return Category.objects.get(code=code)


def complaint(*, reporter, at=MONAS, code: str = "jalan-rusak", **kwargs):
    kwargs.setdefault("description", "Jalan berlubang di depan halte.")
    return complaint_submit(
        reporter=reporter, category=category(code), lat=at[0], lon=at[1], **kwargs
    )
