"""Validation of the operator's roster imports: schools, pegawai and who appraises whom.

The CSV upload and the JSON API share `parse_rows`; `parse_csv` adds what only a file can get
wrong (encoding, header, cell count). Nothing here raises on bad input: every problem becomes a
`RowError` naming the line, the field and the rule, so that an operator can fix a whole file in one
pass. Error details never repeat a cell's value, because values are NIPs and names (UU 27/2022).
Whether a NIP or NPSN exists is checked later, against the database; what a valid row may change there (the
operator's region, who may appraise whom) is decided by the rules at the end of this module.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from planning.domain.catalog import INDICATOR_CODE
from planning.domain.records import Pegawai, Sekolah
from pmm_kernel.errors import InvalidValue
from pmm_kernel.nip import AsnStatus, Nip, parse_nip

JENJANG = ("Ahli Pertama", "Ahli Muda", "Ahli Madya", "Ahli Utama")
JENIS_GTK = (
    "Guru Mapel",
    "Guru Kelas",
    "Guru BK",
    "Guru Pengganti",
    "Guru TIK",
    "Guru Pendamping",
    "Guru Pendamping Khusus",
    "Guru Pembimbing Khusus",
    "Play Group Teacher",
    "Kindergarten Teacher",
    "Kepala Sekolah",
    "Pengawas Sekolah",
    # From the 2026 policy (docs/domain.md §3): they plan as teachers do, appraised by whoever their relasi names.
    "Penilik",
    "Pamong Belajar",
    "GPK Unit Layanan Disabilitas",
)
PERAN_ATASAN = ("kepala_sekolah", "plt_kepala_sekolah", "pengawas", "koordinator_pengawas")

# The roles of the token a pegawai signs in with, by jenis_gtk: a kepala sekolah and a pengawas sign in as teachers
# too, every other jenis_gtk as a teacher only. The operator's roster listing shows them, so that what a person may
# do after signing in can be checked against the roster.
_TOKEN_ROLES: Mapping[str, tuple[str, ...]] = {
    "Kepala Sekolah": ("guru", "kepala_sekolah"),
    "Pengawas Sekolah": ("guru", "pengawas"),
}


def token_roles(jenis_gtk: str, *, acting: bool = False) -> tuple[str, ...]:
    """The roles a pegawai of this jenis_gtk signs in with. A teacher acting as kepala sekolah (Plt.) signs in as
    one too while the appointment lasts: the sign-in reads Dapodik's tugas tambahan, where the Dinas records it."""
    roles = _TOKEN_ROLES.get(jenis_gtk, ("guru",))
    return roles + ("kepala_sekolah",) if acting and "kepala_sekolah" not in roles else roles


_PNS_GOLONGAN = frozenset(
    f"{ruang}/{huruf}"
    for ruang, letters in (("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde"))
    for huruf in letters
)
_PPPK_GOLONGAN = frozenset("I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI XVII".split())

# Which golongan fits which jenjang of the guru functional position. PNS from PermenPANRB 1/2023;
# PPPK is an assumption (one golongan per jenjang, none known for Ahli Utama): correct it here.
GOLONGAN_JENJANG: Mapping[tuple[AsnStatus, str], frozenset[str]] = {
    (AsnStatus.PNS, "Ahli Pertama"): frozenset({"III/a", "III/b"}),
    (AsnStatus.PNS, "Ahli Muda"): frozenset({"III/c", "III/d"}),
    (AsnStatus.PNS, "Ahli Madya"): frozenset({"IV/a", "IV/b", "IV/c"}),
    (AsnStatus.PNS, "Ahli Utama"): frozenset({"IV/d", "IV/e"}),
    (AsnStatus.PPPK, "Ahli Pertama"): frozenset({"IX"}),
    (AsnStatus.PPPK, "Ahli Muda"): frozenset({"XI"}),
    (AsnStatus.PPPK, "Ahli Madya"): frozenset({"XIII"}),
}

