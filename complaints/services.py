"""Every write to complaints: submit, move through the workflow, comment, support, rate, reopen,
the SLA sweep and auto-close, and the reporter's erasure. Each is one transaction; pushes and
live events leave after commit (through jaki.notifications)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import permissions
from complaints.models import (
    AUTO_CLOSE_DAYS,
    ESCALATE_AFTER,
    MAX_PHOTOS,
    OPEN_STATUSES,
    REOPEN_DAYS,
    Category,
    Complaint,
    Event,
    Question,
    Status,
    Support,
    TicketCounter,
)
from jaki.accounts.models import Organisation, Role, User
from jaki.accounts.selectors import office_for_region
from jaki.api import Conflict, DomainError
from jaki.audit.services import audit_record
from jaki.media.models import ImageKind, StoredImage, Visibility
from jaki.media.services import PreparedImage, media_ingest
from jaki.notifications.services import feed_send_to_users, in_languages, notify
from jaki.regions.geo import haversine_m
from jaki.regions.models import Region
from jaki.regions.selectors import locate, region_of

logger = logging.getLogger(__name__)

DUPLICATE_RADIUS_M = 1000  # FixMyStreet's search radius for duplicates
LANGUAGES = ("id", "en")

TRIAGE, WORK = "triage", "work"
# (from, to): who may make the move. Everything else is a 409.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.SUBMITTED, Status.VERIFIED): TRIAGE,
    (Status.SUBMITTED, Status.REJECTED): TRIAGE,
    (Status.VERIFIED, Status.REJECTED): TRIAGE,
    (Status.SUBMITTED, Status.DUPLICATE): TRIAGE,
    (Status.VERIFIED, Status.DUPLICATE): TRIAGE,
    (Status.VERIFIED, Status.DISPATCHED): TRIAGE,
    (Status.DISPATCHED, Status.IN_PROGRESS): WORK,
    (Status.IN_PROGRESS, Status.RESOLVED): WORK,
    (Status.RESOLVED, Status.IN_PROGRESS): TRIAGE,  # sent back to be redone (the verifier)
    (Status.RESOLVED, Status.CLOSED): TRIAGE,
}


# --- errors --------------------------------------------------------------------------------


class OutsideJakarta(DomainError):
    default_code = "outside_jakarta"
    default_detail = gettext_lazy("This place is outside Jakarta: pick a point inside a kelurahan.")


class NoOfficeForPlace(DomainError):
    default_code = "no_office"
    default_detail = gettext_lazy("No office answers for this kelurahan yet.")


class InvalidAnswers(DomainError):
    default_code = "invalid_answers"


class TooManyPhotos(DomainError):
    default_code = "too_many_photos"


class NotPermitted(DomainError):
    status_code = 403
    default_code = "permission_denied"
    default_detail = gettext_lazy("You may not do this to this complaint.")


class TransitionNotAllowed(Conflict):
    default_code = "transition_not_allowed"


class StatusChanged(Conflict):
    default_code = "status_changed"
    default_detail = gettext_lazy("Someone else moved this complaint first: reload it.")


class InvalidTransition(DomainError):
    default_code = "invalid_transition"


class RatingNotAllowed(Conflict):
    default_code = "rating_not_allowed"


class ReopenNotAllowed(Conflict):
    default_code = "reopen_not_allowed"


class AlreadySupported(Conflict):
    default_code = "already_supported"
    default_detail = gettext_lazy("You already support this complaint.")


class SupportNotAllowed(Conflict):
    default_code = "support_not_allowed"


# --- helpers ---------------------------------------------------------------------------------


def status_label(status: str, language: str) -> str:
    with translation.override(language):
        return str(Status(status).label)


def _next_ticket(now: datetime) -> str:
    """JKT-<year>-<number>: one upsert on the year's counter. Submit numbers a report before its
    transaction opens, so the counter's row lock (held to the end of the transaction it runs
    in) is not held while the report is written: concurrent submits do not queue behind each
    other. Like a sequence, a submit that fails after numbering leaves a gap."""
    year = timezone.localtime(now).year
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608  (our table)
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (number,) = cursor.fetchone()
    return f"JKT-{year}-{number:06d}"


def _validate_answers(category: Category, answers: dict[str, Any] | None) -> dict[str, Any]:
    """Answers to the category's questions, checked against their Open311 datatypes."""
    answers = dict(answers or {})
    questions = {q.code: q for q in category.questions.all()}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for code in answers:
        if code not in questions:
            errors[code] = [_("This category asks no such question.")]
    for code, question in questions.items():
        value = answers.get(code)
        if value in (None, "", []):
            if question.required:
                errors[code] = [_("This question must be answered.")]
            continue
        try:
            clean[code] = _answer(question, value)
        except ValueError as error:
            errors[code] = [str(error)]
    if errors:
        raise InvalidAnswers({"answers": errors}, code="invalid_answers")
    return clean


