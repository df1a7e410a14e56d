"""The example order service works as a service, and under py-spy its hot spot is obvious."""

from __future__ import annotations

import importlib.util
import json
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

import perfkit as pk
from cli_helpers import perfkit

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SERVICE = EXAMPLES / "order_service.py"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def service_module() -> ModuleType:
    return _load("order_service")


@pytest.fixture(scope="module")
def enrichment() -> ModuleType:
    _load("order_service")  # puts examples/ on sys.path
    return sys.modules["order_enrichment"]


def test_slow_and_fast_dedupe_agree(service_module: ModuleType, enrichment: ModuleType) -> None:
    import random

    rng = random.Random(7)
    for _ in range(20):
        order = service_module.make_order(rng)
        slow = enrichment.enrich(json.loads(json.dumps(order)))
        fast = enrichment.enrich(json.loads(json.dumps(order)), fast=True)
        assert slow["items"] == fast["items"]
        assert slow["total_cents"] == fast["total_cents"] > 0
        assert len(slow["items"]) < len(order["items"])  # baskets do repeat SKUs


def test_http_api(service_module: ModuleType) -> None:
    service = service_module.OrderService(workers=2).start()
    host, port = service.address
    base = f"http://{host}:{port}"
    try:
        order = {"customer": "c1", "region": "eu-west", "items": [{"sku": "SKU-0001", "qty": 2}] * 3}
        request = urllib.request.Request(f"{base}/orders", json.dumps(order).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
            order_id = json.load(response)["id"]
        service.queue.join()
        with urllib.request.urlopen(f"{base}/orders/{order_id}", timeout=10) as response:
            enriched = json.load(response)
        assert enriched["items"] == [{"sku": "SKU-0001", "qty": 6, "unit_cents": 236, "line_cents": 1416}]
        assert enriched["tax_cents"] == 1416 * 2000 // 10_000
        with urllib.request.urlopen(f"{base}/stats", timeout=10) as response:
            stats = json.load(response)
        assert stats["accepted"] == stats["enriched"] == 1
        bad = urllib.request.Request(f"{base}/orders", b'{"customer": 1}', method="POST")
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(bad, timeout=10)
        assert caught.value.code == 400
    finally:
        service.stop()
    assert not any(w.is_alive() for w in service.workers)
    assert threading.active_count() < 10


def test_demo_mode_prints_throughput(python: str) -> None:
    done = subprocess.run([python, SERVICE, "--demo", "1", "--fast"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    match = re.search(r"(\d+) orders sent, (\d+) enriched .* \(([\d.]+) orders/s", done.stdout)
    assert match, done.stdout
    assert int(match.group(1)) == int(match.group(2)) > 10


@pytest.mark.slow
def test_hot_spot_dominates_the_enrichment_work(tmp_path: Path, python: str) -> None:
    """The README's first command: the flame graph must point straight at dedupe_line_items."""
    folded = tmp_path / "cpu.folded"
    result = perfkit("profile", "--rate", "200", "-o", folded, "--", python, SERVICE, "--demo", "3", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "orders/s" in result.stdout
    profile = pk.load(folded)

    def inclusive(name: str) -> int:
        ids = {i for i, f in enumerate(profile.frames) if f.function == name}
        return sum(v for stack, v in profile.iter_stacks("samples") if ids.intersection(stack))

    enrich, hot = inclusive("enrich"), inclusive("dedupe_line_items")
    assert enrich > 100, enrich
    assert hot / enrich > 0.8, (hot, enrich)
    for step in ("lookup_prices", "compute_tax", "fraud_score"):
        assert inclusive(step) < hot / 10, step
    svg = tmp_path / "cpu.svg"
    assert perfkit("flame", folded, "-o", svg).returncode == 0
    assert "dedupe_line_items" in svg.read_text()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_mode_drains_and_stops_on_signal(python: str, signum: int) -> None:
    proc = subprocess.Popen([python, SERVICE, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = re.search(r"http://\S+", proc.stdout.readline())
        assert url, "no listening line"
        order = {"customer": "c", "region": "apac", "items": [{"sku": "SKU-0002", "qty": 1}]}
        request = urllib.request.Request(f"{url.group(0)}/orders", json.dumps(order).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=15)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0
    stats = json.loads(out.split("order_service stopped: ", 1)[1])
    assert stats["accepted"] == stats["enriched"] == 1
