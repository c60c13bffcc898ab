"""The development stack's SIASN learns the pegawai planning registers, and changes nothing it already holds."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from bkn_sandbox.seed import profiles_from_region
from bkn_sandbox.siasn_mirror import learn
from bkn_sandbox.store import Store
from bkn_sandbox.testing import CLIENT_ID, CLIENT_SECRET, SandboxProcess
from pmm_contracts import encode
from pmm_contracts.events.planning import PegawaiRegisteredV1, PegawaiUpdatedV1, SekolahRegisteredV1
from pmm_testkit import Bus, drop_vhost, fresh_vhost, wait_for
from tools.demo_roster import demo_region, pns_nip

REGION = demo_region(schools=1, teachers_per_school=2)


def registered(nip: str, *, status: str = "PNS", nama: str = "Guru Baru", updated: bool = False) -> PegawaiRegisteredV1:
    fields = {
        "pegawai_id": uuid.uuid4(),
        "nip": nip,
        "status": status,
        "nama": nama,
        "pangkat_golongan": "III/b" if status == "PNS" else None,
        "jenjang_jabatan": "Ahli Pertama" if status == "PNS" else None,
        "jenis_gtk": "Guru Mapel",
        "npsn": "20219999",
        "kode_wilayah": "3273",
    }
    return PegawaiUpdatedV1(**fields, changed=["nama"]) if updated else PegawaiRegisteredV1(**fields)


def body(data) -> bytes:
    return encode(
        data, event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), aggregate_id="pegawai:x", aggregate_version=1
    )


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "bkn.sqlite3")
    yield store
    store.close()


def test_an_unknown_asn_pegawai_is_added_as_siasn_holds_them(store):
    nip = pns_nip(4242)
    assert learn(store, body(registered(nip))) is True
    profile = store.profile(nip)
    assert profile["nama"] == "Guru Baru" and profile["unorId"] == "20219999"
    assert profile["jabatanNama"] == "Guru Ahli Pertama" and profile["golRuangAkhir"] == "III/b"


@pytest.mark.parametrize(
    "data",
    [
        registered("3273012345678901", status="NON_ASN"),  # BKN holds no non-ASN
        SekolahRegisteredV1(npsn="20219999", nama="SD", kode_wilayah="3273", nama_wilayah="Kota Bandung"),
    ],
)
def test_what_siasn_would_not_hold_is_left_out(store, data):
    assert learn(store, body(data)) is False
    assert store.profile("3273012345678901") is None


def test_siasn_stays_the_source_of_truth_for_whom_it_holds(store):
    seeded = profiles_from_region(REGION, mismatches={REGION.schools[0].guru[0].nip: {"nama": "Nama Di SIASN"}})
    for profile in seeded:
        store.put_profile(profile)
    guru = REGION.schools[0].guru[0]
    assert learn(store, body(registered(guru.nip, nama=guru.nama, updated=True))) is False
    assert store.profile(guru.nip)["nama"] == "Nama Di SIASN"  # the seeded mismatch stays a mismatch


def test_a_message_that_is_no_event_is_skipped(store):
    assert learn(store, b"not json") is False


async def test_a_stack_sandbox_learns_from_the_broker(tmp_path):
    vhost = f"pmm_bkn_sandbox_mirror_{os.getpid()}"
    amqp_url = fresh_vhost(vhost)
    sandbox = SandboxProcess(tmp_path / "sandbox", env={"BKN_SANDBOX_AMQP_URL": amqp_url})
    sandbox.start()
    try:
        nip = pns_nip(4343)
        async with Bus(amqp_url) as bus:
            await bus.publish(registered(nip), aggregate_id="pegawai:1")
        async with httpx.AsyncClient(base_url=sandbox.url) as http:
            grant = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
            token = (await http.post("/oauth/token", data=grant)).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}

            async def known() -> bool:
                return (await http.get(f"/api/pns/data-utama/{nip}", headers=headers)).status_code == 200

            await wait_for(known, timeout=15)
            answer = (await http.get(f"/api/pns/data-utama/{nip}", headers=headers)).json()
        assert "Guru Baru" in str(answer)
    finally:
        sandbox.stop()
        drop_vhost(vhost)
