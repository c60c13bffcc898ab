"""Demo step: a teacher's correction report, from the data diri step to the roster change that closes it.

The Dinas operator's file had a typo in one teacher's pangkat/golongan. The teacher reports it (what is right,
with a note) instead of writing it in their plan; the report is on the operator's worklist of the region with its
age and school; the operator imports the corrected row; the report closes by itself (SELESAI, by the roster), in
the same transaction as the change, and `planning.koreksi.closed.v1` goes out.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from tools.demo_client import Api, masked, say
from tools.demo_roster import Person

# A golongan the same jenjang also allows (so the typo passes the import's checks): what the operator mistyped.
_TYPO = {"III/a": "III/b", "III/b": "III/a", "III/c": "III/d", "III/d": "III/c", "IV/a": "IV/b", "IV/b": "IV/a"}


def _row(header: list[str], person: Person, golongan: str) -> str:
    """The person's pegawai CSV row (with its header) as the demo region has it, but for the golongan."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    values = {
        "nip": person.nip,
        "status": person.status,
        "nama": person.nama,
        "pangkat_golongan": golongan,
        "jenjang_jabatan": person.jenjang or "",
        "jenis_gtk": person.jenis_gtk,
        "npsn": person.npsn,
        "email": person.email,
    }
    writer.writerow([values[column] for column in header])
    return out.getvalue()


async def correction_report(api: Api, result: Any) -> dict[str, Any]:
    """One teacher reports a wrong pangkat/golongan; the operator's worklist shows it; the corrected row, imported,
    closes it. `result` is the season (tools.demo.Season): its region, imported already. Answers the report as it
    ended, its worklist row and the import's report."""
    region = result.region
    teacher = next(g for school in region.schools for g in school.guru if g.status == "PNS" and g.golongan in _TYPO)
    assert teacher.golongan is not None
    kode_wilayah = region.schools[0].kode_wilayah
    operator = await api.token(f"operator-{kode_wilayah}", "operator", wilayah=kode_wilayah)
    guru = await api.token(teacher.nip, "guru")
    header = ["nip", "status", "nama", "pangkat_golongan", "jenjang_jabatan", "jenis_gtk", "npsn", "email"]
    csv_headers = {**operator, "Content-Type": "text/csv"}

    wrong = _TYPO[teacher.golongan]
    await api.call("POST", "/roster/pegawai/csv", csv_headers, content=_row(header, teacher, wrong))
    say(f"  the operator's file had a typo: {teacher.nama} (NIP {masked(teacher.nip)}) imported as {wrong}")

    body = {
        "jenis": "data",
        "field": "pangkat_golongan",
        "nilai_benar": teacher.golongan,
        "catatan": "Sesuai SK kenaikan pangkat terakhir",
    }
    reported = (await api.call("POST", "/koreksi", {**guru, "Idempotency-Key": str(uuid.uuid4())}, json=body)).json()
    say(f"  {teacher.nama} reports on the data diri step: pangkat_golongan should be {teacher.golongan}"
        f" -> koreksi {reported['id'][:8]} {reported['status']}")  # fmt: skip

    params = {"npsn": teacher.npsn}
    worklist = (await api.call("GET", "/koreksi", operator, params=params)).json()["items"]
    say(f"  the operator's worklist ({teacher.npsn}): {len(worklist)} open")
    for item in worklist:
        what = item["field"] or "atasan"
        say(f"    {item['umur_hari']:>3} day(s)  {item['pegawai']['nama']:<18} {item['pegawai']['nama_sekolah']:<18}"
            f" {what} -> {item['nilai_benar']}")  # fmt: skip
    row = next(item for item in worklist if item["id"] == reported["id"])

    imported = (
        await api.call("POST", "/roster/pegawai/csv", csv_headers, content=_row(header, teacher, teacher.golongan))
    ).json()
    say(f"  the operator imports the corrected row: updated {imported['updated']}, unchanged {imported['unchanged']}")

    closed = (await api.call("GET", f"/koreksi/{reported['id']}", guru)).json()
    say(f"  koreksi {closed['id'][:8]} is {closed['status']} (closed by the {closed['closed_by']} change);"
        f" the data diri step now shows {teacher.golongan}")  # fmt: skip
    assert closed["status"] == "SELESAI" and closed["closed_by"] == "roster", closed
    return {"report": closed, "worklist_row": row, "import": imported}
