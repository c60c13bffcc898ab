"""How many database round trips the atasan's rating and finalisation cost: a count, so a regression cannot hide.

Counted on the engine (every statement, plus the BEGIN, COMMIT and ROLLBACK the driver sends) on the request's own
task: the relay, the consumers and the reminders share the engine. The caller is one the actor cache already knows
(their list of penilaian found them), as at a deadline. A command loads its penilaian with the pegawai, the school
of the part, the atasan of the part's day (for a finalisation, with their roster row and school) and the periods of
its year with their extensions in one statement; the answer's figures are read after the commit.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from appraisal_world import finalize, penilaian_of, rate  # noqa: E402

from pmm_testkit.round_trips import round_trips  # noqa: E402
from pmm_testkit.world import scalar  # noqa: E402

pytestmark = pytest.mark.integration

# BEGIN, the audit stamp, the penilaian locked in its context, its update, COMMIT; the answer's figures: BEGIN, the
# audit stamp, the angka kredit earned before, the school's predikat counts, its predikat organisasi, the year's
# policy year, the school's report, the parts of the period, the angka kredit earned before the part, ROLLBACK.
MAX_ROUND_TRIPS_RATE = 15
# BEGIN, the key's claim (carrying the audit stamp), the penilaian locked in its context with the atasan, the angka
# kredit earned before, its update, the year's penilaian tahunan locked (none yet), the pegawai's penilaian of the
# year, the penilaian tahunan's insert, its update, the outbox row (carrying the relay's NOTIFY); the
# answer's figures: the school's predikat counts, its predikat organisasi, the parts of the period; the stored
# answer, COMMIT. The one use case writes straight into the key's transaction: no SAVEPOINT.
MAX_ROUND_TRIPS_FINALIZE = 15


def _request_task(connection) -> asyncio.Task | None:
    return asyncio.current_task()


# What the load in context reads, were it read on its own: a pegawai or school, a relation, a period, an extension.
_ROSTER_READ = re.compile(
    r"^SELECT (roster_periode\.snapshot\b"
    r"|.* FROM (roster_pegawai|roster_sekolah|roster_relasi|roster_window_extension)\b)"
)


def _roster_reads(sent: list[str]) -> list[str]:
    return [s for s in sent if _ROSTER_READ.match(s) and not s.endswith("FOR UPDATE OF penilaian")]


async def test_rating_and_finalising_cost_a_bounded_number_of_round_trips(app, client, tokens, world):
    school = await world.school(teachers=1)
    guru, ks = school.guru[0], school.kepala
    await world.cycle(guru)
    item = await penilaian_of(client, tokens, ks, guru)
    engine = app.state.container.chassis.engine
    status = "SELECT status || ':' || coalesce(predikat, '') FROM penilaian WHERE id = :id"

    with round_trips(engine, by=_request_task) as sent:
        rated = await rate(client, tokens, ks, item, "sesuai", "di_atas", umpan_balik={"akuntabel": "Tepat waktu"})
    assert rated.status_code == 200, rated.text
    rating = sent[asyncio.current_task()]
    assert (rated.json()["status"], rated.json()["predikat"]["kode"]) == ("DINILAI", "baik")
    assert await scalar(app, status, id=item["id"]) == "DINILAI:baik"

    with round_trips(engine, by=_request_task) as sent:
        done = await finalize(client, tokens, ks, item["id"], rated.headers["ETag"], **{"Idempotency-Key": "rt-1"})
    assert done.status_code == 200, done.text
    finalising = sent[asyncio.current_task()]
    body = done.json()
    assert (body["status"], body["angka_kredit"]["nilai"], body["angka_kredit"]["final"]) == ("FINAL", "6.25", True)
    assert await scalar(app, status, id=item["id"]) == "FINAL:baik"
    # The appraiser as BKN names them is the kepala sekolah, with their school; the year's penilaian tahunan opened.
    penilai = "SELECT final -> 'penilai' ->> 'nip' FROM penilaian WHERE id = :id"
    assert await scalar(app, penilai, id=item["id"]) == ks.nip
    annual = "SELECT count(*) FROM penilaian WHERE pegawai_id = :p AND periode = '2024-T'"
    assert await scalar(app, annual, p=guru.pegawai_id) == 1

    assert len(rating) <= MAX_ROUND_TRIPS_RATE, rating
    assert len(finalising) <= MAX_ROUND_TRIPS_FINALIZE, finalising
    assert not [s for s in finalising if "SAVEPOINT" in s], finalising
    # One statement loads the penilaian in its context and locks its row only; nothing reads the roster beside it.
    for sent_by_command in (rating, finalising):
        (load,) = [s for s in sent_by_command if s.endswith("FOR UPDATE OF penilaian")]
        assert "roster_relasi" in load and "roster_window_extension" in load, load
        assert _roster_reads(sent_by_command) == [], sent_by_command