def _answer(question: Question, value: Any) -> Any:
    kind = question.datatype
    if kind in (Question.Datatype.STRING, Question.Datatype.TEXT):
        limit = 255 if kind == Question.Datatype.STRING else 4000
        if not isinstance(value, str) or len(value) > limit:
            raise ValueError(_("Send text of at most %(limit)d characters.") % {"limit": limit})
        if "\x00" in value:  # PostgreSQL's jsonb cannot hold it
            raise ValueError(_("Text may not contain NUL characters."))
        return value
    if kind == Question.Datatype.NUMBER:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(_("Send a number.")) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(_("Send a number."))
        return number
    if kind == Question.Datatype.DATETIME:
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            raise ValueError(_("Send a date and time in ISO 8601."))
        return value
    keys = question.value_keys()
    if kind == Question.Datatype.SINGLE:
        if str(value) not in keys:
            raise ValueError(_("Pick one of: %(keys)s.") % {"keys": ", ".join(keys)})
        return str(value)
    values = value if isinstance(value, list) else [value]
    if not values or any(str(v) not in keys for v in values):
        raise ValueError(_("Pick from: %(keys)s.") % {"keys": ", ".join(keys)})
    return sorted({str(v) for v in values})


def _event(complaint: Complaint, **fields: Any) -> Event:
    attachments = fields.pop("attachments", ())
    event = Event.objects.create(complaint=complaint, **fields)
    if attachments:
        event.attachments.add(*attachments)
    return event


def _tell_reporter(complaint: Complaint, *, title: dict, body: dict, kind: str) -> None:
    """Push + inbox + websocket to the reporter, in their language (notify picks it), and the
    `complaint.updated` event for an open app screen to refresh."""
    if complaint.reporter_id is None:
        return
    reporter = complaint.reporter
    data = {
        "complaint": str(complaint.public_id),
        "ticket": complaint.ticket,
        "status": complaint.status,
    }
    notify(
        kind=kind,
        users=[reporter],
        title=title,
        body=body,
        data=data,
        deep_link=f"jaki://complaints/{complaint.public_id}",
        source=f"complaint:{complaint.public_id}",
    )
    event = {"type": "complaint.updated", **data, "updated_at": complaint.updated_at.isoformat()}
    public_id = reporter.public_id
    transaction.on_commit(lambda: feed_send_to_users([(public_id, event)]), robust=True)


def _staff_of(organisations: Iterable[Organisation]) -> list[User]:
    ids = {o.pk for o in organisations if o is not None}
    if not ids:
        return []
    return list(
        User.objects.filter(
            organisation__in=ids,
            is_active=True,
            is_staff=True,
            groups__name__in=[Role.COMPLAINT_TRIAGE, Role.AGENCY_OFFICER],
        ).distinct()
    )


# --- submit ----------------------------------------------------------------------------------


