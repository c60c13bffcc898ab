"""The shared kernel: pure rules and types every service's domain may use.

Nothing here does I/O or imports a framework, so a service's `domain/` package can depend on it
without breaking the rule that the domain is pure.
"""
