"""The official SKP document's layout (reportlab): what `planning.api.dokumen` serves, loaded with the first
document asked for."""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape  # escapes reportlab markup, parses no XML  # nosec B406

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from planning.domain.records import Pegawai
from planning.domain.skp import RhkItem, SkpStatus
from planning.usecases.views import DokumenSkp, Pejabat
from pmm_kernel.errors import InvalidValue
from pmm_kernel.nip import AsnStatus, parse_nip

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
STATUS = {
    SkpStatus.DRAFT: "Draf",
    SkpStatus.DIAJUKAN: "Diajukan, menunggu persetujuan",
    SkpStatus.DISETUJUI: "Disetujui",
    SkpStatus.DIKEMBALIKAN: "Dikembalikan untuk diperbaiki",
}
MARK = "DRAF"

_WIDTH = A4[0] - 36 * mm
_STYLES = getSampleStyleSheet()
_TITLE = ParagraphStyle("judul", parent=_STYLES["Title"], fontSize=14, leading=17, spaceAfter=1 * mm)
_SUBTITLE = ParagraphStyle("subjudul", parent=_STYLES["BodyText"], fontSize=10, alignment=1, leading=13)
_H = ParagraphStyle("bagian", parent=_STYLES["Heading4"], spaceBefore=4 * mm, spaceAfter=1.5 * mm)
_BODY = ParagraphStyle("isi", parent=_STYLES["BodyText"], fontSize=8.5, leading=10.5)
_BOLD = ParagraphStyle("tebal", parent=_BODY, fontName="Helvetica-Bold")
_CENTER = ParagraphStyle("tengah", parent=_BODY, alignment=1)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
    ]
)


def tanggal(on: date) -> str:
    """A date as Indonesian documents write it: 6 Desember 2026."""
    return f"{on.day} {BULAN[on.month - 1]} {on.year}"


def nip_grouped(pegawai: Pegawai, *, on: date) -> str:
    """The printed form of a NIP or NI PPPK; anything else (a non-ASN's number) as it is."""
    try:
        return parse_nip(pegawai.nip, AsnStatus(pegawai.status), today=on).grouped()
    except (InvalidValue, ValueError):
        return pegawai.nip


def render(document: DokumenSkp) -> bytes:
    context = document.context
    skp, periode = context.skp, document.periode
    on = document.dicetak.date()
    draft = skp.status is not SkpStatus.DISETUJUI
    title = f"Sasaran Kinerja Pegawai {periode.nama}, dicetak {tanggal(on)}"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="PMM Kinerja",
        subject=f"SKP {periode.nama}",
    )
    story: list = [
        Paragraph("SASARAN KINERJA PEGAWAI", _TITLE),
        _p(f"Periode {periode.nama}: {tanggal(periode.mulai)} s.d. {tanggal(periode.selesai)}", _SUBTITLE),
        _p(f"Status rencana: {STATUS[skp.status]}", _SUBTITLE),
    ]
    part = bagian(document)
    if part is not None:
        story.append(_p(part, _SUBTITLE))
    story.append(Spacer(1, 2 * mm))
    story += _orang(document, on=on)
    story += _hasil_kerja(document)
    story += _perilaku(document)
    story += _tanda_tangan(document, on=on)
    # The file's creation date is the printed date (the clock's instant in WIB), not the machine's.
    stamp = document.dicetak.strftime("D:%Y%m%d%H%M%S+07'00'")

    def page(canvas, template) -> None:  # noqa: ANN001
        canvas.setDateFormatter(lambda *_: stamp)
        canvas.saveState()
        if draft:
            canvas.setFont("Helvetica-Bold", 110)
            canvas.setFillColor(colors.Color(0.85, 0.2, 0.2, alpha=0.18))
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(45)
            canvas.drawCentredString(0, -40, MARK)
            canvas.restoreState()
            canvas.saveState()
            canvas.setFont("Helvetica-Bold", 9)
            canvas.setFillColor(colors.Color(0.7, 0.1, 0.1))
            canvas.drawString(18 * mm, A4[1] - 10 * mm, f"{MARK} - belum disetujui pejabat penilai")
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"SKP {periode.nama} - halaman {template.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def bagian(document: DokumenSkp) -> str | None:
    """The part of the period the plan covers, when a transfer split the period (docs/domain.md §4): its school,
    its first and last day, and whether the transfer ended it. None for a plan of the whole period."""
    skp, periode = document.context.skp, document.periode
    if skp.bagian == 1 and not skp.ended:
        return None
    mulai, selesai = skp.mulai or periode.mulai, skp.selesai or periode.selesai
    text = f"Bagian {skp.bagian}, {document.context.sekolah.nama}: {tanggal(mulai)} s.d. {tanggal(selesai)}"
    return f"{text}, berakhir karena mutasi" if skp.ended else text


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def _jabatan(pegawai: Pegawai) -> str:
    return " ".join(x for x in (pegawai.jenis_gtk, pegawai.jenjang_jabatan) if x)


