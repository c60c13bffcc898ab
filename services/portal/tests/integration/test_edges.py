"""What the portal answers by itself, with no service behind it: the error page of an unexpected failure keeps the
security headers, and an uploader whose session ended is told so rather than redirected."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from portal.main import create_app
from portal.settings import PortalSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def portal() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(PortalSettings(planning_url="http://127.0.0.1:9", api_timeout_seconds=1))

    @app.get("/rusak")
    async def broken() -> None:
        raise RuntimeError("a bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
            yield client


async def test_the_500_page_carries_the_headers_every_page_does(portal):
    page = await portal.get("/rusak")
    assert page.status_code == 500 and "Maaf, terjadi kesalahan pada sistem" in page.text
    assert "a bug" not in page.text  # never a stack trace
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("method", ["HEAD", "PATCH"])
async def test_an_upload_without_a_session_is_refused_not_redirected(portal, method):
    answer = await portal.request(method, f"/unggahan/{uuid.uuid4()}", headers={"Tus-Resumable": "1.0.0"})
    assert answer.status_code == 401
    assert answer.headers["tus-resumable"] == "1.0.0"
