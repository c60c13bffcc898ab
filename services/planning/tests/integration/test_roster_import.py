"""The operator's roster import: partial application with per-line errors, idempotence, transfers, acting KS."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import text

from pmm_kernel.clock import WIB
from tools.demo_roster import pns_nip

pytestmark = pytest.mark.integration


async def count_outbox(app) -> int:
    async with app.state.container.chassis.engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM outbox_message"))).scalar()


async def test_importing_the_same_files_again_changes_nothing(app, client, operator_csv, roster):
    files = (("sekolah", roster.sekolah_csv()), ("pegawai", roster.pegawai_csv()), ("relasi", roster.relasi_csv()))
    for kind, body in files:  # once to bring back what other tests changed (BKN updates, transfers)
        assert (await client.post(f"/api/v1/roster/{kind}/csv", content=body, headers=operator_csv)).status_code == 200
    before = await count_outbox(app)
    for kind, body in files:
        report = (await client.post(f"/api/v1/roster/{kind}/csv", content=body, headers=operator_csv)).json()
        assert (report["created"], report["updated"], report["errors"]) == (0, 0, [])
        assert report["unchanged"] == report["received"] > 0
    assert await count_outbox(app) == before  # no event either


async def test_valid_rows_are_applied_and_each_bad_row_reported_with_line_field_and_rule(client, operator_csv, roster):
    npsn = roster.schools[0].npsn
    good, too_young = pns_nip(2001), pns_nip(2002)
    too_young = too_young[:8] + str(int(too_young[:4]) + 10) + too_young[12:]  # appointed at age 10
    body = (
        "nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn\n"
        f"{good},PNS,Guru Baru,III/a,Ahli Pertama,Guru Mapel,{npsn}\n"
        f"{too_young},PNS,Guru Muda,III/a,Ahli Pertama,Guru Mapel,{npsn}\n"
        f"{pns_nip(2003)},PNS,Guru Lain,IV/a,Ahli Pertama,Guru Mapel,{npsn}\n"
        f"{pns_nip(2004)},PNS,Guru Jauh,III/a,Ahli Pertama,Guru Mapel,99999999\n"
    )
    report = (await client.post("/api/v1/roster/pegawai/csv", content=body, headers=operator_csv)).json()
    assert report["created"] == 1
    found = {(e["line"], e["field"], e["rule"]) for e in report["errors"]}
    assert (3, "nip", "nip.tmt_age") in found
    assert (4, "pangkat_golongan", "pegawai.golongan_jenjang") in found
    assert (5, "npsn", "pegawai.npsn_unknown") in found
    assert good not in str(report["errors"])


async def test_a_transfer_keeps_history_and_publishes_the_change(app, client, operator_csv, roster):
    mover = roster.schools[0].guru[3]
    other = roster.schools[1].npsn
    body = "nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn\n" + (
        f"{mover.nip},{mover.status},{mover.nama},{mover.golongan},{mover.jenjang},{mover.jenis_gtk},{other}\n"
    )
    report = (await client.post("/api/v1/roster/pegawai/csv", content=body, headers=operator_csv)).json()
    assert report["updated"] == 1
    async with app.state.container.chassis.engine.connect() as conn:
        places = (
            (
                await conn.execute(
                    text(
                        "SELECT pe.npsn FROM penempatan pe JOIN pegawai p ON p.id = pe.pegawai_id "
                        "WHERE p.nip = :n ORDER BY pe.id"
                    ),
                    {"n": mover.nip},
                )
            )
            .scalars()
            .all()
        )
        changed = (
            await conn.execute(
                text(
                    "SELECT o.body FROM outbox_message o JOIN pegawai p ON o.aggregate_id = 'pegawai:' || p.id "
                    "WHERE p.nip = :n AND o.routing_key = 'planning.pegawai.updated.v1' ORDER BY o.id DESC LIMIT 1"
                ),
                {"n": mover.nip},
            )
        ).scalar_one()
    assert places == [roster.schools[0].npsn, other]
    assert b'"changed":["npsn"]' in changed


async def test_an_acting_principal_takes_over_the_approval_queue(
    client, tokens, operator_csv, draft_plan, roster, set_clock
):
    school = roster.schools[1]
    guru, ks, acting = school.guru[0], school.kepala, school.guru[1]
    skp_id, etag = await draft_plan(guru)
    submitted = await client.post(
        f"/api/v1/skp/{skp_id}/submit", headers={**tokens.headers(guru.nip, "guru"), "If-Match": etag}
    )
    assert submitted.status_code == 200

    # From 20 January the definitive KS is away; a guru of the school acts as Plt. until the end of February.
    body = (
        "nip_pegawai,nip_atasan,peran_atasan,mulai,selesai\n"
        + f"{guru.nip},{acting.nip},plt_kepala_sekolah,2024-01-20,2024-02-29\n"
    )
    report = (await client.post("/api/v1/roster/relasi/csv", content=body, headers=operator_csv)).json()
    assert report["created"] == 1, report

    def queue_of(person):
        return client.get("/api/v1/antrian-persetujuan", headers=tokens.headers(person.nip, "guru", "kepala_sekolah"))

    assert skp_id in [i["skp_id"] for i in (await queue_of(ks)).json()["items"]]  # 10 January: still the KS
    set_clock(datetime(2024, 1, 22, 9, 0, tzinfo=WIB))
    assert skp_id not in [i["skp_id"] for i in (await queue_of(ks)).json()["items"]]
    assert skp_id in [i["skp_id"] for i in (await queue_of(acting)).json()["items"]]
    gone = await client.post(
        f"/api/v1/skp/{skp_id}/approve",
        headers={**tokens.headers(ks.nip, "guru", "kepala_sekolah"), "If-Match": submitted.headers["ETag"]},
    )
    assert gone.status_code == 404  # no longer their relation: not visible
    approved = await client.post(
        f"/api/v1/skp/{skp_id}/approve",
        headers={**tokens.headers(acting.nip, "guru", "kepala_sekolah"), "If-Match": submitted.headers["ETag"]},
    )
    assert approved.status_code == 200, approved.text
    assert date.fromisoformat(approved.json()["approved_at"][:10]) == date(2024, 1, 22)


async def test_a_new_address_is_published_and_a_bad_one_is_a_line_error(app, client, operator_csv, roster):
    person = roster.schools[1].guru[2]
    p = person
    row = f"{p.nip},{p.status},{p.nama},{p.golongan},{p.jenjang},{p.jenis_gtk},{p.npsn}"
    header = "nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn,email\n"
    body = (
        header
        + f"{row},Baru.Alamat@Guru.Belajar.ID\n"
        + f"{pns_nip(2101)},PNS,Guru X,III/a,Ahli Pertama,Guru Mapel,{person.npsn},bukan alamat\n"
    )
    report = (await client.post("/api/v1/roster/pegawai/csv", content=body, headers=operator_csv)).json()
    assert report["updated"] == 1 and report["created"] == 0
    assert [(e["line"], e["field"], e["rule"]) for e in report["errors"]] == [(3, "email", "pegawai.email")]
    async with app.state.container.chassis.engine.connect() as conn:
        published = (
            await conn.execute(
                text(
                    "SELECT o.body FROM outbox_message o JOIN pegawai p ON o.aggregate_id = 'pegawai:' || p.id "
                    "WHERE p.nip = :n AND o.routing_key = 'planning.pegawai.updated.v1' ORDER BY o.id DESC LIMIT 1"
                ),
                {"n": person.nip},
            )
        ).scalar_one()
    assert b'"changed":["email"]' in published and b'"email":"baru.alamat@guru.belajar.id"' in published
    # An import without the column (or with an empty cell) keeps the address on file.
    again = (
        await client.post(
            "/api/v1/roster/pegawai/csv", content=header.rsplit(",", 1)[0] + "\n" + row + "\n", headers=operator_csv
        )
    ).json()
    assert again["unchanged"] == 1


async def test_a_tmt_jabatan_is_published_and_kept_when_the_cell_is_empty(app, client, operator_csv, roster):
    person = roster.schools[1].guru[1]
    p = person
    row = f"{p.nip},{p.status},{p.nama},{p.golongan},{p.jenjang},{p.jenis_gtk},{p.npsn}"
    header = "nip,status,nama,pangkat_golongan,jenjang_jabatan,jenis_gtk,npsn,tmt_jabatan\n"
    body = (
        header
        + f"{row},2023-09-01\n"
        + f"{pns_nip(2201)},PNS,Guru Y,III/a,Ahli Pertama,Guru Mapel,{person.npsn},2099-01-01\n"
        + f"{pns_nip(2202)},PNS,Guru Z,III/a,Ahli Pertama,Guru Mapel,{person.npsn},1980-01-01\n"
    )
    report = (await client.post("/api/v1/roster/pegawai/csv", content=body, headers=operator_csv)).json()
    assert report["updated"] == 1 and report["created"] == 0
    assert [(e["line"], e["field"], e["rule"]) for e in report["errors"]] == [
        (3, "tmt_jabatan", "pegawai.tmt_future"),
        (4, "tmt_jabatan", "pegawai.tmt_before_cpns"),
    ]
    async with app.state.container.chassis.engine.connect() as conn:
        published = (
            await conn.execute(
                text(
                    "SELECT o.body FROM outbox_message o JOIN pegawai p ON o.aggregate_id = 'pegawai:' || p.id "
                    "WHERE p.nip = :n AND o.routing_key = 'planning.pegawai.updated.v1' ORDER BY o.id DESC LIMIT 1"
                ),
                {"n": person.nip},
            )
        ).scalar_one()
    assert b'"changed":["tmt_jabatan"]' in published and b'"tmt_jabatan":"2023-09-01"' in published
    # An import without the column (or with an empty cell) keeps the date on file.
    for without in (header.rsplit(",", 1)[0] + "\n" + row + "\n", header + row + ",\n"):
        again = (await client.post("/api/v1/roster/pegawai/csv", content=without, headers=operator_csv)).json()
        assert (again["unchanged"], again["errors"]) == (1, [])
    async with app.state.container.chassis.engine.connect() as conn:
        kept = (
            await conn.execute(text("SELECT tmt_jabatan FROM pegawai WHERE nip = :n"), {"n": person.nip})
        ).scalar_one()
    assert kept == date(2023, 9, 1)


async def test_the_demo_teachers_tmt_update_imports(client, operator_csv, roster):
    report = (
        await client.post(
            "/api/v1/roster/pegawai/csv", content=roster.tmt_jabatan_csv(date(2024, 1, 8)), headers=operator_csv
        )
    ).json()
    assert (report["updated"], report["errors"]) == (1, [])