MAX_TEXT = 200
NUPTK_LENGTH = 16

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# Spreadsheets and printed forms group identifiers with spaces and dots.
_SEPARATORS = str.maketrans("", "", " .\u00a0")


@dataclass(frozen=True)
class RowError:
    line: int
    field: str  # the column; "" when the whole row is concerned
    rule: str
    detail: str


@dataclass(frozen=True)
class SekolahRow:
    line: int
    npsn: str
    nama: str
    kode_wilayah: str  # kabupaten/kota, 4 digits
    nama_wilayah: str
    prioritas_rapor: tuple[str, ...]  # Rapor Pendidikan indicator codes, the school's order

    @property
    def kode_provinsi(self) -> str:
        return self.kode_wilayah[:2]


@dataclass(frozen=True)
class PegawaiRow:
    line: int
    nip: str = field(repr=False)  # 18-digit NIP / NI PPPK; for a non-ASN, the 16-digit NUPTK
    status: AsnStatus
    nama: str = field(repr=False)
    pangkat_golongan: str | None  # golongan code: "III/b" (PNS), "IX" (PPPK); None for non-ASN
    jenjang_jabatan: str | None  # None for non-ASN
    jenis_gtk: str
    npsn: str
    identitas: Nip | None = field(repr=False)  # the parsed NIP; None for non-ASN
    email: str | None = field(default=None, repr=False)  # where reminders go; None keeps what the roster has
    tmt_jabatan: date | None = None  # took up the current jabatan/jenjang; None keeps what the roster has
    # Took up the placement at `npsn`: a transfer on this date splits the plan of a period it falls in (§4, mutasi).
    # None: for a new placement the day of the import, else what the roster has.
    tmt_penempatan: date | None = None


@dataclass(frozen=True)
class RelasiRow:
    line: int
    nip_pegawai: str = field(repr=False)  # may be a NUPTK: non-ASN teachers may run the cycle too
    nip_atasan: str = field(repr=False)
    peran_atasan: str
    mulai: date
    selesai: date | None


Row = SekolahRow | PegawaiRow | RelasiRow

COLUMNS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # kind -> (required, optional)
    "sekolah": (("npsn", "nama", "kode_wilayah", "nama_wilayah"), ("prioritas_rapor",)),
    "pegawai": (
        ("nip", "status", "nama", "pangkat_golongan", "jenjang_jabatan", "jenis_gtk", "npsn"),
        ("email", "tmt_jabatan", "tmt_penempatan"),
    ),
    "relasi": (("nip_pegawai", "nip_atasan", "peran_atasan", "mulai"), ("selesai",)),
}


def parse_rows(
    kind: str, rows: Iterable[tuple[int, Mapping[str, str]]], *, today: date
) -> tuple[list[Row], list[RowError]]:
    """Validate rows of one kind; a missing key counts as an empty value. Duplicates keep the first."""
    parse, key_of, key_field = _KINDS[_check_kind(kind)]
    parsed: list[Row] = []
    errors: list[RowError] = []
    first_line: dict[Hashable, int] = {}
    for line, values in rows:
        cells = _Cells(line, values)
        row = parse(cells, today) if cells.readable() else None
        errors.extend(cells.errors)
        if row is None or cells.errors:
            continue
        key = key_of(row)
        if key in first_line:
            errors.append(RowError(line, key_field, "csv.duplicate", f"the same {key_field} as line {first_line[key]}"))
            continue
        first_line[key] = line
        parsed.append(row)
    return parsed, errors


