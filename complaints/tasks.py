"""The complaints clock, run by beat: thin wrappers around services."""

from celery import shared_task

from complaints import services


@shared_task(name="complaints.tasks.mark_overdue")
def mark_overdue() -> dict[str, int]:
    """Every few minutes: overdue complaints flagged, their offices told, escalations made."""
    return services.complaints_mark_overdue()


@shared_task(name="complaints.tasks.close_resolved")
def close_resolved() -> int:
    """Hourly: resolved complaints close themselves AUTO_CLOSE_DAYS after the resolution."""
    return services.complaints_close_resolved()
