"""Benchmarks of the order serialiser, written for pytest-benchmark's ``benchmark`` fixture.

Pick the implementation with ORDER_SERIALISER=v1|v2 (default v2), run it Go's way and compare:

    ORDER_SERIALISER=v1 perfkit bench examples/bench --count 10 --benchtime 200ms --benchmem -o old.txt
    ORDER_SERIALISER=v2 perfkit bench examples/bench --count 10 --benchtime 200ms --benchmem -o new.txt
    perfkit benchstat old.txt new.txt
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from orders import SERIALISERS, make_order

serialise = SERIALISERS[os.environ.get("ORDER_SERIALISER", "v2")]


@pytest.mark.parametrize("items", [5, 50])
def test_serialise_order(benchmark, items: int) -> None:
    order = make_order(items)
    data = benchmark(serialise, order)
    assert json.loads(data)["total"] == json.loads(SERIALISERS["v1"](order))["total"]


def test_parse_order(benchmark) -> None:
    data = SERIALISERS["v2"](make_order(20))
    assert benchmark(json.loads, data)["id"] == 1001
