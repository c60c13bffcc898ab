"""An acting principal (Plt. kepala sekolah) against the real database (docs/domain.md §1): who may act, one at a
time, the roles the listing names while acting, and the plans' queue moving to the next atasan when the acting ends.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from pmm_kernel.clock import WIB
from tools.demo_roster import Person, pns_nip

pytestmark = pytest.mark.integration

PEGAWAI_HEADER = "nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn\n"
RELASI_HEADER = "nip_pegawai,nip_atasan,peran_atasan,mulai,selesai\n"


def _people(roster) -> tuple[Person, Person, Person]:
    school, other = roster.schools
    guru = Person(pns_nip(3201), "Dewi Plt", "PNS", "Guru Kelas", "Ahli Pertama", "III/a", school.npsn)
    acting = Person(pns_nip(3202), "Agus Plt", "PNS", "Guru Mapel", "Ahli Muda", "III/c", school.npsn)
    elsewhere = Person(pns_nip(3203), "Sri Plt", "PNS", "Guru Mapel", "Ahli Muda", "III/c", other.npsn)
    return guru, acting, elsewhere


async def test_a_plt_appraises_for_the_dates_of_the_appointment_and_the_queue_moves_on_when_it_ends(
    client, tokens, roster, operator_csv, draft_plan, set_clock
) -> None:
    school, other = roster.schools
    guru, acting, elsewhere = _people(roster)
    rows = "".join(
        f"{p.nip},PNS,{p.nama},{p.golongan},{p.jenjang},{p.jenis_gtk},{p.npsn}\n" for p in (guru, acting, elsewhere)
    )
    imported = await client.post("/api/v1/roster/pegawai/csv", content=PEGAWAI_HEADER + rows, headers=operator_csv)
    assert imported.json()["created"] == 3, imported.text

    relasi = (
        f"{guru.nip},{school.kepala.nip},kepala_sekolah,2023-07-01,\n"  # line 2: the standing relation
        f"{guru.nip},{acting.nip},plt_kepala_sekolah,2024-01-08,2024-01-20\n"  # line 3: a teacher of the school acts
        f"{guru.nip},{other.kepala.nip},plt_kepala_sekolah,2024-01-15,2024-02-10\n"  # line 4: overlaps line 3
        f"{guru.nip},{elsewhere.nip},plt_kepala_sekolah,2024-03-01,2024-03-31\n"  # line 5: a teacher elsewhere
        f"{guru.nip},{roster.pengawas.nip},plt_kepala_sekolah,2024-04-01,2024-04-30\n"  # line 6: a pengawas may
    )
    report = (
        await client.post("/api/v1/roster/relasi/csv", content=RELASI_HEADER + relasi, headers=operator_csv)
    ).json()
    assert report["created"] == 3
    errors = {e["line"]: (e["field"], e["rule"]) for e in report["errors"]}
    assert errors == {4: ("mulai", "relasi.plt_overlap"), 5: ("nip_atasan", "relasi.other_school")}
    overlap = next(e for e in report["errors"] if e["line"] == 4)
    assert "line 3" in overlap["detail"] and "2024-01-08" in overlap["detail"]

    # Today (10 January) the teacher acting as Plt. signs in as a kepala sekolah too; the listing says so.
    listing = (await client.get(f"/api/v1/roster/pegawai?npsn={school.npsn}", headers=operator_csv)).json()
    roles = {p["nip"]: p["peran"] for p in listing["items"]}
    assert roles[acting.nip] == ["guru", "kepala_sekolah"]
    assert roles[guru.nip] == ["guru"]

    skp_id, etag = await draft_plan(guru)
    submitted = await client.post(
        f"/api/v1/skp/{skp_id}/submit", headers={**tokens.headers(guru.nip, "guru"), "If-Match": etag}
    )
    assert submitted.status_code == 200, submitted.text
    plt = tokens.headers(acting.nip, "guru", "kepala_sekolah")
    ks = tokens.headers(school.kepala.nip, "guru", "kepala_sekolah")

    async def queue(headers: dict[str, str]) -> set[str]:
        answer = await client.get("/api/v1/antrian-persetujuan?limit=100", headers=headers)
        assert answer.status_code == 200, answer.text
        return {item["skp_id"] for item in answer.json()["items"]}

    assert skp_id in await queue(plt)
    assert skp_id not in await queue(ks)

    # The acting ended on 20 January: the plan waits for the kepala sekolah, and the former Plt. no longer sees it.
    set_clock(datetime(2024, 1, 22, 9, 0, tzinfo=WIB))
    assert skp_id in await queue(ks)
    assert skp_id not in await queue(plt)
    assert (await client.get(f"/api/v1/skp/{skp_id}", headers=plt)).status_code == 404
    approved = await client.post(f"/api/v1/skp/{skp_id}/approve", headers={**ks, "If-Match": submitted.headers["ETag"]})
    assert approved.json()["status"] == "DISETUJUI", approved.text
    listing = (await client.get(f"/api/v1/roster/pegawai?npsn={school.npsn}", headers=operator_csv)).json()
    assert {p["nip"]: p["peran"] for p in listing["items"]}[acting.nip] == ["guru"]


@pytest.mark.parametrize(
    ("peran", "status", "first"),
    [("guru", 200, "D.1"), ("kepala_sekolah", 200, "D.3"), ("pengawas", 200, "D.3"), ("operator", 422, None)],
)
async def test_the_indicators_a_roles_plan_picks_from(client, tokens, peran: str, status: int, first: str | None):
    """A pengawas accompanies the kepala sekolah of their schools: their plan picks from the KS's indicators."""
    answer = await client.get(
        f"/api/v1/katalog/indikator?peran={peran}", headers=tokens.headers("op", "operator", wilayah="3273")
    )
    assert answer.status_code == status, answer.text
    if first is None:
        assert answer.json()["errors"][0]["rule"] == "katalog.peran_unknown"
        return
    items = answer.json()["items"]
    assert items[0]["kode"] == first
    assert {i["peran"] for i in items} == {"guru" if peran == "guru" else "kepala_sekolah"}
