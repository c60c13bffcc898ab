"""Looks for the roster's personal data (NIP, NI PPPK and names: UU 27/2022) wherever a run leaves text behind.

    python -m tools.pii_scan RUN_DIR [--roster pegawai.csv ...] [--metrics-url URL ...] [--amqp URL --service S ...]

Collects every NIP and name of the roster (the `nip`/`nama` columns of pegawai CSVs and the NIP columns of relasi
CSVs; default: RUN_DIR/roster/*.csv) and searches:

- log lines            RUN_DIR/logs/*
- spans                RUN_DIR/traces/*.jsonl (names, attributes, events: the whole exported line)
- metric labels        each --metrics-url scraped now, and saved scrapes in RUN_DIR/metrics/*
- error bodies         RUN_DIR/bodies/* (a caller saves the problem+json bodies it received there)
- parked messages      the headers of every message in each --service's parking queue on --amqp (read without
                       acknowledging, then returned to the queue as they were)

A NIP counts however it is written (`198609262015051001`, `19860926 201505 1 001`, `1986.0926...`), a masked one
(`1986************01`) does not. Prints the hits per place and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import re
import sys
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# A digit run as people and programs write a NIP: digits, optionally one space or dot between them.
_DIGIT_RUN = re.compile(r"(?<![\d*])\d(?:[ .\u00a0]?\d){15,17}(?![\d*])")
_NIP_COLUMNS = ("nip", "nip_pegawai", "nip_atasan")
_NAME_COLUMNS = ("nama",)
# Names shorter than this are words ("Ani"), not identifiers: searching them would flag every log line.
_MIN_NAME_LENGTH = 6
PLACES = ("logs", "spans", "metrics", "error bodies", "parked headers")
# Requests to 127.0.0.1 must not go through a proxy the environment may name.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Roster:
    nips: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def add_csv(self, text: str) -> None:
        for row in csv.DictReader(io.StringIO(text)):
            for column in _NIP_COLUMNS:
                digits = re.sub(r"\D", "", row.get(column) or "")
                if len(digits) == 18:
                    self.nips.add(digits)
            for column in _NAME_COLUMNS:
                name = (row.get(column) or "").strip()
                if len(name) >= _MIN_NAME_LENGTH:
                    self.names.add(name)
                    # "Siti Aminah, S.Pd." also appears without its degree.
                    bare = name.split(",")[0].strip()
                    if len(bare) >= _MIN_NAME_LENGTH and " " in bare:
                        self.names.add(bare)

    @property
    def empty(self) -> bool:
        return not self.nips and not self.names


@dataclass
class Hit:
    place: str
    source: str
    what: str  # "NIP" or "name", never the value itself: this report is a log too


class Scanner:
    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        self.hits: list[Hit] = []
        self.scanned: Counter[str] = Counter()
        # One pass per text for the names, however many there are.
        names = sorted(roster.names, key=len, reverse=True)
        self._names = re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE) if names else None

    def text(self, place: str, source: str, text: str) -> None:
        self.scanned[place] += 1
        for match in _DIGIT_RUN.finditer(text):
            if re.sub(r"\D", "", match.group(0)) in self.roster.nips:
                self.hits.append(Hit(place, source, "NIP"))
        if self._names is not None:
            for _ in self._names.finditer(text):
                self.hits.append(Hit(place, source, "name"))

    def lines(self, place: str, path: Path) -> None:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                self.text(place, f"{path.name}:{number}", line)

    def report(self) -> str:
        counts = Counter(h.place for h in self.hits)
        rows = [f"{place:<15} {self.scanned[place]:>8} scanned {counts[place]:>6} hits" for place in PLACES]
        first = [f"  {h.place}: {h.source} ({h.what})" for h in self.hits[:20]]
        head = f"pii scan: {len(self.roster.nips)} NIP and {len(self.roster.names)} names of the roster"
        return "\n".join([head, *rows, *first])


def load_roster(paths: Iterable[Path]) -> Roster:
    roster = Roster()
    for path in paths:
        roster.add_csv(path.read_text(encoding="utf-8-sig"))
    return roster


def _files(directory: Path, pattern: str = "*") -> Iterator[Path]:
    if directory.is_dir():
        yield from sorted(p for p in directory.glob(pattern) if p.is_file())


def scrape(url: str, timeout: float = 5.0) -> str:
    with _HTTP.open(url, timeout=timeout) as response:
        return response.read().decode("utf-8", "replace")


def metric_labels(exposition: str) -> Iterator[str]:
    """The label part of each sample line (`{service="...",route="..."}`): what a metric label may leak."""
    for line in exposition.splitlines():
        if line and not line.startswith("#") and "{" in line:
            yield line[line.index("{") : line.rindex("}") + 1]


async def parked_headers(amqp_url: str, services: Sequence[str]) -> list[tuple[str, str]]:
    """(queue, headers as JSON) of every parked message, read unacknowledged and then given back untouched."""
    import aio_pika

    from pmm_chassis.messaging.topology import parked_queue_name

    found: list[tuple[str, str]] = []
    connection = await aio_pika.connect(amqp_url)
    try:
        for service in services:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(parked_queue_name(service), passive=True)
            except aio_pika.exceptions.ChannelClosed:
                continue  # this service never declared its parking queue here
            # Held unacknowledged until the channel closes, which puts each back where it was (no redelivery
            # loop: a nack with requeue here would hand the same message to the next get).
            while (message := await queue.get(no_ack=False, fail=False)) is not None:
                headers = {**(message.headers or {}), "message_id": message.message_id, "app_id": message.app_id}
                found.append((queue.name, json.dumps(headers, default=str, ensure_ascii=False)))
            await channel.close()
    finally:
        await connection.close()
    return found


def scan(
    run_dir: Path,
    roster: Roster,
    *,
    metrics_urls: Sequence[str] = (),
    amqp_url: str | None = None,
    services: Sequence[str] = (),
) -> Scanner:
    scanner = Scanner(roster)
    for path in _files(run_dir / "logs"):
        scanner.lines("logs", path)
    for path in _files(run_dir / "traces", "*.jsonl"):
        scanner.lines("spans", path)
    for path in _files(run_dir / "bodies"):
        scanner.lines("error bodies", path)
    saved = [(p.name, p.read_text(encoding="utf-8", errors="replace")) for p in _files(run_dir / "metrics")]
    for source, exposition in [*saved, *((url, scrape(url)) for url in metrics_urls)]:
        for labels in metric_labels(exposition):
            scanner.text("metrics", source, labels)
    if amqp_url is not None:
        for queue, headers in asyncio.run(parked_headers(amqp_url, services)):
            scanner.text("parked headers", queue, headers)
    return scanner


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pii_scan", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--roster", type=Path, action="append", help="pegawai/relasi CSV (default RUN_DIR/roster/*)")
    parser.add_argument("--metrics-url", action="append", default=[], help="a /metrics URL to scrape now")
    parser.add_argument("--amqp", help="AMQP URL of the stack's vhost, to read parked messages")
    parser.add_argument("--service", action="append", default=[], help="a service whose parking queue to read")
    args = parser.parse_args(argv)

    roster = load_roster(args.roster or list(_files(args.run_dir / "roster", "*.csv")))
    if roster.empty:
        print("pii scan: no roster to look for (pass --roster or put the CSVs in RUN_DIR/roster)", file=sys.stderr)
        return 2
    scanner = scan(args.run_dir, roster, metrics_urls=args.metrics_url, amqp_url=args.amqp, services=args.service)
    print(scanner.report())
    return 1 if scanner.hits else 0


if __name__ == "__main__":
    raise SystemExit(main())
