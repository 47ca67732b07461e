"""`seed_demo` gives a fresh `make run` admin a dozen complaints to triage, made by the
services, once."""

import io

from django.core.management import call_command

from complaints.models import Complaint, Event, Status
from jaki.audit.models import AuditEntry


def run() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_makes_a_dozen_complaints_across_the_workflow_once(db):
    first = run()
    second = run()

    assert Complaint.objects.count() == 12
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert statuses >= {Status.SUBMITTED, Status.DISPATCHED, Status.RESOLVED, Status.DUPLICATE}
    assert Complaint.objects.exclude(coordination_overdue_at=None).exists()
    assert (
        Event.objects.filter(kind=Event.Kind.STATUS).count()
        == AuditEntry.objects.filter(action="complaints.moved").count()
    )
    assert "demo complaints" in first
    assert first[first.index("demo complaints") :] == second[second.index("demo complaints") :]
