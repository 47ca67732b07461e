"""Warning writes: draft, submit, approve (and broadcast), update, cancel, expire.

Every step is one transaction with its audit row; pushes and websocket events leave only after
commit (notify and the feed do that themselves). A draft is validated whole before anything is
written, so bad input is a 400 and nothing is half-stored or half-broadcast.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import shapely
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import PermissionDenied, ValidationError

from disasteralerts import permissions, selectors
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
from jaki.regions.geo import InvalidArea, valid_point, valid_radius
from jaki.regions.models import Region

RING_MIN_POINTS = 4
RING_MAX_POINTS = 5000
HEADLINE_MAX = 160
DESCRIPTION_MAX = 4000
INSTRUCTION_MAX = 2000
MAX_AREAS = 20
# CAP: identifier and sender hold no spaces, commas, '<' or '&'.
CAP_TOKEN = re.compile(r"[^\s,<&]{1,255}")
KELURAHAN_CODE = re.compile(r"(\d{2})\.?(\d{2})\.?(\d{2})\.?(\d{4})")
TEST_PREFIX = {"id": "[UJI] ", "en": "[TEST] "}
CANCEL_PREFIX = {"id": "DIBATALKAN: ", "en": "CANCELLED: "}
CANCEL_TEXT = {
    "id": "Peringatan sebelumnya dibatalkan. Tidak perlu tindakan lebih lanjut.",
    "en": "The earlier warning is cancelled. No further action is needed.",
}
TTL_MAX = timedelta(days=28)


class InvalidAlert(ValidationError):
    """A draft that cannot be a warning: 400 with the fields at fault."""

    default_code = "invalid_alert"


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


# --- validation ----------------------------------------------------------------------------


def _choice(value: Any, choices: type, field: str, errors: dict) -> str:
    if value not in choices.values:
        errors[field] = [_("Pick one of: %(values)s.") % {"values": ", ".join(choices.values)}]
    return value


def _choices(values: Any, choices: type, field: str, errors: dict, *, required: bool) -> list:
    if not isinstance(values, list | tuple) or (required and not values):
        errors[field] = [_("Send a list of at least one value.") if required else _("Send a list.")]
        return []
    if bad := [v for v in values if v not in choices.values]:
        errors[field] = [
            _("Not allowed: %(bad)s. Pick from: %(values)s.")
            % {"bad": ", ".join(map(str, bad))[:200], "values": ", ".join(choices.values)}
        ]
    return list(dict.fromkeys(values))


def _text(value: Any, limit: int, field: str, errors: dict, *, required: bool = False) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        errors[field] = [_("Send text.")]
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > limit:
        errors[field] = [_("Send at most %(limit)d characters.") % {"limit": limit}]
    elif "\x00" in value:
        errors[field] = [_("Text may not contain NUL characters.")]
    return value


def _ring(ring: Any) -> list[list[float]]:
    """A CAP polygon ring of [lat, lon] pairs: closed, simple, 4 to 5,000 points."""
    if not isinstance(ring, list | tuple):
        raise InvalidArea(_("A polygon is a list of [lat, lon] points."))
    if not RING_MIN_POINTS <= len(ring) <= RING_MAX_POINTS:
        raise InvalidArea(
            _("A polygon has %(min)d to %(max)d points (the first repeated at the end).")
            % {"min": RING_MIN_POINTS, "max": RING_MAX_POINTS}
        )
    points = []
    for point in ring:
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise InvalidArea(_("A polygon is a list of [lat, lon] points."))
        points.append(list(valid_point(*point)))
    if points[0] != points[-1]:
        raise InvalidArea(_("A polygon must be closed: its last point repeats its first."))
    line = shapely.LinearRing([(lon, lat) for lat, lon in points])
    if not line.is_simple or not shapely.Polygon(line).is_valid or shapely.Polygon(line).area == 0:
        raise InvalidArea(_("A polygon's edges may not cross each other."))
    return points


def _circle(circle: Any) -> dict:
    if not isinstance(circle, dict) or not {"lat", "lon", "radius_km"} <= set(circle):
        raise InvalidArea(_("A circle is {lat, lon, radius_km}."))
    lat, lon = valid_point(circle["lat"], circle["lon"])
    try:
        radius_km = float(circle["radius_km"])
    except (TypeError, ValueError):
        raise InvalidArea(_("The radius is more than 0 and at most 1000 km.")) from None
    if not math.isfinite(radius_km) or radius_km <= 0:
        raise InvalidArea(_("The radius is more than 0 and at most 1000 km."))
    valid_radius(radius_km * 1000)
    return {"lat": lat, "lon": lon, "radius_km": radius_km}


def kelurahan_code(value: Any) -> str | None:
    """A Kemendagri kelurahan code, dotted ("31.71.01.1001"); "3171011001" is accepted too."""
    match = KELURAHAN_CODE.fullmatch(value.strip()) if isinstance(value, str) else None
    return ".".join(match.groups()) if match else None


def _areas(areas: Any, errors: dict) -> list[dict]:
    if not isinstance(areas, list | tuple) or not areas:
        errors["areas"] = [_("A warning needs at least one area.")]
        return []
    if len(areas) > MAX_AREAS:
        errors["areas"] = [_("Send at most %(count)d areas.") % {"count": MAX_AREAS}]
        return []
    cleaned, problems = [], {}
    for index, area in enumerate(areas):
        try:
            cleaned.append(_area(area))
        except InvalidArea as exc:
            problems[str(index)] = [str(exc.detail)]
    if not problems:
        codes = {code for area in cleaned for code in area["kelurahan"]}
        known = set(
            Region.objects.filter(code__in=codes, level=Region.Level.KELURAHAN).values_list(
                "code", flat=True
            )
        )
        if unknown := sorted(codes - known):
            errors["areas"] = [_("Unknown kelurahan: %(codes)s.") % {"codes": ", ".join(unknown)}]
    if problems:
        errors["areas"] = problems
    return cleaned


def _area(area: Any) -> dict:
    if not isinstance(area, dict):
        raise InvalidArea(_("An area is an object with a description and its geometry."))
    description = area.get("description")
    if not isinstance(description, str) or not description.strip() or len(description) > 255:
        raise InvalidArea(_("An area needs a description of at most 255 characters."))
    polygons, circles, kelurahan = (area.get(k) or [] for k in ("polygons", "circles", "kelurahan"))
    if not all(isinstance(v, list | tuple) for v in (polygons, circles, kelurahan)):
        raise InvalidArea(_("Polygons, circles and kelurahan are each a list."))
    if not (polygons or circles or kelurahan):
        raise InvalidArea(_("An area needs a polygon, a circle or a kelurahan."))
    codes = []
    for value in kelurahan:
        code = kelurahan_code(value)
        if code is None:
            raise InvalidArea(_("Unknown kelurahan: %(codes)s.") % {"codes": str(value)[:40]})
        codes.append(code)
    return {
        "description": description.strip(),
        "polygons": [_ring(ring) for ring in polygons],
        "circles": [_circle(circle) for circle in circles],
        "kelurahan": sorted(set(codes)),
    }


def _when(value: Any, field: str, errors: dict, *, required: bool = True) -> datetime | None:
    if value is None and not required:
        return None
    if not isinstance(value, datetime) or timezone.is_naive(value):
        errors[field] = [_("Send a date and time with its offset, e.g. 2026-12-07T10:00:00+07:00.")]
        return None
    return value


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
    _choice(status, Status, "status", errors)
    _choice(msg_type, MsgType, "msg_type", errors)
    _choice(scope, Scope, "scope", errors)
    _choice(urgency, Urgency, "urgency", errors)
    _choice(severity, Severity, "severity", errors)
    _choice(certainty, Certainty, "certainty", errors)
    category = _choices(category, Category, "category", errors, required=True)
    response_type = _choices(
        list(response_type), ResponseType, "response_type", errors, required=False
    )
    event = _text(event, 120, "event", errors, required=True)
    note = _text(note, 2000, "note", errors)
    restriction = _text(restriction, 2000, "restriction", errors)
    if scope == Scope.RESTRICTED and not restriction:
        errors["restriction"] = [_("A Restricted warning says who may see it.")]
    effective = _when(effective, "effective", errors)
    expires = _when(expires, "expires", errors)
    onset = _when(onset, "onset", errors, required=False)
    if effective and expires and expires <= effective:
        errors["expires"] = [_("A warning expires after it takes effect.")]
    sender = sender or settings.ALERTS_SENDER
    identifier = identifier or f"jaki-{uuid.uuid4()}"
    for field, value in (("identifier", identifier), ("sender", sender)):
        if not isinstance(value, str) or not CAP_TOKEN.fullmatch(value):
            errors[field] = [_("No spaces, commas, '<' or '&', at most 255 characters.")]
    if hazard and hazard not in HAZARDS:
        errors["hazard"] = [_("There is no such hazard template.")]
    infos = _infos(info, event, web, contact, errors)
    cleaned_areas = _areas(areas, errors)
    if errors:
        raise InvalidAlert(errors)

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
    with transaction.atomic():
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


def _infos(info: Any, event: str, web: str, contact: str, errors: dict) -> dict[str, dict]:
    if not isinstance(info, dict) or not info or set(info) - set(LANGUAGES):
        errors["info"] = [_("Send the texts under 'id' and/or 'en'.")]
        return {}
    infos = {}
    for language, texts in info.items():
        if not isinstance(texts, dict):
            errors[f"info.{language}"] = [_("Send the texts as an object.")]
            continue
        local: dict[str, Any] = {}
        cleaned = {
            "event": _text(texts.get("event") or event, 120, "event", local),
            "sender_name": _text(
                texts.get("sender_name") or settings.ALERTS_SENDER_NAME, 200, "sender_name", local
            ),
            "headline": _text(
                texts.get("headline"), HEADLINE_MAX, "headline", local, required=True
            ),
            "description": _text(texts.get("description"), DESCRIPTION_MAX, "description", local),
            "instruction": _text(texts.get("instruction"), INSTRUCTION_MAX, "instruction", local),
            "web": _text(texts.get("web") or web, 200, "web", local),
            "contact": _text(texts.get("contact") or contact, 200, "contact", local),
            "short_text": _text(texts.get("short_text"), SHORT_TEXT_MAX, "short_text", local),
            "long_text": _text(texts.get("long_text"), LONG_TEXT_MAX, "long_text", local),
        }
        if cleaned["web"] and not re.match(r"https?://\S+$", cleaned["web"]):
            local["web"] = [_("Send a web address starting with http:// or https://.")]
        if local:
            errors[f"info.{language}"] = local
        infos[language] = cleaned
    return infos


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
    note = _text(note, 2000, "note", errors := {})
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
    alert.notification = notify(area=spec or None, kelurahan=codes or None, **common)
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
