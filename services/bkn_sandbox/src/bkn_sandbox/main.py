"""The sandbox's HTTP API: BKN's resources under /api, its token endpoint under /oauth, the tester's knobs under
/admin. `uvicorn bkn_sandbox.main:create_app --factory --port 8090`.

| BKN (as far as known)                  | route                                   |
|----------------------------------------|-----------------------------------------|
| OAuth2 client credentials              | POST /oauth/token                       |
| pegawai profile (SIASN data utama)     | GET  /api/pns/data-utama/{nip}          |
| change feed (profiles, SKP edited)     | GET  /api/pns/perubahan?sejak=&limit=   |
| SKP of a period: pull / push           | GET  /api/skp/{nip}?tahun=&bulanMulai=&bulanSelesai= / POST /api/skp/save |
| kinerja periodik, annual result, AK    | POST /api/{kinerjaperiodik,skp22,angkakredit}/save |
| what BKN holds for a pegawai           | GET  /api/riwayat/{nip}                 |
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Form, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from bkn_sandbox import rules
from bkn_sandbox.faults import LOSE_HEADER, FaultConfig, FaultMiddleware, Faults
from bkn_sandbox.settings import BknSandboxSettings
from bkn_sandbox.siasn_mirror import SiasnMirror
from bkn_sandbox.store import Store
from bkn_sandbox.tokens import TokenIssuer

Kind = Literal["skp", "kinerjaperiodik", "skp22", "angkakredit"]


class Unauthorized(Exception):
    pass


class SeedIn(BaseModel):
    profil: list[dict[str, Any]]
    tahun: list[int] | None = None  # the open periods; None leaves them as they are
    reset: bool = True


class BknSkpEditIn(BaseModel):
    """The pegawai edits their SKP in e-Kinerja (it reaches the change feed)."""

    tahun: int
    bulanMulai: int = Field(ge=1, le=12)
    bulanSelesai: int = Field(ge=1, le=12)
    status: Literal["DRAFT", "DIAJUKAN", "DISETUJUI"] = "DRAFT"
    rhk: list[rules.SkpRhk]


def create_app(settings: BknSandboxSettings | None = None) -> FastAPI:
    settings = settings or BknSandboxSettings()
    # No request lines: the admin paths carry NIPs, which no log of the project's keeps (UU 27/2022).
    logging.getLogger("uvicorn.access").disabled = True
    store = Store(settings.data_dir / "bkn.sqlite3")
    if not store.open_years():
        store.set_open_years(settings.open_years)
    faults = Faults()
    tokens = TokenIssuer(settings.client_id, settings.client_secret, settings.token_ttl_seconds)

    mirror = SiasnMirror(settings.amqp_url, store) if settings.amqp_url else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if mirror is not None:
            await mirror.start()
        yield
        if mirror is not None:
            await mirror.stop()
        store.close()

    app = FastAPI(title="BKN sandbox (e-Kinerja / SIASN stand-in)", version="1.0.0", lifespan=lifespan)
    app.state.store, app.state.faults, app.state.tokens = store, faults, tokens
    app.add_middleware(FaultMiddleware, faults=faults)

    @app.exception_handler(rules.BknError)
    async def bkn_error(request: Request, exc: rules.BknError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        return JSONResponse(
            {"error": "invalid_token", "error_description": str(exc)},
            status_code=401,
            headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{exc}"'},
        )

    def bearer(authorization: Annotated[str | None, Header()] = None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("a bearer token is required")
        if not tokens.valid(token):
            raise Unauthorized("the token is unknown or has expired")

    def admin(x_sandbox_admin: Annotated[str | None, Header()] = None) -> None:
        if x_sandbox_admin != settings.admin_key:
            raise rules.BknError(403, "ADMIN_DITOLAK", "the admin key is missing or wrong")

    Bearer = Depends(bearer)
    Admin = Depends(admin)

    # --- probes ---

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return Response(status_code=204)

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    # --- OAuth2 ---

    @app.post("/oauth/token", tags=["oauth"])
    async def token(
        grant_type: Annotated[str, Form()],
        client_id: Annotated[str, Form()],
        client_secret: Annotated[str, Form()],
    ) -> JSONResponse:
        if grant_type != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        issued = tokens.issue(client_id, client_secret)
        if issued is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        value, ttl = issued
        return JSONResponse({"access_token": value, "token_type": "bearer", "expires_in": ttl})

    # --- BKN's resources ---

    @app.get("/api/pns/data-utama/{nip}", tags=["siasn"], dependencies=[Bearer])
    async def data_utama(nip: str) -> dict[str, Any]:
        profile = store.profile(nip)
        if profile is None:
            raise rules.error("PEGAWAI_TIDAK_DITEMUKAN", "nip")
        return {"success": True, "data": profile}

    @app.get("/api/pns/perubahan", tags=["siasn"], dependencies=[Bearer])
    async def perubahan(
        sejak: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100
    ) -> dict[str, Any]:
        items = store.feed(sejak, limit)
        return {"success": True, "data": items, "sejak": items[-1]["seq"] if items else sejak}

    @app.get("/api/riwayat/{nip}", tags=["e-kinerja"], dependencies=[Bearer])
    async def riwayat(nip: str) -> dict[str, Any]:
        if store.profile(nip) is None:
            raise rules.error("PEGAWAI_TIDAK_DITEMUKAN", "nip")
        return {"success": True, "data": [r.public() for r in store.records(nip=nip)]}

    @app.get("/api/skp/{nip}", tags=["e-kinerja"], dependencies=[Bearer])
    async def skp(nip: str, tahun: int, bulanMulai: int, bulanSelesai: int) -> dict[str, Any]:  # noqa: N803
        record = store.record("skp", nip, f"{tahun}-{bulanMulai:02d}-{bulanSelesai:02d}")
        if record is None:
            raise rules.error("DATA_TIDAK_ADA")
        return {"success": True, "data": record.public()}

    @app.post("/api/{kind}/save", tags=["e-kinerja"], dependencies=[Bearer])
    async def save(kind: Kind, request: Request) -> JSONResponse:
        try:
            raw = await request.json()
        except ValueError:
            raise rules.error("VALIDASI_GAGAL") from None
        body = rules.parse(kind, raw)
        rules.check(
            kind,
            body,
            profile=store.profile(body.pnsDinilaiId),
            open_years=store.open_years(),
            skp_records=store.records(nip=body.pnsDinilaiId, kind="skp"),
        )
        record, created = store.save(
            kind, body.pnsDinilaiId, rules.periode_key(kind, body), body.model_dump(mode="json"), source="pmm"
        )
        answer = {"success": True, "data": {"id": record.bkn_id, "baru": created}}
        headers = {LOSE_HEADER: "1"} if faults.take_lost_response() else None
        return JSONResponse(answer, status_code=201 if created else 200, headers=headers)

    # --- the tester's knobs ---

    @app.get("/admin/faults", tags=["admin"], dependencies=[Admin])
    async def get_faults() -> dict[str, Any]:
        return faults.view()

    @app.put("/admin/faults", tags=["admin"], dependencies=[Admin])
    async def put_faults(config: FaultConfig) -> dict[str, Any]:
        faults.set(config)
        return faults.view()

    @app.delete("/admin/faults", tags=["admin"], dependencies=[Admin])
    async def clear_faults() -> dict[str, Any]:
        faults.set(FaultConfig())
        return faults.view()

    @app.post("/admin/seed", tags=["admin"], dependencies=[Admin])
    async def seed(body: SeedIn) -> dict[str, int]:
        if body.reset:
            store.reset()
        for profile in body.profil:
            store.put_profile(profile)
        if body.tahun is not None:
            store.set_open_years(body.tahun)
        return {"profil": len(body.profil)}

    @app.patch("/admin/pegawai/{nip}", tags=["admin"], dependencies=[Admin])
    async def change_pegawai(nip: str, changes: dict[str, Any]) -> dict[str, Any]:
        profile = store.change_profile(nip, changes)
        if profile is None:
            raise rules.error("PEGAWAI_TIDAK_DITEMUKAN", "nip")
        return profile

    @app.put("/admin/skp/{nip}", tags=["admin"], dependencies=[Admin])
    async def edit_skp(nip: str, body: BknSkpEditIn) -> dict[str, Any]:
        if store.profile(nip) is None:
            raise rules.error("PEGAWAI_TIDAK_DITEMUKAN", "nip")
        skp = {"pnsDinilaiId": nip, **body.model_dump(mode="json")}
        key = f"{body.tahun}-{body.bulanMulai:02d}-{body.bulanSelesai:02d}"
        record, _ = store.save("skp", nip, key, skp, source="bkn")
        store.append_feed("skp", nip, {"skp": skp, "id": record.bkn_id})
        return record.public()

    @app.get("/admin/records", tags=["admin"], dependencies=[Admin])
    async def records(nip: str | None = None, kind: Kind | None = None) -> list[dict[str, Any]]:
        return [{"nip": r.nip, **r.public()} for r in store.records(nip=nip, kind=kind)]

    @app.delete("/admin/records/{kind}/{nip}/{periode_key}", tags=["admin"], dependencies=[Admin])
    async def delete_record(kind: Kind, nip: str, periode_key: str) -> Response:
        if not store.delete_record(kind, nip, periode_key):
            raise rules.error("DATA_TIDAK_ADA")
        return Response(status_code=204)

    @app.put("/admin/periode", tags=["admin"], dependencies=[Admin])
    async def set_periode(tahun: list[int]) -> dict[str, list[int]]:
        store.set_open_years(tahun)
        return {"tahun": sorted(store.open_years())}

    @app.post("/admin/tokens/expire", tags=["admin"], dependencies=[Admin])
    async def expire_tokens() -> dict[str, int]:
        return {"expired": tokens.expire_all()}

    @app.get("/admin/stats", tags=["admin"], dependencies=[Admin])
    async def stats() -> dict[str, int]:
        return dict(faults.stats)

    return app
