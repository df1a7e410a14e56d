"""The order service's wire serialiser, before and after an optimisation (the benchmark example).

``serialise_v1`` is the original: it re-totals the order for every line (quadratic in the number
of items), formats prices through ``Decimal`` and pretty-prints with sorted keys.  ``serialise_v2``
totals once, keeps integer cents, and writes compact JSON.  Both produce the same data.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any


def make_order(items: int, seed: int = 1) -> dict[str, Any]:
    """A deterministic order with ``items`` lines."""
    rng = random.Random(seed)
    return {
        "id": 1000 + seed,
        "customer": {"id": rng.randint(1, 10_000), "name": "Ada Lovelace", "tier": "gold"},
        "lines": [
            {"sku": f"SKU-{rng.randint(0, 99_999):05d}", "qty": rng.randint(1, 5), "price_cents": rng.randint(99, 9999)}
            for _ in range(items)
        ],
    }


def serialise_v1(order: dict[str, Any]) -> bytes:
    """Original: running totals recomputed per line, Decimal prices, indented sorted JSON."""
    lines = []
    for i, line in enumerate(order["lines"]):
        running = sum(x["qty"] * x["price_cents"] for x in order["lines"][: i + 1])
        lines.append(
            {
                **line,
                "price": str(Decimal(line["price_cents"]) / 100),
                "running_total": str(Decimal(running) / 100),
            }
        )
    total = sum(x["qty"] * x["price_cents"] for x in order["lines"])
    doc = {**order, "lines": lines, "total": str(Decimal(total) / 100)}
    return json.dumps(doc, sort_keys=True, indent=2).encode()


def _cents(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def serialise_v2(order: dict[str, Any]) -> bytes:
    """Optimised: one pass for running totals, integer-cent formatting, compact JSON."""
    lines = []
    running = 0
    for line in order["lines"]:
        running += line["qty"] * line["price_cents"]
        lines.append({**line, "price": _cents(line["price_cents"]), "running_total": _cents(running)})
    doc = {**order, "lines": lines, "total": _cents(running)}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


SERIALISERS = {"v1": serialise_v1, "v2": serialise_v2}
