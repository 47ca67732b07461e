import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from jaki.idempotency.models import IdempotencyRecord
from tests.accounts.factories import UserFactory


class IdempotencyRecordFactory(factory.django.DjangoModelFactory):
    """An answered record."""

    class Meta:
        model = IdempotencyRecord

    user = factory.SubFactory(UserFactory)
    scope = "CreateOrganisation"
    key = factory.Sequence(lambda n: f"key-{n}")
    fingerprint = "0" * 64
    holder = factory.LazyFunction(uuid.uuid4)
    status_code = 201
    response = factory.LazyFunction(lambda: {"id": 1})
    created_at = factory.LazyFunction(timezone.now)
    lease_until = factory.LazyAttribute(lambda r: r.created_at + timedelta(seconds=60))
    expires_at = factory.LazyAttribute(lambda r: r.created_at + timedelta(days=1))
