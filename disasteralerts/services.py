"""Warning writes: draft, submit, approve (and broadcast), update, cancel, expire.

Every step is one transaction with its audit row; pushes and websocket events leave only after
commit (notify and the feed do that themselves). A draft is validated whole before anything is
written, so bad input is a 400 and nothing is half-stored or half-broadcast.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import PermissionDenied

from disasteralerts import permissions, selectors, validation
from disasteralerts.hazards import HAZARDS, hazard_texts
from disasteralerts.models import (
    LANGUAGES,
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    ResponseType,
    Scope,
    Severity,
    State,
    Status,
    Urgency,
)
from jaki.api import Conflict
from jaki.audit.services import audit_record
from jaki.notifications.models import Notification
from jaki.notifications.services import feed_broadcast_public, feed_send_to_users, notify

# Importers catch these by their services name (services.InvalidAlert, services.kelurahan_code).
InvalidAlert = validation.InvalidAlert
kelurahan_code = validation.kelurahan_code
CAP_TOKEN = validation.CAP_TOKEN
HEADLINE_MAX = validation.HEADLINE_MAX

TEST_PREFIX = {"id": "[UJI] ", "en": "[TEST] "}
CANCEL_PREFIX = {"id": "DIBATALKAN: ", "en": "CANCELLED: "}
CANCEL_TEXT = {
    "id": "Peringatan sebelumnya dibatalkan. Tidak perlu tindakan lebih lanjut.",
    "en": "The earlier warning is cancelled. No further action is needed.",
}
TTL_MAX = timedelta(days=28)


class NotPermitted(PermissionDenied):
    default_detail = gettext_lazy("You may not do this to this warning.")


class AuthorCannotApprove(PermissionDenied):
    default_code = "author_cannot_approve"
    default_detail = gettext_lazy("You wrote this warning: a second officer must approve it.")


class WrongState(Conflict):
    default_code = "wrong_state"


class DuplicateIdentifier(Conflict):
    default_code = "duplicate_identifier"
    default_detail = gettext_lazy("A warning with this identifier already exists.")


# --- drafting ------------------------------------------------------------------------------


def alert_draft(
    *,
    author,
    status: str,
    event: str,
    category: list[str],
    urgency: str,
    severity: str,
    certainty: str,
    effective: datetime,
    expires: datetime,
    info: dict[str, dict],
    areas: list[dict],
    response_type: Iterable[str] = (),
    onset: datetime | None = None,
    scope: str = Scope.PUBLIC,
    restriction: str = "",
    note: str = "",
    web: str = "",
    contact: str = "",
    hazard: str = "",
    incidents: str = "",
    identifier: str | None = None,
    sender: str | None = None,
    msg_type: str = MsgType.ALERT,
    references: Iterable[Alert] = (),
    external_references: str = "",
    source: str = "officer",
    source_ref: str = "",
    pending: bool = False,
    request: HttpRequest | None = None,
) -> Alert:
    """Write a validated draft (or, with `pending`, one already awaiting approval: an import).

    `info` maps `id`/`en` to {headline, description, instruction, short_text, long_text, and
    optionally event, sender_name, web, contact}; the other CAP info fields are shared. Areas
    are {description, polygons: [[[lat, lon], …]], circles: [{lat, lon, radius_km}],
    kelurahan: ["31.71.01.1001"]}. `author` is None for a machine's draft.
    """
    if author is not None and source == "officer" and not permissions.can_draft(author):
        raise NotPermitted()
    errors: dict[str, Any] = {}
    validation.choice(status, Status, "status", errors)
    validation.choice(msg_type, MsgType, "msg_type", errors)
    validation.choice(scope, Scope, "scope", errors)
    validation.choice(urgency, Urgency, "urgency", errors)
    validation.choice(severity, Severity, "severity", errors)
    validation.choice(certainty, Certainty, "certainty", errors)
    category = validation.choices(category, Category, "category", errors, required=True)
    response_type = validation.choices(
        list(response_type), ResponseType, "response_type", errors, required=False
    )
    event = validation.text(event, 120, "event", errors, required=True)
    note = validation.text(note, 2000, "note", errors)
    restriction = validation.text(restriction, 2000, "restriction", errors)
    if scope == Scope.RESTRICTED and not restriction:
        errors["restriction"] = [_("A Restricted warning says who may see it.")]
    effective = validation.when(effective, "effective", errors)
    expires = validation.when(expires, "expires", errors)
    onset = validation.when(onset, "onset", errors, required=False)
    if effective and expires and expires <= effective:
        errors["expires"] = [_("A warning expires after it takes effect.")]
    sender = sender or settings.ALERTS_SENDER
    identifier = identifier or f"jaki-{uuid.uuid4()}"
    for field, value in (("identifier", identifier), ("sender", sender)):
        if not isinstance(value, str) or not CAP_TOKEN.fullmatch(value):
            errors[field] = [_("No spaces, commas, '<' or '&', at most 255 characters.")]
    if hazard and hazard not in HAZARDS:
        errors["hazard"] = [_("There is no such hazard template.")]
    infos = validation.infos(info, event, web, contact, errors)
    cleaned_areas = validation.areas(areas, errors)
    if errors:
        raise InvalidAlert(errors)

    with transaction.atomic():  # one draft, whole or not at all
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    identifier=identifier,
                    sender=sender,
                    status=status,
                    msg_type=msg_type,
                    scope=scope,
                    restriction=restriction,
                    note=note,
                    incidents=incidents.strip(),
                    external_references=external_references.strip(),
                    hazard=hazard,
                    source=source,
                    source_ref=source_ref[:255],
                    author=author,
                    state=State.PENDING if pending else State.DRAFT,
                    submitted_at=timezone.now() if pending else None,
                    expires=expires,
                )
        except IntegrityError:
            raise DuplicateIdentifier() from None
        if references:
            alert.references.set(references)
        Info.objects.bulk_create(
            Info(
                alert=alert,
                language=language,
                category=category,
                response_type=response_type,
                urgency=urgency,
                severity=severity,
                certainty=certainty,
                effective=effective,
                onset=onset,
                expires=expires,
                **texts,
            )
            for language, texts in infos.items()
        )
        Area.objects.bulk_create(Area(alert=alert, **area) for area in cleaned_areas)
        audit_record(
            actor=author,
            action="alert.drafted",
            obj_kind="alert",
            obj_id=alert.public_id,
            request=request,
            details={"identifier": identifier, "status": status, "source": source},
        )
    return alert


def alert_draft_from_template(
    *,
    hazard: str,
    areas: list[dict],
    status: str = Status.ACTUAL,
    author=None,
    effective: datetime | None = None,
    expires: datetime | None = None,
    source: str = "officer",
    source_ref: str = "",
    pending: bool = False,
    request: HttpRequest | None = None,
) -> Alert:
    """A draft from a hazard template, its texts filled with the areas' names: what an officer
    starts from, and what a rule (a water gate at Siaga 2) drafts with `pending=True`."""
    if hazard not in HAZARDS:
        raise InvalidAlert({"hazard": [_("There is no such hazard template.")]})
    template = HAZARDS[hazard]
    names = ", ".join(a.get("description", "") for a in areas if isinstance(a, dict))[:60]
    effective = effective or timezone.now()
    return alert_draft(
        author=author,
        status=status,
        event=template["event"]["id"],
        category=template["category"],
        urgency=template["urgency"],
        severity=template["severity"],
        certainty=template["certainty"],
        response_type=template["response_type"],
        effective=effective,
        expires=expires or effective + template["duration"],
        info=hazard_texts(hazard, area=names),
        areas=areas,
        hazard=hazard,
        source=source,
        source_ref=source_ref,
        pending=pending,
        request=request,
    )


def alert_draft_update(*, original: Alert, author, request=None, **fields: Any) -> Alert:
    """A CAP Update of a broadcast warning: a new draft referencing it (and what it references),
    same status and incident; it needs its own approval and reaches the original's audience."""
    if not permissions.can_draft(author):
        raise NotPermitted()
    if original.state != State.BROADCAST or original.msg_type == MsgType.CANCEL:
        raise WrongState(_("Only a warning that is out now can be updated."))
    if fields.get("status", original.status) != original.status:
        raise InvalidAlert({"status": [_("An update keeps the status of the warning.")]})
    fields["status"] = original.status
    return alert_draft(
        author=author,
        msg_type=MsgType.UPDATE,
        references=selectors.alert_chain(original),
        incidents=original.incident,
        hazard=fields.pop("hazard", original.hazard),
        request=request,
        **fields,
    )