def parse_csv(kind: str, text: str | bytes, *, today: date) -> tuple[list[Row], list[RowError]]:
    """Validate a CSV upload: a header on line 1, then one row per line; ',' or ';' between cells."""
    required, optional = COLUMNS[_check_kind(kind)]
    decoded = _decode(text)
    if isinstance(decoded, RowError):
        return [], [decoded]

    delimiter = _sniff_delimiter(io.StringIO(decoded, newline="").readline())
    reader = csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter, strict=False)
    records = _records(reader)
    errors: list[RowError] = []
    try:
        _, header_cells = next(records, (1, []))
    except csv.Error as exc:
        return [], [RowError(1, "", "csv.syntax", f"the header cannot be read as CSV: {exc}")]
    header = [cell.strip().lower() for cell in header_cells]
    errors.extend(_header_errors(header, required, optional))
    if any(e.rule != "csv.unknown_column" for e in errors):
        return [], errors

    data: list[tuple[int, Mapping[str, str]]] = []
    known = set(required) | set(optional)
    try:
        for line, cells in records:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and spreadsheet rows of empty cells
            if len(cells) != len(header):
                errors.append(RowError(line, "", "csv.cells", f"expected {len(header)} cells, found {len(cells)}"))
                continue
            data.append((line, {col: cell for col, cell in zip(header, cells, strict=True) if col in known}))
    except csv.Error as exc:
        # The reader cannot resynchronise after this; report where it stopped.
        errors.append(RowError(reader.line_num, "", "csv.syntax", f"the file cannot be read further: {exc}"))

    rows, row_errors = parse_rows(kind, data, today=today)
    return rows, sorted(errors + row_errors, key=lambda e: e.line)


# --- one row of each kind -------------------------------------------------------------------------


class _Cells:
    """The values of one row, stripped, with the errors found in them."""

    def __init__(self, line: int, values: Mapping[str, Any]) -> None:
        self.line = line
        self.values = {k: "" if v is None else str(v).strip() for k, v in values.items()}
        self.errors: list[RowError] = []

    def readable(self) -> bool:
        # A NUL or a lone surrogate cannot be stored in PostgreSQL text: refuse it before any rule.
        for name, value in self.values.items():
            if "\x00" in value or not _encodes(value):
                self.error(name, "csv.encoding", "contains a NUL byte or text that is not valid UTF-8")
        return not self.errors

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, name: str, rule: str, detail: str) -> None:
        self.errors.append(RowError(self.line, name, rule, detail))

    def text(self, name: str, rule: str) -> str:
        value = self.get(name)
        if not 1 <= len(value) <= MAX_TEXT:
            self.error(name, rule, f"{name} needs 1-{MAX_TEXT} characters")
        return value

    def digits(self, name: str, rule: str, lengths: tuple[int, ...], what: str) -> str:
        value = self.get(name).translate(_SEPARATORS)
        if len(value) not in lengths or not _DIGITS.fullmatch(value):
            self.error(name, rule, f"{name} must be {what}")
        return value

    def choice(self, name: str, rule: str, options: Iterable[str]) -> str | None:
        """The option matching the value case-insensitively, in its canonical spelling."""
        wanted = " ".join(self.get(name).split()).casefold()
        for option in options:
            if option.casefold() == wanted:
                return option
        self.error(name, rule, f"{name} must be one of: {', '.join(options)}")
        return None

    def iso_date(self, name: str, rule: str) -> date | None:
        value = self.get(name)
        if _ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.error(name, rule, f"{name} must be a real date written YYYY-MM-DD")
        return None


def _sekolah(cells: _Cells, today: date) -> SekolahRow | None:
    npsn = cells.digits("npsn", "sekolah.npsn", (8,), "8 digits")
    nama = cells.text("nama", "sekolah.nama")
    kode_wilayah = cells.digits("kode_wilayah", "sekolah.kode_wilayah", (4,), "a 4-digit kabupaten/kota code")
    nama_wilayah = cells.text("nama_wilayah", "sekolah.nama_wilayah")
    prioritas: list[str] = []
    for part in cells.get("prioritas_rapor").split(";"):
        kode = part.strip().upper()
        if not kode:
            continue  # a trailing ';' is common in hand-made lists
        if not INDICATOR_CODE.fullmatch(kode):
            cells.error(
                "prioritas_rapor",
                "sekolah.prioritas_rapor",
                "prioritas_rapor holds indicator codes like D.1 or D.1.3, separated by ';'",
            )
            break
        if kode not in prioritas:
            prioritas.append(kode)
    if cells.errors:
        return None
    return SekolahRow(cells.line, npsn, nama, kode_wilayah, nama_wilayah, tuple(prioritas))


