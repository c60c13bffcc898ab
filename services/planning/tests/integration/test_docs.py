"""Planning documents what it serves: OpenAPI for HTTP, AsyncAPI for every event it publishes and consumes."""

import pytest

from pmm_contracts import event_types, routing_key

pytestmark = pytest.mark.integration


async def test_asyncapi_names_every_event_planning_publishes_and_its_inbox(client):
    document = (await client.get("/asyncapi.json")).json()
    channels = set(document["channels"])
    published = {routing_key(m) for m in event_types() if m.PRODUCER == "planning"}
    assert published and published <= channels
    assert "planning.inbox" in channels


async def test_openapi_documents_problem_responses(client):
    document = (await client.get("/openapi.json")).json()
    submit = document["paths"]["/api/v1/skp/{skp_id}/submit"]["post"]
    assert "application/problem+json" in submit["responses"]["409"]["content"]


async def test_readiness_checks_database_broker_and_token_keys(client):
    ready = (await client.get("/readyz")).json()
    assert ready["checks"] == {"database": "ok", "broker": "ok", "jwks": "ok"}
