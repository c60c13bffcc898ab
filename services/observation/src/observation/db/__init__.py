"""Observation's persistence: tables, repositories, the unit of work and the storage adapters."""