def _orang(document: DokumenSkp, *, on: date) -> list:
    """The three people of the SKP, each a table kept on one page."""
    context = document.context
    pegawai = Pejabat(context.pegawai, context.sekolah)
    parts: list[tuple[str, Pejabat | str | None, str]] = [("PEGAWAI YANG DINILAI", pegawai, "belum ada")]
    if document.dinas_ppk is not None:
        # The region's reading names the Kepala Dinas as the school leader's PPK; the atasan in the roster (the
        # pengawas, or a koordinator pengawas) rates as the Dinas's tim kerja (docs/domain.md §1, "Pengawas").
        parts.append(("PEJABAT PENILAI KINERJA", f"Kepala {document.dinas_ppk}", ""))
        parts.append(("TIM KERJA DINAS (PENILAI)", document.penilai, "belum ada atasan di roster"))
    else:
        parts.append(("PEJABAT PENILAI KINERJA", document.penilai, "belum ada atasan di roster"))
        parts.append(("ATASAN PEJABAT PENILAI KINERJA", document.atasan_penilai, "tidak ada di roster"))
    story: list = []
    for judul, who, absent in parts:
        if isinstance(who, str):  # an office outside the roster: its title, no personal data
            rows = [[_p(judul, _BOLD), _p("")], [_p("Jabatan"), _p(who)]]
        elif who is None:
            rows = [[_p(judul, _BOLD), _p("")], [_p("Nama"), _p(absent)]]
        else:
            p = who.pegawai
            rows = [
                [_p(judul, _BOLD), _p("")],
                [_p("Nama"), _p(p.nama)],
                [_p("NI PPPK" if p.status == "PPPK" else "NIP"), _p(nip_grouped(p, on=on))],
                [_p("Pangkat/golongan"), _p(p.pangkat_golongan or "-")],
                [_p("Jabatan"), _p(_jabatan(p))],
                [_p("Unit kerja"), _p(_unit_kerja(who))],
            ]
        table = Table(rows, colWidths=[45 * mm, _WIDTH - 45 * mm], hAlign="LEFT")
        table.setStyle(_GRID)
        table.setStyle(TableStyle([("SPAN", (0, 0), (-1, 0))]))
        story += [KeepTogether([table, Spacer(1, 2 * mm)])]
    return story


def _unit_kerja(who: Pejabat) -> str:
    """A pengawas works for the Dinas of their school's region, as the evaluation document says; anyone else for
    their school (docs/domain.md §8)."""
    if who.sekolah is None:
        return "-"
    if who.pegawai.jenis_gtk == "Pengawas Sekolah":
        return f"Dinas Pendidikan {who.sekolah.nama_wilayah}"
    return who.sekolah.nama


_RHK_WIDTHS = [10 * mm, 38 * mm, 38 * mm, 19 * mm, 45 * mm, _WIDTH - 150 * mm]


