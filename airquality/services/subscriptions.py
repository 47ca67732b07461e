"""Residents' alert subscriptions: threshold and saved places; erasure."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from airquality.models import MAX_SAVED_PLACES, SavedPlace, Subscription
from jaki.api import DomainError


class TooManyPlaces(DomainError):
    default_code = "too_many_places"


@transaction.atomic
def subscription_set(*, user, threshold: str, places: list[dict[str, Any]]) -> Subscription:
    """Replace the resident's subscription: threshold (an ISPU category code) and up to
    MAX_SAVED_PLACES places `{name, lat, lon}`. Places that kept their name and point keep
    their alert state (and so their cooldown)."""
    if len(places) > MAX_SAVED_PLACES:
        raise TooManyPlaces(
            _("At most %(max)d saved places; your location counts by itself.")
            % {"max": MAX_SAVED_PLACES}
        )
    subscription, _created = Subscription.objects.select_for_update().get_or_create(user=user)
    subscription.threshold = threshold
    subscription.updated_at = timezone.now()
    subscription.save(update_fields=["threshold", "updated_at"])
    wanted = [(p["name"], float(p["lat"]), float(p["lon"])) for p in places]
    kept = []
    for place in subscription.places.all():
        key = (place.name, place.lat, place.lon)
        if key in wanted:
            wanted.remove(key)
            kept.append(place.pk)
        else:
            place.delete()
            subscription.alert_states.filter(place_key=f"place:{place.pk}").delete()
    SavedPlace.objects.bulk_create(
        [SavedPlace(subscription=subscription, name=n, lat=la, lon=lo) for n, la, lo in wanted]
    )
    return subscription


def subscriptions_forget_user(*, user, **_kwargs: Any) -> int:
    """The `user_erased` handler: the resident's subscription, saved places and alert states
    go (they are where the person lives and works)."""
    deleted, _per_model = Subscription.objects.filter(user=user).delete()
    return deleted
