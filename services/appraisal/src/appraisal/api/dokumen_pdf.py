"""The evaluation document as a PDF (reportlab): identity, the plan, the evidence, the ratings, predikat, AK.

Rendered on request from the penilaian: a finalised one prints the identity and appraiser frozen at finalisation,
a draft prints today's roster and says DRAFT on every page. The NIP is printed in its grouped form
(`19860926 201505 1 001`), as on every civil-service document.
"""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape  # escapes reportlab markup, parses no XML  # nosec B406

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from appraisal.domain.angka_kredit import JENJANG_LABEL, Jenjang
from appraisal.domain.predikat import PREDIKAT_LABEL, default_matrix
from appraisal.usecases.views import PenilaianContext
from pmm_kernel.errors import InvalidValue
from pmm_kernel.nip import AsnStatus, parse_nip

_STYLES = getSampleStyleSheet()
_TITLE = ParagraphStyle("judul", parent=_STYLES["Title"], fontSize=14, spaceAfter=2 * mm)
_H = ParagraphStyle("bagian", parent=_STYLES["Heading3"], spaceBefore=4 * mm, spaceAfter=1.5 * mm)
_BODY = ParagraphStyle("isi", parent=_STYLES["BodyText"], fontSize=9, leading=11)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
    ]
)
_HEADER_ROW = TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke), ("BACKGROUND", (0, 1), (0, -1), None)])


def nip_grouped(nip: str, status: str, *, on: date) -> str:
    """The printed form of a NIP or NI PPPK; anything else (a non-ASN's number) as it is."""
    try:
        return parse_nip(nip, AsnStatus(status), today=on).grouped()
    except (InvalidValue, ValueError):
        return nip


