"""Realistic event streams for each service's inbox, built from the contract models, in causal order.

A consumer benchmark pre-loads a service's inbox queue with N of these, exactly as the producers' relays would
send them (persistent, the event id as message id). Observation, appraisal and bkn_sync get what a deadline
brings them: periods, schools, pegawai, who appraises whom, and then approved (and for appraisal submitted) plans;
planning gets SIASN's profile changes for pegawai of its roster.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from planning.domain.periode import periode_snapshot
from planning.domain.policy import load_policies, periods_for_year, policy_for_year
from pmm_contracts import EventData, encode
from pmm_contracts.events import bkn_sync as bkn
from pmm_contracts.events import planning as contract
from pmm_testkit.plans import INDIKATOR, PERILAKU, RHK
from tools.demo_roster import Region

PERIODE = "2024-S1"


@dataclass(frozen=True)
class Outbound:
    event_id: str
    body: bytes


def _wrap(data: EventData, aggregate_id: str, version: int = 1) -> Outbound:
    event_id = uuid.uuid4()
    body = encode(
        data, event_id=event_id, occurred_at=datetime.now(UTC), aggregate_id=aggregate_id, aggregate_version=version
    )
    return Outbound(str(event_id), body)


def _periods() -> Iterator[Outbound]:
    policies = load_policies()
    annual = policy_for_year(2024, policies).annual_evaluation_window(2024)
    for periode in periods_for_year(2024, policies):
        data = contract.PeriodeOpenedV1.model_validate(periode_snapshot(periode, annual))
        yield _wrap(data, f"periode:{periode.kode}")


def _pegawai(person_id: uuid.UUID, nip: str, jenis_gtk: str, npsn: str) -> Outbound:
    data = contract.PegawaiRegisteredV1(
        pegawai_id=person_id,
        nip=nip,
        status="PNS",
        nama="Pegawai Bench",
        pangkat_golongan="III/b",
        jenjang_jabatan="Ahli Pertama",
        jenis_gtk=jenis_gtk,
        npsn=npsn,
        kode_wilayah="3273",
    )
    return _wrap(data, f"pegawai:{person_id}")


def _relasi(pegawai_id: uuid.UUID, atasan_id: uuid.UUID, peran: str) -> Outbound:
    relasi_id = uuid.uuid4()
    data = contract.AtasanAssignedV1(
        relasi_id=relasi_id,
        pegawai_id=pegawai_id,
        atasan_id=atasan_id,
        peran_atasan=peran,
        mulai=date(2023, 7, 1),
        selesai=None,
    )
    return _wrap(data, f"relasi:{relasi_id}")


def deadline_stream(region: Region, *, submitted: bool) -> Iterator[Outbound]:
    """What a roster import and a deadline's approvals send to a consuming service (endless: cut it at N), school
    by school as they come: planning publishes an import's rows in file order (a school's pegawai, then who
    appraises whom), and a kepala sekolah approves the school's plans in one sitting."""
    yield from _periods()
    pengawas_id = uuid.uuid4()
    yield _pegawai(pengawas_id, region.pengawas.nip, "Pengawas Sekolah", region.schools[0].npsn)
    at = datetime(2024, 1, 20, 9, 0, tzinfo=UTC)
    for school in region.schools:
        assert school.kepala is not None
        yield _wrap(
            contract.SekolahRegisteredV1(
                npsn=school.npsn, nama=school.nama, kode_wilayah="3273", nama_wilayah="Kota Bandung"
            ),
            f"sekolah:{school.npsn}",
        )
        kepala_id = uuid.uuid4()
        guru_ids = [uuid.uuid4() for _ in school.guru]
        yield _pegawai(kepala_id, school.kepala.nip, "Kepala Sekolah", school.npsn)
        for guru_id, guru in zip(guru_ids, school.guru, strict=True):
            yield _pegawai(guru_id, guru.nip, guru.jenis_gtk, school.npsn)
        yield _relasi(kepala_id, pengawas_id, "pengawas")
        for guru_id in guru_ids:
            yield _relasi(guru_id, kepala_id, "kepala_sekolah")
        plans = [
            (uuid.uuid4(), {"pegawai_id": guru_id, "periode": PERIODE, "atasan_id": kepala_id}) for guru_id in guru_ids
        ]
        if submitted:
            for skp_id, ref in plans:
                yield _wrap(contract.SkpSubmittedV1(skp_id=skp_id, **ref, submitted_at=at), f"skp:{skp_id}", 8)
        for skp_id, ref in plans:
            approved = contract.SkpApprovedV1(
                skp_id=skp_id, **ref, approved_at=at, indikator=INDIKATOR, rhk=RHK, perilaku=PERILAKU
            )
            yield _wrap(approved, f"skp:{skp_id}", 9)


def bkn_profile_changes(region: Region) -> Iterator[Outbound]:
    """SIASN's profile changes for the roster's pegawai, each one a real change (the golongan flips)."""
    round_number = 0
    while True:
        golongan = ("III/c", "III/d")[round_number % 2]
        for person in region.people():
            data = bkn.BknPegawaiChangedV1(
                nip=person.nip,
                changes=bkn.ProfilChanges(pangkat_golongan=golongan),
                siasn_updated_at=datetime.now(UTC),
            )
            yield _wrap(data, f"bkn_pegawai:{person.nip}")
        round_number += 1


def take(stream: Iterator[Outbound], count: int) -> list[Outbound]:
    return [event for _, event in zip(range(count), stream, strict=False)]
