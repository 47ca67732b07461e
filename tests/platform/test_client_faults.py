"""Requests any client can send that once answered 500 answer a 4xx in the error shape."""

import base64
import xml.etree.ElementTree as ET

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return APIClient(raise_request_exception=False)


@pytest.mark.parametrize("depth", [100, 965, 966, 5000])
def test_it_refuses_deeply_nested_json_with_a_400(production, depth):
    body = "[" * depth + "]" * depth

    response = production.post("/api/v1/auth/otp/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_it_still_reads_json_nested_a_few_levels(production):
    response = production.post(
        "/api/v1/auth/otp/", data='{"phone": {"a": [[1]]}}', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_it_refuses_a_body_over_the_upload_limit_with_a_413(
    production, settings, as_user, resident
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"name": "' + "x" * 2000 + '"}'
    client = as_user(resident)
    client.raise_request_exception = False

    for method, path in [
        ("post", "/api/v1/auth/otp/"),
        ("patch", "/api/v1/me/"),
        ("post", "/api/v1/devices/"),
    ]:
        response = getattr(client, method)(path, data=body, content_type="application/json")
        assert response.status_code == 413, path
        assert response.json()["error"]["code"] == "payload_too_large"


def test_it_refuses_a_form_with_too_many_fields_with_a_413(production, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{i}=1" for i in range(10))

    response = production.post(
        "/admin/login/", data=body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 413


def _cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "cursor", ["garbage", _cursor("p=notadate"), _cursor("p=\x00"), _cursor("o=-1&r=x")]
)
def test_it_refuses_a_bad_inbox_cursor_with_a_400(production, as_user, resident, cursor):
    client = as_user(resident)
    client.raise_request_exception = False

    response = client.get("/api/v1/notifications/", {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("cursor", ["garbage", _cursor("p=\x00"), _cursor("abc"), "", "é"])
def test_it_refuses_a_bad_regions_cursor_with_a_400(production, cursor):
    response = production.get("/api/v1/regions/", {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("page_size", ["null", "", "abc", "0", "-3", "1.5"])
def test_it_refuses_a_bad_page_size_with_a_400(production, page_size):
    response = production.get("/api/v1/regions/", {"page_size": page_size})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "page_size" in response.json()["error"]["fields"]


def test_it_caps_a_large_page_size(production):
    response = production.get("/api/v1/regions/", {"page_size": "1000"})

    assert response.status_code == 200


def _operations(client, want):
    """Every operation of the live schema that `want(operation)` picks, path parameters filled:
    an endpoint added later is covered without being listed."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if want(operation):
                filled = path
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "path":
                        filled = filled.replace("{" + parameter["name"] + "}", "x")
                yield method, filled


def test_no_operation_with_a_body_answers_500_to_hostile_bodies(
    production, settings, as_user, resident
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = as_user(resident)
    client.raise_request_exception = False
    hostile = ["[" * 5000 + "]" * 5000, '{"a": "' + "x" * 20_000 + '"}', "null", "[]", '"x"']

    operations = list(_operations(client, lambda operation: "requestBody" in operation))
    assert operations
    for method, path in operations:
        for body in hostile:
            response = getattr(client, method)(path, data=body, content_type="application/json")
            assert 400 <= response.status_code < 500, (method, path, body[:20])
            if path.startswith("/open311/"):  # GeoReport v2 has an error shape of its own
                assert _georeport_error_code(response) == response.status_code
            else:
                assert "error" in response.json()


def _georeport_error_code(response) -> int:
    if response["Content-Type"].startswith("text/xml"):
        return int(ET.fromstring(response.content).findtext("error/code"))
    return response.json()[0]["code"]


def test_no_cursor_list_answers_500_to_a_forged_cursor(production, as_user, resident):
    client = as_user(resident)
    client.raise_request_exception = False
    has_cursor = lambda operation: any(  # noqa: E731
        p["name"] == "cursor" for p in operation.get("parameters", [])
    )

    operations = list(_operations(client, has_cursor))
    assert len(operations) >= 2
    for _method, path in operations:
        for cursor in ["garbage", _cursor("p=notadate"), _cursor("p=\x00"), _cursor("r=1&p=1")]:
            response = client.get(path, {"cursor": cursor})
            assert response.status_code in (200, 400), (path, cursor)
