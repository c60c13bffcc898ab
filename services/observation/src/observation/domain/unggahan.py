"""An upload in progress (tus 1.0): where it stands, what it may take next, and when its content is judged.

Its bytes are parts in the object store; the upload keeps its offset, the first bytes (to sniff the media type)
and the offsets of its committed parts, so it survives a restart and a dropped link. The last byte turns it into a
`Bukti` (docs/domain.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from observation.domain.bukti import (
    SNIFF_BYTES,
    Kategori,
    check_filename,
    check_length,
    check_offset,
    check_tanggal_dokumen,
    check_within_length,
    require_allowed_content,
)
from pmm_kernel.errors import StateConflict


@dataclass
class Unggahan:
    id: UUID
    pelaksanaan_id: UUID
    pegawai_id: UUID
    kategori: str
    nama_file: str
    tanggal_dokumen: date | None
    length: int
    offset: int = 0
    head: bytes = b""  # the first bytes, sniffed for the media type
    # Only the committed parts are read at the end, so a part written by a request that failed before its commit
    # can never slip into the file.
    parts: tuple[int, ...] = ()
    media_type: str | None = None

    @classmethod
    def start(
        cls,
        *,
        id: UUID,
        pelaksanaan_id: UUID,
        pegawai_id: UUID,
        kind: Kategori,
        filename: str | None,
        tanggal: date | None,
        length: int,
        max_bytes: int,
        mulai: date,
        today: date,
    ) -> Unggahan:
        name = check_filename(filename)
        check_length(length, max_bytes=max_bytes)
        tanggal = check_tanggal_dokumen(kind, tanggal, mulai=mulai, today=today)
        return cls(
            id=id,
            pelaksanaan_id=pelaksanaan_id,
            pegawai_id=pegawai_id,
            kategori=kind.kode,
            nama_file=name,
            tanggal_dokumen=tanggal,
            length=length,
        )

    def check_chunk(self, offset: int, size: int) -> None:
        """tus: a chunk continues exactly where the stored bytes end and stays within the declared length."""
        check_offset(offset, self.offset)
        check_within_length(offset, size, self.length)

    def receive(self, offset: int, data: bytes) -> None:
        """Take the next chunk. The media type is judged as soon as enough bytes are in, at the latest with the
        last byte; content that is no accepted evidence is refused before anything moves."""
        self.check_chunk(offset, len(data))
        head = self.head if len(self.head) >= SNIFF_BYTES else (self.head + data)[:SNIFF_BYTES]
        end = offset + len(data)
        media_type = self.media_type
        if media_type is None and (len(head) >= SNIFF_BYTES or end == self.length):
            media_type = require_allowed_content(head)
        self.head, self.media_type, self.offset, self.parts = head, media_type, end, (*self.parts, offset)

    @property
    def complete(self) -> bool:
        return self.offset == self.length

    def check_assembled(self, size: int) -> None:
        """The parts read back must make the declared file; a lost part means uploading again."""
        if size != self.length:
            raise StateConflict(
                "the stored parts do not add up to the file; upload it again",
                rule="tus.parts_lost",
                field="Upload-Offset",
            )
