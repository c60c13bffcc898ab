"""Monitoring by name against the real database and broker: planning's, observation's and bkn_sync's events in,
rows out by name; a redelivered or late event changes nothing; the CSV and the XLSX (opened with openpyxl, cell by
cell); who may see which schools (403 and 404); and the count monitoring lists empty schools and names provinces."""

from __future__ import annotations

import csv
import io
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import appraise  # noqa: E402

from pmm_chassis.http.pagination import decode_cursor, encode_cursor
from pmm_contracts.events import bkn_sync as bkn
from pmm_contracts.events import observation as obs
from pmm_contracts.events import planning as contract
from pmm_testkit import Bus, wait_for

pytestmark = pytest.mark.integration

URL = "/api/v1/monitoring/pegawai"
OPERATOR_61 = ("op-61", "operator")  # Kalimantan Barat: no other suite's school


def pelaksanaan_id(world, person) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"pelaksanaan:{person.pegawai_id}:2024-S1")


def ref(world, person) -> dict:
    return {
        "pelaksanaan_id": pelaksanaan_id(world, person),
        "skp_id": world.skp_id(person, "2024-S1"),
        "pegawai_id": person.pegawai_id,
        "periode": "2024-S1",
    }


def returned(world, person) -> contract.SkpReturnedV1:
    return contract.SkpReturnedV1(
        skp_id=world.skp_id(person, "2024-S1"),
        pegawai_id=person.pegawai_id,
        periode="2024-S1",
        atasan_id=None,
        returned_at=datetime.now(UTC),
        catatan="Target belum terukur",
    )


def koreksi(person, npsn: str, koreksi_id: uuid.UUID, *, closed: bool):
    common = {"koreksi_id": koreksi_id, "pegawai_id": person.pegawai_id, "npsn": npsn, "kode_wilayah": "6171"}
    if closed:
        return contract.KoreksiClosedV1(**common, status="SELESAI", closed_at=datetime.now(UTC))
    return contract.KoreksiReportedV1(**common, jenis="data", field="pangkat_golongan", reported_at=datetime.now(UTC))


