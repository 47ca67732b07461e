"""The house parsers: JSON, and multipart where photos are uploaded (apart from jaki.api, which
DRF's APIView would import while its own module is still loading: DEFAULT_PARSER_CLASSES is read
when APIView is defined)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files import uploadhandler
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


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, holding each file to MEDIA_MAX_UPLOAD_BYTES and all of a request's
    files to MEDIA_MAX_REQUEST_BYTES while the body streams in: oversized photos are refused
    with a 413 before they fill temporary files.

    Views that take photos list it with the JSON parser (`jaki.media.api.UPLOAD_PARSER_CLASSES`).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        limit = FileSizeLimit(
            request,
            per_file=settings.MEDIA_MAX_UPLOAD_BYTES,
            per_request=settings.MEDIA_MAX_REQUEST_BYTES,
        )
        request.upload_handlers.insert(0, limit)
        return super().parse(stream, media_type, parser_context)


class FileSizeLimit(uploadhandler.FileUploadHandler):
    """An upload handler that passes chunks on until a file, or the files together, grow past
    their limits."""

    def __init__(self, request, *, per_file: int, per_request: int):
        super().__init__(request)
        self.per_file = per_file
        self.per_request = per_request
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if start + len(raw_data) > self.per_file or self.received > self.per_request:
            # jaki.api's handler answers this 413 payload_too_large, as for any oversized body.
            raise RequestDataTooBig("Uploaded files over MEDIA_MAX_UPLOAD_BYTES / _REQUEST_BYTES.")
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) makes the file
