"""The evaluation document as a PDF (reportlab): the paper a teacher takes to a promotion or the TPG.

Rendered on request from the penilaian (docs/domain.md §6): the ministry's letterhead with the school's Dinas, the
identity and appraiser (frozen at finalisation for a final one, today's roster for a draft, which says DRAFT on
every page), the plan with a realisasi column, the seven BerAKHLAK values with their feedback, the predikat and its
basis in words, the angka kredit with its months and formula, the school's predikat kinerja organisasi, signature
blocks, and a last page with the school's predikat distribution against the pattern its predikat organisasi allows
(SE MenPANRB 3/2023). Only words reach the paper: never a rating's or predikat's internal value.

The document carries one date, the day it is printed: the distribution page counts the school's predikat as they
stand that day, so no earlier date could be true of the whole paper. The same instant is the PDF's CreationDate and
its date is in the Title. The NIP is printed in its grouped form (`19860926 201505 1 001`), as on every
civil-service paper.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape  # escapes reportlab markup, parses no XML  # nosec B406

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    HRFlowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from appraisal.domain import distribution
from appraisal.domain.angka_kredit import JENJANG_LABEL, Jenjang
from appraisal.domain.angka_kredit import default_table as angka_kredit_table
from appraisal.domain.dokumen import default_rules
from appraisal.domain.evaluasi import Jenis
from appraisal.domain.predikat import PREDIKAT_LABEL, Predikat, Rating, default_matrix
from appraisal.usecases.views import PenilaianContext
from pmm_kernel.clock import WIB
from pmm_kernel.errors import InvalidValue
from pmm_kernel.nip import AsnStatus, parse_nip

JUDUL = "Dokumen Evaluasi Kinerja Pegawai"

BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip

JENIS_LABEL = {Jenis.PERIODIK: "Evaluasi kinerja periodik", Jenis.TAHUNAN: "Evaluasi kinerja tahunan"}

_SEMESTER = re.compile(r"^(\d{4})-S(\d)$")
_TAHUNAN = re.compile(r"^(\d{4})-T$")

_STYLES = getSampleStyleSheet()
_KOP = ParagraphStyle("kop", parent=_STYLES["BodyText"], fontName="Helvetica-Bold", fontSize=13, leading=16)
_KOP_SUB = ParagraphStyle("kop_sub", parent=_STYLES["BodyText"], fontSize=10, leading=13)
_TITLE = ParagraphStyle("judul", parent=_STYLES["Title"], fontSize=13, spaceBefore=3 * mm, spaceAfter=1 * mm)
_H = ParagraphStyle("bagian", parent=_STYLES["Heading3"], fontSize=11, spaceBefore=4 * mm, spaceAfter=1.5 * mm)
_BODY = ParagraphStyle("isi", parent=_STYLES["BodyText"], fontSize=9, leading=11)
_NOTE = ParagraphStyle("catatan", parent=_BODY, fontSize=8, leading=10, textColor=colors.HexColor("#333333"))
_CENTER = ParagraphStyle("tengah", parent=_BODY, alignment=TA_CENTER)
for _style in (_KOP, _KOP_SUB):
    _style.alignment = TA_CENTER
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
    ]
)
_HEADER_ROW = TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke), ("BACKGROUND", (0, 1), (0, -1), None)])
_WIDTH = A4[0] - 36 * mm


@dataclass(frozen=True)
class Terbit:
    """When and where the document is issued: the one date it carries."""

    at: datetime  # in WIB
    tempat: str

    @property
    def tanggal(self) -> str:
        return tanggal(self.at.date())


def tanggal(day: date) -> str:
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"


def angka(value: Decimal | int) -> str:
    """A figure as an Indonesian paper writes it: a decimal comma (12,5; 9,38)."""
    return str(value).replace(".", ",")


def nip_grouped(nip: str, status: str, *, on: date) -> str:
    """The printed form of a NIP or NI PPPK; anything else (a non-ASN's number) as it is."""
    try:
        return parse_nip(nip, AsnStatus(status), today=on).grouped()
    except (InvalidValue, ValueError):
        return nip


def periode_label(kode: str) -> str:
    """A period in words ("Semester 1 Tahun 2024"); a period of another form as it is named."""
    if m := _SEMESTER.match(kode):
        return f"Semester {m.group(2)} Tahun {m.group(1)}"
    if m := _TAHUNAN.match(kode):
        return f"Tahun {m.group(1)} (penilaian tahunan)"
    return kode


def terbit(context: PenilaianContext, *, now: datetime) -> Terbit:
    at = now.astimezone(WIB)
    tempat = context.sekolah.nama_wilayah if context.sekolah is not None else ""
    return Terbit(at=at, tempat=tempat)


def render(context: PenilaianContext, *, now: datetime) -> bytes:
    p = context.penilaian
    final = p.final
    issued = terbit(context, now=now)
    on = issued.at.date()
    buffer = io.BytesIO()
    status_text = "FINAL" if final else "DRAFT (belum final)"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=f"{JUDUL} - {periode_label(p.periode)} - {issued.tanggal}",
        author="PMM Kinerja",
        subject=default_rules().instansi.title(),
        creator="PMM Kinerja",
    )
    story: list = _kop(context)
    story += [
        Paragraph(JUDUL.upper(), _TITLE),
        Paragraph(escape(f"{_jenis(context)} - {_periode_teks(context)}"), _CENTER),
        Paragraph(escape(f"Status dokumen: {status_text}"), _CENTER),
    ]
    bagian = _bagian_teks(context)
    if bagian is not None:
        story.append(Paragraph(escape(bagian), _CENTER))
    story += _identitas(context, on=on)
    story += _penilai(context, on=on)
    story += _rencana(context)
    story += _bukti(context)
    story += _perilaku(context)
    story += _predikat(context)
    story += _angka_kredit(context)
    story += _organisasi(context)
    story += _tanda_tangan(context, issued, on=on)
    story += _distribusi(context, issued)

    stamp = issued.at.strftime("D:%Y%m%d%H%M%S+07'00'")

    def page(canvas, document) -> None:  # noqa: ANN001
        # The metadata's date is the printed one (the Info dictionary is written after the last page).
        canvas.setDateFormatter(lambda *_: stamp)
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(18 * mm, 10 * mm, f"{JUDUL}, {issued.tanggal}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{status_text} - halaman {document.page}")
        if not final:
            canvas.setFont("Helvetica-Bold", 60)
            canvas.setFillColor(colors.Color(0.85, 0.85, 0.85, alpha=0.35))
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(45)
            canvas.drawCentredString(0, 0, "DRAFT")
        canvas.restoreState()

    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(rows: list[list[str]], widths: list[float], *, header: bool = False) -> Table:
    table = Table(
        [[_p(c) for c in row] for row in rows], colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0
    )
    table.setStyle(_GRID)
    if header:
        table.setStyle(_HEADER_ROW)
    return table


