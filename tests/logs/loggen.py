"""Realistic access logs with known latencies, for the tests and for benchmarks/bench_logs.py.

The traffic looks like a small shop's API behind nginx: a handful of routes with ids in the
path (numbers, hex hashes, UUIDs), query strings, log-normal latencies with a slow tail per
route, a few 4xx/5xx, browser and client user agents, timestamps moving forward a little per
line.  Every generator returns (or can recompute) the truth: the route, status and duration of
each line, so tests can check counts and percentiles exactly.

    python tests/logs/loggen.py combined access.log --lines 1000000
    python tests/logs/loggen.py json access.jsonl --lines 1000000
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: (method, path template, route, weight, median seconds, sigma of log-latency)
ROUTES = (
    ("GET", "/api/orders/{n}", "/api/orders/:id", 30, 0.012, 0.6),
    ("POST", "/api/orders", "/api/orders", 12, 0.045, 0.5),
    ("GET", "/api/customers/{uuid}/orders", "/api/customers/:id/orders", 8, 0.030, 0.7),
    ("GET", "/api/search?q={word}&page={small}", "/api/search", 10, 0.120, 0.9),
    ("GET", "/static/app.{hex}.js", "/static/app.{hex}.js", 15, 0.001, 0.3),
    ("GET", "/health", "/health", 20, 0.0004, 0.2),
    ("PUT", "/api/orders/{n}/items/{small}", "/api/orders/:id/items/:id", 5, 0.025, 0.5),
)
#: internal API traffic: mostly service clients and probes, some browsers
AGENTS = (
    ("curl/8.5.0", 10),
    ("python-requests/2.31.0", 30),
    ("Go-http-client/1.1", 30),
    ("kube-probe/1.29", 20),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0", 6),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) Mobile/15E148", 4),
)
WORDS = ("shoes", "red+socks", "gift", "lamp", "coffee", "tea", "book")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
START = datetime(2024, 3, 12, 9, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Request:
    """One generated request: what the log line says, and the truth a test compares with."""

    when: datetime
    ip: str
    method: str
    path: str
    route: str
    status: int
    size: int
    agent: str
    seconds: float  #: the duration as written (rounded to the log's resolution)
    request_id: str


def requests(
    count: int, seed: int = 1, resolution: float = 0.001, slower: dict[str, float] | None = None
) -> Iterator[Request]:
    """``count`` requests, deterministic for a seed; durations rounded to ``resolution`` seconds;
    ``slower`` multiplies the latency of some routes (a deploy that made them slower)."""
    rng = random.Random(seed)
    weights = [r[3] for r in ROUTES]
    agents, agent_weights = zip(*AGENTS)
    hexes = [f"{rng.getrandbits(40):010x}" for _ in range(3)]
    when = START
    digits = max(0, round(-math.log10(resolution)))
    for i in range(count):
        method, template, route, _, median, sigma = rng.choices(ROUTES, weights)[0]
        hx = rng.choice(hexes)
        path = template
        if "{" in template:
            path = template.format(
                n=rng.randrange(1, 10**6),
                uuid=uuid.UUID(int=rng.getrandbits(128), version=4) if "{uuid}" in template else "",
                word=rng.choice(WORDS),
                small=rng.randrange(1, 9),
                hex=hx,
            )
        seconds = median * math.exp(rng.gauss(0, sigma)) * (slower or {}).get(route, 1.0)
        if rng.random() < 0.002:  # the slow tail: a lock, a GC pause, a cold cache
            seconds *= 20
        status = 201 if method == "POST" else 200
        roll = rng.random()
        if roll < 0.01:
            status = rng.choice((500, 502, 503))
        elif roll < 0.03:
            status = 404
        elif roll < 0.05 and method == "GET":
            status = 304
        when += timedelta(microseconds=rng.randrange(0, 20_000))
        yield Request(
            when=when,
            ip=f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            method=method,
            path=path,
            route=route.format(hex=hx),
            status=status,
            size=0 if status == 304 else rng.randrange(80, 40_000),
            agent=rng.choices(agents, agent_weights)[0],
            seconds=round(seconds, digits),
            request_id=f"{seed:x}-{i:08x}",
        )


def clf_time(when: datetime) -> str:
    """``12/Mar/2024:09:00:01 +0000``, as nginx's ``$time_local`` (English month names)."""
    return f"{when.day:02d}/{MONTHS[when.month - 1]}/{when.year}:{when:%H:%M:%S} +0000"


def combined_line(r: Request) -> str:
    """nginx ``log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status
    $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'``."""
    referer = "https://shop.example/" if r.agent.startswith("Mozilla") else "-"
    return (
        f'{r.ip} - - [{clf_time(r.when)}] "{r.method} {r.path} HTTP/1.1" {r.status} {r.size} '
        f'"{referer}" "{r.agent}" {r.seconds:.3f}\n'
    )


def json_line(r: Request) -> str:
    """A JSON access-log line as an app with structlog or python-json-logger writes it."""
    record = {
        "timestamp": r.when.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "level": "error" if r.status >= 500 else "info",
        "event": "request finished",
        "method": r.method,
        "path": r.path,
        "status": r.status,
        "duration_ms": round(r.seconds * 1000, 3),
        "bytes": r.size,
        "client": r.ip,
        "request_id": r.request_id,
    }
    return json.dumps(record, separators=(",", ":")) + "\n"


FORMATS = {"combined": combined_line, "json": json_line}


def write(path: Path, fmt: str, count: int, seed: int = 1, slower: dict[str, float] | None = None) -> list[Request]:
    """Write ``count`` lines in ``fmt`` (``.gz`` compresses); returns the truth only when small."""
    line_of = FORMATS[fmt]
    keep = count <= 100_000
    truth: list[Request] = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as out:
        batch: list[str] = []
        for r in requests(count, seed, slower=slower):
            batch.append(line_of(r))
            if keep:
                truth.append(r)
            if len(batch) >= 10_000:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("format", choices=sorted(FORMATS))
    parser.add_argument("out", type=Path)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write(args.out, args.format, args.lines, args.seed)


if __name__ == "__main__":
    main()
