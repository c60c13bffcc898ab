"""Failpoints: crash this process at a named spot on demand, for the chaos run. Off unless the variable is set.

    PMM_FAILPOINTS_DIR=/some/dir    # read once, at import

With it set, a process of service S that reaches failpoint F while the file `<dir>/S.F` exists removes the file
and kills itself with SIGKILL: no cleanup, no flush, no response, as a power cut or the OOM killer would. One file,
one crash, so the chaos run decides when and how often. Without the variable `reached()` is a no-op (one `is None`
test), and no deployment sets it.

Failpoints:
- `after_commit`: a unit of work committed (outbox rows included) but the HTTP answer was not sent yet. For a
  request with an `Idempotency-Key` that is once the request's one transaction (its units of work, their outbox
  rows and the stored answer) committed: `AmbientTransaction.committed()` reaches it.
- `after_inbox_commit`: a consumer committed a message's effect (or a batch's) but has not acknowledged it yet.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

_DIR = Path(os.environ["PMM_FAILPOINTS_DIR"]) if os.environ.get("PMM_FAILPOINTS_DIR") else None


def reached(service: str, name: str) -> None:
    if _DIR is None:
        return
    armed = _DIR / f"{service}.{name}"
    try:
        armed.unlink()
    except FileNotFoundError:
        return
    os.kill(os.getpid(), signal.SIGKILL)


def arm(directory: Path, service: str, name: str) -> Path:
    """The chaos run's side: the next time `service` reaches `name`, it dies."""
    directory.mkdir(parents=True, exist_ok=True)
    armed = directory / f"{service}.{name}"
    armed.touch()
    return armed
