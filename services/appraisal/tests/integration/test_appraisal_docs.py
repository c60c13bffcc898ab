"""Appraisal documents what it serves: OpenAPI for HTTP, AsyncAPI for every event it publishes and consumes."""

import pytest

from pmm_contracts import event_types, routing_key

pytestmark = pytest.mark.integration


async def test_asyncapi_names_every_event_appraisal_publishes_and_its_inbox(client):
    document = (await client.get("/asyncapi.json")).json()
    channels = set(document["channels"])
    published = {routing_key(m) for m in event_types() if m.PRODUCER == "appraisal"}
    assert published == {"appraisal.penilaian.finalized.v1", "appraisal.penilaian.reopened.v1"}
    assert published <= channels
    assert "appraisal.inbox" in channels


async def test_openapi_documents_problems_and_the_pdf(client):
    document = (await client.get("/openapi.json")).json()
    finalisasi = document["paths"]["/api/v1/penilaian/{penilaian_id}/finalisasi"]["post"]
    assert "application/problem+json" in finalisasi["responses"]["409"]["content"]
    dokumen = document["paths"]["/api/v1/penilaian/{penilaian_id}/dokumen"]["get"]
    assert "application/pdf" in dokumen["responses"]["200"]["content"]
    rating = document["components"]["schemas"]["NilaiIn"]["properties"]["perilaku_kerja"]
    assert rating == {"$ref": "#/components/schemas/Rating"}
    assert document["components"]["schemas"]["Rating"]["enum"] == ["di_atas", "sesuai", "di_bawah"]


async def test_readiness_checks_database_broker_and_token_keys(client):
    ready = (await client.get("/readyz")).json()
    assert ready["checks"] == {"database": "ok", "broker": "ok", "jwks": "ok"}
