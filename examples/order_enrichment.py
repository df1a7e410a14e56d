"""Enrichment steps of the example order service: pricing, tax, fraud scoring, dedupe.

Each step is a plain function over an order dict so a profile shows one frame per step.
``dedupe_line_items`` is the deliberate hot spot: it compares every line item with every kept
one by re-serialising both to JSON, which is quadratic in the number of items and allocates a
fresh string per comparison.  The fix (hash a canonical key once per item) is in
``dedupe_line_items_fast`` so the README can show a before/after diff flame graph.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

Order = dict[str, Any]

#: unit prices in cents, the "price lookup" service's catalogue
CATALOGUE: dict[str, int] = {f"SKU-{n:04d}": 199 + (n * 37) % 4800 for n in range(2000)}
#: sales tax per region, in basis points
TAX_BPS: dict[str, int] = {"eu-west": 2000, "eu-north": 2500, "us-east": 825, "us-west": 950, "apac": 1000}


def lookup_prices(order: Order) -> None:
    """Attach each line item's unit price from the catalogue (unknown SKUs cost nothing)."""
    for item in order["items"]:
        item["unit_cents"] = CATALOGUE.get(item["sku"], 0)
        item["line_cents"] = item["unit_cents"] * item["qty"]


def dedupe_line_items(order: Order) -> None:
    """Merge repeated line items (same SKU and options), the slow way: the hot spot."""
    kept: list[dict[str, Any]] = []
    for item in order["items"]:
        key = json.dumps({"sku": item["sku"], "options": item.get("options", {})}, sort_keys=True)
        for other in kept:
            other_key = json.dumps({"sku": other["sku"], "options": other.get("options", {})}, sort_keys=True)
            if other_key == key:
                other["qty"] += item["qty"]
                break
        else:
            kept.append(dict(item))
    order["items"] = kept


def dedupe_line_items_fast(order: Order) -> None:
    """The same merge in linear time: one canonical key per item, looked up in a dict."""
    kept: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, Any]] = {}
    for item in order["items"]:
        key = (item["sku"], tuple(sorted((str(k), str(v)) for k, v in item.get("options", {}).items())))
        if key in kept:
            kept[key]["qty"] += item["qty"]
        else:
            kept[key] = dict(item)
    order["items"] = list(kept.values())


def compute_tax(order: Order) -> None:
    """Subtotal and tax in integer cents for the order's region."""
    subtotal = sum(item["line_cents"] for item in order["items"])
    order["subtotal_cents"] = subtotal
    order["tax_cents"] = subtotal * TAX_BPS.get(order.get("region", ""), 0) // 10_000
    order["total_cents"] = subtotal + order["tax_cents"]


def fraud_score(order: Order) -> None:
    """A toy risk score: a few rounds of hashing over the customer and basket, scaled to 0-99."""
    digest = f"{order['customer']}|{order['total_cents']}|{len(order['items'])}".encode()
    for _ in range(50):
        digest = hashlib.sha256(digest).digest()
    order["fraud_score"] = digest[0] * 100 // 256
    order["review"] = order["fraud_score"] > 90 or order["total_cents"] > 5_000_000


def enrich(order: Order, *, fast: bool = False) -> Order:
    """Run every step in order; the dedupe step must run before pricing totals are summed."""
    (dedupe_line_items_fast if fast else dedupe_line_items)(order)
    lookup_prices(order)
    compute_tax(order)
    fraud_score(order)
    return order
