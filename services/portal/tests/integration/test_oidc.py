"""Production sign-in against a real OpenID Connect provider over HTTP: authorization code with PKCE (S256), state
and nonce checked, the ID token verified against the provider's JWKS, a refresh before the access token runs out,
and RP-initiated logout. The provider is a small one of the test's own, served by uvicorn on a real port; it
checks the code verifier as a real provider does."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

from pmm_chassis.auth.dev_issuer import jwks_for, mint_token
from portal.main import create_app
from portal.settings import PortalSettings

pytestmark = pytest.mark.integration
CLIENT_ID, CLIENT_SECRET = "pmm-portal", "rahasia-klien"
PORTAL = "http://portal.test"
SUB = "197203031996111003"


@dataclass
class Provider:
    url: str
    key: rsa.RSAPrivateKey
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    grants: list[str] = field(default_factory=list)
    access_ttl: int = 3600
    id_token_changes: dict[str, Any] = field(default_factory=dict)  # claims a dishonest answer would carry
    signing_key: rsa.RSAPrivateKey | None = None  # a key the provider's JWKS does not hold


def provider_app(provider: Provider) -> FastAPI:
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": provider.url,
            "authorization_endpoint": f"{provider.url}/authorize",
            "token_endpoint": f"{provider.url}/token",
            "jwks_uri": f"{provider.url}/jwks",
            "end_session_endpoint": f"{provider.url}/logout",
            "code_challenge_methods_supported": ["S256"],
        }

    @app.get("/jwks")
    async def jwks() -> dict[str, Any]:
        return jwks_for(provider.key)

    @app.get("/authorize")
    async def authorize(request: Request) -> RedirectResponse:
        q = request.query_params
        assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
        assert q["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        provider.codes[code] = {"challenge": q["code_challenge"], "nonce": q["nonce"], "redirect": q["redirect_uri"]}
        return RedirectResponse(f"{q['redirect_uri']}?code={code}&state={q['state']}", status_code=302)

    @app.post("/token")
    async def token(request: Request, grant_type: str = Form(), code: str = Form(""), code_verifier: str = Form(""),
                    redirect_uri: str = Form(""), refresh_token: str = Form("")) -> JSONResponse:  # fmt: skip
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        provider.grants.append(grant_type)
        if grant_type == "refresh_token":
            if refresh_token != "segar-1":
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return JSONResponse({"access_token": _access(provider), "expires_in": 3600, "token_type": "Bearer"})
        pending = provider.codes.pop(code, None)
        digest = hashlib.sha256(code_verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if pending is None or pending["challenge"] != challenge or pending["redirect"] != redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        claims = {"nonce": pending["nonce"], "name": "Dewi Lestari", **provider.id_token_changes}
        key = provider.signing_key or provider.key
        id_token = mint_token(key, sub=SUB, roles=["guru"], issuer=provider.url, audience=CLIENT_ID, extra=claims)
        return JSONResponse({"access_token": _access(provider), "id_token": id_token, "refresh_token": "segar-1",
                             "expires_in": provider.access_ttl, "token_type": "Bearer"})  # fmt: skip

    return app


def _access(provider: Provider) -> str:
    return mint_token(provider.key, sub=SUB, roles=["guru"], issuer=provider.url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
async def provider() -> AsyncIterator[Provider]:
    port = _free_port()
    found = Provider(url=f"http://127.0.0.1:{port}", key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    server = uvicorn.Server(uvicorn.Config(provider_app(found), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    yield found
    server.should_exit = True
    await task


@pytest.fixture
async def browser(provider: Provider) -> AsyncIterator[httpx.AsyncClient]:
    settings = PortalSettings(
        oidc_issuer=provider.url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        public_url=PORTAL,
        planning_url="http://127.0.0.1:9",  # nothing there: pages that need a service say it is unreachable
        api_timeout_seconds=2,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PORTAL) as client:
            yield client


async def _sign_in(browser: httpx.AsyncClient, lanjut: str = "/perencanaan") -> httpx.Response:
    start = await browser.get("/masuk/sso", params={"lanjut": lanjut})
    assert start.status_code == 303
    authorize = httpx.URL(start.headers["location"])
    async with httpx.AsyncClient() as outside:
        at_provider = await outside.get(authorize)  # the provider sends the browser back with a code
    callback = httpx.URL(at_provider.headers["location"])
    assert callback.path == "/masuk/sso/kembali"
    return await browser.get(callback.path, params=callback.params)


async def test_sign_in_with_pkce_comes_back_to_the_page_asked_for(browser, provider):
    start = await browser.get("/masuk/sso", params={"lanjut": "/perencanaan"})
    query = parse_qs(urlsplit(start.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [f"{PORTAL}/masuk/sso/kembali"] and query["nonce"] and query["state"]

    done = await _sign_in(browser)
    assert done.status_code == 303 and done.headers["location"] == "/perencanaan"
    assert provider.grants[-1] == "authorization_code"
    # Signed in: a page that needs a user no longer sends to Masuk (planning is unreachable here: its page says so).
    page = await browser.get("/perencanaan")
    assert page.status_code == 503 and "Layanan sedang tidak dapat dihubungi" in page.text


async def test_a_callback_with_another_state_is_refused(browser, provider):
    start = await browser.get("/masuk/sso")
    async with httpx.AsyncClient() as outside:
        back = httpx.URL((await outside.get(start.headers["location"])).headers["location"])
    forged = await browser.get(back.path, params={"code": back.params["code"], "state": "bukan-punya-saya"})
    assert forged.headers["location"] == "/masuk"
    page = await browser.get("/perencanaan")
    assert page.status_code == 303 and page.headers["location"].startswith("/masuk")  # still signed out


async def test_a_code_used_without_its_verifier_is_refused_by_the_provider(browser, provider):
    start = await browser.get("/masuk/sso")
    async with httpx.AsyncClient() as outside:
        back = httpx.URL((await outside.get(start.headers["location"])).headers["location"])
        stolen = await outside.post(f"{provider.url}/token", data={"grant_type": "authorization_code",
                                    "code": back.params["code"], "code_verifier": "tebakan",
                                    "redirect_uri": f"{PORTAL}/masuk/sso/kembali"},
                                    auth=(CLIENT_ID, CLIENT_SECRET))  # fmt: skip
    assert stolen.status_code == 400


async def test_an_access_token_about_to_expire_is_refreshed(browser, provider):
    provider.access_ttl = 5  # inside the portal's leeway: treated as expiring now
    try:
        await _sign_in(browser)
        refreshes = provider.grants.count("refresh_token")
        page = await browser.get("/perencanaan")
        assert provider.grants.count("refresh_token") == refreshes + 1
        assert page.status_code == 503  # refreshed and signed in: on to the page, whose service is unreachable
    finally:
        provider.access_ttl = 3600


async def test_keluar_ends_the_session_at_the_provider_too(browser, provider):
    await _sign_in(browser)
    page = await browser.get("/", follow_redirects=True)  # any page: its Keluar form carries this session's token
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    out = await browser.post("/keluar", data={"csrf": csrf})
    end = httpx.URL(out.headers["location"])
    assert str(end).startswith(f"{provider.url}/logout") and end.params["client_id"] == CLIENT_ID
    # Browsers hold a form's redirect to form-action: the provider's origin is named there.
    assert f"form-action 'self' {provider.url}" in out.headers["content-security-policy"]
    page = await browser.get("/perencanaan")
    assert page.headers["location"].startswith("/masuk")


@pytest.mark.parametrize(
    "dishonest",
    [
        {"nonce": "bukan-nonce-ini"},  # replayed from another sign-in
        {"aud": "klien-lain"},  # issued to another client
        {"iss": "https://penyedia-lain.example"},  # issued by another provider
        {"exp": 1_000_000_000},  # long expired
        "unknown key",  # signed with a key the provider's JWKS does not hold
    ],
)
async def test_an_id_token_that_cannot_be_trusted_signs_no_one_in(browser, provider, dishonest):
    if dishonest == "unknown key":
        provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        provider.id_token_changes = dict(dishonest)
    try:
        done = await _sign_in(browser)
    finally:
        provider.id_token_changes, provider.signing_key = {}, None
    assert done.headers["location"] == "/masuk"
    page = await browser.get("/perencanaan")
    assert page.headers["location"].startswith("/masuk")


@pytest.mark.parametrize("elsewhere", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
async def test_after_sign_in_never_to_another_site(browser, provider, elsewhere):
    done = await _sign_in(browser, lanjut=elsewhere)
    assert done.headers["location"] == "/"


def test_a_session_with_its_tokens_fits_in_one_cookie(provider):
    from portal.session import SessionCodec

    codec = SessionCodec(["rahasia"], max_age_seconds=3600)
    session = codec.open(None)
    access = mint_token(provider.key, sub=SUB, roles=["guru", "kepala_sekolah"], issuer=provider.url,
                        extra={"wilayah": "3273", "name": "Nama Seorang Guru Yang Cukup Panjang"})  # fmt: skip
    session["user"] = {"sub": SUB, "roles": ["guru", "kepala_sekolah"], "access_token": access, "nama": "Dewi Lestari",
                       "refresh_token": "r" * 128, "expires_at": 1e10, "wilayah": "3273"}  # fmt: skip
    session["flash"] = [{"kind": "info", "text": "x" * 200}]
    assert len(f"pmm_sesi={codec.seal(session)}") < 4000  # what every browser keeps of one cookie