# --- the workflow --------------------------------------------------------------------------


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def alert_submit(*, alert: Alert, user, request: HttpRequest | None = None) -> Alert:
    """Draft -> pending approval; only its author may submit it."""
    if not permissions.can_submit(user, alert):
        raise NotPermitted(_("Only the author may submit this warning."))
    with transaction.atomic():
        locked = _locked(alert)
        if locked.state != State.DRAFT:
            raise WrongState(_("Only a draft can be submitted."))
        locked.state = State.PENDING
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["state", "submitted_at"])
        audit_record(
            actor=user,
            action="alert.submitted",
            obj_kind="alert",
            obj_id=alert.public_id,
            request=request,
        )
    return locked


def alert_approve(*, alert: Alert, user, request: HttpRequest | None = None) -> Alert:
    """Pending -> broadcast by a second officer: never the author (service and database)."""
    if alert.author_id is not None and alert.author_id == getattr(user, "pk", None):
        raise AuthorCannotApprove()
    if not permissions.can_approve(user, alert):
        raise NotPermitted(_("Only an alert approver may approve a warning."))
    with transaction.atomic():
        locked = _locked(alert)
        if locked.state != State.PENDING:
            raise WrongState(_("This warning is not awaiting approval (approved already?)."))
        now = timezone.now()
        if locked.expires <= now:
            raise WrongState(_("This warning has already expired; draft a new one."))
        locked.approver = user
        locked.state = State.BROADCAST
        locked.sent = now
        locked.save(update_fields=["approver", "state", "sent"])
        if locked.msg_type == MsgType.UPDATE:
            Alert.objects.filter(
                pk__in=[a.pk for a in locked.references.all()], state=State.BROADCAST
            ).update(state=State.UPDATED)
        _broadcast(locked)
        audit_record(
            actor=user,
            action="alert.approved",
            obj_kind="alert",
            obj_id=alert.public_id,
            request=request,
            details={
                "identifier": locked.identifier,
                "status": locked.status,
                "msg_type": locked.msg_type,
            },
        )
    return locked


