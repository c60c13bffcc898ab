"""bkn_sync's handlers and the subscription table agree: what its inbox is bound to is exactly what it handles."""

from bkn_sync.handlers import handlers
from pmm_chassis.messaging.consumer import Consumer
from pmm_contracts import routing_key
from pmm_contracts.subscriptions import binding_keys

HANDLERS = handlers(deps=None)  # type: ignore[arg-type]  # no handler needs more than its unit of work


def test_handlers_match_the_subscriptions():
    consumer = Consumer(service="bkn_sync", uow_factory=lambda: None, handlers=HANDLERS, max_unexpected_attempts=1)
    consumer.check_subscriptions()  # raises on any difference
    assert "appraisal.penilaian.finalized.v1" in binding_keys("bkn_sync")


def test_the_roster_events_heal_failed_pushes():
    """pegawai, atasan and periode events are bkn_sync's own wrappers (projection + healing), not the bare ones."""
    from pmm_roster.projections import ROSTER_HANDLERS

    healing = {routing_key(m) for m, h in HANDLERS.items() if ROSTER_HANDLERS.get(m) not in (None, h)}
    assert healing == {
        "planning.pegawai.registered.v1",
        "planning.pegawai.updated.v1",
        "planning.atasan.assigned.v1",
        "planning.atasan.updated.v1",
        "planning.periode.opened.v1",
    }
