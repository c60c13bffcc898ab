"""Messaging chassis: topology, the reliable consumer, parking and the outbox relay."""
