"""`python -m bench.monitoring_export [--pegawai N] [--per-school N]`: how long the monitoring by name takes to
export a province of N pegawai (10,000 by default) as CSV and as XLSX.

The read model is filled directly (the roster projection, the plans, the cycle steps, the penilaian, BKN pushes,
correction reports), not through events: this measures the export, not the consumers. The appraisal app runs
in-process on a database and vhost of its own (pmm_testkit.isolated_settings, dropped afterwards); each download is
read to its last byte as a browser would, and the XLSX is opened again to check it holds every row. Not part of
`make test`.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
from sqlalchemy import insert

from appraisal.db.tables import BknPushMonitor, KoreksiMonitor, PelaksanaanMonitor, PenilaianRow, SkpMonitor
from appraisal.main import create_app
from appraisal.settings import AppraisalSettings
from pmm_roster.projections import RosterPegawai, RosterPeriode, RosterSekolah
from pmm_testkit import Tokens, isolated_settings, running

ROOT = Path(__file__).resolve().parents[1]
PERIODE = "2024-S1"
PROVINSI = "32"
BATCH = 2000
SNAPSHOT = {
    "kode": PERIODE,
    "tahun": 2024,
    "nama": "Semester 1 2024",
    "jenis": "semester",
    "mulai": "2024-01-01",
    "selesai": "2024-06-30",
    "bulan": 6,
    "windows": [
        {"step": "perencanaan_guru", "opens": "2024-01-01", "closes": "2024-01-31", "late_until": "2024-03-31"},
        {"step": "pelaksanaan", "opens": "2024-02-01", "closes": "2024-05-30", "late_until": None},
        {"step": "penilaian", "opens": "2024-06-01", "closes": "2024-06-30", "late_until": None},
    ],
    "penilaian_tahunan": None,
}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)  # noqa: T201 (progress, on stderr)


async def fill(engine, pegawai: int, per_school: int) -> None:
    """A province of `pegawai` pegawai in schools of `per_school`, spread over its phases' states."""
    rng = random.Random(7)  # noqa: S311 (a repeatable spread of states, no secret)
    now = datetime.now(UTC)
    schools = (pegawai + per_school - 1) // per_school
    sekolah = [
        {
            "npsn": f"{PROVINSI}{i:06d}",
            "nama": f"SD Negeri {i} Contoh",
            "kode_wilayah": f"{PROVINSI}{(i % 27) + 1:02d}",
            "nama_wilayah": f"Kabupaten {(i % 27) + 1}",
            "version": 1,
        }
        for i in range(schools)
    ]
    people, skp, langkah, penilaian, pushes, koreksi = [], [], [], [], [], []
    for i in range(pegawai):
        school = sekolah[i // per_school]
        pegawai_id = uuid.uuid4()
        people.append({
            "pegawai_id": pegawai_id, "nip": f"19800101{i:010d}", "status": "PNS", "nama": f"Guru Contoh {i}",
            "jenis_gtk": "Kepala Sekolah" if i % per_school == 0 else "Guru Kelas", "npsn": school["npsn"],
            "kode_wilayah": school["kode_wilayah"], "version": 1,
        })  # fmt: skip
        roll = rng.random()
        if roll > 0.1:
            status = rng.choice(("DIAJUKAN", "DIKEMBALIKAN", "DISETUJUI", "DISETUJUI", "DISETUJUI"))
            skp.append({"pegawai_id": pegawai_id, "periode": PERIODE, "status": status, "skp_version": 3})
        if roll > 0.3:
            step = rng.choice(("persiapan", "observasi", "diskusi", "upaya", "selesai"))
            langkah.append({"pegawai_id": pegawai_id, "periode": PERIODE, "langkah": step, "langkah_rank": 1,
                            "pelaksanaan_version": 5})  # fmt: skip
        if roll > 0.6:
            penilaian.append({
                "id": uuid.uuid4(), "pegawai_id": pegawai_id, "periode": PERIODE, "menimbang_periode": False,
                "status": rng.choice(("SIAP", "DINILAI", "FINAL")), "version": 3, "skp_version": 3,
                "siklus_version": 5, "hanya_perilaku": False, "periodik_menunggu": 0, "hasil_periodik": [],
                "predikat": "baik",
            })  # fmt: skip
        if roll > 0.8:
            failed = rng.random() < 0.2
            pushes.append({
                "push_id": uuid.uuid4(), "pegawai_id": pegawai_id, "periode": PERIODE, "jenis": "skp", "bagian": "",
                "status": "GAGAL" if failed else "SUKSES", "kode": "UNOR_TIDAK_SESUAI" if failed else None,
                "fixer": "operator_sekolah" if failed else None, "action": "Perbaiki unor" if failed else None,
                "push_version": 2, "at": now,
            })  # fmt: skip
        if roll < 0.02:
            koreksi.append(
                {"koreksi_id": uuid.uuid4(), "pegawai_id": pegawai_id, "terbuka": True, "koreksi_version": 1}
            )
    async with engine.begin() as conn:
        await conn.execute(insert(RosterPeriode).values(kode=PERIODE, snapshot=SNAPSHOT))
        for table, rows in (
            (RosterSekolah, sekolah), (RosterPegawai, people), (SkpMonitor, skp), (PelaksanaanMonitor, langkah),
            (PenilaianRow, penilaian), (BknPushMonitor, pushes), (KoreksiMonitor, koreksi),
        ):  # fmt: skip
            for start in range(0, len(rows), BATCH):
                await conn.execute(insert(table), rows[start : start + BATCH])
        await conn.exec_driver_sql("ANALYZE")


async def download(client, url: str, headers: dict[str, str]) -> tuple[float, bytes]:
    """Seconds to the last byte, and the body."""
    started = time.perf_counter()
    body = io.BytesIO()
    async with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, response.status_code
        async for chunk in response.aiter_bytes():
            body.write(chunk)
    return time.perf_counter() - started, body.getvalue()


async def main(pegawai: int, per_school: int) -> None:
    tokens = Tokens(Path(tempfile.mkdtemp(prefix="bench-monitoring-")))
    settings_args = {"jwt_jwks_url": tokens.jwks_url, "db_pool_size": 2}
    async with isolated_settings(
        AppraisalSettings, ROOT / "services" / "appraisal" / "alembic.ini", suite="bench", **settings_args
    ) as settings:
        app = create_app(settings)
        async with running(app) as client:
            say(f"filling the read model: {pegawai} pegawai in schools of {per_school}")
            await fill(app.state.container.chassis.engine, pegawai, per_school)
            operator = tokens.headers(f"op-{PROVINSI}", "operator", wilayah=PROVINSI)
            url = f"/api/v1/monitoring/pegawai.{{}}?periode={PERIODE}"
            figures = {}
            for kind in ("csv", "xlsx"):
                total, body = await download(client, url.format(kind), operator)
                # Memory on a second download: tracing every allocation slows Python too much to time it as well.
                tracemalloc.start()
                await download(client, url.format(kind), operator)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                if kind == "csv":
                    rows = body.count(b"\n") - 1
                else:
                    rows = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active.max_row - 1
                assert rows == pegawai, (kind, rows)
                figures[kind] = (total, len(body), peak, rows)
    print(f"monitoring export, {pegawai} pegawai of one province ({per_school} per school):")  # noqa: T201
    for kind, (total, size, peak, rows) in figures.items():
        # The in-process client holds the whole answer before handing it over: the peak includes the file itself.
        print(  # noqa: T201
            f"  {kind.upper():4} {rows} rows: {total:.2f} s ({rows / total:.0f} rows/s), {size / 1024:.0f} KiB, "
            f"peak Python memory {peak / 1024 / 1024:.1f} MiB (the received file included)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pegawai", type=int, default=10_000)
    parser.add_argument("--per-school", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.pegawai, args.per_school))