def complaint_submit(
    *,
    reporter: User | None,
    category: Category,
    description: str,
    lat: float,
    lon: float,
    address: str = "",
    public: bool = False,
    photos: Sequence[PreparedImage] = (),
    answers: dict[str, Any] | None = None,
    personal_details: str = "",
    source: str = Complaint.Source.APP,
    api_key: Any | None = None,
    reporter_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    device_id: str = "",
    request: HttpRequest | None = None,
) -> Complaint:
    """Accept a report: locate its kelurahan, route it (the kelurahan office of the point, or
    the category's organisation), set both SLA clocks, number it, store its photos and write
    the first timeline event. Raises OutsideJakarta, InvalidAnswers, TooManyPhotos."""
    if not category.is_active:
        raise DomainError(_("This category no longer takes reports."), code="inactive_category")
    if len(photos) > MAX_PHOTOS:
        raise TooManyPhotos(_("Send at most %(count)d photos.") % {"count": MAX_PHOTOS})
    found = locate(lat, lon)
    if found is None:
        raise OutsideJakarta({"lat": [str(OutsideJakarta.default_detail)]}, code="outside_jakarta")
    office = office_for_region(code=found.kelurahan.code)
    if office is None:
        raise NoOfficeForPlace()
    organisation = (
        category.organisation if category.routing == Category.Routing.ORGANISATION else office
    )
    clean_answers = _validate_answers(category, answers)
    visibility = Visibility.PUBLIC if public else Visibility.PRIVATE
    now = timezone.now()
    ticket = _next_ticket(now)
    with transaction.atomic():
        stored = [media_ingest(p, owner=reporter, visibility=visibility) for p in photos]
        complaint = Complaint.objects.create(
            ticket=ticket,
            category=category,
            description=description,
            personal_details=personal_details,
            answers=clean_answers,
            public=public,
            lat=lat,
            lon=lon,
            address=address,
            # Located from memory: the complaint shows its kelurahan without reading it back.
            kelurahan=region_of(found.kelurahan, Region.Level.KELURAHAN),
            kecamatan_id=found.kecamatan.id if found.kecamatan else None,
            kota_id=found.kota.id if found.kota else None,
            office=office,
            organisation=organisation,
            reporter=reporter,
            reporter_name=reporter_name,
            contact_email=contact_email,
            contact_phone=contact_phone,
            source=source,
            api_key=api_key,
            device_id=device_id,
            submitted_at=now,
            updated_at=now,
            coordination_due_at=now + timedelta(hours=category.coordination_sla_hours),
            resolution_due_at=now + timedelta(hours=category.resolution_sla_hours),
        )
        if stored:
            complaint.photos.add(*stored)
        _event(
            complaint,
            kind=Event.Kind.SUBMITTED,
            to_status=Status.SUBMITTED,
            actor=reporter,
            by_reporter=reporter is not None,
            organisation=organisation,
            created_at=now,
        )
    # No notification: the app that submitted it shows the ticket at once, and a reporter is
    # told of what others do to their report, never of what they did themselves.
    return complaint


# --- the workflow ----------------------------------------------------------------------------


def _locked(complaint: Complaint) -> Complaint:
    """The complaint re-read under a row lock: of two officers moving it at once, the second
    waits here and then sees the first one's move."""
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("reporter", "organisation", "office", "category")
        .get(pk=complaint.pk)
    )


def _root(complaint: Complaint) -> Complaint:
    seen = set()
    while complaint.duplicate_of_id is not None and complaint.pk not in seen:
        seen.add(complaint.pk)
        complaint = complaint.duplicate_of
    return complaint