def _section(title: str, *content) -> list:  # noqa: ANN002
    """A heading with its content on one page: a table is never cut from its heading or split across pages."""
    return [KeepTogether([Paragraph(escape(title), _H), *content])]


def _kop(context: PenilaianContext) -> list:
    s = context.sekolah
    rules = default_rules()
    lines = [_p(rules.instansi, _KOP)]
    if s is not None:
        lines += [
            _p(rules.dinas(s.nama, s.nama_wilayah, s.kode_wilayah), _KOP_SUB),
            _p(f"{s.nama} - NPSN {s.npsn}", _KOP_SUB),
        ]
    return [*lines, Spacer(1, 1.5 * mm), HRFlowable(width="100%", thickness=1.2, color=colors.black)]


def _jenis(context: PenilaianContext) -> str:
    if context.penilaian.menimbang_periode:
        return "Penilaian kinerja tahunan atas hasil periode"
    return JENIS_LABEL.get(context.jenis, "Evaluasi kinerja") if context.jenis else "Evaluasi kinerja"


def _bulan_teks(context: PenilaianContext) -> str | None:
    r = context.rentang
    if r is None:
        return None
    mulai, selesai = BULAN[r.bulan_mulai - 1], BULAN[r.bulan_selesai - 1]
    if r.tahun_mulai == r.tahun_selesai:
        return f"{mulai} - {selesai} {r.tahun_selesai}"
    return f"{mulai} {r.tahun_mulai} - {selesai} {r.tahun_selesai}"


