"""The process's heap once it has started."""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """What the process built to start (modules, routes, catalogues, compiled statements) lives as long as it does:
    moved out of the garbage collector's generations, so a full collection under load walks only the work in flight.
    Collections over the whole startup heap are the longest pauses behind a request's p99 in `make bench`."""
    gc.collect()
    gc.freeze()