def alert_cancel(
    *, alert: Alert, user, note: str = "", request: HttpRequest | None = None
) -> Alert:
    """One click by the author or an approver, no second approval. A broadcast warning gets a
    CAP Cancel referencing it, sent to the same audience (returned); a draft or pending one is
    withdrawn (itself returned). A cancelled warning cannot be cancelled again (409)."""
    if not permissions.can_cancel(user, alert):
        raise NotPermitted(_("Only the author or an approver may cancel this warning."))
    note = validation.text(note, 2000, "note", errors := {})
    if errors:
        raise InvalidAlert(errors)
    with transaction.atomic():
        locked = _locked(alert)
        if locked.msg_type == MsgType.CANCEL or locked.state in (
            State.CANCELLED,
            State.EXPIRED,
            State.UPDATED,
        ):
            raise WrongState(_("This warning is not out now: it cannot be cancelled."))
        now = timezone.now()
        if locked.state in (State.DRAFT, State.PENDING):
            locked.state, locked.cancelled_at = State.CANCELLED, now
            locked.save(update_fields=["state", "cancelled_at"])
            audit_record(
                actor=user,
                action="alert.withdrawn",
                obj_kind="alert",
                obj_id=locked.public_id,
                request=request,
            )
            return locked
        chain = selectors.alert_chain(locked)
        cancel = Alert.objects.create(
            identifier=f"jaki-{uuid.uuid4()}",
            sender=settings.ALERTS_SENDER,
            sent=now,
            status=locked.status,
            msg_type=MsgType.CANCEL,
            scope=locked.scope,
            restriction=locked.restriction,
            note=note,
            incidents=locked.incident,
            hazard=locked.hazard,
            author=user,
            state=State.BROADCAST,
            submitted_at=now,
            expires=max(locked.expires, now + timedelta(hours=1)),
        )
        cancel.references.set(chain)
        Info.objects.bulk_create(_cancel_info(cancel, info, note) for info in locked.infos.all())
        Area.objects.bulk_create(
            Area(
                alert=cancel,
                description=a.description,
                polygons=a.polygons,
                circles=a.circles,
                kelurahan=a.kelurahan,
            )
            for a in locked.areas.all()
        )
        Alert.objects.filter(
            pk__in=[a.pk for a in chain], state__in=[State.BROADCAST, State.UPDATED]
        ).update(state=State.CANCELLED, cancelled_at=now)
        _broadcast(cancel)
        audit_record(
            actor=user,
            action="alert.cancelled",
            obj_kind="alert",
            obj_id=locked.public_id,
            request=request,
            details={"cancel": str(cancel.public_id), "note": note[:200]},
        )
    return cancel


