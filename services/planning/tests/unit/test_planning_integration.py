"""Planning's domain events -> contract events (planning.integration): what every consumer receives, field by
field, for each decision on a plan."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from planning.domain import events
from planning.domain.skp import DataDiri, IndikatorChoice, RhkItem, Skp, SkpStatus
from planning.integration import to_contract

AT = datetime(2024, 1, 20, 3, 0, tzinfo=UTC)
SKP_ID = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
PEGAWAI = uuid.UUID("00000000-0000-0000-0000-0000000000b1")
ATASAN = uuid.UUID("00000000-0000-0000-0000-0000000000c1")
REF = {
    "skp_id": str(SKP_ID),
    "pegawai_id": str(PEGAWAI),
    "periode": "2024-S1",
    "atasan_id": str(ATASAN),
    # The part of the period: the first, at the pegawai's school, for the whole period.
    "bagian": 1,
    "npsn": "20200001",
    "mulai": None,
    "selesai": None,
}
INDIKATOR = IndikatorChoice("D.1.3", "Metode", ("umpan balik", "pertanyaan terbuka", "diskusi"), ("ceramah",), True)


def rhk(kode: str, kategori: str, poin: int | None) -> RhkItem:
    return RhkItem(kode, f"RHK {kode}", kategori, "RHK atasan", "kuantitas", "jumlah", 2, "topik", poin)


def submitted_plan() -> Skp:
    return Skp(
        id=SKP_ID,
        pegawai_id=PEGAWAI,
        periode="2024-S1",
        peran="guru",
        status=SkpStatus.DIAJUKAN,
        version=6,
        data_diri=DataDiri(True, None),
        indikator=INDIKATOR,
        pengembangan_kompetensi=(rhk("PK-01", "pengembangan_kompetensi", 8),),
        tugas_tambahan=(rhk("TT-04", "tugas_tambahan", None),),
        perilaku_dikonfirmasi=True,
        ekspektasi_khusus={"akuntabel": "Tepat waktu"},
        atasan_id=ATASAN,
        npsn="20200001",
    )


def test_a_return_is_published_with_its_reference_and_note() -> None:
    skp = submitted_plan()
    skp.return_to_pegawai(at=AT, atasan_id=ATASAN, catatan=" Target terlalu rendah ")
    (event,) = skp.events
    outgoing = to_contract(event)
    assert (outgoing.aggregate_id, outgoing.aggregate_version) == (f"skp:{SKP_ID}", 7)
    assert outgoing.data.model_dump(mode="json") == {
        **REF,
        "returned_at": "2024-01-20T03:00:00Z",
        "catatan": "Target terlalu rendah",
    }


def test_an_approval_publishes_the_whole_plan() -> None:
    skp = submitted_plan()
    skp.approve(at=AT, atasan_id=ATASAN, berakhlak=(("akuntabel", "Akuntabel"), ("adaptif", "Adaptif")))
    outgoing = to_contract(skp.events[0])
    assert (outgoing.aggregate_id, outgoing.aggregate_version) == (f"skp:{SKP_ID}", 7)

    def part(kode: str, kategori: str, poin: int | None) -> dict:
        return {
            "kode": kode,
            "nama": f"RHK {kode}",
            "kategori": kategori,
            "rhk_atasan": "RHK atasan",
            "aspek": "kuantitas",
            "indikator_kinerja_individu": "jumlah",
            "target_kuantitas": 2,
            "satuan": "topik",
            "poin": poin,
        }

    assert outgoing.data.model_dump(mode="json") == {
        **REF,
        "approved_at": "2024-01-20T03:00:00Z",
        "indikator": {
            "kode": "D.1.3",
            "nama": "Metode",
            "perilaku_dianjurkan": ["umpan balik", "pertanyaan terbuka", "diskusi"],
            "perilaku_dihindari": ["ceramah"],
        },
        "rhk": [part("PK-01", "pengembangan_kompetensi", 8), part("TT-04", "tugas_tambahan", None)],
        "perilaku": [
            {"kode": "akuntabel", "nama": "Akuntabel", "ekspektasi_khusus": "Tepat waktu"},
            {"kode": "adaptif", "nama": "Adaptif", "ekspektasi_khusus": None},
        ],
    }


def test_a_submission_and_a_reset_are_published_with_their_reference() -> None:
    skp = submitted_plan()
    skp.status, skp.atasan_id = SkpStatus.DRAFT, None
    skp.submit(at=AT, atasan_id=ATASAN)
    submitted = to_contract(skp.events[0])
    assert submitted.aggregate_version == 7
    assert submitted.data.model_dump(mode="json") == {**REF, "submitted_at": "2024-01-20T03:00:00Z"}
    skp.status = SkpStatus.DISETUJUI
    skp.reset(at=AT, alasan="Salah klik")
    reset = to_contract(skp.events[1])
    assert reset.aggregate_version == 8
    assert reset.data.model_dump(mode="json") == {**REF, "reset_at": "2024-01-20T03:00:00Z", "alasan": "Salah klik"}


def test_an_extension_is_published_as_a_new_version_of_its_period() -> None:
    extension_id = uuid.uuid4()
    event = events.WindowExtended(extension_id, "2024-S1", "perencanaan_guru", AT.date(), "32", "banjir", 3)
    outgoing = to_contract(event)
    assert (outgoing.aggregate_id, outgoing.aggregate_version) == ("periode:2024-S1", 3)
    assert outgoing.data.model_dump(mode="json") == {
        "extension_id": str(extension_id),
        "kode": "2024-S1",
        "step": "perencanaan_guru",
        "until": "2024-01-20",
        "wilayah": "32",
        "alasan": "banjir",
    }


def test_a_transfer_ending_a_part_is_published_with_its_dates_and_state() -> None:
    skp = submitted_plan()
    skp.end(selesai=date(2024, 4, 14), at=AT)
    (event,) = skp.events
    outgoing = to_contract(event)
    assert (outgoing.aggregate_id, outgoing.aggregate_version) == (f"skp:{SKP_ID}", 7)
    assert outgoing.data.TYPE == "skp.ended"
    assert outgoing.data.model_dump(mode="json") == {
        **REF,
        "selesai": "2024-04-14",
        "ended_at": "2024-01-20T03:00:00Z",
        "status": "DIAJUKAN",
        "alasan": "mutasi",
    }


def test_every_decision_on_a_later_part_names_the_part() -> None:
    skp = submitted_plan()
    skp.bagian, skp.npsn, skp.mulai = 2, "20200002", date(2024, 4, 15)
    skp.approve(at=AT, atasan_id=ATASAN, berakhlak=(("akuntabel", "Akuntabel"),))
    (event,) = skp.events
    data = to_contract(event).data.model_dump(mode="json")
    assert {k: data[k] for k in ("bagian", "npsn", "mulai", "selesai")} == {
        "bagian": 2,
        "npsn": "20200002",
        "mulai": "2024-04-15",
        "selesai": None,
    }
