"""Each service's OpenAPI document tells a newcomer the truth, and /docs loads nothing from elsewhere.

The documents are the ones the services serve, built from `create_app()` without starting the app: no database,
no broker. The checker (`pmm_testkit.openapi`) is tried first on a small app that breaks each rule.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Header
from opentelemetry.sdk.trace import TracerProvider

from pmm_chassis import service as chassis_service
from pmm_chassis.http.preconditions import IfMatch, document_if_match
from pmm_chassis.http.problems import PROBLEM_RESPONSES, install_problem_handlers
from pmm_kernel.versions import ExpectedVersion
from pmm_testkit.openapi import documented_routes, enforces_if_match, openapi_untruths

SERVICES = ("planning", "observation", "appraisal", "bkn_sync")
EXTERNAL_URL = re.compile(r"""(?:https?:)?//[^\s"'<>]+""")


# --- the checker, on an app that breaks each rule -----------------------------------------------------------


def toy_app() -> FastAPI:
    app = FastAPI(title="toy", description="A toy service.", responses=PROBLEM_RESPONSES)
    install_problem_handlers(app)
    document_if_match(app)

    @app.put("/declared/{n}")
    async def declared(n: int, if_match: IfMatch = None) -> dict[str, int]:
        """Checks If-Match and declares it as `IfMatch`."""
        ExpectedVersion(if_match).check(n)
        return {"n": n}

    @app.put("/undeclared/{n}")
    async def undeclared(n: int, if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> dict[str, int]:
        """Checks If-Match, but declares the header as an optional one of its own."""

        async def compute() -> dict[str, int]:
            ExpectedVersion(if_match).check(n)
            return {"n": n}

        return await compute()

    @app.put("/unchecked/{n}")
    async def unchecked(n: int, if_match: IfMatch = None) -> dict[str, int]:
        """Declares If-Match, never checks it."""
        return {"n": n}

    @app.get("/silent")
    async def silent() -> dict[str, str]:
        return {}

    return app


def test_the_checker_finds_each_untruth() -> None:
    assert sorted(openapi_untruths(toy_app())) == [
        "GET /silent: no description",
        "PUT /unchecked/{n}: documents If-Match as required, but never checks it",
        "PUT /undeclared/{n}: answers 428 without If-Match, but documents it as optional or not at all",
    ]


async def test_what_the_checker_calls_enforcing_is_a_428_without_if_match() -> None:
    app = toy_app()
    routes = documented_routes(app)
    assert enforces_if_match(routes[("PUT", "/declared/{n}")])
    assert enforces_if_match(routes[("PUT", "/undeclared/{n}")])  # inside a nested function, as keyed routes do
    assert not enforces_if_match(routes[("PUT", "/unchecked/{n}")])

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://toy") as client:
        assert (await client.put("/declared/3")).status_code == 428
        assert (await client.put("/undeclared/3")).status_code == 428
        assert (await client.put("/declared/3", headers={"If-Match": '"v2"'})).status_code == 412
        assert (await client.put("/declared/3", headers={"If-Match": '"v3"'})).status_code == 200


def test_if_match_is_documented_as_the_required_etag_it_is() -> None:
    parameter = toy_app().openapi()["paths"]["/declared/{n}"]["put"]["parameters"][1]
    assert parameter["name"] == "If-Match" and parameter["in"] == "header" and parameter["required"] is True
    pattern = re.compile(parameter["schema"]["pattern"])
    assert all(pattern.match(value) for value in ('"v3"', 'W/"v12"', "*"))
    assert not any(pattern.match(value) for value in ("v3", '"3"', ""))


# --- the services ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def apps() -> Iterator[dict[str, FastAPI]]:
    """Each service's app with default settings, never started. The chassis would make its tracer provider the
    process's global one and install its log handler: a private provider and no handler keep this test from
    deciding how later tests in the same run trace and log."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chassis_service, "setup_tracing", lambda *args, **kwargs: TracerProvider())
        patch.setattr(chassis_service, "setup_logging", lambda *args, **kwargs: None)
        yield {name: importlib.import_module(f"{name}.main").create_app() for name in SERVICES}


@pytest.mark.parametrize("name", SERVICES)
def test_the_document_describes_every_operation_and_if_match_as_enforced(apps, name) -> None:
    app = apps[name]
    assert openapi_untruths(app) == []
    document = app.openapi()
    assert "Idempotency-Key" in document["info"]["description"]
    assert "If-Match" in document["info"]["description"]
    assert "/token" in document["info"]["description"]  # how to get a token in development


def test_every_route_that_checks_if_match_is_found(apps) -> None:
    """Guards the checker itself: the changes of a plan, a pelaksanaan and a penilaian are all seen as checked."""
    enforced = {
        (name, method, path)
        for name, app in apps.items()
        for (method, path), endpoint in documented_routes(app).items()
        if enforces_if_match(endpoint)
    }
    assert ("planning", "PUT", "/api/v1/skp/{skp_id}/perilaku-kerja") in enforced
    assert ("planning", "POST", "/api/v1/skp/{skp_id}/approve") in enforced
    assert ("observation", "PUT", "/api/v1/pelaksanaan/{pelaksanaan_id}/observasi") in enforced
    assert ("appraisal", "POST", "/api/v1/penilaian/{penilaian_id}/finalisasi") in enforced
    assert ("planning", "POST", "/api/v1/koreksi/{koreksi_id}/tolak") in enforced
    # Approving many plans carries each plan's version in its body: no If-Match header to require.
    assert ("planning", "POST", "/api/v1/persetujuan") not in enforced
    assert len(enforced) == 25
    assert not any(name == "bkn_sync" for name, _, _ in enforced)


def test_perilaku_kerja_says_it_takes_no_body(apps) -> None:
    operation = apps["planning"].openapi()["paths"]["/api/v1/skp/{skp_id}/perilaku-kerja"]["put"]
    assert "requestBody" not in operation
    assert "no body" in operation["description"]


@pytest.mark.parametrize("name", SERVICES)
async def test_docs_load_swagger_ui_from_the_service_itself(apps, name) -> None:
    app = apps[name]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service.test") as client:
        page = await client.get("/docs")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert EXTERNAL_URL.findall(page.text) == []
        assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
        assert {a.rsplit("/", 1)[-1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
        for asset in assets:
            assert asset.startswith("/docs/static/")
            served = await client.get(asset)
            assert served.status_code == 200 and len(served.content) > 500, asset
        assert "/openapi.json" in page.text
        assert (await client.get("/redoc")).status_code == 404  # ReDoc would load from a CDN


@pytest.mark.parametrize("name", SERVICES)
async def test_asyncapi_viewer_loads_from_the_service_itself(apps, name) -> None:
    app = apps[name]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service.test") as client:
        page = await client.get("/asyncapi")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
        assert EXTERNAL_URL.findall(" ".join(assets)) == []
        assert {a.rsplit("/", 1)[-1] for a in assets} >= {"asyncapi-react.js", "asyncapi-react.css"}
        for asset in assets:
            assert asset.startswith("/docs/static/")
            served = await client.get(asset)
            assert served.status_code == 200 and len(served.content) > 500, asset
        assert f"{name} events" in page.text  # the document is inlined: the page needs nothing else


@pytest.mark.parametrize("name", SERVICES)
async def test_not_ready_is_a_503_with_retry_after_and_the_projects_problem_type(apps, name) -> None:
    # Unstarted (no broker connection, no database reached): what a pod answers while a dependency is down.
    app = apps[name]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service.test") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["type"].endswith("/problems/not_ready")