def _cancel_info(cancel: Alert, info: Info, note: str) -> Info:
    return Info(
        alert=cancel,
        language=info.language,
        category=info.category,
        event=info.event,
        response_type=["AllClear"],
        urgency=info.urgency,
        severity=info.severity,
        certainty=info.certainty,
        effective=cancel.sent,
        expires=cancel.expires,
        sender_name=info.sender_name,
        headline=(CANCEL_PREFIX.get(info.language, "") + info.headline)[:HEADLINE_MAX],
        description=note or CANCEL_TEXT.get(info.language, CANCEL_TEXT["en"]),
        short_text=(CANCEL_PREFIX.get(info.language, "") + info.event)[:SHORT_TEXT_MAX],
        long_text=CANCEL_TEXT.get(info.language, CANCEL_TEXT["en"])[:LONG_TEXT_MAX],
        web=info.web,
        contact=info.contact,
    )


def alerts_expire() -> int:
    """Broadcast warnings past `expires` become expired (the active list already hides them)."""
    expired = list(selectors.alerts_due_to_expire().values_list("pk", "public_id"))
    with transaction.atomic():
        Alert.objects.filter(pk__in=[pk for pk, _ in expired], state=State.BROADCAST).update(
            state=State.EXPIRED
        )
        for _pk, public_id in expired:
            audit_record(actor=None, action="alert.expired", obj_kind="alert", obj_id=public_id)
    return len(expired)


# --- broadcast -----------------------------------------------------------------------------


def _texts(alert: Alert) -> tuple[dict[str, str], dict[str, str]]:
    infos = {info.language: info for info in alert.infos.all()}
    fallback = infos.get("id") or next(iter(infos.values()))
    title, body = {}, {}
    for language in LANGUAGES:
        info = infos.get(language) or fallback
        prefix = TEST_PREFIX[language] if alert.is_test else ""
        title[language] = (prefix + info.headline)[:200]
        body[language] = info.long_text or info.short_text or info.description[:LONG_TEXT_MAX]
        body[language] = body[language] or info.event
    return title, body


def _broadcast(alert: Alert) -> None:
    """Push to the audience (area + covered kelurahan), topics for an urgent city-wide Actual
    warning, and the live feed; all after commit. Test and Exercise reach test devices only."""
    spec, codes = selectors.alert_audience(alert)
    alert.covered_kelurahan = codes
    title, body = _texts(alert)
    ttl = min(max(alert.expires - timezone.now(), timedelta(0)), TTL_MAX)
    data = {
        "alert_id": str(alert.public_id),
        "identifier": alert.identifier,
        "msg_type": alert.msg_type,
        "status": alert.status,
        "severity": alert.infos.all()[0].severity,
    }
    common = {
        "kind": "alert",
        "title": title,
        "body": body,
        "data": data,
        "deep_link": f"jaki://alerts/{alert.public_id}",
        "priority": Notification.Priority.HIGH,
        "ttl": ttl,
        "collapse_key": alert.incident[:128],
        "source": "disasteralerts",
        "test": alert.is_test,
    }
    # No inbox copy per resident: the warnings' own list and history (GET /api/v1/alerts/,
    # history/) are the record, and the live feed carries the `alert` event to every open app.
    # A copy per resident would be a row and a websocket event for each of 250,000 phones, and
    # halve the broadcast's rate (bench/alert_broadcast.py).
    alert.notification = notify(area=spec or None, kelurahan=codes or None, inbox=False, **common)
    urgent = alert.infos.all()[0].urgency == Urgency.IMMEDIATE
    if not alert.is_test and urgent and len(codes) >= settings.ALERTS_TOPIC_MIN_KELURAHAN:
        alert.topic_notification = notify(kelurahan=codes, via_topic=True, inbox=False, **common)
    alert.save(update_fields=["covered_kelurahan", "notification", "topic_notification"])

    event = {
        "type": "alert",
        **data,
        "state": alert.state,
        "title": title,
        "body": body,
        "sent": alert.sent.isoformat(),
        "expires": alert.expires.isoformat(),
    }
    if alert.is_test:
        users = selectors.test_feed_users()
        events = [(uid, event) for uid in users]
        transaction.on_commit(lambda: feed_send_to_users(events), robust=True)
    else:
        feed_broadcast_public(event=event)
