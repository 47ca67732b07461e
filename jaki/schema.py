"""drf-spectacular's schema class for the house (kept apart from jaki.api to avoid an import
cycle: DRF imports jaki.api while it is still loading its generics)."""

from drf_spectacular import openapi


class AutoSchema(openapi.AutoSchema):
    """Names nested serializers after their view (`OTPRequestView.Input` -> `OTPRequestInput`),
    so every view can keep the house's `Input`/`Output` classes without component clashes.

    Documents the 401 of every view that reads tokens: even where anyone may call it, a bad or
    expired token is refused rather than ignored; and the 400 of every paged list."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        from jaki.api import ErrorSerializer  # jaki.api imports DRF's generics: load it late

        if self.view.get_authenticators() and "401" not in responses:
            responses["401"] = self._get_response_for_code(ErrorSerializer, "401")
        # A paged list refuses a forged cursor or a bad page_size with a 400.
        paged = getattr(self.view, "pagination_class", None) is not None
        if paged and self.method == "GET" and "400" not in responses:
            responses["400"] = self._get_response_for_code(ErrorSerializer, "400")
        return responses

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False):
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        cls = serializer if isinstance(serializer, type) else type(serializer)
        *outer, inner = cls.__qualname__.split(".")
        if not outer:
            return name
        prefix = "".join(part.removesuffix("View") for part in outer)
        for patched in ("", "Patched"):
            if name.startswith(patched + inner):
                return patched + prefix + name.removeprefix(patched)
        return name