def render(context: PenilaianContext, *, on: date) -> bytes:
    p = context.penilaian
    final = p.final
    buffer = io.BytesIO()
    status_text = "FINAL" if final else "DRAFT (belum final)"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Dokumen Evaluasi Kinerja {p.periode}",
        author="PMM Kinerja",
    )
    story: list = [
        Paragraph("DOKUMEN EVALUASI KINERJA PEGAWAI", _TITLE),
        _p(f"Periode {p.periode} ({context.jenis.value if context.jenis else '-'}) - status {status_text}"),
    ]
    story += _identitas(context, on=on)
    story += _penilai(context, on=on)
    story += _rencana(context)
    story += _bukti(context)
    story += _penilaian(context)
    story += _angka_kredit(context)
    story += [Spacer(1, 6 * mm), _p(f"Dicetak {on.isoformat()} oleh PMM Kinerja. Penilaian {p.id}.")]

    def page(canvas, document) -> None:  # noqa: ANN001
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{status_text} - halaman {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def _p(text: str) -> Paragraph:
    return Paragraph(escape(text), _BODY)


def _table(rows: list[list[str]], widths: list[float], *, header: bool = False) -> Table:
    table = Table([[_p(c) for c in row] for row in rows], colWidths=widths, hAlign="LEFT")
    table.setStyle(_GRID)
    if header:
        table.setStyle(_HEADER_ROW)
    return table


def _jabatan(jenis_gtk: str, jenjang: str | None) -> str:
    if jenjang:
        try:
            jenjang = JENJANG_LABEL[Jenjang.parse(jenjang)]
        except InvalidValue:
            pass
    return " ".join(x for x in (jenis_gtk, jenjang) if x)


def _identitas(context: PenilaianContext, *, on: date) -> list:
    final = context.penilaian.final
    if final is not None:
        i = final.identitas
        nip, nama, status, golongan = i.nip, i.nama, i.status, i.pangkat_golongan
        jabatan, unit = _jabatan(i.jenis_gtk, i.jenjang_jabatan), f"{i.sekolah} (NPSN {i.npsn})"
    elif context.pegawai is not None:
        g = context.pegawai
        nip, nama, status, golongan = g.nip, g.nama, g.status, g.pangkat_golongan
        jabatan = _jabatan(g.jenis_gtk, g.jenjang_jabatan)
        unit = f"{context.sekolah.nama} (NPSN {g.npsn})" if context.sekolah else f"NPSN {g.npsn}"
    else:
        return [Paragraph("Pegawai yang dinilai", _H), _p("belum ada di roster")]
    rows = [
        ["Nama", nama],
        ["NIP" if status != "PPPK" else "NI PPPK", nip_grouped(nip, status, on=on)],
        ["Status kepegawaian", status],
        ["Pangkat/golongan", golongan or "-"],
        ["Jabatan", jabatan],
        ["Unit kerja", unit],
    ]
    return [Paragraph("Pegawai yang dinilai", _H), _table(rows, [45 * mm, 125 * mm])]


def _penilai(context: PenilaianContext, *, on: date) -> list:
    final = context.penilaian.final
    if final is None:
        return [Paragraph("Pejabat penilai kinerja", _H), _p("ditetapkan saat finalisasi")]
    n = final.penilai
    rows = [
        ["Nama", n.nama],
        ["NIP", nip_grouped(n.nip, "PNS", on=on)],
        ["Pangkat/golongan", n.golongan or "-"],
        ["Jabatan", n.jabatan],
        ["Unit kerja", n.unor],
    ]
    return [Paragraph("Pejabat penilai kinerja", _H), _table(rows, [45 * mm, 125 * mm])]


def _rencana(context: PenilaianContext) -> list:
    r = context.penilaian.rencana
    if r is None:
        return []
    rows = [["RHK", "Indikator kinerja individu", "Target"]] + [
        [f"{x.kode} {x.nama}", x.indikator_kinerja_individu, f"{x.target_kuantitas} {x.satuan}"] for x in r.rhk
    ]
    return [
        Paragraph("Rencana kinerja (SKP disetujui)", _H),
        _p(f"Praktik kinerja: {r.indikator_kode} {r.indikator_nama}"),
        Spacer(1, 1.5 * mm),
        _table(rows, [70 * mm, 70 * mm, 30 * mm], header=True),
    ]


def _bukti(context: PenilaianContext) -> list:
    p = context.penilaian
    if p.menimbang_periode:
        rows = [["Periode", "Predikat", "Angka kredit"]] + [
            [h.periode, PREDIKAT_LABEL[h.predikat], str(h.angka_kredit) if h.angka_kredit is not None else "-"]
            for h in p.hasil_periodik
        ]
        return [
            Paragraph("Penilaian periodik yang dipertimbangkan", _H),
            _table(rows, [40 * mm, 70 * mm, 40 * mm], header=True),
        ]
    s = p.siklus
    if s is None:
        return [
            Paragraph("Siklus observasi", _H),
            _p("tidak ada (dinilai perilaku kerja saja)" if p.hanya_perilaku else "belum selesai"),
        ]
    text = f"Siklus selesai {s.selesai_at.date().isoformat()}; bukti dukung: {s.bukti_count}."
    rubrik = s.rubrik
    if rubrik:
        text += (
            f" Observasi ({rubrik.get('mode', '-')}): efektif {rubrik.get('efektif', 0)}, belum efektif "
            f"{rubrik.get('belum_efektif', 0)}, belum dilakukan {rubrik.get('belum_dilakukan', 0)}."
        )
    return [Paragraph("Siklus observasi (bukti, tidak diberi skor)", _H), _p(text)]


def _penilaian(context: PenilaianContext) -> list:
    p = context.penilaian
    n = p.nilai
    if n is None:
        return []
    hasil = (
        "tidak dinilai (diangkat di akhir periode: perilaku kerja saja)" if p.hanya_perilaku else n.hasil_kerja.label
    )
    rows = [
        ["Rating hasil kerja", hasil],
        ["Rating perilaku kerja", n.perilaku_kerja.label],
        ["Predikat kinerja", n.predikat.label],
        ["Dasar", f"{default_matrix().regulation}, sel {n.cell}"],
    ]
    story = [Paragraph("Penilaian", _H), _table(rows, [45 * mm, 125 * mm])]
    names = dict(p.rencana.perilaku) if p.rencana else {}
    if n.umpan_balik:
        feedback = [["Nilai BerAKHLAK", "Umpan balik"]] + [[names.get(k, k), v] for k, v in n.umpan_balik.items()]
        story += [Spacer(1, 2 * mm), _table(feedback, [45 * mm, 125 * mm], header=True)]
    if n.catatan:
        story += [Spacer(1, 2 * mm), _p(f"Catatan untuk periode berikutnya: {n.catatan}")]
    return story


def _angka_kredit(context: PenilaianContext) -> list:
    ak = context.angka_kredit
    if ak is None:
        if context.penilaian.nilai is None:
            return []
        return [Paragraph("Angka kredit", _H), _p(f"Tidak ada: {context.angka_kredit_catatan or '-'}")]
    rows = [
        ["Jenjang", JENJANG_LABEL[Jenjang(ak.jenjang)]],
        ["Koefisien per tahun", str(ak.koefisien)],
        ["Bulan dalam periode", str(ak.bulan)],
        ["Angka kredit periode ini", str(ak.nilai)],
        ["Angka kredit kumulatif", str(ak.kumulatif)],
    ]
    story = [Paragraph("Angka kredit (PermenPANRB 1/2023)", _H), _table(rows, [45 * mm, 125 * mm])]
    progress = context.progress
    if progress is not None:
        pangkat, jenjang = progress.kenaikan_pangkat, progress.kenaikan_jenjang
        text = f"Kenaikan pangkat: {pangkat.needed} dibutuhkan, kurang {pangkat.remaining}."
        if jenjang is not None:
            text += f" Kenaikan jenjang: {jenjang.needed} dibutuhkan, kurang {jenjang.remaining}."
        story += [Spacer(1, 1.5 * mm), _p(text + " Kemajuan ditampilkan, bukan keputusan kenaikan.")]
    return story
