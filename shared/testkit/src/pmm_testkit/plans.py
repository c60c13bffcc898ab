"""An approved plan's parts as planning publishes them, for suites and benchmarks that play planning's part.

One indicator, one competence RHK and the seven BerAKHLAK values: the smallest plan the consumers accept as whole.
"""

from __future__ import annotations

from pmm_contracts.events import planning as contract

INDIKATOR = contract.IndikatorPart(
    kode="D.1.3",
    nama="Kualitas pembelajaran: metode pembelajaran",
    perilaku_dianjurkan=["Memberikan umpan balik yang spesifik", "Mengajukan pertanyaan terbuka"],
    perilaku_dihindari=["Menyampaikan materi satu arah"],
)
RHK = [
    contract.RhkPart(
        kode="PK-01",
        nama="Mengikuti pelatihan mandiri di PMM",
        kategori="pengembangan_kompetensi",
        rhk_atasan=None,
        aspek="kuantitas",
        indikator_kinerja_individu="Jumlah topik pelatihan mandiri yang diselesaikan",
        target_kuantitas=4,
        satuan="topik",
        poin=8,
    )
]
BERAKHLAK = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")
PERILAKU = [contract.PerilakuPart(kode=k, nama=k.replace("_", " ").title(), ekspektasi_khusus=None) for k in BERAKHLAK]
