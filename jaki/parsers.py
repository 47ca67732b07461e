"""The house JSON parser (apart from jaki.api, which DRF's APIView would import while its own
module is still loading: DEFAULT_PARSER_CLASSES is read when APIView is defined)."""

from typing import Any

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing documents nested deeper than MAX_DEPTH with a 400.

    Nothing the API accepts is nested more than a few levels; a deeply nested body would
    otherwise exhaust Python's recursion limit somewhere later (a 500)."""

    MAX_DEPTH = 32

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError() from None
        if _depth_over(data, self.MAX_DEPTH):
            raise exceptions.ParseError()
        return data


def _depth_over(data: Any, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False
