"""Regenerate tests/golden/bench/mannwhitney_scipy.json: scipy's Mann-Whitney p-values for fixed
samples, used only as an independent reference (scipy is not a perfkit dependency).

    python3 -m venv /tmp/scipy-xcheck && /tmp/scipy-xcheck/bin/pip install scipy
    /tmp/scipy-xcheck/bin/python tests/bench/make_mannwhitney_reference.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from scipy.stats import mannwhitneyu  # type: ignore[import-not-found]

OUT = Path(__file__).parents[1] / "golden" / "bench" / "mannwhitney_scipy.json"


def cases() -> list[dict]:
    rng = random.Random(20240601)
    out = []
    for m, n in [(3, 3), (4, 4), (5, 3), (6, 6), (10, 10), (10, 7), (12, 15), (20, 20), (30, 25)]:
        for shift in (0.0, 0.5, 1.5):
            x = [round(rng.gauss(0, 1), 6) for _ in range(m)]
            y = [round(rng.gauss(shift, 1), 6) for _ in range(n)]
            exact = mannwhitneyu(x, y, alternative="two-sided", method="exact")
            out.append({"x": x, "y": y, "method": "exact", "u": float(exact.statistic), "p": float(exact.pvalue)})
    for m, n in [(10, 10), (30, 30), (60, 50)]:
        for shift in (0, 1, 3):
            x = [rng.randint(0, 8) for _ in range(m)]
            y = [rng.randint(0 + shift, 8 + shift) for _ in range(n)]
            approx = mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
            out.append({"x": x, "y": y, "method": "normal", "u": float(approx.statistic), "p": float(approx.pvalue)})
    return out


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(cases(), indent=1) + "\n")
    print(f"wrote {OUT}")
