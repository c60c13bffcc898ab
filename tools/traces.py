"""One trace as a tree, from the span files every process of a local stack writes (`<run_dir>/traces/*.jsonl`).

No trace backend runs on a developer machine; the file exporter (pmm_chassis.telemetry) writes one JSON object per
finished span instead, and this stitches the processes' files back together by trace id and parent span id.

    python -m tools.traces <trace_id> [--run-dir .run] [--queries]   # the tree: service, span, duration
    python -m tools.traces [--run-dir .run]                          # the traces that cross the most services
    python -m tools.traces --broken [--run-dir .run]                 # consumers/pushes that lost their parent

A consumer that applies a run of messages together does so in a span of its own trace, linked to each message's
span; the tree of a message's trace names the runs that applied it.

Database queries (a span per statement) are folded into a count on their parent unless `--queries` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Span:
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    service: str
    start: datetime
    end: datetime
    status: str
    is_query: bool
    links: list[tuple[str, str]] = field(default_factory=list)  # (trace id, span id) of each span linked to
    children: list[Span] = field(default_factory=list)

    @property
    def ms(self) -> float:
        return (self.end - self.start).total_seconds() * 1000


def _span(raw: dict) -> Span:
    attributes = raw.get("attributes") or {}
    # The outbox row is a hop of its own (the event, committed with the change that caused it): never folded.
    outbox = str(attributes.get("db.statement", "")).lstrip().startswith("INSERT INTO outbox_message")
    return Span(
        trace_id=raw["trace_id"],
        span_id=raw["span_id"],
        parent_span_id=raw.get("parent_span_id"),
        name="outbox row(s): INSERT INTO outbox_message" if outbox else raw["name"],
        kind=str(raw.get("kind", "")).removeprefix("SpanKind."),
        service=raw.get("service") or "?",
        start=datetime.fromisoformat(raw["start"]),
        end=datetime.fromisoformat(raw["end"] or raw["start"]),
        status=raw.get("status", "UNSET"),
        is_query="db.system" in attributes and not outbox,
        links=[(link["trace_id"], link["span_id"]) for link in raw.get("links") or []],
    )


def read_spans(run_dir: Path, trace_id: str | None = None, *, linking: bool = False) -> list[Span]:
    """Every span in the run directory's span files (of one trace, if given; with `linking`, the spans of other
    traces that link to it instead); a half-written last line is skipped."""
    spans = []
    for path in sorted((run_dir / "traces").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if trace_id is not None and trace_id not in line:
                continue  # cheap: most lines belong to other traces
            try:
                span = _span(json.loads(line))
            except (ValueError, KeyError):
                continue
            if linking:
                if span.trace_id != trace_id and any(linked == trace_id for linked, _ in span.links):
                    spans.append(span)
            elif trace_id is None or span.trace_id == trace_id:
                spans.append(span)
    return spans


def services_of(run_dir: Path, trace_id: str) -> set[str]:
    """The services that wrote at least one span of the trace."""
    return {s.service for s in read_spans(run_dir, trace_id)}


def build_tree(spans: Iterable[Span]) -> list[Span]:
    """Links children to parents; a span whose parent is nowhere in the files is a root (the trace starts there,
    or its parent was not exported: a span still open or a process that did not flush)."""
    by_id = {s.span_id: s for s in spans}
    roots = []
    for span in by_id.values():
        parent = by_id.get(span.parent_span_id or "")
        (parent.children if parent is not None else roots).append(span)
    for span in by_id.values():
        span.children.sort(key=lambda s: s.start)
    return sorted(roots, key=lambda s: s.start)


def render(roots: list[Span], *, queries: bool = False) -> list[str]:
    lines: list[str] = []
    origin = min((r.start for r in roots), default=None)

    def walk(span: Span, depth: int) -> None:
        shown = [c for c in span.children if queries or not c.is_query]
        folded = len(span.children) - len(shown)
        offset = (span.start - origin).total_seconds() * 1000 if origin else 0.0
        extra = f"  (+{folded} db queries)" if folded else ""
        failed = "  ERROR" if span.status == "ERROR" else ""
        lines.append(
            f"{offset:>9.1f} ms {span.ms:>8.1f} ms  {'  ' * depth}[{span.service}] {span.name}"
            f" ({span.kind.lower()}){extra}{failed}"
        )
        for child in shown:
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return lines


def broken_hops(run_dir: Path) -> list[Span]:
    """Spans that should continue a trace but start a new one: a consumer's processing, or work a service does
    for an earlier cause (bkn_sync's pushes), with no parent at all. Polls, relays and start-up have no cause and
    rightly start their own (client and producer spans), so they are not counted; nor is a run of messages applied
    together, which continues each message's trace by a link."""
    return [
        s
        for s in read_spans(run_dir)
        if s.parent_span_id is None and s.kind in ("CONSUMER", "INTERNAL") and not s.links
    ]


def busiest(run_dir: Path, limit: int = 10) -> list[tuple[str, set[str], int]]:
    """(trace id, its services, span count) for the traces that cross the most services."""
    services: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for span in read_spans(run_dir):
        services[span.trace_id].add(span.service)
        counts[span.trace_id] += 1
    ranked = sorted(services, key=lambda t: (len(services[t]), counts[t]), reverse=True)
    return [(t, services[t], counts[t]) for t in ranked[:limit]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.traces", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("trace_id", nargs="?", help="32 hex digits; omitted: list the widest traces")
    parser.add_argument("--run-dir", type=Path, default=ROOT / ".run", help="the stack's run directory")
    parser.add_argument("--queries", action="store_true", help="show each database query as its own span")
    parser.add_argument("--broken", action="store_true", help="list consumer/internal spans that start a trace")
    args = parser.parse_args(argv)
    if not (args.run_dir / "traces").is_dir():
        print(f"no span files under {args.run_dir / 'traces'} (is this the stack's run directory?)", file=sys.stderr)
        return 1
    if args.broken:
        broken = broken_hops(args.run_dir)
        for span in broken:
            print(f"{span.trace_id}  [{span.service}] {span.name} ({span.kind.lower()}) starts a trace of its own")
        print(f"{len(broken)} broken hop(s)")
        return 1 if broken else 0
    if args.trace_id is None:
        for trace_id, names, count in busiest(args.run_dir):
            print(f"{trace_id}  {len(names)} services, {count:>4} spans: {', '.join(sorted(names))}")
        return 0
    spans = read_spans(args.run_dir, args.trace_id.lower())
    if not spans:
        print(f"trace {args.trace_id} is in no span file under {args.run_dir / 'traces'}", file=sys.stderr)
        return 1
    names = sorted({s.service for s in spans})
    print(f"trace {args.trace_id}: {len(spans)} spans in {len(names)} services ({', '.join(names)})")
    print(f"{'start':>12} {'duration':>11}  span")
    for line in render(build_tree(spans), queries=args.queries):
        print(line)
    for run in read_spans(args.run_dir, args.trace_id.lower(), linking=True):
        mine = sum(1 for linked, _ in run.links if linked == args.trace_id.lower())
        print(
            f"applied together with {len(run.links) - mine} other message(s): [{run.service}] {run.name}"
            f" ({run.kind.lower()}), trace {run.trace_id}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
