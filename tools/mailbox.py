"""The local stack's mail server: accepts every message over SMTP and keeps each as one .eml file.

    python -m tools.mailbox --port 1025 --dir .run/mail

`make up` starts it (tools/stack.py), and the services' reminders are mailed to it, so a developer or the demo
reads what a teacher would receive in `.run/mail/`. Nothing leaves the machine. Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class FileMailbox:
    """aiosmtpd handler: one file per accepted message, written whole (temporary name, then renamed)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        digest = hashlib.sha256(content).hexdigest()[:12]
        name = f"{time.time_ns()}-{digest}.eml"
        partial = self.directory / f".{name}.part"
        partial.write_bytes(content)
        os.replace(partial, self.directory / name)
        return "250 Message accepted for delivery"


def messages(directory: Path) -> list[Path]:
    """The kept messages, oldest first."""
    return sorted(directory.glob("*.eml")) if directory.is_dir() else []


async def serve(host: str, port: int, directory: Path) -> None:
    controller = Controller(FileMailbox(directory), hostname=host, port=port, ready_timeout=10)
    controller.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"mailbox listening on {host}:{port}, keeping messages in {directory}", flush=True)
    try:
        await stop.wait()
    finally:
        controller.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mailbox", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path(".run/mail"))
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