async def rows_of(client, headers, **params) -> dict:
    params = {"periode": "2024-S1", "limit": 200, **params}
    r = await client.get(URL, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
async def kalbar(client, tokens, world):
    """Two schools of Kalimantan Barat and one pegawai in each state the events can leave."""
    a = await world.school(teachers=4, kode_wilayah="6171")
    b = await world.school(teachers=1, kode_wilayah="6172")
    g = a.guru
    await world.submit(g[0])
    await world.submit(g[1])
    await world.approve(g[1])
    await world.cycle(g[2])
    await appraise(client, tokens, a.kepala, g[2], "sesuai", "sesuai")
    push_failed, push_ok, koreksi_a, koreksi_b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with Bus(world.bus_url) as bus:
        await bus.publish(returned(world, g[0]), aggregate_id="skp:0", version=7)
        await bus.publish(
            obs.StepCompletedV1(**ref(world, g[1]), step="persiapan", completed_at=datetime.now(UTC)),
            aggregate_id="pelaksanaan:1",
            version=3,
        )
        await bus.publish(
            obs.ObservasiRecordedV1(
                **ref(world, g[1]),
                atasan_id=a.kepala.pegawai_id,
                rubric=obs.RubricSummary(mode="langsung", belum_dilakukan=0, belum_efektif=0, efektif=1, items=[]),
                observed_at=datetime.now(UTC),
            ),
            aggregate_id="pelaksanaan:1",
            version=4,
        )
        push = {"pegawai_id": g[1].pegawai_id, "periode": "2024-S1", "jenis": "skp", "bagian": ""}
        await bus.publish(
            bkn.PushFailedV1(
                push_id=push_failed, **push, kode="UNOR_TIDAK_SESUAI", fixer="operator_sekolah",
                action="Perbaiki unit organisasi di Dapodik", attempts=3, failed_at=datetime.now(UTC),
            ),
            aggregate_id=f"push:{push_failed}",
            version=3,
        )  # fmt: skip
        await bus.publish(
            bkn.PushSucceededV1(
                push_id=push_ok, **{**push, "pegawai_id": g[2].pegawai_id}, bkn_id="B-1", attempts=1,
                succeeded_at=datetime.now(UTC),
            ),
            aggregate_id=f"push:{push_ok}",
            version=2,
        )  # fmt: skip
        await bus.publish(koreksi(g[2], a.npsn, koreksi_a, closed=False), aggregate_id="koreksi:a", version=1)
        # Reordered: the close arrives before the report; the pegawai is not blocked.
        await bus.publish(koreksi(b.guru[0], b.npsn, koreksi_b, closed=True), aggregate_id="koreksi:b", version=2)
        await bus.publish(koreksi(b.guru[0], b.npsn, koreksi_b, closed=False), aggregate_id="koreksi:b", version=1)
    operator = tokens.headers(*OPERATOR_61, wilayah="61")

    async def arrived() -> dict | None:
        body = await rows_of(client, operator)
        by_id = {r["pegawai_id"]: r for r in body["items"]}
        g2 = by_id.get(str(g[2].pegawai_id))
        done = (
            g2 is not None
            and g2["penilaian"] == "final"
            and g2["bkn"] == "terkirim"
            and g2["koreksi_terbuka"] == 1
            and by_id[str(g[1].pegawai_id)]["bkn"] == "gagal"
            and by_id[str(g[1].pegawai_id)]["pelaksanaan"] == "observasi"
            and by_id[str(g[0].pegawai_id)]["perencanaan"] == "dikembalikan"
        )
        return body if done else None

    await wait_for(arrived, timeout=20)
    return a, b, operator


async def test_events_in_rows_out_by_name(client, kalbar):
    a, b, operator = kalbar
    body = await rows_of(client, operator)
    assert body["kode_wilayah"] == "61"
    assert {r["npsn"] for r in body["items"]} == {a.npsn, b.npsn}
    by_id = {r["pegawai_id"]: r for r in body["items"]}
    assert len(by_id) == 7  # two KS and five guru; the pengawas is never a row
    states = ("perencanaan", "pelaksanaan", "penilaian", "bkn", "koreksi_terbuka")

    def row(person) -> dict:
        return by_id[str(person.pegawai_id)]

    assert tuple(row(a.guru[0])[k] for k in states) == ("dikembalikan", "belum", "belum", "belum", 0)
    assert tuple(row(a.guru[1])[k] for k in states) == ("disetujui", "observasi", "belum", "gagal", 0)
    failed = row(a.guru[1])
    assert (failed["bkn_kode"], failed["bkn_perbaikan_oleh"]) == ("UNOR_TIDAK_SESUAI", "operator_sekolah")
    assert row(a.guru[1])["bkn_tindakan"] == "Perbaiki unit organisasi di Dapodik"
    assert tuple(row(a.guru[2])[k] for k in states) == ("disetujui", "selesai", "final", "terkirim", 1)
    assert row(a.guru[2])["predikat"] == "baik"
    assert tuple(row(a.guru[3])[k] for k in states) == ("belum", "belum", "belum", "belum", 0)
    assert tuple(row(b.guru[0])[k] for k in states) == ("belum", "belum", "belum", "belum", 0)
    first = row(a.guru[0])
    assert (first["nama"], first["nama_sekolah"], first["kode_wilayah"], first["nama_wilayah"]) == (
        a.guru[0].nama,
        f"SD Negeri Uji {a.npsn}",
        "6171",
        "Kota Bandung",
    )
    assert first["jenis_gtk"] == "Guru Mapel"
    assert first["batas"] == {"pelaksanaan": "2024-05-30", "penilaian": "2024-06-30"}
    batas = {w["step"]: w for w in body["batas_waktu"]}
    assert (batas["penilaian"]["mulai"], batas["penilaian"]["berlaku_sampai"]) == ("2024-06-01", "2024-06-30")
    assert batas["penilaian"]["diperpanjang"] is False


async def test_a_redelivered_or_late_event_changes_nothing(client, world, kalbar):
    a, _, operator = kalbar
    before = await rows_of(client, operator)
    event_id = uuid.uuid4()
    async with Bus(world.bus_url) as bus:
        for _ in range(2):  # a redelivery
            await bus.publish(returned(world, a.guru[0]), aggregate_id="skp:0", version=7, event_id=event_id)
        # late: an older submission and an older cycle step
        await world.submit(a.guru[0], version=6)
        await bus.publish(
            obs.StepCompletedV1(**ref(world, a.guru[1]), step="persiapan", completed_at=datetime.now(UTC)),
            aggregate_id="pelaksanaan:1",
            version=3,
        )
    # A marker published after them: once it shows, everything before it was consumed.
    await world.submit(a.guru[3], version=2)

    async def marker() -> dict | None:
        body = await rows_of(client, operator)
        mine = {r["pegawai_id"]: r for r in body["items"]}[str(a.guru[3].pegawai_id)]
        return body if mine["perencanaan"] == "diajukan" else None

    after = await wait_for(marker, timeout=15)
    marked = str(a.guru[3].pegawai_id)
    assert [r for r in after["items"] if r["pegawai_id"] != marked] == [
        r for r in before["items"] if r["pegawai_id"] != marked
    ]


async def test_filters_and_pages(client, kalbar):
    a, b, operator = kalbar
    failed = await rows_of(client, operator, fase="bkn", status="gagal")
    assert [r["pegawai_id"] for r in failed["items"]] == [str(a.guru[1].pegawai_id)]
    blocked = await rows_of(client, operator, fase="koreksi", status="terbuka")
    assert [r["pegawai_id"] for r in blocked["items"]] == [str(a.guru[2].pegawai_id)]
    only_b = await rows_of(client, operator, npsn=b.npsn)
    assert {r["npsn"] for r in only_b["items"]} == {b.npsn}
    assert (await rows_of(client, operator, kode_wilayah="6172"))["items"] == only_b["items"]
    seen, cursor = [], None
    while True:
        params = {"periode": "2024-S1", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(URL, params=params, headers=operator)).json()
        seen += [r["pegawai_id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["pegawai_id"] for r in (await rows_of(client, operator))["items"]]
    bad = await client.get(URL, params={"periode": "2024-S1", "fase": "penilaian", "status": "x"}, headers=operator)
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "status")
    for cursor in ("bm9wZQ", encode_cursor({"id": str(uuid.uuid4())})):  # not a position; nobody's position
        bad = await client.get(URL, params={"periode": "2024-S1", "cursor": cursor}, headers=operator)
        assert (bad.status_code, bad.json()["errors"][0]["rule"]) == (422, "pagination.cursor")
    # A cursor names the last row's pegawai by id: a name never travels in a URL.
    first = (await client.get(URL, params={"periode": "2024-S1", "limit": 1}, headers=operator)).json()
    assert decode_cursor(first["next_cursor"]) == {"id": first["items"][0]["pegawai_id"]}


async def test_scope_by_role_and_relation(client, tokens, world, kalbar):
    a, b, _ = kalbar
    ks = a.kepala.headers(tokens)
    assert {r["npsn"] for r in (await rows_of(client, ks))["items"]} == {a.npsn}
    assert (await client.get(URL, params={"periode": "2024-S1", "npsn": b.npsn}, headers=ks)).status_code == 404
    # The region's pengawas appraises every KS of this session's schools: Kalimantan Barat's among them.
    pengawas = world.pengawas.headers(tokens)
    assert {a.npsn, b.npsn} <= {r["npsn"] for r in (await rows_of(client, pengawas))["items"]}
    guru = a.guru[0].headers(tokens)
    for path in (URL, f"{URL}.csv", f"{URL}.xlsx"):
        refused = await client.get(path, params={"periode": "2024-S1"}, headers=guru)
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("application/problem+json")
    elsewhere = tokens.headers("op-62", "operator", wilayah="62")
    for path in (URL, f"{URL}.csv", f"{URL}.xlsx"):
        hidden = await client.get(path, params={"periode": "2024-S1", "npsn": a.npsn}, headers=elsewhere)
        assert hidden.status_code == 404, path
    operator = tokens.headers(*OPERATOR_61, wilayah="61")
    outside = await client.get(URL, params={"periode": "2024-S1", "kode_wilayah": "35"}, headers=operator)
    assert (outside.status_code, outside.json()["errors"][0]["rule"]) == (404, "wilayah.not_found")


HEADER = [
    "periode", "npsn", "nama_sekolah", "kode_wilayah", "nama_wilayah", "nama", "jenis_gtk", "perencanaan",
    "pelaksanaan", "penilaian", "predikat", "bkn", "bkn_kode", "bkn_perbaikan_oleh", "bkn_tindakan",
    "koreksi_terbuka", "batas_pelaksanaan", "batas_penilaian",
]  # fmt: skip


async def test_csv_export(client, kalbar):
    a, _, operator = kalbar
    r = await client.get(f"{URL}.csv", params={"periode": "2024-S1"}, headers=operator)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="monitoring-pegawai-2024-S1.csv"'
    table = list(csv.reader(io.StringIO(r.text)))
    assert table[0] == HEADER
    assert len(table) == 1 + 7
    row = {line[HEADER.index("nama")]: line for line in table[1:]}[a.guru[1].nama]
    assert row[HEADER.index("bkn")] == "gagal"
    assert row[HEADER.index("bkn_kode")] == "UNOR_TIDAK_SESUAI"
    assert row[HEADER.index("batas_penilaian")] == "2024-06-30"
    assert row[HEADER.index("predikat")] == ""


async def test_xlsx_export_cell_by_cell(client, kalbar):
    a, _, operator = kalbar
    r = await client.get(f"{URL}.xlsx", params={"periode": "2024-S1", "npsn": a.npsn}, headers=operator)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.headers["content-disposition"] == 'attachment; filename="monitoring-pegawai-2024-S1.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    cells = [[c.value for c in line] for line in sheet.iter_rows()]
    assert cells[0] == HEADER
    assert len(cells) == 1 + 5  # the KS and four guru of school A
    by_name = {line[HEADER.index("nama")]: line for line in cells[1:]}
    final = by_name[a.guru[2].nama]
    expected = {
        "periode": "2024-S1",
        "npsn": a.npsn,
        "nama_sekolah": f"SD Negeri Uji {a.npsn}",
        "kode_wilayah": "6171",
        "nama_wilayah": "Kota Bandung",
        "jenis_gtk": "Guru Mapel",
        "perencanaan": "disetujui",
        "pelaksanaan": "selesai",
        "penilaian": "final",
        "predikat": "baik",
        "bkn": "terkirim",
        "bkn_kode": None,
        "bkn_perbaikan_oleh": None,
        "bkn_tindakan": None,
        "koreksi_terbuka": 1,
        "batas_pelaksanaan": datetime(2024, 5, 30),
        "batas_penilaian": datetime(2024, 6, 30),
    }
    for column, value in expected.items():
        assert final[HEADER.index(column)] == value, column
    assert isinstance(final[HEADER.index("koreksi_terbuka")], int)  # a number, not text
    cell = sheet.cell(row=2, column=HEADER.index("batas_penilaian") + 1)
    assert cell.is_date and cell.value.date() == date(2024, 6, 30)


async def test_count_monitoring_lists_empty_schools_and_names_regions(client, tokens, world, kalbar):
    async with Bus(world.bus_url) as bus:
        await bus.publish(
            contract.SekolahRegisteredV1(
                npsn="61999999", nama="SD Negeri Baru", kode_wilayah="6173", nama_wilayah="Kab. Sambas"
            ),
            aggregate_id="sekolah:61999999",
        )
    operator = tokens.headers(*OPERATOR_61, wilayah="61")

    async def rows(tingkat: str) -> dict | None:
        r = await client.get(f"/api/v1/monitoring?periode=2024-S1&tingkat={tingkat}", headers=operator)
        assert r.status_code == 200, r.text
        return {row["kode"]: row for row in r.json()["items"]} or None

    by_school = await wait_for(lambda: _with(rows("sekolah"), "61999999"), timeout=15)
    empty = by_school["61999999"]
    assert (empty["nama"], empty["pegawai"], empty["direncanakan"], empty["dinilai"]) == ("SD Negeri Baru", 0, 0, 0)
    by_kabupaten = await rows("kabupaten")
    assert (by_kabupaten["6173"]["nama"], by_kabupaten["6173"]["pegawai"]) == ("Kab. Sambas", 0)
    (province,) = (await rows("provinsi")).values()
    assert (province["kode"], province["nama"], province["pegawai"]) == ("61", "Kalimantan Barat", 7)


async def _with(pending, kode: str) -> dict | None:
    found = await pending
    return found if found and kode in found else None
