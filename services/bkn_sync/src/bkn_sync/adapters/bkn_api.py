"""The one module that speaks BKN's HTTP (e-Kinerja and SIASN): a remote repository behind a small port.

Base URL and client credentials come from settings, so the sandbox and the real endpoint differ by configuration
only. Every call, the token request included, goes through the process's token bucket (stay under BKN's rate)
and circuit breaker (leave BKN alone while it is down), is a CLIENT span in the trace of whatever caused it, and
ends as a value: an answer, or a `Refused` carrying BKN's code or the adapter's (never an exception, but
`CircuitOpen` when no call was made). A response of the wrong shape is `RESPONS_TIDAK_DIKENALI`, not a crash.

BKN's field names (docs/domain.md §7) live here and nowhere else.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import httpx
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider
from pydantic import BaseModel, ConfigDict, ValidationError

from bkn_sync.domain.bkn import (
    Accepted,
    CircuitOpen,
    FeedPage,
    HeldRecord,
    Identity,
    Outcome,
    ProfilChange,
    Refused,
    SkpEdit,
)
from bkn_sync.domain.failures import CREDENTIALS_REFUSED, RATE_LIMITED, UNAVAILABLE, UNKNOWN_RESPONSE
from bkn_sync.domain.periods import PERIODIK_TRIWULAN, BknPeriode
from bkn_sync.domain.push import JenisPush
from bkn_sync.domain.resilience import CircuitBreaker, TokenBucket

# Renew a token this long before BKN says it expires: a request must not leave with a token about to die.
TOKEN_MARGIN_SECONDS = 60.0


# --- BKN's answers, as the adapter expects them --------------------------------------------------------------


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _TokenAnswer(_Answer):
    access_token: str
    expires_in: int


class _Saved(_Answer):
    id: str


class _SaveAnswer(_Answer):
    success: Literal[True]
    data: _Saved


class _Refusal(_Answer):
    code: str
    message: str = ""


class _Rhk(_Answer):
    rhk: str
    rhkAtasan: str | None = None  # noqa: N815  (BKN's field names)
    aspek: str
    indikator: str
    target: int
    satuan: str


class _Skp(_Answer):
    tahun: int
    bulanMulai: int  # noqa: N815
    bulanSelesai: int  # noqa: N815
    status: str
    rhk: list[_Rhk]


class _FeedItem(_Answer):
    seq: int
    jenis: Literal["profil", "skp"]
    nipBaru: str  # noqa: N815
    waktu: datetime
    berubah: dict[str, Any] | None = None
    skp: _Skp | None = None


class _FeedAnswer(_Answer):
    success: Literal[True]
    data: list[_FeedItem]
    sejak: int


class _HeldAnswer(_Answer):
    success: Literal[True]
    data: list[dict[str, Any]]


# --- what a push sends ---------------------------------------------------------------------------------------


def _identity(who: Identity) -> dict[str, Any]:
    # pnsDinilaiId is BKN's id of the pegawai; assumption: the NIP serves as that id (no public mapping).
    return {"pnsDinilaiId": who.nip, "nama": who.nama, "unorId": who.unor_id, "jabatanNama": who.jabatan_nama}


def _months(periode: BknPeriode) -> dict[str, int]:
    return {
        "bulanMulaiPenilaian": periode.bulan_mulai,
        "bulanSelesaiPenilaian": periode.bulan_selesai,
        "tahunMulaiPenilaian": periode.tahun_mulai,
        "tahunSelesaiPenilaian": periode.tahun_selesai,
    }


def _penilai(penilai: dict[str, Any]) -> dict[str, Any]:
    return {
        "penilaiNipNrp": penilai["nip"],
        "penilaiNama": penilai["nama"],
        "penilaiGolongan": penilai.get("golongan"),
        "penilaiJabatanNama": penilai["jabatan"],
        "penilaiUnorNama": penilai["unor"],
        "statusPenilai": penilai["status_penilai"],
    }


def _ratings(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "hasilKinerjaNilai": payload["hasil_kerja_kode"],
        "perilakuKerjaNilai": payload["perilaku_kerja_kode"],
        "kuadranKinerjaNilai": payload["predikat_kode"],
    }


def push_body(jenis: JenisPush, payload: dict[str, Any], who: Identity, periode: BknPeriode) -> dict[str, Any]:
    """The JSON of a push in BKN's field names, from PMM's payload and the pegawai as the roster has them now."""
    if jenis is JenisPush.SKP:
        return {
            **_identity(who),
            "tahun": periode.tahun_mulai,
            "bulanMulai": periode.bulan_mulai,
            "bulanSelesai": periode.bulan_selesai,
            "penilaiNipNrp": who.penilai_nip,
            "status": "DISETUJUI",
            "rhk": [
                {
                    "rhk": r["nama"],
                    "rhkAtasan": r.get("rhk_atasan"),
                    "aspek": r["aspek"],
                    "indikator": r["indikator_kinerja_individu"],
                    "target": r["target_kuantitas"],
                    "satuan": r["satuan"],
                }
                for r in payload["rhk"]
            ],
        }
    if jenis is JenisPush.KINERJA_PERIODIK:
        return {
            **_identity(who),
            **_months(periode),
            "periodikId": PERIODIK_TRIWULAN,
            **_ratings(payload),
            # Assumption: BKN's koefisienId is the koefisien itself (its reference table is not public).
            "koefisienId": payload.get("koefisien"),
            **_penilai(payload["penilai"]),
        }
    if jenis is JenisPush.SKP22:
        return {**_identity(who), "tahun": periode.tahun_mulai, **_ratings(payload), **_penilai(payload["penilai"])}
    return {
        **_identity(who),
        **_months(periode),
        "kreditUtamaBaru": str(Decimal(payload["angka_kredit"])),
        "kreditBaruTotal": str(Decimal(payload["angka_kredit_kumulatif"] or payload["angka_kredit"])),
        "nomorSk": payload.get("nomor_sk"),
        "tanggalSk": payload.get("tanggal_sk"),
    }


def _held(raw: dict[str, Any]) -> HeldRecord | None:
    jenis = raw.get("jenis")
    try:
        if jenis == "skp":
            periode = BknPeriode(raw["tahun"], raw["bulanMulai"], raw["tahun"], raw["bulanSelesai"])
        elif jenis == "skp22":
            periode = BknPeriode(raw["tahun"], 1, raw["tahun"], 12)
        elif jenis in ("kinerjaperiodik", "angkakredit"):
            periode = BknPeriode(
                raw["tahunMulaiPenilaian"],
                raw["bulanMulaiPenilaian"],
                raw["tahunSelesaiPenilaian"],
                raw["bulanSelesaiPenilaian"],
            )
        else:
            return None
        return HeldRecord(jenis=jenis, periode=periode, bkn_id=str(raw["id"]), values=raw)
    except (KeyError, TypeError, ValueError):
        return None


# --- the client ----------------------------------------------------------------------------------------------


class BknClient:
    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        timeout_seconds: float,
        bucket: TokenBucket,
        breaker: CircuitBreaker,
        tracer_provider: TracerProvider | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds, transport=transport)
        self._client_id, self._client_secret = client_id, client_secret
        self.bucket, self.breaker = bucket, breaker
        self._tracer = trace.get_tracer("bkn_sync.bkn", tracer_provider=tracer_provider)
        self._monotonic = monotonic
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        self.base_url = base_url

    async def close(self) -> None:
        await self._http.aclose()

    # -- the port --

    async def push(self, jenis: JenisPush, payload: dict[str, Any], who: Identity, periode: BknPeriode) -> Outcome:
        answer = await self._call("POST", f"/api/{jenis.value}/save", json=push_body(jenis, payload, who, periode))
        if isinstance(answer, Refused):
            return answer
        try:
            return Accepted(bkn_id=_SaveAnswer.model_validate_json(answer.content).data.id)
        except ValidationError:
            return _unexpected(answer, "a save answer without success and id")

    async def changes(self, since: int, limit: int) -> FeedPage | Refused:
        answer = await self._call("GET", "/api/pns/perubahan", params={"sejak": since, "limit": limit})
        if isinstance(answer, Refused):
            return answer
        try:
            parsed = _FeedAnswer.model_validate_json(answer.content)
        except ValidationError:
            return _unexpected(answer, "a change feed page of another shape")
        items: list[ProfilChange | SkpEdit] = []
        for item in parsed.data:
            if item.jenis == "profil":
                items.append(ProfilChange(item.seq, item.nipBaru, dict(item.berubah or {}), item.waktu))
            elif item.skp is not None:
                skp = item.skp
                periode = BknPeriode(skp.tahun, skp.bulanMulai, skp.tahun, skp.bulanSelesai)
                rhk = [
                    {
                        "nama": r.rhk,
                        "rhk_atasan": r.rhkAtasan,
                        "aspek": r.aspek,
                        "indikator_kinerja_individu": r.indikator,
                        "target_kuantitas": r.target,
                        "satuan": r.satuan,
                    }
                    for r in skp.rhk
                ]
                items.append(SkpEdit(item.seq, item.nipBaru, periode, skp.status, rhk, item.waktu))
        return FeedPage(items=items, position=parsed.sejak)

    async def held(self, nip: str) -> list[HeldRecord] | Refused:
        answer = await self._call("GET", f"/api/riwayat/{nip}", template="/api/riwayat/{nip}")
        if isinstance(answer, Refused):
            return answer
        try:
            parsed = _HeldAnswer.model_validate_json(answer.content)
        except ValidationError:
            return _unexpected(answer, "a record list of another shape")
        return [held for raw in parsed.data if (held := _held(raw)) is not None]

    def circuit(self) -> dict[str, Any]:
        now = self._monotonic()
        return {
            "state": self.breaker.state.value,
            "consecutive_failures": self.breaker.failures,
            "reopens_in_seconds": round(self.breaker.reopens_in(now), 1),
            "paused_for_seconds": round(max(0.0, self.bucket.paused_until - now), 1),
        }

    # -- one call --

    async def _call(
        self,
        method: str,
        path: str,
        *,
        template: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response | Refused:
        token = await self._bearer()
        if isinstance(token, Refused):
            return token
        answer = await self._send(method, path, template or path, json=json, params=params, token=token)
        if isinstance(answer, httpx.Response) and answer.status_code == 401:
            # Expired or revoked before we thought: renew once and repeat (a second 401 is a real refusal).
            self._token = None
            token = await self._bearer()
            if isinstance(token, Refused):
                return token
            answer = await self._send(method, path, template or path, json=json, params=params, token=token)
        if isinstance(answer, Refused):
            return answer
        if answer.status_code >= 400:
            return self._refusal(answer)
        return answer

    async def _bearer(self) -> str | Refused:
        async with self._token_lock:  # concurrent pushes renew once, not once each
            if self._token is not None and self._monotonic() < self._token_expires:
                return self._token
            form = {
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            }
            answer = await self._send("POST", "/oauth/token", "/oauth/token", data=form)
            if isinstance(answer, Refused):
                return answer
            if answer.status_code in (400, 401):
                return Refused(CREDENTIALS_REFUSED, answer.status_code, "the token endpoint refused the client")
            if answer.status_code >= 400:
                return self._refusal(answer)
            try:
                parsed = _TokenAnswer.model_validate_json(answer.content)
            except ValidationError:
                return _unexpected(answer, "a token answer without access_token and expires_in")
            self._token = parsed.access_token
            self._token_expires = self._monotonic() + max(parsed.expires_in - TOKEN_MARGIN_SECONDS, 1.0)
            return self._token

    async def _send(
        self, method: str, path: str, template: str, *, token: str | None = None, **kwargs: Any
    ) -> httpx.Response | Refused:
        now = self._monotonic()
        if not self.breaker.allow(now):
            raise CircuitOpen(self.breaker.reopens_in(now))
        await self._take_token()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # The span's name and attributes carry the route's template: a NIP in a path must not reach a trace.
        with self._tracer.start_as_current_span(
            f"BKN {method} {template}",
            kind=SpanKind.CLIENT,
            attributes={"http.request.method": method, "url.template": template, "server.address": self.base_url},
        ) as span:
            propagate.inject(headers)
            try:
                answer = await self._http.request(method, path, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                self.breaker.record_failure(self._monotonic())
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                return Refused(UNAVAILABLE, None, f"{type(exc).__name__} talking to BKN")
            span.set_attribute("http.response.status_code", answer.status_code)
            if answer.status_code >= 500:
                self.breaker.record_failure(self._monotonic())
                span.set_status(Status(StatusCode.ERROR, str(answer.status_code)))
            else:
                self.breaker.record_success()
            if answer.status_code == 429:
                self.bucket.pause(self._monotonic(), _retry_after(answer) or 1.0)
            return answer

    async def _take_token(self) -> None:
        while (wait := self.bucket.take(self._monotonic())) > 0:
            await asyncio.sleep(wait)

    def _refusal(self, answer: httpx.Response) -> Refused:
        if answer.status_code == 429:
            return Refused(RATE_LIMITED, 429, "BKN is rate limiting", retry_after=_retry_after(answer))
        if answer.status_code >= 500:
            return Refused(UNAVAILABLE, answer.status_code, f"BKN answered {answer.status_code}")
        try:
            refusal = _Refusal.model_validate_json(answer.content)
        except ValidationError:
            return _unexpected(answer, f"a {answer.status_code} without BKN's error code")
        return Refused(refusal.code, answer.status_code, refusal.message[:300])


def _retry_after(answer: httpx.Response) -> float | None:
    value = answer.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        # The HTTP-date form.
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def _unexpected(answer: httpx.Response, expected: str) -> Refused:
    return Refused(UNKNOWN_RESPONSE, answer.status_code, f"expected {expected}")
