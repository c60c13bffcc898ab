"""The BKN adapter against a scripted BKN (httpx.MockTransport): tokens, typed refusals, odd answers, the circuit,
the rate limit, and BKN's field names."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from bkn_sync.adapters.bkn_api import BknClient, push_body
from bkn_sync.domain.bkn import Accepted, CircuitOpen, Identity, ProfilChange, Refused, SkpEdit
from bkn_sync.domain.periods import BknPeriode
from bkn_sync.domain.push import JenisPush
from bkn_sync.domain.resilience import CircuitBreaker, TokenBucket

WHO = Identity(nip="198001012005011001", nama="Siti", unor_id="20217301", jabatan_nama="Guru Ahli Pertama",
               penilai_nip="197501012000011001")  # fmt: skip
TW1 = BknPeriode(2024, 1, 2024, 3)
PENILAI = {"nip": "197501012000011001", "nama": "Kepala", "golongan": "IV/a", "jabatan": "Guru Ahli Madya",
           "unor": "SD Negeri 1", "status_penilai": "ASN"}  # fmt: skip
RATING = {"hasil_kerja_kode": 2, "perilaku_kerja_kode": 1, "predikat_kode": 2, "koefisien": "12.5", "penilai": PENILAI}
TOKEN = {"access_token": "t-1", "token_type": "bearer", "expires_in": 3600}


class Bkn:
    """A scripted BKN: answers in order per path, counts what it saw."""

    def __init__(self, answers: dict[str, list[httpx.Response]]) -> None:
        self.answers = answers
        self.seen: list[tuple[str, str, dict[str, str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path, dict(request.headers)))
        queue = self.answers.get(request.url.path)
        if not queue:
            raise httpx.ConnectError("nobody home", request=request)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client(bkn: Bkn, *, threshold: int = 3, clock: Clock | None = None, rate: float = 1000.0) -> BknClient:
    return BknClient(
        base_url="http://bkn.test",
        client_id="c",
        client_secret="s",
        timeout_seconds=1.0,
        bucket=TokenBucket(rate=rate, capacity=10),
        breaker=CircuitBreaker(failure_threshold=threshold, open_seconds=30.0),
        transport=httpx.MockTransport(bkn),
        monotonic=clock or Clock(),
    )


def ok(body: dict, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


SAVED = ok({"success": True, "data": {"id": "bkn-9"}}, 201)


async def test_a_push_is_accepted_with_a_token_fetched_once():
    bkn = Bkn({"/oauth/token": [ok(TOKEN)], "/api/kinerjaperiodik/save": [SAVED]})
    bkn_client = client(bkn)
    assert await bkn_client.push(JenisPush.KINERJA_PERIODIK, RATING, WHO, TW1) == Accepted("bkn-9")
    assert await bkn_client.push(JenisPush.KINERJA_PERIODIK, RATING, WHO, TW1) == Accepted("bkn-9")
    assert [path for _, path, _ in bkn.seen].count("/oauth/token") == 1
    assert all(h.get("authorization") == "Bearer t-1" for _, p, h in bkn.seen if p.startswith("/api"))


async def test_an_expired_token_is_renewed_and_the_call_repeated():
    bkn = Bkn(
        {
            "/oauth/token": [ok(TOKEN), ok({**TOKEN, "access_token": "t-2"})],
            "/api/skp/save": [ok({"error": "invalid_token"}, 401), SAVED],
        }
    )
    assert await client(bkn).push(JenisPush.SKP, {"rhk": []}, WHO, TW1) == Accepted("bkn-9")
    saves = [h["authorization"] for _, p, h in bkn.seen if p == "/api/skp/save"]
    assert saves == ["Bearer t-1", "Bearer t-2"]


@pytest.mark.parametrize(
    ("answer", "kode", "status"),
    [
        (ok({"success": False, "code": "UNOR_TIDAK_SESUAI", "message": "x"}, 422), "UNOR_TIDAK_SESUAI", 422),
        (ok({"success": True, "data": {}}, 200), "RESPONS_TIDAK_DIKENALI", 200),  # accepted but no id
        (httpx.Response(200, text="<html>maintenance</html>"), "RESPONS_TIDAK_DIKENALI", 200),
        (httpx.Response(400, text="bad"), "RESPONS_TIDAK_DIKENALI", 400),  # a 4xx without BKN's code
        (ok({}, 502), "BKN_TIDAK_TERSEDIA", 502),
        (ok({}, 429, **{"Retry-After": "7"}), "BKN_MEMBATASI", 429),
        (httpx.ConnectError("down"), "BKN_TIDAK_TERSEDIA", None),
        (httpx.ReadTimeout("slow"), "BKN_TIDAK_TERSEDIA", None),
        (httpx.RemoteProtocolError("lost"), "BKN_TIDAK_TERSEDIA", None),  # BKN stored it, the answer was lost
    ],
    ids=["typed", "no-id", "html", "4xx-no-code", "502", "429", "connect", "timeout", "lost-response"],
)
async def test_every_failure_is_a_value(answer, kode, status):
    bkn = Bkn({"/oauth/token": [ok(TOKEN)], "/api/skp/save": [answer]})
    outcome = await client(bkn).push(JenisPush.SKP, {"rhk": []}, WHO, TW1)
    assert isinstance(outcome, Refused)
    assert (outcome.kode, outcome.http_status) == (kode, status)


async def test_refused_credentials():
    bkn = Bkn({"/oauth/token": [ok({"error": "invalid_client"}, 401)]})
    outcome = await client(bkn).push(JenisPush.SKP, {"rhk": []}, WHO, TW1)
    assert isinstance(outcome, Refused) and outcome.kode == "KREDENSIAL_DITOLAK"


async def test_429_pauses_every_call_for_retry_after():
    clock = Clock()
    bkn = Bkn({"/oauth/token": [ok(TOKEN)], "/api/skp/save": [ok({}, 429, **{"Retry-After": "7"})]})
    bkn_client = client(bkn, clock=clock)
    outcome = await bkn_client.push(JenisPush.SKP, {"rhk": []}, WHO, TW1)
    assert isinstance(outcome, Refused) and outcome.retry_after == 7.0
    assert bkn_client.circuit()["paused_for_seconds"] == 7.0
    assert bkn_client.bucket.take(clock.now + 1) == pytest.approx(6.0)


async def test_the_circuit_opens_after_failures_and_no_call_is_made_while_open():
    clock = Clock()
    bkn = Bkn({"/oauth/token": [ok(TOKEN)], "/api/skp/save": [ok({}, 503)]})
    bkn_client = client(bkn, threshold=2, clock=clock)
    for _ in range(2):
        assert (await bkn_client.push(JenisPush.SKP, {"rhk": []}, WHO, TW1)).kode == "BKN_TIDAK_TERSEDIA"
    calls = len(bkn.seen)
    with pytest.raises(CircuitOpen):
        await bkn_client.push(JenisPush.SKP, {"rhk": []}, WHO, TW1)
    assert len(bkn.seen) == calls  # nothing reached BKN
    clock.now += 31  # half-open: one probe goes and succeeds
    bkn.answers["/api/skp/save"] = [SAVED]
    assert await bkn_client.push(JenisPush.SKP, {"rhk": []}, WHO, TW1) == Accepted("bkn-9")
    assert bkn_client.circuit()["state"] == "closed"


async def test_a_refusal_of_our_data_proves_bkn_is_up():
    bkn = Bkn({"/oauth/token": [ok(TOKEN)], "/api/skp/save": [ok({"code": "PERIODE_TIDAK_ADA"}, 422)]})
    bkn_client = client(bkn, threshold=1)
    for _ in range(3):
        await bkn_client.push(JenisPush.SKP, {"rhk": []}, WHO, TW1)
    assert bkn_client.circuit()["state"] == "closed"


async def test_the_feed_in_pmm_words():
    feed = {
        "success": True,
        "sejak": 8,
        "data": [
            {"seq": 7, "jenis": "profil", "nipBaru": WHO.nip, "waktu": "2024-02-01T00:00:00+00:00",
             "berubah": {"golRuangAkhir": "III/c"}},
            {"seq": 8, "jenis": "skp", "nipBaru": WHO.nip, "waktu": "2024-02-02T00:00:00+00:00",
             "skp": {"tahun": 2024, "bulanMulai": 1, "bulanSelesai": 6, "status": "DRAFT",
                     "rhk": [{"rhk": "R", "aspek": "kuantitas", "indikator": "I", "target": 3, "satuan": "modul"}]}},
        ],
    }  # fmt: skip
    bkn = Bkn({"/oauth/token": [ok(TOKEN)], "/api/pns/perubahan": [ok(feed)]})
    page = await client(bkn).changes(0, 100)
    assert page.position == 8
    profil, skp = page.items
    assert isinstance(profil, ProfilChange) and profil.changes == {"golRuangAkhir": "III/c"}
    assert isinstance(skp, SkpEdit) and skp.periode == BknPeriode(2024, 1, 2024, 6)
    assert skp.rhk == [{"nama": "R", "rhk_atasan": None, "aspek": "kuantitas", "indikator_kinerja_individu": "I",
                        "target_kuantitas": 3, "satuan": "modul"}]  # fmt: skip


async def test_a_span_name_never_carries_the_nip():
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    bkn = Bkn({"/oauth/token": [ok(TOKEN)], f"/api/riwayat/{WHO.nip}": [ok({"success": True, "data": []})]})
    bkn_client = BknClient(
        base_url="http://bkn.test", client_id="c", client_secret="s", timeout_seconds=1.0,
        bucket=TokenBucket(rate=100, capacity=10), breaker=CircuitBreaker(), tracer_provider=provider,
        transport=httpx.MockTransport(bkn),
    )  # fmt: skip
    assert await bkn_client.held(WHO.nip) == []
    names = [s.name for s in exporter.get_finished_spans()]
    assert names == ["BKN POST /oauth/token", "BKN GET /api/riwayat/{nip}"]
    assert all(WHO.nip not in json.dumps(dict(s.attributes or {})) for s in exporter.get_finished_spans())
    # ...and the call carried the trace to BKN.
    assert all("traceparent" in h for _, _, h in bkn.seen)


@pytest.mark.parametrize(
    ("jenis", "payload", "periode", "expected"),
    [
        (JenisPush.KINERJA_PERIODIK, RATING, TW1, {
            "bulanMulaiPenilaian": 1, "bulanSelesaiPenilaian": 3, "tahunMulaiPenilaian": 2024,
            "tahunSelesaiPenilaian": 2024, "periodikId": 2, "hasilKinerjaNilai": 2, "perilakuKerjaNilai": 1,
            "kuadranKinerjaNilai": 2, "koefisienId": "12.5", "pnsDinilaiId": WHO.nip,
            "penilaiNipNrp": PENILAI["nip"], "penilaiNama": "Kepala", "penilaiGolongan": "IV/a",
            "penilaiJabatanNama": "Guru Ahli Madya", "penilaiUnorNama": "SD Negeri 1", "statusPenilai": "ASN"}),
        (JenisPush.SKP22, RATING, BknPeriode(2024, 1, 2024, 12), {"tahun": 2024, "kuadranKinerjaNilai": 2}),
        (JenisPush.ANGKA_KREDIT, {"angka_kredit": "6.25", "angka_kredit_kumulatif": "18.75"},
         BknPeriode(2024, 1, 2024, 6),
         {"kreditUtamaBaru": "6.25", "kreditBaruTotal": "18.75", "bulanSelesaiPenilaian": 6, "nomorSk": None}),
        (JenisPush.SKP, {"rhk": [{"nama": "R", "rhk_atasan": "A", "aspek": "kuantitas",
                                  "indikator_kinerja_individu": "I", "target_kuantitas": 4, "satuan": "modul"}]},
         BknPeriode(2024, 1, 2024, 6), {"tahun": 2024, "bulanMulai": 1, "bulanSelesai": 6, "status": "DISETUJUI",
         "penilaiNipNrp": WHO.penilai_nip, "rhk": [{"rhk": "R", "rhkAtasan": "A", "aspek": "kuantitas",
         "indikator": "I", "target": 4, "satuan": "modul"}]}),
    ],
    ids=["kinerjaperiodik", "skp22", "angkakredit", "skp"],
)  # fmt: skip
def test_push_bodies_use_bkns_field_names(jenis, payload, periode, expected):
    body = push_body(jenis, payload, WHO, periode)
    assert {k: body[k] for k in expected} == expected
    assert (body["nama"], body["unorId"], body["jabatanNama"]) == (WHO.nama, WHO.unor_id, WHO.jabatan_nama)
    if jenis is JenisPush.ANGKA_KREDIT:
        assert Decimal(body["kreditUtamaBaru"]) == Decimal("6.25")