@transaction.atomic
def complaint_transition(
    *,
    actor: User | None,
    complaint: Complaint,
    to: str,
    expected: str | None = None,
    note: str = "",
    internal_note: str = "",
    organisation: Organisation | None = None,
    duplicate_of: Complaint | None = None,
    photos: Sequence[PreparedImage] = (),
    request: HttpRequest | None = None,
) -> Complaint:
    """Move a complaint one step. `actor` None is the system (auto-close). `expected` is the
    status the actor saw: if another move came first, StatusChanged (409). `note` goes on the
    public timeline (the response when resolving, the reason when rejecting); `internal_note`
    is for staff only. Dispatch takes the `organisation` to send it to (default: the office
    keeps it); duplicate takes the original; resolved requires `note`."""
    try:
        to = Status(to)
    except ValueError:
        raise InvalidTransition(_("There is no status %(to)s.") % {"to": to}) from None
    current = _locked(complaint)
    if expected is not None and current.status != expected:
        raise StatusChanged()
    rule = TRANSITIONS.get((current.status, to))
    if rule is None:
        raise TransitionNotAllowed(
            _("This complaint is at “%(from)s”: it cannot move to “%(to)s”.")
            % {"from": current.get_status_display(), "to": Status(to).label}
        )
    if actor is not None:
        allowed = (
            permissions.can_triage(actor, current)
            if rule == TRIAGE
            else permissions.can_work(actor, current)
        )
        if not allowed:
            raise NotPermitted()
    if len(photos) > MAX_PHOTOS:
        raise TooManyPhotos(_("Send at most %(count)d photos.") % {"count": MAX_PHOTOS})

    now = timezone.now()
    previous = current.status
    changed = ["status", "updated_at"]
    if previous == Status.SUBMITTED:
        current.coordinated_at = now
        changed.append("coordinated_at")
    if to == Status.DISPATCHED and organisation is not None:
        current.organisation = organisation
        changed.append("organisation")
    if to == Status.RESOLVED:
        if not note.strip():
            raise InvalidTransition(
                {"note": [_("A resolution needs a response to the reporter.")]},
                code="validation_error",
            )
        current.response = note
        current.resolved_at = now
        changed += ["response", "resolved_at"]
    if to == Status.REJECTED:
        if not note.strip():
            raise InvalidTransition(
                {"note": [_("Give the reporter the reason for the rejection.")]},
                code="validation_error",
            )
        current.rejection_reason = note
        changed.append("rejection_reason")
    if to == Status.CLOSED:
        current.closed_at = now
        changed.append("closed_at")
    if previous == Status.RESOLVED and to == Status.IN_PROGRESS:
        current.resolved_at = None
        changed.append("resolved_at")
    if to == Status.DUPLICATE:
        original = _duplicate_target(current, duplicate_of)
        current.duplicate_of = original
        changed.append("duplicate_of")

    current.status = to
    current.updated_at = now
    current.save(update_fields=changed)
    if to == Status.DUPLICATE:
        _move_supporters(current, current.duplicate_of)

    kind = ImageKind.AFTER_PHOTO if to == Status.RESOLVED else ImageKind.PHOTO
    stored = [
        media_ingest(p, owner=actor, visibility=_visibility(current), kind=kind) for p in photos
    ]
    _event(
        current,
        kind=Event.Kind.STATUS,
        from_status=previous,
        to_status=to,
        text=note,
        actor=actor,
        organisation=current.organisation,
        attachments=stored,
        created_at=now,
    )
    if internal_note.strip():
        _event(
            current,
            kind=Event.Kind.NOTE,
            public=False,
            text=internal_note,
            actor=actor,
            organisation=current.organisation,
            created_at=now,
        )
    audit_record(
        actor=actor,
        action="complaints.moved",
        obj_kind="complaint",
        obj_id=current.public_id,
        request=request,
        details={
            "ticket": current.ticket,
            "from": previous,
            "to": to,
            "organisation": current.organisation.code,
            **({"duplicate_of": current.duplicate_of.ticket} if current.duplicate_of else {}),
        },
    )
    _tell_reporter_of_move(current, note=note)
    complaint.refresh_from_db()
    return complaint


def _visibility(complaint: Complaint) -> str:
    return Visibility.PUBLIC if complaint.public else Visibility.PRIVATE


def _tell_reporter_of_move(complaint: Complaint, *, note: str) -> None:
    title = {
        lang: f"{complaint.ticket}: {status_label(complaint.status, lang)}" for lang in LANGUAGES
    }
    if note.strip():
        body = dict.fromkeys(LANGUAGES, note[:500])
    else:
        body = {lang: _status_sentence(complaint.status, lang) for lang in LANGUAGES}
    _tell_reporter(complaint, kind="complaint.updated", title=title, body=body)


def _status_sentence(status: str, language: str) -> str:
    with translation.override(language):
        return _("Your report is now: %(status)s.") % {"status": Status(status).label}


def _duplicate_target(complaint: Complaint, original: Complaint | None) -> Complaint:
    if original is None:
        raise InvalidTransition(
            {"duplicate_of": [_("Name the complaint this one repeats.")]}, code="validation_error"
        )
    original = _root(original)
    if original.pk == complaint.pk:
        raise InvalidTransition(
            {"duplicate_of": [_("A complaint cannot repeat itself.")]}, code="validation_error"
        )
    distance = float(haversine_m(complaint.lat, complaint.lon, [original.lat], [original.lon])[0])
    if distance > DUPLICATE_RADIUS_M:
        raise InvalidTransition(
            {
                "duplicate_of": [
                    _("The original is %(distance)d m away; a duplicate is within %(limit)d m.")
                    % {"distance": distance, "limit": DUPLICATE_RADIUS_M}
                ]
            },
            code="validation_error",
        )
    return original