def _hasil_kerja(document: DokumenSkp) -> list:
    """The RHK table: one header row repeated on every page it spans, a row never split across two."""
    skp = document.context.skp
    header = [
        _p(x, _BOLD)
        for x in ("No", "RHK atasan yang diintervensi", "Rencana hasil kerja", "Aspek", "Indikator kinerja individu")
    ]
    rows: list[list] = [[*header, _p("Target", _BOLD)]]
    spans: list[int] = []
    number = 0
    for judul, items, empty in (
        ("A. Pengembangan kompetensi", skp.pengembangan_kompetensi, "Belum ada rencana hasil kerja"),
        ("B. Tugas tambahan", skp.tugas_tambahan, "Tidak ada tugas tambahan"),
    ):
        spans.append(len(rows))
        rows.append([_p(judul, _BOLD), "", "", "", "", ""])
        if not items:
            spans.append(len(rows))
            rows.append([_p(empty), "", "", "", "", ""])
        for item in items:
            number += 1
            rows.append(_rhk_row(number, item))
    table = Table(rows, colWidths=_RHK_WIDTHS, repeatRows=1, hAlign="LEFT")
    table.setStyle(_GRID)
    table.setStyle(TableStyle([("SPAN", (0, r), (-1, r)) for r in spans]))
    praktik = skp.indikator.nama if skp.indikator else "belum dipilih"
    return [
        KeepTogether([Paragraph("HASIL KERJA", _H), _p(f"Praktik kinerja: {praktik}"), Spacer(1, 1.5 * mm)]),
        table,
    ]


def _rhk_row(number: int, item: RhkItem) -> list:
    return [
        _p(str(number)),
        _p(item.rhk_atasan or "-"),
        _p(item.nama),
        _p(item.aspek.capitalize()),
        _p(item.indikator_kinerja_individu),
        _p(f"{item.target_kuantitas} {item.satuan}"),
    ]


def _perilaku(document: DokumenSkp) -> list:
    """The seven BerAKHLAK values with their panduan and what the atasan specifically expects of each."""
    ekspektasi = document.context.skp.ekspektasi_khusus
    rows: list[list] = [[_p("No", _BOLD), _p("Perilaku kerja", _BOLD), _p("Ekspektasi khusus pimpinan", _BOLD)]]
    for number, value in enumerate(document.berakhlak, start=1):
        panduan = "".join(f"<br/>- {escape(line)}" for line in value.panduan)
        rows.append(
            [
                _p(str(number)),
                Paragraph(f"<b>{escape(value.nama)}</b>{panduan}", _BODY),
                _p(ekspektasi.get(value.kode) or "-"),
            ]
        )
    table = Table(rows, colWidths=[10 * mm, 100 * mm, _WIDTH - 110 * mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(_GRID)
    return [KeepTogether([Paragraph("PERILAKU KERJA", _H), table])]


def _tanda_tangan(document: DokumenSkp, *, on: date) -> list:
    """The place (the school's region) and the date, then the signature blocks of the pegawai and the penilai."""
    context = document.context

    def block(judul: str, who: Pegawai | None) -> list:
        if who is None:
            return [_p(judul, _CENTER), Spacer(1, 20 * mm), _p("(belum ada)", _CENTER)]
        nip = f"{'NI PPPK' if who.status == 'PPPK' else 'NIP'} {nip_grouped(who, on=on)}"
        return [_p(judul, _CENTER), Spacer(1, 20 * mm), _p(who.nama, _CENTER), _p(nip, _CENTER)]

    penilai = document.penilai.pegawai if document.penilai else None
    rows = [
        ["", _p(f"{context.sekolah.nama_wilayah}, {tanggal(on)}", _CENTER)],
        [block("Pejabat Penilai Kinerja", penilai), block("Pegawai yang Dinilai", context.pegawai)],
    ]
    table = Table(rows, colWidths=[_WIDTH / 2, _WIDTH / 2], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [KeepTogether([Spacer(1, 8 * mm), table])]
