"""Database chassis: tables every service has (outbox, inbox, idempotency), the engine and the unit of work."""
