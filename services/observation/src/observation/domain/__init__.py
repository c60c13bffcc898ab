"""Observation's domain: pure rules and state machines, no I/O, no framework."""
