"""The service chassis: what every PMM Kinerja service uses the same way.

settings (from the environment), db (engine, unit of work with outbox, inbox, idempotency), messaging
(topology, the reliable consumer, parking, the outbox relay), http (problem+json), auth (JWT), telemetry,
logging, metrics, and `service`, which assembles them into one process.
"""
