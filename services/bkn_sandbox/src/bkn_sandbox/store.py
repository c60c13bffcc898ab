"""The sandbox's storage: one SQLite file (profiles, open periods, records, the change feed).

Every operation is a few microseconds of SQLite under one lock, so the async routes call it directly.
A record is keyed by (kind, NIP, period key): a second save with the same key updates the one record and counts
the write, which is how BKN's idempotency is observed by the tests.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS profil (nip TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS periode (tahun INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS record (
    kind TEXT NOT NULL, nip TEXT NOT NULL, periode_key TEXT NOT NULL,
    bkn_id TEXT NOT NULL, body TEXT NOT NULL, source TEXT NOT NULL,
    writes INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, nip, periode_key)
);
CREATE TABLE IF NOT EXISTS feed (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, jenis TEXT NOT NULL, nip TEXT NOT NULL, data TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class Record:
    kind: str
    nip: str
    periode_key: str
    bkn_id: str
    body: dict[str, Any]
    source: str  # "pmm": pushed through the API; "bkn": edited by the pegawai on the e-Kinerja side
    writes: int
    created_at: str
    updated_at: str

    def public(self) -> dict[str, Any]:
        return {
            "id": self.bkn_id,
            "jenis": self.kind,
            "periodeKey": self.periode_key,
            "sumber": self.source,
            "jumlahSimpan": self.writes,
            "dibuat": self.created_at,
            "diubah": self.updated_at,
            **self.body,
        }


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A stand-in for BKN on a developer machine: durable across a process restart, not across a power cut.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def _rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- pegawai profiles (SIASN) --

    def profile(self, nip: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT data FROM profil WHERE nip = ?", nip)
        return json.loads(rows[0][0]) if rows else None

    def put_profile(self, profile: dict[str, Any]) -> None:
        self._rows(
            "INSERT INTO profil (nip, data) VALUES (?, ?) ON CONFLICT (nip) DO UPDATE SET data = excluded.data",
            profile["nipBaru"],
            json.dumps(profile),
        )

    def change_profile(self, nip: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """A change made in SIASN: the profile is updated and the change goes to the feed."""
        profile = self.profile(nip)
        if profile is None:
            return None
        changed = {k: v for k, v in changes.items() if profile.get(k) != v}
        if not changed:
            return profile
        at = now_iso()
        earlier = profile
        profile = {**profile, **changed, "updatedAt": at}
        if "unorId" in changed:
            # A transfer: SIASN keeps where the pegawai was placed before, with the atasan of that placement.
            before = {"unorId": earlier.get("unorId"), "atasanNip": earlier.get("atasanNip")}
            profile["riwayatPenempatan"] = [*earlier.get("riwayatPenempatan", []), before]
        self.put_profile(profile)
        self.append_feed("profil", nip, {"berubah": changed}, at=at)
        return profile

    # -- periods --

    def open_years(self) -> set[int]:
        return {row[0] for row in self._rows("SELECT tahun FROM periode")}

    def set_open_years(self, years: list[int]) -> None:
        with self._lock:
            self._db.execute("DELETE FROM periode")
            self._db.executemany("INSERT INTO periode (tahun) VALUES (?)", [(y,) for y in years])

    # -- records --

    def record(self, kind: str, nip: str, periode_key: str) -> Record | None:
        rows = self._rows(
            "SELECT kind, nip, periode_key, bkn_id, body, source, writes, created_at, updated_at FROM record "
            "WHERE kind = ? AND nip = ? AND periode_key = ?",
            kind,
            nip,
            periode_key,
        )
        return _record(rows[0]) if rows else None

    def records(self, *, nip: str | None = None, kind: str | None = None) -> list[Record]:
        rows = self._rows(
            "SELECT kind, nip, periode_key, bkn_id, body, source, writes, created_at, updated_at FROM record "
            "WHERE (? IS NULL OR nip = ?) AND (? IS NULL OR kind = ?) ORDER BY kind, nip, periode_key",
            nip,
            nip,
            kind,
            kind,
        )
        return [_record(r) for r in rows]

    def save(self, kind: str, nip: str, periode_key: str, body: dict[str, Any], *, source: str) -> tuple[Record, bool]:
        """Insert or update the one record of (kind, NIP, period); True when it was created."""
        at = now_iso()
        with self._lock:
            existing = self._db.execute(
                "SELECT bkn_id FROM record WHERE kind = ? AND nip = ? AND periode_key = ?", (kind, nip, periode_key)
            ).fetchone()
            if existing is None:
                self._db.execute(
                    "INSERT INTO record VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (kind, nip, periode_key, str(uuid.uuid4()), json.dumps(body), source, at, at),
                )
            else:
                self._db.execute(
                    "UPDATE record SET body = ?, source = ?, writes = writes + 1, updated_at = ? "
                    "WHERE kind = ? AND nip = ? AND periode_key = ?",
                    (json.dumps(body), source, at, kind, nip, periode_key),
                )
        record = self.record(kind, nip, periode_key)
        assert record is not None
        return record, existing is None

    def delete_record(self, kind: str, nip: str, periode_key: str) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM record WHERE kind = ? AND nip = ? AND periode_key = ?", (kind, nip, periode_key)
            )
            return cursor.rowcount > 0

    # -- the change feed --

    def append_feed(self, jenis: str, nip: str, data: dict[str, Any], *, at: str | None = None) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO feed (jenis, nip, data, at) VALUES (?, ?, ?, ?)",
                (jenis, nip, json.dumps(data), at or now_iso()),
            )
            return int(cursor.lastrowid or 0)

    def feed(self, since: int, limit: int) -> list[dict[str, Any]]:
        rows = self._rows("SELECT seq, jenis, nip, data, at FROM feed WHERE seq > ? ORDER BY seq LIMIT ?", since, limit)
        return [
            {"seq": seq, "jenis": jenis, "nipBaru": nip, "waktu": at, **json.loads(data)}
            for seq, jenis, nip, data, at in rows
        ]

    def reset(self) -> None:
        with self._lock:
            for table in ("profil", "record", "feed"):
                self._db.execute(f"DELETE FROM {table}")  # fixed table names, no input  # nosec B608


def _record(row: tuple[Any, ...]) -> Record:
    kind, nip, periode_key, bkn_id, body, source, writes, created_at, updated_at = row
    return Record(kind, nip, periode_key, bkn_id, json.loads(body), source, writes, created_at, updated_at)
