"""An example order service to profile: HTTP in, a queue, enrichment worker threads, stats out.

    python examples/order_service.py --port 8080           # serve until Ctrl-C
    python examples/order_service.py --demo 5              # serve on a free port, drive load for 5 s
    perfkit profile -o cpu.svg -- python examples/order_service.py --demo 5
    python examples/order_service.py --demo 5 --log service.jsonl && perfkit logs service.jsonl

``POST /orders`` takes a JSON order ``{"customer": str, "region": str, "items": [{"sku", "qty",
"options"}]}``, answers ``202`` with the order id and hands the order to a ``queue.Queue``.  A group
of worker threads enriches each order (dedupe, prices, tax, fraud score: see order_enrichment.py,
whose ``dedupe_line_items`` is the deliberate hot spot).  ``GET /orders/<id>`` returns an enriched
order and ``GET /stats`` the counters.  Only the standard library is used.

With ``--log FILE`` the service logs structurally, one JSON object a line (stdlib logging with a
JSON formatter): an access-log line per request (``method``, ``path``, ``status``,
``duration_ms``, ``request_id``) and a line per enriched order from the workers, where the
order's latency (``latency_ms``, from acceptance to enriched) is split into the time it waited
in the queue (``queue_wait_ms``) and the time a worker spent on it (``processing_ms``).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import logging
import queue
import random
import signal
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from order_enrichment import Order, enrich

MAX_BODY = 1 << 20
LOG = logging.getLogger("order_service")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, event, then the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        return json.dumps(line, separators=(",", ":"))


def log_to(path: str) -> logging.Handler:
    """Send the service's structured logs to ``path`` (JSON lines, appended)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False
    return handler


