"""The OpenAPI schema says what the API answers, and the answers speak the request's language."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    return api_client.get("/api/schema/", {"format": "json"}).json()


def _responses(schema, method, path):
    return set(schema["paths"][path][method]["responses"])


def test_the_schema_documents_401_wherever_a_token_is_read(schema):
    # Anyone may call these, but a bad or expired token is refused, not ignored.
    for path in ("/api/v1/regions/", "/api/v1/regions/{code}/", "/api/v1/regions/locate/"):
        assert "401" in _responses(schema, "get", path), path
    # A login reads no token: an Authorization header there is ignored, and no 401 is promised.
    assert "401" not in _responses(schema, "post", "/api/v1/auth/token/")


def test_an_expired_token_on_a_public_endpoint_is_a_documented_401(api_client, schema):
    response = api_client.get("/api/v1/regions/", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 401
    assert "401" in _responses(schema, "get", "/api/v1/regions/")


def test_the_schema_documents_the_refresh_refusals(schema):
    assert {"200", "400", "401"} <= _responses(schema, "post", "/api/v1/auth/token/refresh/")


def test_the_schema_documents_a_bad_cursor_as_a_400(schema):
    assert "400" in _responses(schema, "get", "/api/v1/regions/")
    assert "400" in _responses(schema, "get", "/api/v1/notifications/")
    assert "404" not in _responses(schema, "get", "/api/v1/notifications/")


def test_the_schema_says_page_size_starts_at_one(schema):
    parameters = schema["paths"]["/api/v1/regions/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")

    assert page_size["schema"]["minimum"] == 1


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("id", "Token penyegar tidak valid atau sudah kedaluwarsa. Silakan masuk kembali."),
        ("en", "The refresh token is not valid or has expired. Sign in again."),
    ],
)
def test_a_bad_refresh_token_is_called_a_refresh_token(api_client, language, message):
    response = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": "0"}, HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 401
    assert response.json()["error"]["message"] == message


@pytest.mark.parametrize("parameter", ["parent", "level"])
def test_it_refuses_an_empty_query_parameter(api_client, parameter):
    response = api_client.get("/api/v1/regions/", {parameter: ""})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {parameter: ["Bidang ini tidak boleh kosong."]}


def test_an_invalid_choice_is_not_echoed_back(as_user, resident):
    response = as_user(resident).patch("/api/v1/me/", {"language": "x" * 1_000_000}, format="json")

    assert response.status_code == 400
    assert len(response.content) < 500
    assert response.json()["error"]["fields"]["language"] == [
        "Ini bukan salah satu nilai yang diizinkan."
    ]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"lat": "x", "lon": "1"}, "lat", "Masukkan angka yang valid."),
        ({"phone": ["a"]}, "phone", "Bukan teks yang valid."),
    ],
)
def test_stock_messages_are_indonesian(as_user, resident, body, field, message):
    client = as_user(resident)
    if field == "lat":
        response = client.get("/api/v1/regions/locate/", body)
    else:
        response = client.post("/api/v1/auth/otp/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"][field] == [message]


def test_an_empty_json_body_is_refused_in_indonesian(as_user, resident):
    response = as_user(resident).post(
        "/api/v1/devices/", data="null", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Kirim isian sebagai objek JSON."


@pytest.mark.parametrize("key", ["", " lead", "kunci-é", "a" * 256])
def test_an_idempotency_key_outside_the_documented_rules_is_refused(as_user, resident, key):
    response = as_user(resident).post(
        "/api/v1/devices/",
        {"token": "t1", "platform": "android"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert response.status_code == 400


def test_the_schema_documents_the_idempotency_key_rules(schema):
    parameters = schema["paths"]["/api/v1/devices/"]["post"]["parameters"]
    key = next(p for p in parameters if p["name"] == "Idempotency-Key")

    assert key["schema"]["maxLength"] == 255
    assert key["schema"]["minLength"] == 1
