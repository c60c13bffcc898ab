"""Observation's persistence: tables, repositories and the unit of work."""