def _move_supporters(duplicate: Complaint, original: Complaint) -> None:
    """The duplicate's supporters, and its reporter, now follow the original."""
    followers = set(Support.objects.filter(complaint=duplicate).values_list("user_id", flat=True))
    if duplicate.reporter_id is not None:
        followers.add(duplicate.reporter_id)
    followers.discard(original.reporter_id)
    already = set(
        Support.objects.filter(complaint=original, user_id__in=followers).values_list(
            "user_id", flat=True
        )
    )
    Support.objects.bulk_create(
        [Support(complaint=original, user_id=uid) for uid in sorted(followers - already)]
    )
    Support.objects.filter(complaint=duplicate).delete()
    Complaint.objects.filter(pk=duplicate.pk).update(support_count=0)
    Complaint.objects.filter(pk=original.pk).update(
        support_count=Support.objects.filter(complaint=original).count(),
        updated_at=timezone.now(),
    )
    if followers - already:
        _event(
            original,
            kind=Event.Kind.SUPPORTERS,
            public=False,
            text=_("%(count)d supporters joined from %(ticket)s.")
            % {"count": len(followers - already), "ticket": duplicate.ticket},
        )


# --- the resident's part ---------------------------------------------------------------------


@transaction.atomic
def complaint_comment(
    *,
    actor: User,
    complaint: Complaint,
    text: str,
    public: bool = True,
    photos: Sequence[PreparedImage] = (),
    request: HttpRequest | None = None,
) -> Event:
    """A comment on the timeline: the reporter's (always public), or staff's public reply or
    internal note. Others may not comment (NotPermitted)."""
    is_reporter = complaint.reporter_id is not None and complaint.reporter_id == actor.pk
    is_staff = permissions.can_see(actor, complaint)
    if not (is_reporter or is_staff):
        raise NotPermitted()
    if not is_staff:
        public = True
    if len(photos) > MAX_PHOTOS:
        raise TooManyPhotos(_("Send at most %(count)d photos.") % {"count": MAX_PHOTOS})
    stored = [media_ingest(p, owner=actor, visibility=_visibility(complaint)) for p in photos]
    now = timezone.now()
    event = _event(
        complaint,
        kind=Event.Kind.COMMENT if public else Event.Kind.NOTE,
        public=public,
        text=text,
        actor=actor,
        by_reporter=is_reporter and not is_staff,
        organisation=actor.organisation if is_staff else None,
        attachments=stored,
        created_at=now,
    )
    Complaint.objects.filter(pk=complaint.pk).update(updated_at=now)
    if is_staff:
        audit_record(
            actor=actor,
            action="complaints.replied" if public else "complaints.noted",
            obj_kind="complaint",
            obj_id=complaint.public_id,
            request=request,
            details={"ticket": complaint.ticket},
        )
        if public and not is_reporter:
            complaint.updated_at = now
            _tell_reporter(
                complaint,
                kind="complaint.comment",
                title=in_languages(gettext_lazy("Reply on %(ticket)s"), ticket=complaint.ticket),
                body=dict.fromkeys(LANGUAGES, text[:500]),
            )
    return event


@transaction.atomic
def complaint_support(*, user: User, complaint: Complaint) -> int:
    """A resident's "me too", once; returns the new count. Not on one's own report, and only
    while it is open."""
    if complaint.reporter_id == user.pk:
        raise SupportNotAllowed(_("You reported this complaint yourself."))
    if complaint.status not in OPEN_STATUSES:
        raise SupportNotAllowed(_("This complaint is no longer open."))
    __, created = Support.objects.get_or_create(complaint=complaint, user=user)
    if not created:
        raise AlreadySupported()
    Complaint.objects.filter(pk=complaint.pk).update(support_count=F("support_count") + 1)
    return Complaint.objects.values_list("support_count", flat=True).get(pk=complaint.pk)


def _own(user: User, complaint: Complaint) -> None:
    if complaint.reporter_id is None or complaint.reporter_id != user.pk:
        raise NotPermitted(_("Only the reporter may do this."))


