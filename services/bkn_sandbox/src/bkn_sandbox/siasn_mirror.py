"""Development only: the sandbox's SIASN learns every ASN pegawai that planning registers in this stack.

A real SIASN knows every civil servant before any school uses this system; the sandbox knows only whom it was
seeded with (`/admin/seed`). So that a school a newcomer imports into a local stack syncs with BKN like the demo's,
the sandbox, when it is given the stack's broker (`BKN_SANDBOX_AMQP_URL`), follows planning's pegawai events on a
queue of its own and adds each PNS or PPPK it does not know yet, as SIASN would hold them. A profile it already has
is never changed: SIASN stays the source of truth, and a seeded mismatch (the demo's) stays a mismatch.

The services never depend on this: bkn_sync talks to the sandbox only through BKN's API, and a cluster runs no
sandbox. The queue is the sandbox's, outside the services' subscriptions; its messages are acknowledged once the
profile is stored, so a sandbox restarted later catches up.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import aio_pika

from bkn_sandbox.seed import jabatan_nama
from bkn_sandbox.store import Store
from pmm_contracts import ContractViolation, decode
from pmm_contracts.events.planning import PegawaiRegisteredV1, PegawaiUpdatedV1

logger = logging.getLogger(__name__)

QUEUE = "bkn_sandbox.siasn"
EXCHANGE = "pmm.events"  # planning's relay publishes here (pmm_chassis.messaging.topology)
ROUTING_KEYS = ("planning.pegawai.registered.v1", "planning.pegawai.updated.v1")
ASN = frozenset({"PNS", "PPPK"})


def profile_of(pegawai: PegawaiRegisteredV1 | PegawaiUpdatedV1) -> dict[str, Any] | None:
    """The SIASN profile of a pegawai as planning registered them; None for a non-ASN (BKN holds none)."""
    if pegawai.status not in ASN:
        return None
    return {
        "nipBaru": pegawai.nip,
        "nama": pegawai.nama,
        "statusPegawai": pegawai.status,
        "golRuangAkhir": pegawai.pangkat_golongan,
        "jabatanNama": jabatan_nama(pegawai.jenis_gtk, pegawai.jenjang_jabatan),
        "unorId": pegawai.npsn,
        "unorNama": None,
        "atasanNip": None,
        "updatedAt": datetime.now(UTC).isoformat(),
    }


def learn(store: Store, body: bytes) -> bool:
    """Add the message's pegawai to SIASN unless it holds them already; True if a profile was added."""
    try:
        data = decode(body).data
    except ContractViolation as violation:
        logger.warning("not a planning event the mirror reads: %s", violation.reason)
        return False
    if not isinstance(data, PegawaiRegisteredV1 | PegawaiUpdatedV1):
        return False
    profile = profile_of(data)
    if profile is None or store.profile(profile["nipBaru"]) is not None:
        return False
    store.put_profile(profile)
    return True


class SiasnMirror:
    def __init__(self, amqp_url: str, store: Store) -> None:
        self._amqp_url = amqp_url
        self._store = store
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self._amqp_url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=50)
        # Declared as the services declare it (passive would fail on a broker no service has started on yet).
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True, arguments={"alternate-exchange": "pmm.unrouted"}
        )
        queue = await channel.declare_queue(QUEUE, durable=True)
        for key in ROUTING_KEYS:
            await queue.bind(exchange, key)
        await queue.consume(self._on_message)

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process(requeue=True):
            learn(self._store, message.body)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()