class OrderStore:
    """Enriched orders and counters, shared by the HTTP threads and the workers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._orders: dict[int, Order] = {}
        self._ids = itertools.count(1)
        self.accepted = 0
        self.enriched = 0
        self.flagged = 0
        self.enrich_seconds = 0.0
        self.started = time.monotonic()

    def new_id(self) -> int:
        with self._lock:
            self.accepted += 1
            return next(self._ids)

    def finish(self, order: Order, seconds: float) -> None:
        with self._lock:
            self._orders[order["id"]] = order
            self.enriched += 1
            self.flagged += bool(order["review"])
            self.enrich_seconds += seconds

    def get(self, order_id: int) -> Order | None:
        with self._lock:
            return self._orders.get(order_id)

    def stats(self, backlog: int) -> dict[str, Any]:
        with self._lock:
            uptime = time.monotonic() - self.started
            return {
                "accepted": self.accepted,
                "enriched": self.enriched,
                "flagged_for_review": self.flagged,
                "backlog": backlog,
                "uptime_s": round(uptime, 3),
                "enriched_per_s": round(self.enriched / uptime, 1) if uptime else 0.0,
                "mean_enrich_ms": round(1000 * self.enrich_seconds / self.enriched, 3) if self.enriched else 0.0,
            }


class OrderService:
    """The server, its queue and its worker group, started and stopped together."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, workers: int = 4, fast: bool = False) -> None:
        self.store = OrderStore()
        self.queue: queue.Queue[tuple[Order, float, str] | None] = queue.Queue(maxsize=1000)
        self.fast = fast
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self.httpd.daemon_threads = True
        self.workers = [threading.Thread(target=self._work, name=f"enrich-{n}", daemon=True) for n in range(workers)]
        self._serve_thread = threading.Thread(target=self.httpd.serve_forever, name="http", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def start(self) -> OrderService:
        for worker in self.workers:
            worker.start()
        self._serve_thread.start()
        return self

    def submit(self, order: Order, request_id: str = "-") -> int:
        order["id"] = self.store.new_id()
        self.queue.put((order, time.perf_counter(), request_id))
        return order["id"]

    def _work(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                order, queued, request_id = item
                started = time.perf_counter()
                enrich(order, fast=self.fast)
                done = time.perf_counter()
                self.store.finish(order, done - started)
                if LOG.isEnabledFor(logging.INFO):
                    fields = {
                        "request_id": request_id,  # the POST that brought the order: one id across both lines
                        "order_id": order["id"],
                        "items": len(order["items"]),
                        "flagged": bool(order["review"]),
                        "queue_wait_ms": round(1000 * (started - queued), 3),
                        "processing_ms": round(1000 * (done - started), 3),
                        "latency_ms": round(1000 * (done - queued), 3),
                    }
                    LOG.info("order enriched", extra={"fields": fields})
            finally:
                self.queue.task_done()

    def stop(self) -> None:
        """Stop taking requests, let the workers finish the backlog, then stop them."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.queue.join()
        for _ in self.workers:
            self.queue.put(None)
        for worker in self.workers:
            worker.join(timeout=5)


def _validate(order: Any) -> Order:
    """The fields the workers need, with a ValueError saying which is wrong."""
    if not isinstance(order, dict):
        raise ValueError("order must be a JSON object")
    if not isinstance(order.get("customer"), str):
        raise ValueError("customer must be a string")
    items = order.get("items")
    if not isinstance(items, list) or not items:
        raise ValueError("items must be a non-empty list")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str):
            raise ValueError("every item needs a sku string")
        if not isinstance(item.get("qty"), int) or item["qty"] < 1:
            raise ValueError("every item needs a positive integer qty")
    return order


_REQUEST_IDS = itertools.count(1)


def _handler_for(service: OrderService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so the load driver reuses connections
        disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stall

        def log_message(self, format: str, *args: Any) -> None:  # the text access log: --log writes JSON instead
            pass

        def parse_request(self) -> bool:  # the request line is read: the clock starts
            self._started = time.perf_counter()
            self._request_id = f"req-{next(_REQUEST_IDS)}"
            return super().parse_request()

        def _reply(self, status: HTTPStatus, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if LOG.isEnabledFor(logging.INFO):
                fields = {
                    "method": self.command,
                    "path": self.path,
                    "status": int(status),
                    "duration_ms": round(1000 * (time.perf_counter() - self._started), 3),
                    "bytes": len(data),
                    "request_id": self._request_id,
                }
                LOG.info("request", extra={"fields": fields})

        def do_POST(self) -> None:
            if self.path != "/orders":
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route POST {self.path}"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "order too large"})
                self.close_connection = True
                return
            try:
                order = _validate(json.loads(self.rfile.read(length)))
            except ValueError as exc:
                self._reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
                return
            self._reply(HTTPStatus.ACCEPTED, {"id": service.submit(order, self._request_id)})

        def do_GET(self) -> None:
            if self.path == "/stats":
                self._reply(HTTPStatus.OK, service.store.stats(service.queue.qsize()))
            elif self.path.startswith("/orders/") and self.path[8:].isdigit():
                order = service.store.get(int(self.path[8:]))
                if order is None:
                    self._reply(HTTPStatus.NOT_FOUND, {"error": "no such order (yet)"})
                else:
                    self._reply(HTTPStatus.OK, order)
            else:
                self._reply(HTTPStatus.NOT_FOUND, {"error": f"no route GET {self.path}"})

    return Handler


def make_order(rng: random.Random) -> Order:
    """A plausible basket: 40-120 line items over a few hundred SKUs, with many repeats."""
    skus = [f"SKU-{rng.randrange(300):04d}" for _ in range(rng.randint(40, 120))]
    return {
        "customer": f"cust-{rng.randrange(10_000)}",
        "region": rng.choice(["eu-west", "eu-north", "us-east", "us-west", "apac"]),
        "items": [{"sku": sku, "qty": rng.randint(1, 3), "options": {"gift": rng.random() < 0.1}} for sku in skus],
    }


def drive_load(address: tuple[str, int], seconds: float, seed: int = 1) -> int:
    """POST orders over one keep-alive connection for ``seconds``; return how many were accepted."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(*address, timeout=10)
    sent = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            conn.request("POST", "/orders", json.dumps(make_order(rng)), {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            if response.status != HTTPStatus.ACCEPTED:
                raise RuntimeError(f"POST /orders answered {response.status}")
            sent += 1
    finally:
        conn.close()
    return sent


def get_json(address: tuple[str, int], path: str) -> Any:
    """One GET over a fresh connection."""
    conn = http.client.HTTPConnection(*address, timeout=10)
    try:
        conn.request("GET", path)
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def demo(seconds: float, workers: int, fast: bool) -> dict[str, Any]:
    """Serve on a free local port, drive load for ``seconds``, drain, print and return the stats."""
    service = OrderService(workers=workers, fast=fast).start()
    started = time.monotonic()
    sent = 0
    try:
        counts: list[int] = []
        client = threading.Thread(target=lambda: counts.append(drive_load(service.address, seconds)), name="client")
        client.start()
        client.join()
        sent = sum(counts)
        service.queue.join()
        stats = get_json(service.address, "/stats")
    finally:
        service.stop()
    elapsed = time.monotonic() - started
    print(
        f"order_service demo: {sent} orders sent, {stats['enriched']} enriched in {elapsed:.1f}s "
        f"({stats['enriched'] / elapsed:.1f} orders/s, mean enrich {stats['mean_enrich_ms']} ms, "
        f"{stats['flagged_for_review']} flagged)",
        flush=True,
    )
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Example order service for perfkit.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--workers", type=int, default=4, help="enrichment worker threads")
    parser.add_argument("--demo", type=float, metavar="SECONDS", help="serve on a free port and drive load")
    parser.add_argument("--fast", action="store_true", help="use the linear-time dedupe (the fix)")
    parser.add_argument("--log", metavar="FILE", help="append structured JSON logs (access and enrichment) to FILE")
    args = parser.parse_args(argv)
    if args.log:
        log_to(args.log)
    if args.demo is not None:
        demo(args.demo, args.workers, args.fast)
        return 0
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C or a supervisor's stop: drain, then exit
        signal.signal(signum, lambda *_: stop.set())
    service = OrderService(args.host, args.port, args.workers, args.fast).start()
    print(f"order_service listening on http://{service.address[0]}:{service.address[1]}", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        service.stop()
    print(f"order_service stopped: {json.dumps(service.store.stats(0))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