@transaction.atomic
def complaint_rate(*, user: User, complaint: Complaint, stars: int, comment: str = "") -> Complaint:
    """The reporter's rating of the resolution: once, 1 to 5, while resolved or closed and
    within the window after the resolution."""
    _own(user, complaint)
    current = _locked(complaint)
    if current.status not in (Status.RESOLVED, Status.CLOSED) or current.resolved_at is None:
        raise RatingNotAllowed(_("A complaint can be rated once it is resolved."))
    if current.rating is not None:
        raise RatingNotAllowed(_("You already rated this complaint."))
    if not 1 <= int(stars) <= 5:
        raise DomainError({"stars": [_("Give 1 to 5 stars.")]}, code="validation_error")
    now = timezone.now()
    current.rating, current.rating_comment, current.rated_at = int(stars), comment, now
    current.updated_at = now
    current.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    _event(
        current, kind=Event.Kind.RATED, text=comment, actor=user, by_reporter=True, created_at=now
    )
    return current


@transaction.atomic
def complaint_reopen(
    *, user: User, complaint: Complaint, reason: str, request: HttpRequest | None = None
) -> Complaint:
    """Not really fixed: the reporter sends a resolved complaint back to work within
    REOPEN_DAYS of its resolution."""
    _own(user, complaint)
    current = _locked(complaint)
    if current.status != Status.RESOLVED or current.resolved_at is None:
        raise ReopenNotAllowed(_("Only a resolved complaint can be reopened."))
    if timezone.now() > current.resolved_at + timedelta(days=REOPEN_DAYS):
        raise ReopenNotAllowed(
            _("A complaint can be reopened within %(days)d days of its resolution.")
            % {"days": REOPEN_DAYS}
        )
    if current.rating is not None:
        raise ReopenNotAllowed(_("You rated the resolution: write a new report instead."))
    now = timezone.now()
    current.status = Status.IN_PROGRESS
    current.resolved_at = None
    current.reopen_count += 1
    current.updated_at = now
    current.save(update_fields=["status", "resolved_at", "reopen_count", "updated_at"])
    _event(
        current,
        kind=Event.Kind.REOPENED,
        from_status=Status.RESOLVED,
        to_status=Status.IN_PROGRESS,
        text=reason,
        actor=user,
        by_reporter=True,
        organisation=current.organisation,
        created_at=now,
    )
    audit_record(
        actor=user,
        action="complaints.reopened",
        obj_kind="complaint",
        obj_id=current.public_id,
        request=request,
        details={"ticket": current.ticket},
    )
    staff = _staff_of([current.organisation])
    if staff:
        notify(
            kind="complaint.reopened",
            users=staff,
            title=in_languages(gettext_lazy("%(ticket)s was reopened"), ticket=current.ticket),
            body=dict.fromkeys(LANGUAGES, reason[:500]),
            data={"complaint": str(current.public_id), "ticket": current.ticket},
            source=f"complaint:{current.public_id}",
        )
    return current


# --- the clock -------------------------------------------------------------------------------


