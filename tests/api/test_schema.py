"""The OpenAPI schema: public, complete, accurate; the docs page works under the CSP; and a
schemathesis run finds no server error on any operation."""

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.api.conftest import TokenClient

pytestmark = pytest.mark.django_db
OPERATIONS = ("get", "put", "post", "patch", "delete")


@pytest.fixture
def schema_document(db: None) -> dict[str, Any]:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in OPERATIONS
    ]


def test_the_schema_is_public_openapi_3(schema_document: dict[str, Any]) -> None:
    assert schema_document["openapi"].startswith("3.")
    assert schema_document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_operation_documents_its_scope_and_its_errors(
    schema_document: dict[str, Any],
) -> None:
    for method, path, operation in _operations(schema_document):
        codes = set(operation["responses"])
        assert {"401", "403"} <= codes, (method, path)
        assert "scope" in operation["description"], (method, path)
        assert {"bearerAuth": []} in operation["security"], (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if method in ("POST", "PUT"):
            assert {"400", "409", "413", "422"} <= codes, (method, path)
        error = operation["responses"]["401"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/Error"}


def test_every_post_accepts_an_idempotency_key(schema_document: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema_document):
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert ("Idempotency-Key" in names) == (method == "POST"), (method, path)


def test_lists_document_filters_and_the_cursor(schema_document: dict[str, Any]) -> None:
    listing = schema_document["paths"]["/api/v1/orders"]["get"]
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert {"cursor", "page_size", "updated_since", "customer", "status", "store"} <= names


def test_the_docs_page_is_served_with_local_assets_and_a_strict_policy(db: None) -> None:
    page = APIClient().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "sidecar" in html
    assert "https://" not in html
    assert "http://" not in html
    policy = page.headers["Content-Security-Policy"]
    script_policy = next(part for part in policy.split(";") if "script-src" in part)
    assert "unsafe-inline" not in script_policy
    script = APIClient().get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


# Schemathesis: generated requests (valid and invalid) against every operation, in-process.


def _generated_schema() -> Any:
    """The schema the server publishes (built without a request; no database needed)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    schema.app = get_wsgi_application()
    return schema


generated_schema = _generated_schema()


@pytest.fixture
def token(world: SimpleNamespace, api_client: TokenClient) -> Iterator[str]:
    # As Django's test client does: keep the test's connection (and transaction) open
    # across the requests the WSGI app serves.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield api_client.token
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@generated_schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_generated_request_makes_a_server_error(case: Any, token: str) -> None:
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
