"""A dozen demo complaints across the workflow, so a fresh `make run` admin has work to show.

`seed_demo` finds this module by its name (the platform never imports a service). Every
complaint is made and moved through the services, as the demo admin; run twice, it adds
nothing."""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from complaints import services
from complaints.models import Category, Complaint, ResponseTemplate, Status
from jaki.accounts.demo import ADMIN_PHONE, RESIDENT
from jaki.accounts.models import Organisation, User

AGENCY = "sudin-bina-marga-jakpus"  # made by jaki.accounts.demo, which runs first

# category, (lat, lon), description, the moves after submit, overdue
REPORTS = [
    ("jalan-rusak", (-6.1754, 106.8272), "Jalan berlubang di depan Monas.", [], True),
    ("sampah", (-6.1760, 106.8275), "Sampah menumpuk di trotoar dekat halte.", [], False),
    ("lampu-jalan", (-6.1767, 106.8306), "Lampu jalan mati di depan Stasiun Gambir.", [], False),
    ("banjir", (-6.1745, 106.8450), "Genangan setinggi betis di Pasar Senen.", ["v"], True),
    ("parkir-liar", (-6.1866, 106.8130), "Parkir liar di bahu jalan Tanah Abang.", ["v"], False),
    ("jalan-rusak", (-6.1702, 106.8310), "Aspal amblas dekat Masjid Istiqlal.", ["v", "d"], True),
    ("trotoar", (-6.1890, 106.8390), "Trotoar rusak di Cikini.", ["v", "d"], False),
    (
        "saluran-air",
        (-6.1630, 106.8450),
        "Saluran air tersumbat di Kemayoran.",
        ["v", "d", "w"],
        False,
    ),
    (
        "jalan-rusak",
        (-6.1950, 106.8230),
        "Lubang di jalur sepeda Bundaran HI.",
        ["v", "d", "w"],
        False,
    ),
    ("lampu-jalan", (-6.1758, 106.8280), "Lampu taman Monas padam.", ["v", "d", "w", "r"], False),
    ("ketertiban-umum", (-6.1180, 106.9060), "Keributan malam hari di Koja.", ["x"], False),
    ("jalan-rusak", (-6.1756, 106.8274), "Lubang besar di depan Monas.", ["dup"], False),
]


def seed(*, stdout) -> None:
    resident = User.objects.get(phone=RESIDENT[0])
    if not Complaint.objects.filter(reporter=resident).exists():
        _report_and_move(resident)
    counts = (
        Complaint.objects.filter(reporter=resident)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by("status")
    )
    shown = ", ".join(f"{n} {status}" for status, n in counts)
    stdout.write(f"  demo complaints  {shown}; see /admin/complaints/complaint/")


def _report_and_move(resident: User) -> None:
    admin = User.objects.get(phone=ADMIN_PHONE)
    agency = Organisation.objects.get(code=AGENCY)
    resolved_reply = ResponseTemplate.objects.filter(status=Status.RESOLVED).first()
    made: list[Complaint] = []
    for code, (lat, lon), description, moves, late in REPORTS:
        complaint = services.complaint_submit(
            reporter=resident,
            category=Category.objects.get(code=code),
            description=description,
            lat=lat,
            lon=lon,
            public=True,
            answers={"menghalangi-jalan": "ya"} if code == "pohon" else None,
        )
        for move in moves:
            complaint = _move(complaint, move, admin, agency, resolved_reply, made)
        if late:
            # A demo's clock cannot wait hours: start it earlier, then let the sweep see it.
            past = timezone.now() - timedelta(hours=1)
            Complaint.objects.filter(pk=complaint.pk).update(
                coordination_due_at=past, resolution_due_at=past
            )
        made.append(complaint)
    services.complaints_mark_overdue()


def _move(complaint, move, admin, agency, reply, made) -> Complaint:
    if move == "v":
        return services.complaint_transition(actor=admin, complaint=complaint, to=Status.VERIFIED)
    if move == "d":
        return services.complaint_transition(
            actor=admin, complaint=complaint, to=Status.DISPATCHED, organisation=agency
        )
    if move == "w":
        return services.complaint_transition(
            actor=admin, complaint=complaint, to=Status.IN_PROGRESS
        )
    if move == "r":
        text = reply.text_id if reply else "Sudah diperbaiki. Terima kasih atas laporannya."
        return services.complaint_transition(
            actor=admin, complaint=complaint, to=Status.RESOLVED, note=text
        )
    if move == "x":
        return services.complaint_transition(
            actor=admin,
            complaint=complaint,
            to=Status.REJECTED,
            note="Bukan kewenangan Pemprov DKI: silakan hubungi kepolisian (110).",
        )
    return services.complaint_transition(
        actor=admin, complaint=complaint, to=Status.DUPLICATE, duplicate_of=made[0]
    )