def _pegawai(cells: _Cells, today: date) -> PegawaiRow | None:
    status = _status(cells)
    nama = cells.text("nama", "pegawai.nama")
    jenis_gtk = cells.choice("jenis_gtk", "pegawai.jenis_gtk", JENIS_GTK)
    npsn = cells.digits("npsn", "sekolah.npsn", (8,), "8 digits")
    identitas: Nip | None = None
    nip = ""
    golongan: str | None = None
    jenjang: str | None = None
    if status is AsnStatus.NON_ASN:
        nip = cells.digits("nip", "pegawai.nuptk", (NUPTK_LENGTH,), "the 16-digit NUPTK of a non-ASN pegawai")
        for name in ("pangkat_golongan", "jenjang_jabatan"):
            if cells.get(name):
                cells.error(name, f"pegawai.{name}", f"{name} stays empty for a non-ASN pegawai")
    elif status is not None:
        try:
            identitas = parse_nip(cells.get("nip"), status, today=today, field="nip")
            nip = identitas.digits
        except InvalidValue as exc:
            cells.error("nip", exc.rule, exc.detail)
        jenjang = cells.choice("jenjang_jabatan", "pegawai.jenjang_jabatan", JENJANG)
        golongan = _golongan(cells, status)
        fits = GOLONGAN_JENJANG.get((status, jenjang or ""), frozenset())
        if jenjang is not None and golongan is not None and golongan not in fits:
            allowed = f"golongan {', '.join(sorted(fits))}" if fits else "no golongan defined"
            cells.error("pangkat_golongan", "pegawai.golongan_jenjang", f"a {status.value} {jenjang} has {allowed}")
    email = _email(cells)
    tmt_jabatan = _tmt_jabatan(cells, status, identitas, today)
    tmt_penempatan = _tmt_penempatan(cells, status, identitas, today)
    if cells.errors or status is None or jenis_gtk is None:
        return None
    return PegawaiRow(
        cells.line, nip, status, nama, golongan, jenjang, jenis_gtk, npsn, identitas, email, tmt_jabatan, tmt_penempatan
    )


def _tmt_jabatan(cells: _Cells, status: AsnStatus | None, identitas: Nip | None, today: date) -> date | None:
    """The optional TMT jabatan, which prorates angka kredit (docs/domain.md §6); an empty cell (or no column)
    keeps the date the roster already has."""
    if not cells.get("tmt_jabatan").strip():
        return None
    if status is AsnStatus.NON_ASN:
        cells.error("tmt_jabatan", "pegawai.tmt_jabatan", "tmt_jabatan stays empty for a non-ASN pegawai")
        return None
    tmt = cells.iso_date("tmt_jabatan", "pegawai.tmt_jabatan")
    if tmt is None:
        return None
    if tmt > today:
        cells.error("tmt_jabatan", "pegawai.tmt_future", "tmt_jabatan is in the future")
        return None
    if status is AsnStatus.PNS and identitas is not None and tmt < identitas.appointed:
        # A PNS holds a jabatan only from their appointment as CPNS, which the NIP encodes.
        cells.error(
            "tmt_jabatan",
            "pegawai.tmt_before_cpns",
            f"tmt_jabatan is before the TMT CPNS the nip encodes ({identitas.appointed:%Y-%m})",
        )
        return None
    return tmt


