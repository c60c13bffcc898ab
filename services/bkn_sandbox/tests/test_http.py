"""The sandbox as a real uvicorn process, the way bkn_sync meets it: tokens, idempotent saves, faults on demand."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bkn_sandbox.seed import profiles_from_region
from bkn_sandbox.testing import CLIENT_ID, CLIENT_SECRET, SandboxProcess
from tools.demo_roster import demo_region

REGION = demo_region(schools=1, teachers_per_school=2)
GURU = REGION.schools[0].guru[0]
KEPALA = REGION.schools[0].kepala


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    process = SandboxProcess(tmp_path_factory.mktemp("bkn-sandbox"))
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def admin(sandbox):
    async with sandbox.admin() as admin:
        await admin.seed(profiles_from_region(REGION), tahun=[2024])
        yield admin
        await admin.clear_faults()


async def token(client: httpx.AsyncClient) -> dict[str, str]:
    answer = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["expires_in"] > 0
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def skp_body(person=GURU, **changes):
    return {
        "pnsDinilaiId": person.nip, "nama": person.nama, "unorId": person.npsn,
        "jabatanNama": f"Guru {person.jenjang}", "tahun": 2024, "bulanMulai": 1, "bulanSelesai": 6,
        "penilaiNipNrp": KEPALA.nip, "status": "DISETUJUI",
        "rhk": [{"rhk": "Pelatihan", "aspek": "kuantitas", "indikator": "modul", "target": 4, "satuan": "modul"}],
        **changes,
    }  # fmt: skip


async def test_token_expiry_and_renewal(sandbox, admin):
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        wrong = await client.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x"}
        )
        assert wrong.status_code == 401
        assert (await client.get(f"/api/pns/data-utama/{GURU.nip}")).status_code == 401
        headers = await token(client)
        assert (await client.get(f"/api/pns/data-utama/{GURU.nip}", headers=headers)).status_code == 200
        await admin.expire_tokens()
        expired = await client.get(f"/api/pns/data-utama/{GURU.nip}", headers=headers)
        assert expired.status_code == 401
        assert "invalid_token" in expired.headers["www-authenticate"]
        renewed = await token(client)
        assert (await client.get(f"/api/pns/data-utama/{GURU.nip}", headers=renewed)).status_code == 200


async def test_a_save_is_idempotent_on_nip_period_and_kind(sandbox, admin):
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        headers = await token(client)
        first = await client.post("/api/skp/save", json=skp_body(), headers=headers)
        again = await client.post("/api/skp/save", json=skp_body(), headers=headers)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["data"]["id"] == again.json()["data"]["id"]
    records = await admin.records(nip=GURU.nip, kind="skp")
    assert [(r["periodeKey"], r["jumlahSimpan"]) for r in records] == [("2024-01-06", 2)]


async def test_a_lost_response_leaves_the_record_stored(sandbox, admin):
    await admin.faults(lose_next=1)
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        headers = await token(client)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/api/skp/save", json=skp_body(bulanSelesai=3), headers=headers)
        retried = await client.post("/api/skp/save", json=skp_body(bulanSelesai=3), headers=headers)
        assert retried.status_code == 200  # updated, not created: the lost one was stored
    records = await admin.records(nip=GURU.nip, kind="skp")
    assert {r["periodeKey"]: r["jumlahSimpan"] for r in records}["2024-01-03"] == 2


async def test_429_with_retry_after_above_the_rate(sandbox, admin):
    await admin.faults(rate_limit_per_second=3, retry_after_seconds=2)
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        headers = await token(client)  # the token request counts too
        statuses = [(await client.get(f"/api/pns/data-utama/{GURU.nip}", headers=headers)) for _ in range(4)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and all(r.headers["retry-after"] == "2" for r in limited)
    assert statuses[0].status_code == 200


async def test_outage_for_a_time_then_back(sandbox, admin):
    await admin.faults(outage_seconds=0.6)
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        assert (await client.post("/oauth/token", data={})).status_code == 503
        await asyncio.sleep(0.7)
        headers = await token(client)
        assert (await client.get(f"/api/pns/data-utama/{GURU.nip}", headers=headers)).status_code == 200


async def test_latency_and_errors_on_demand(sandbox, admin):
    await admin.faults(latency_ms=300, error_next=1, error_status=502)
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        assert (await client.post("/oauth/token", data={})).status_code == 502
        started = time.monotonic()
        await token(client)
        assert time.monotonic() - started >= 0.3


async def test_changes_in_siasn_and_skp_edits_reach_the_feed(sandbox, admin):
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        headers = await token(client)
        start = (await client.get("/api/pns/perubahan", headers=headers)).json()["sejak"]
        await admin.change_pegawai(GURU.nip, golRuangAkhir="III/c")
        skp = skp_body(status="DRAFT")
        await admin.edit_skp(GURU.nip, {k: skp[k] for k in ("tahun", "bulanMulai", "bulanSelesai", "status", "rhk")})
        feed = (await client.get(f"/api/pns/perubahan?sejak={start}", headers=headers)).json()
    assert [(i["jenis"], i["nipBaru"]) for i in feed["data"]] == [("profil", GURU.nip), ("skp", GURU.nip)]
    assert feed["data"][0]["berubah"] == {"golRuangAkhir": "III/c"}
    assert feed["data"][1]["skp"]["status"] == "DRAFT"
    assert feed["sejak"] == feed["data"][-1]["seq"]


async def test_admin_needs_its_key(sandbox):
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        assert (await client.get("/admin/faults")).status_code == 403


async def test_state_survives_a_restart(sandbox, admin):
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        await client.post("/api/skp/save", json=skp_body(), headers=await token(client))
    sandbox.stop()
    sandbox.start()
    assert await admin.records(nip=GURU.nip, kind="skp")