def complaints_close_resolved(*, now: datetime | None = None, batch: int = 500) -> int:
    """Close what stayed resolved AUTO_CLOSE_DAYS without a reopen; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=AUTO_CLOSE_DAYS)
    closed = 0
    ids = list(
        Complaint.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff)
        .order_by("resolved_at")
        .values_list("pk", flat=True)[:batch]
    )
    for complaint in Complaint.objects.filter(pk__in=ids):
        try:
            complaint_transition(
                actor=None, complaint=complaint, to=Status.CLOSED, expected=Status.RESOLVED
            )
        except Conflict:
            continue  # reopened meanwhile
        closed += 1
    return closed


def complaints_mark_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """Mark what missed its coordination or resolution deadline, tell the responsible office's
    staff, and escalate to the parent office what stayed overdue a further day."""
    now = now or timezone.now()
    counts = {"coordination": 0, "resolution": 0, "escalated": 0}
    told: dict[int, list[str]] = defaultdict(list)
    with transaction.atomic():
        late = list(
            Complaint.objects.select_for_update(skip_locked=True)
            .filter(
                status=Status.SUBMITTED,
                coordination_due_at__lt=now,
                coordination_overdue_at__isnull=True,
            )
            .only("pk", "ticket", "organisation_id")[:1000]
        )
        Complaint.objects.filter(pk__in=[c.pk for c in late]).update(coordination_overdue_at=now)
        counts["coordination"] = len(late)
        for c in late:
            told[c.organisation_id].append(c.ticket)
        late = list(
            Complaint.objects.select_for_update(skip_locked=True)
            .filter(
                status__in=OPEN_STATUSES,
                resolution_due_at__lt=now,
                resolution_overdue_at__isnull=True,
            )
            .only("pk", "ticket", "organisation_id")[:1000]
        )
        Complaint.objects.filter(pk__in=[c.pk for c in late]).update(resolution_overdue_at=now)
        counts["resolution"] = len(late)
        for c in late:
            told[c.organisation_id].append(c.ticket)
        Event.objects.bulk_create(
            [
                Event(complaint_id=pk, kind=Event.Kind.OVERDUE, public=False, created_at=now)
                for pk in sorted({c.pk for c in late})
            ]
        )
        escalations: dict[int, list[str]] = defaultdict(list)
        stale = now - ESCALATE_AFTER
        for c in (
            Complaint.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organisation__parent", "office__parent")
            .filter(status__in=OPEN_STATUSES, escalated_at__isnull=True)
            .filter(Q(coordination_overdue_at__lte=stale) | Q(resolution_overdue_at__lte=stale))[
                :1000
            ]
        ):
            parent = c.organisation.parent or c.office.parent
            if parent is None:
                continue
            c.escalated_at, c.escalated_to = now, parent
            c.save(update_fields=["escalated_at", "escalated_to"])
            _event(
                c,
                kind=Event.Kind.ESCALATED,
                public=False,
                organisation=parent,
                text=_("Escalated to %(office)s.") % {"office": parent.name},
                created_at=now,
            )
            audit_record(
                actor=None,
                action="complaints.escalated",
                obj_kind="complaint",
                obj_id=c.public_id,
                details={"ticket": c.ticket, "to": parent.code},
            )
            escalations[parent.pk].append(c.ticket)
            counts["escalated"] += 1
        _tell_staff(told, escalated=False)
        _tell_staff(escalations, escalated=True)
    return counts


def _tell_staff(tickets_by_org: dict[int, list[str]], *, escalated: bool) -> None:
    organisations = Organisation.objects.in_bulk(list(tickets_by_org))
    for org_id, tickets in tickets_by_org.items():
        staff = _staff_of([organisations[org_id]])
        if not staff:
            continue
        message = (
            gettext_lazy("%(count)s complaints escalated to you: %(tickets)s")
            if escalated
            else gettext_lazy("%(count)s complaints are overdue: %(tickets)s")
        )
        shown = ", ".join(tickets[:10]) + ("…" if len(tickets) > 10 else "")
        notify(
            kind="complaint.escalated" if escalated else "complaint.overdue",
            users=staff,
            title=in_languages(
                gettext_lazy("Complaints escalated")
                if escalated
                else gettext_lazy("Complaints overdue")
            ),
            body=in_languages(message, count=len(tickets), tickets=shown),
            data={"tickets": ",".join(tickets[:50])},
            source="complaints:sla",
        )


# --- erasure ---------------------------------------------------------------------------------


def complaints_forget_reporter(*, user: User, **_kwargs: Any) -> int:
    """`user_erased` handler: the reporter's complaints stay for the city's statistics, without
    their name, contact, device, what they marked personal, or the link to them."""
    complaints = list(Complaint.objects.filter(reporter=user).select_related("category"))
    personal_codes: dict[int, set[str]] = {}
    for complaint in complaints:
        if complaint.category_id not in personal_codes:
            personal_codes[complaint.category_id] = set(
                complaint.category.questions.filter(personal=True).values_list("code", flat=True)
            )
        codes = personal_codes[complaint.category_id]
        complaint.answers = {k: v for k, v in complaint.answers.items() if k not in codes}
    Complaint.objects.bulk_update(complaints, ["answers"])
    now = timezone.now()
    Complaint.objects.filter(reporter=user).update(
        reporter=None,
        reporter_name="",
        contact_email="",
        contact_phone="",
        personal_details="",
        device_id="",
        anonymised_at=now,
    )
    Event.objects.filter(actor=user, by_reporter=True).update(actor=None)
    Support.objects.filter(user=user).delete()
    StoredImage.objects.filter(owner=user).update(owner=None)
    return len(complaints)