def _tmt_penempatan(cells: _Cells, status: AsnStatus | None, identitas: Nip | None, today: date) -> date | None:
    """The optional date the pegawai took up their placement at the row's school (docs/domain.md §1, §4): a
    transfer dated inside a period ends the plan at the old school the day before. An empty cell (or no column)
    keeps the date on file; a new placement without one starts on the day of the import."""
    if not cells.get("tmt_penempatan").strip():
        return None
    tmt = cells.iso_date("tmt_penempatan", "pegawai.tmt_penempatan")
    if tmt is None:
        return None
    if tmt > today:
        # A placement is recorded once it has begun: a future date would end a plan before the transfer happened.
        cells.error(
            "tmt_penempatan",
            "pegawai.tmt_penempatan_future",
            f"tmt_penempatan is after the day of the import ({today.isoformat()})",
        )
        return None
    if status is not None and status is not AsnStatus.NON_ASN and identitas is not None and tmt < identitas.appointed:
        # An ASN is placed at a school only from their appointment, which the NIP (TMT CPNS, year and month) or the
        # NI PPPK (the first appointment's year) encodes.
        what = (
            f"the TMT CPNS the nip encodes ({identitas.appointed:%Y-%m})"
            if status is AsnStatus.PNS
            else f"the first appointment year the nip encodes ({identitas.appointed:%Y})"
        )
        cells.error("tmt_penempatan", "pegawai.tmt_penempatan_before_appointment", f"tmt_penempatan is before {what}")
        return None
    return tmt


# One address, no display name, no spaces: what an SMTP relay accepts as a recipient (every ASN teacher has a
# belajar.id address). Stored lower-case, since the domain part is case-insensitive and duplicates would differ.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def _email(cells: _Cells) -> str | None:
    """The optional e-mail address; an empty cell (or no column) keeps the address the roster already has."""
    value = cells.get("email").strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.match(value):
        cells.error("email", "pegawai.email", "email must be one address such as nama@guru.belajar.id")
        return None
    return value.lower()


def _status(cells: _Cells) -> AsnStatus | None:
    value = re.sub(r"[\s-]+", "_", cells.get("status").upper())
    try:
        return AsnStatus(value)
    except ValueError:
        cells.error("status", "pegawai.status", "status must be PNS, PPPK or NON_ASN")
        return None


def _golongan(cells: _Cells, status: AsnStatus) -> str | None:
    ruang, _, huruf = "".join(cells.get("pangkat_golongan").split()).partition("/")
    code = f"{ruang.upper()}/{huruf.lower()}" if huruf else ruang.upper()
    valid, example = (_PPPK_GOLONGAN, "IX") if status is AsnStatus.PPPK else (_PNS_GOLONGAN, "III/b")
    if code not in valid:
        cells.error(
            "pangkat_golongan",
            "pegawai.pangkat_golongan",
            f"pangkat_golongan must be a {status.value} golongan code such as {example}",
        )
        return None
    return code


def _relasi(cells: _Cells, today: date) -> RelasiRow | None:
    nip_pegawai = cells.digits("nip_pegawai", "relasi.nip", (18, NUPTK_LENGTH), "an 18-digit NIP or 16-digit NUPTK")
    nip_atasan = cells.digits("nip_atasan", "relasi.nip", (18,), "an 18-digit NIP or NI PPPK")
    peran = cells.choice("peran_atasan", "relasi.peran_atasan", PERAN_ATASAN)
    mulai = cells.iso_date("mulai", "relasi.date")
    selesai = cells.iso_date("selesai", "relasi.date") if cells.get("selesai") else None
    if mulai and selesai and selesai < mulai:
        cells.error("selesai", "relasi.dates", "selesai must not be before mulai")
    if not cells.errors and nip_pegawai == nip_atasan:
        cells.error("nip_atasan", "relasi.self", "a pegawai cannot be their own atasan")
    if cells.errors or peran is None or mulai is None:
        return None
    return RelasiRow(cells.line, nip_pegawai, nip_atasan, peran, mulai, selesai)


_KINDS: Mapping[str, tuple[Callable[[_Cells, date], Row | None], Callable[[Any], Hashable], str]] = {
    "sekolah": (_sekolah, lambda r: r.npsn, "npsn"),
    "pegawai": (_pegawai, lambda r: r.nip, "nip"),
    "relasi": (_relasi, lambda r: (r.nip_pegawai, r.nip_atasan, r.peran_atasan, r.mulai), "nip_pegawai"),
}


