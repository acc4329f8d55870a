"""API fuzzing: schemathesis generates requests for every operation of the live OpenAPI schema,
served over real HTTP by a live server with a valid API key and seeded data, and fails on any
5xx or any response that does not match the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from tests.sweep import OBJECT_FOR_KWARG, OBJECT_FOR_MODEL, load_app_registrations

load_app_registrations()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(transactional_db, live_server, acme, acme_key, settings):
    settings.API_THROTTLE_RATE = "1000000/min"
    for make in [*OBJECT_FOR_KWARG.values(), *OBJECT_FOR_MODEL.values()]:  # one of everything
        make(acme)
    return schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_within_its_schema(case, acme_key, live_server):
    case.call_and_validate(base_url=live_server.url, headers={"Authorization": f"Bearer {acme_key}"}, checks=CHECKS)
