"""Per-key request limits: each key has its own bucket, at its own rate when it sets one."""

from rest_framework.throttling import SimpleRateThrottle

from jaki.apikeys.models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Keyed on the API key's id (never its secret), at REST_FRAMEWORK's "api_key" rate
    (THROTTLE_API_KEY) unless the key has its own `rate`. Requests without a key pass: this
    throttle is about machines, the anonymous and user throttles cover everyone else."""

    scope = "api_key"

    def allow_request(self, request, view) -> bool:
        api_key = request.auth
        if isinstance(api_key, ApiKey) and api_key.rate:
            self.rate = api_key.rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