# --- the file -------------------------------------------------------------------------------------


def _check_kind(kind: str) -> str:
    if kind not in COLUMNS:
        raise InvalidValue(f"kind must be one of {', '.join(COLUMNS)}", rule="roster.kind", field="kind")
    return kind


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _decode(text: str | bytes) -> str | RowError:
    """The text without its BOM, or the first place where it is not storable UTF-8."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = text[: exc.start].count(b"\n") + 1
            return RowError(line, "", "csv.encoding", "the file is not UTF-8 text")
    text = text.removeprefix("\ufeff")
    bad = text.find("\x00")
    if bad < 0:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            bad = exc.start
    if bad >= 0:
        return RowError(text.count("\n", 0, bad) + 1, "", "csv.encoding", "a NUL byte or invalid text")
    return text


def _sniff_delimiter(header_line: str) -> str:
    # Spreadsheets in an Indonesian locale save with ';' because ',' is their decimal separator.
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _records(reader: Any) -> Iterable[tuple[int, list[str]]]:
    """Each record with the physical line it starts on (a quoted cell may span lines)."""
    previous = 0
    for cells in reader:
        yield previous + 1, cells
        previous = reader.line_num


def _header_errors(header: list[str], required: tuple[str, ...], optional: tuple[str, ...]) -> list[RowError]:
    errors = []
    seen: set[str] = set()
    for col in header:
        if col in seen:
            errors.append(RowError(1, col, "csv.duplicate_column", f"column {col} appears twice"))
        elif col not in required and col not in optional:
            expected = ", ".join(required + optional)
            errors.append(RowError(1, col[:40], "csv.unknown_column", f"unknown column; expected {expected}"))
        seen.add(col)
    for col in required:
        if col not in seen:
            errors.append(RowError(1, col, "csv.missing_column", f"column {col} is required"))
    return errors


# --- applying valid rows to the roster ------------------------------------------------------------------------


def outside_region(scope: str, kode_wilayah: str) -> bool:
    """Whether a school lies outside an operator's region (a kode wilayah prefix; "" is the whole country)."""
    return not kode_wilayah.startswith(scope)


def sekolah_values(row: SekolahRow) -> dict[str, Any]:
    """What a school row sets, by field of the roster's school."""
    return {
        "nama": row.nama,
        "kode_wilayah": row.kode_wilayah,
        "nama_wilayah": row.nama_wilayah,
        "prioritas_rapor": tuple(row.prioritas_rapor),
    }


# A pegawai's fields an import sets, in the order a PegawaiUpdated event lists what changed.
PEGAWAI_FIELDS = (
    "status",
    "nama",
    "pangkat_golongan",
    "jenjang_jabatan",
    "jenis_gtk",
    "npsn",
    "email",
    "tmt_jabatan",
    "tmt_penempatan",
)


def pegawai_values(row: PegawaiRow) -> dict[str, Any]:
    values = {
        "status": row.status.value,
        "nama": row.nama,
        "pangkat_golongan": row.pangkat_golongan,
        "jenjang_jabatan": row.jenjang_jabatan,
        "jenis_gtk": row.jenis_gtk,
        "npsn": row.npsn,
    }
    # An empty optional cell keeps what the roster has: a partial export never erases an address or a date.
    if row.email is not None:
        values["email"] = row.email
    if row.tmt_jabatan is not None:
        values["tmt_jabatan"] = row.tmt_jabatan
    if row.tmt_penempatan is not None:
        values["tmt_penempatan"] = row.tmt_penempatan
    return values


def changed_fields(current: Sekolah | Pegawai, values: Mapping[str, Any]) -> list[str]:
    """The fields whose value a row changes, in the row's order: none means importing it again changes nothing."""
    return [name for name, value in values.items() if getattr(current, name) != value]


@dataclass(frozen=True)
class RelasiRule:
    pegawai_jenis_gtk: frozenset[str] | None  # whom the relation appraises (None: anyone)
    same_school: frozenset[str] | None  # what an atasan of the pegawai's own school must be (None: anyone)
    other_school: frozenset[str]  # what an atasan from elsewhere must be (empty: nobody from elsewhere)