def _periode_teks(context: PenilaianContext) -> str:
    label = periode_label(context.penilaian.periode)
    months = _bulan_teks(context)
    return f"{label} ({months})" if months else label


def _bagian_teks(context: PenilaianContext) -> str | None:
    """The part of a period a transfer split (docs/domain.md §6): its number, days, school and months; None for a
    period never split."""
    p, r = context.penilaian, context.rentang
    parts = len(context.periode_bagian.bagian) if context.periode_bagian else 1
    if p.menimbang_periode or (p.bagian == 1 and parts <= 1 and not p.berakhir):
        return None
    mulai = p.mulai or (date(r.tahun_mulai, r.bulan_mulai, 1) if r else None)
    hari = f"{tanggal(mulai)} - {tanggal(p.selesai)}" if mulai and p.selesai else None
    if hari is None and mulai is not None:
        hari = f"sejak {tanggal(mulai)}"
    sekolah = f"{context.sekolah.nama} (NPSN {context.sekolah.npsn})" if context.sekolah else None
    bulan = f"{r.bulan} bulan ({_bulan_teks(context)})" if r else None
    akhir = "berakhir karena mutasi" if p.berakhir else None
    return f"Bagian {p.bagian} periode: " + ", ".join(x for x in (hari, sekolah, bulan, akhir) if x)


def _jabatan(jenis_gtk: str, jenjang: str | None) -> str:
    if jenjang:
        try:
            jenjang = JENJANG_LABEL[Jenjang.parse(jenjang)]
        except InvalidValue:
            pass
    return " ".join(x for x in (jenis_gtk, jenjang) if x)


def _pegawai(context: PenilaianContext) -> tuple[str, str, str] | None:
    """Name, number and status of the appraised pegawai, as the document prints them."""
    final = context.penilaian.final
    if final is not None:
        return final.identitas.nama, final.identitas.nip, final.identitas.status
    if context.pegawai is not None:
        return context.pegawai.nama, context.pegawai.nip, context.pegawai.status
    return None


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
        # The part's school: a part a transfer ended was served at the old school.
        unit = f"{context.sekolah.nama} (NPSN {context.sekolah.npsn})" if context.sekolah else f"NPSN {g.npsn}"
    else:
        return _section("Pegawai yang dinilai", _p("belum ada di roster"))
    rows = [
        ["Nama", nama],
        ["NIP" if status != "PPPK" else "NI PPPK", nip_grouped(nip, status, on=on)],
        ["Status kepegawaian", status],
        ["Pangkat/golongan", golongan or "-"],
        ["Jabatan", jabatan],
        ["Unit kerja", unit],
    ]
    return _section("Pegawai yang dinilai", _table(rows, [45 * mm, _WIDTH - 45 * mm]))


def _penilai(context: PenilaianContext, *, on: date) -> list:
    final = context.penilaian.final
    if final is None:
        return _section("Pejabat penilai kinerja", _p("ditetapkan saat finalisasi"))
    n = final.penilai
    rows = [
        ["Nama", n.nama],
        ["NIP", nip_grouped(n.nip, "PNS", on=on)],
        ["Pangkat/golongan", n.golongan or "-"],
        ["Jabatan", n.jabatan],
        ["Unit kerja", n.unor],
    ]
    return _section("Pejabat penilai kinerja", _table(rows, [45 * mm, _WIDTH - 45 * mm]))


