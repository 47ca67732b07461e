"""drf-spectacular documents a photo endpoint as multipart with binary files (or JSON)."""

from drf_spectacular.generators import SchemaGenerator


def test_the_photos_are_documented_as_a_list_of_binary_files():
    schema = SchemaGenerator(urlconf="tests.media.urls").get_schema(request=None, public=True)

    body = schema["paths"]["/api/test/photos/"]["post"]["requestBody"]["content"]

    assert set(body) == {"multipart/form-data", "application/json"}
    component = body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    photos = schema["components"]["schemas"][component]["properties"]["photos"]
    assert photos["type"] == "array"
    assert photos["maxItems"] == 3
    assert (photos["items"]["type"], photos["items"]["format"]) == ("string", "binary")