_KS = "Kepala Sekolah"
_PENGAWAS = "Pengawas Sekolah"

# Which atasan may hold which relation (docs/domain.md §1). The KS appraises the teachers of their own school; a
# Plt. KS too, and the Plt. may be a teacher of the school, the kepala sekolah of another school or a pengawas
# (Permendikbudristek 40/2021 on the penugasan of a Plt.; set in Dapodik as a tugas tambahan by the Dinas). The
# pengawas appraises the KS of the schools assigned to them; the koordinator pengawas appraises a pengawas in the
# years the policy gives pengawas a cycle of their own (docs/domain.md §1, "Pengawas").
RELASI_RULES: Mapping[str, RelasiRule] = {
    "kepala_sekolah": RelasiRule(None, frozenset({_KS}), frozenset()),
    "plt_kepala_sekolah": RelasiRule(None, None, frozenset({_KS, _PENGAWAS})),
    "pengawas": RelasiRule(frozenset({_KS}), frozenset({_PENGAWAS}), frozenset({_PENGAWAS})),
    "koordinator_pengawas": RelasiRule(frozenset({_PENGAWAS}), frozenset({_PENGAWAS}), frozenset({_PENGAWAS})),
}


def relasi_error(row: RelasiRow, *, pegawai: Pegawai, atasan: Pegawai) -> RowError | None:
    """Why this atasan may not hold this relation to this pegawai; None if they may."""
    rule = RELASI_RULES[row.peran_atasan]
    if rule.pegawai_jenis_gtk is not None and pegawai.jenis_gtk not in rule.pegawai_jenis_gtk:
        return RowError(
            row.line,
            "nip_pegawai",
            "relasi.pegawai_jenis",
            f"a {row.peran_atasan} appraises only a {' or '.join(sorted(rule.pegawai_jenis_gtk))}",
        )
    if atasan.npsn != pegawai.npsn:
        if atasan.jenis_gtk in rule.other_school:
            return None
        elsewhere = f"; a {row.peran_atasan} from elsewhere must be {' or '.join(sorted(rule.other_school))}"
        detail = "the atasan works at another school" + (elsewhere if rule.other_school else "")
        return RowError(row.line, "nip_atasan", "relasi.other_school", detail)
    if rule.same_school is not None and atasan.jenis_gtk not in rule.same_school:
        return RowError(
            row.line,
            "nip_atasan",
            "relasi.atasan_jenis",
            f"a {row.peran_atasan} relation needs an atasan who is {' or '.join(sorted(rule.same_school))}",
        )
    return None


@dataclass(frozen=True)
class Tenure:
    """One acting appointment as the roster holds it or a row asks for it: whom it appraises, by whom, when."""

    pegawai_id: uuid.UUID
    atasan_id: uuid.UUID
    mulai: date
    selesai: date | None
    line: int | None = None  # the row of this import; None for what the roster already holds


def acting_overlap(row: RelasiRow, new: Tenure, held: Iterable[Tenure]) -> RowError | None:
    """A pegawai has one Plt. kepala sekolah at a time: an acting appointment that overlaps another one by a
    different atasan is a line error naming both dates (the same atasan's appointment again is an update)."""
    if row.peran_atasan != "plt_kepala_sekolah":
        return None
    for other in held:
        if other.pegawai_id != new.pegawai_id or other.atasan_id == new.atasan_id:
            continue
        if new.mulai <= (other.selesai or date.max) and other.mulai <= (new.selesai or date.max):
            where = f"line {other.line}" if other.line is not None else "an acting appointment in the roster"
            return RowError(
                row.line,
                "mulai",
                "relasi.plt_overlap",
                f"mulai..selesai overlaps {where} from {other.mulai.isoformat()}"
                f" to {other.selesai.isoformat() if other.selesai else 'no end'}: one Plt. kepala sekolah at a time",
            )
    return None