def _realisasi(context: PenilaianContext) -> str:
    """What stands beside each target: the system keeps no figure per RHK (docs/domain.md §8, reference/dokumen.toml),
    so the atasan's rating of the hasil kerja as a whole, which the plan's RHK together make up."""
    p = context.penilaian
    if p.hanya_perilaku:
        return "tidak dinilai (perilaku kerja saja)"
    if p.nilai is None:
        return "belum dinilai"
    return f"{p.nilai.hasil_kerja.label} (penilaian atasan)"


def _rencana(context: PenilaianContext) -> list:
    r = context.penilaian.rencana
    if r is None:
        return []
    realisasi = _realisasi(context)
    rows = [["Rencana hasil kerja (RHK)", "Indikator kinerja individu", "Target", "Realisasi"]] + [
        [f"{x.kode} {x.nama}", x.indikator_kinerja_individu, f"{x.target_kuantitas} {x.satuan}", realisasi]
        for x in r.rhk
    ]
    siklus = context.penilaian.siklus
    evidence = f" dengan {siklus.bukti_count} bukti dukung dari siklus observasi" if siklus else ""
    note = f"{default_rules().realisasi_catatan}{evidence}."
    return _section(
        "Rencana dan realisasi kinerja (SKP disetujui)",
        _p(f"Praktik kinerja: {r.indikator_kode} {r.indikator_nama}"),
        Spacer(1, 1.5 * mm),
        _table(rows, [52 * mm, 52 * mm, 24 * mm, _WIDTH - 128 * mm], header=True),
        Spacer(1, 1 * mm),
        _p(note, _NOTE),
    )


def _bukti(context: PenilaianContext) -> list:
    p = context.penilaian
    if p.menimbang_periode:
        rows = [["Periode", "Predikat", "Angka kredit"]] + [
            [
                periode_label(h.periode),
                PREDIKAT_LABEL[h.predikat],
                angka(h.angka_kredit) if h.angka_kredit is not None else "-",
            ]
            for h in p.hasil_periodik
        ]
        return _section(
            "Penilaian periodik yang dipertimbangkan", _table(rows, [60 * mm, 60 * mm, 40 * mm], header=True)
        )
    s = p.siklus
    if s is None:
        return _section(
            "Siklus observasi",
            _p("tidak ada (dinilai perilaku kerja saja)" if p.hanya_perilaku else "belum selesai"),
        )
    text = f"Siklus observasi selesai; bukti dukung: {s.bukti_count}."
    rubrik = s.rubrik
    if rubrik:
        text += (
            f" Hasil observasi: efektif {rubrik.get('efektif', 0)}, belum efektif "
            f"{rubrik.get('belum_efektif', 0)}, belum dilakukan {rubrik.get('belum_dilakukan', 0)}."
        )
    return _section("Siklus observasi (bukti, tidak diberi skor)", _p(text))


def _perilaku(context: PenilaianContext) -> list:
    p = context.penilaian
    n = p.nilai
    if n is None:
        return []
    seven = default_rules().berakhlak  # all seven, in the SE's order and under its names
    rows = [["Nilai BerAKHLAK", "Umpan balik atasan"]] + [
        [nama, n.umpan_balik.get(kode) or "-"] for kode, nama in seven.items()
    ]
    # Feedback on a value the seven do not name (an older plan's wording) is printed too, never dropped.
    names = dict(p.rencana.perilaku) if p.rencana else {}
    rows += [[names.get(kode, kode), v] for kode, v in n.umpan_balik.items() if kode not in seven]
    return _section(
        "Perilaku kerja (BerAKHLAK)",
        _p(f"Rating perilaku kerja: {n.perilaku_kerja.label.lower()}."),
        Spacer(1, 1.5 * mm),
        _table(rows, [50 * mm, _WIDTH - 50 * mm], header=True),
    )


def _predikat(context: PenilaianContext) -> list:
    p = context.penilaian
    n = p.nilai
    if n is None:
        return []
    hasil_kerja = (
        f"tidak dinilai (perilaku kerja saja; dibaca {Rating.SESUAI.label.lower()})"
        if p.hanya_perilaku
        else n.hasil_kerja.label.lower()
    )
    dasar = f"hasil kerja: {hasil_kerja}; perilaku kerja: {n.perilaku_kerja.label.lower()}"
    rows = [
        ["Rating hasil kerja", hasil_kerja],
        ["Rating perilaku kerja", n.perilaku_kerja.label.lower()],
        ["Predikat kinerja", n.predikat.label],
        ["Dasar", f"{dasar} (kuadran kinerja, {default_matrix().regulation})"],
    ]
    story = [_table(rows, [45 * mm, _WIDTH - 45 * mm])]
    if n.catatan:
        story += [Spacer(1, 2 * mm), _p(f"Catatan untuk periode berikutnya: {n.catatan}")]
    return _section("Predikat kinerja pegawai", *story)


def _angka_kredit(context: PenilaianContext) -> list:
    ak = context.angka_kredit
    n = context.penilaian.nilai
    if ak is None:
        if n is None:
            return []
        return _section("Angka kredit", _p(f"Tidak ada: {context.angka_kredit_catatan or '-'}"))
    jenjang = JENJANG_LABEL[Jenjang(ak.jenjang)]
    months = _bulan_teks(context)
    bulan = f"{ak.bulan} bulan" + (f" ({months})" if months else "")
    rows = [
        ["Jenjang jabatan", jenjang],
        ["Koefisien per tahun", angka(ak.koefisien)],
        ["Masa penilaian", bulan],
    ]
    if n is not None:
        persen = angka_kredit_table().persentase[n.predikat]
        rows.append(
            [
                "Perhitungan",
                f"{ak.bulan} bulan dibagi 12 bulan, dikali {angka(persen)}% (predikat {n.predikat.label}), dikali "
                f"koefisien {angka(ak.koefisien)} ({jenjang}) = {angka(ak.nilai)}",
            ]
        )
    rows += [["Angka kredit periode ini", angka(ak.nilai)], ["Angka kredit kumulatif", angka(ak.kumulatif)]]
    story = [_table(rows, [45 * mm, _WIDTH - 45 * mm])]
    progress = context.progress
    if progress is not None:
        pangkat, naik = progress.kenaikan_pangkat, progress.kenaikan_jenjang
        text = f"Kenaikan pangkat: {angka(pangkat.needed)} dibutuhkan, kurang {angka(pangkat.remaining)}."
        if naik is not None:
            text += f" Kenaikan jenjang: {angka(naik.needed)} dibutuhkan, kurang {angka(naik.remaining)}."
        story += [Spacer(1, 1.5 * mm), _p(text + " Kemajuan ditampilkan, bukan keputusan kenaikan.")]
    return _section("Angka kredit (PermenPANRB 1/2023; Peraturan BKN 3/2023 pasal 13)", *story)


def _organisasi_teks(context: PenilaianContext) -> str:
    d = context.distribusi
    if d is None or d.predikat_organisasi is None:
        tahun = f" tahun {d.tahun}" if d is not None and d.tahun else ""
        return f"belum ditetapkan oleh Dinas{tahun}"
    return f"{d.predikat_organisasi.label} (ditetapkan Dinas, tahun {d.tahun})"


def _organisasi(context: PenilaianContext) -> list:
    if context.sekolah is None:
        return []
    return _section(
        "Predikat kinerja organisasi",
        _p(f"{context.sekolah.nama}: {_organisasi_teks(context)}. Distribusi predikat pegawai: halaman terakhir."),
    )


def _tanda_tangan(context: PenilaianContext, issued: Terbit, *, on: date) -> list:
    final = context.penilaian.final
    pegawai = _pegawai(context)
    kiri = ["Pegawai yang dinilai,", "", "", ""]
    if pegawai is not None:
        nama, nip, status = pegawai
        kiri += [nama, f"{'NI PPPK' if status == 'PPPK' else 'NIP'} {nip_grouped(nip, status, on=on)}"]
    tempat = f"{issued.tempat}, " if issued.tempat else ""
    kanan = [f"{tempat}{issued.tanggal}", "Pejabat penilai kinerja,", "", ""]
    if final is not None:
        kanan += [final.penilai.nama, f"NIP {nip_grouped(final.penilai.nip, 'PNS', on=on)}"]
    else:
        kanan += ["(ditetapkan saat finalisasi)"]
    cell = lambda lines: [_p(x) if x else Spacer(1, 5 * mm) for x in lines]  # noqa: E731
    table = Table([[cell(kiri), cell(kanan)]], colWidths=[_WIDTH / 2, _WIDTH / 2], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [Spacer(1, 6 * mm), KeepTogether([table])]


def _aturan(rule: distribution.Rule) -> str:
    """A rule of the pattern in the SE's words."""
    names = " dan/atau ".join(p.label for p in rule.predikat)
    text = {
        distribution.RuleKind.AT_MOST: f"paling banyak {rule.percent}% pegawai {names}",
        distribution.RuleKind.AT_LEAST: f"paling sedikit {rule.percent}% pegawai {names}",
        distribution.RuleKind.MORE_THAN: f"lebih dari {rule.percent}% pegawai {names}",
        distribution.RuleKind.AT_LEAST_ONE: f"harus ada pegawai {names}",
        distribution.RuleKind.NONE: f"tidak ada pegawai {names}",
    }[rule.kind]
    return text + (" (tafsiran sistem atas kata-kata SE)" if rule.assumption else "")


def _persen(count: int, total: int) -> str:
    return f"{angka((Decimal(count * 100) / total).quantize(Decimal('0.1')))}%" if total else "-"


def _distribusi(context: PenilaianContext, issued: Terbit) -> list:
    d = context.distribusi
    if d is None or context.sekolah is None:
        return []
    total = sum(d.counts.values())
    counts = [["Predikat kinerja pegawai", "Jumlah pegawai", "Persentase"]] + [
        [p.label, str(d.counts.get(p, 0)), _persen(d.counts.get(p, 0), total)] for p in Predikat
    ]
    counts.append(["Jumlah", str(total), "100%" if total else "-"])
    story: list = [
        PageBreak(),
        *_kop(context),
        Paragraph("DISTRIBUSI PREDIKAT KINERJA PEGAWAI", _TITLE),
        _p(f"{context.sekolah.nama} - {periode_label(d.periode)}", _CENTER),
        _p(f"Predikat kinerja organisasi: {_organisasi_teks(context)}", _CENTER),
        *_section("Sebaran predikat pegawai", _table(counts, [70 * mm, 40 * mm, 40 * mm], header=True)),
    ]
    table = distribution.default_table()
    if d.predikat_organisasi is None:
        story += _section(
            "Pola distribusi (SE MenPANRB 3/2023)",
            _p("Pola tidak dapat dibandingkan: predikat kinerja organisasi sekolah belum ditetapkan oleh Dinas."),
        )
    else:
        pola = table.pola[d.predikat_organisasi]
        rows = [["Ketentuan pola", "Di sekolah ini", "Keterangan"]]
        for rule in pola.rules:
            count = sum(d.counts.get(p, 0) for p in rule.predikat)
            hasil = "belum ada penilaian" if not total else ("sesuai" if rule.holds(count, total) else "tidak sesuai")
            rows.append([_aturan(rule), f"{count} dari {total} ({_persen(count, total)})", hasil])
        story += _section(
            f"Pola distribusi untuk predikat organisasi {d.predikat_organisasi.label} ({table.regulation})",
            _p(f"Pola menurut SE: {pola.text}."),
            Spacer(1, 1.5 * mm),
            _table(rows, [90 * mm, 40 * mm, _WIDTH - 130 * mm], header=True),
        )
    story += [
        Spacer(1, 3 * mm),
        _p(
            "Pola distribusi adalah acuan bagi kepala sekolah, bukan pembatas: predikat setiap pegawai tetap "
            f"ditetapkan oleh atasannya. Keadaan pada {issued.tanggal}.",
            _NOTE,
        ),
    ]
    return story
