"""Screenshots of every perfkit web view for the README tour, from real profiles of the example
service (py-spy, the slow and the fast version), taken in headless Debian chromium.

    python benchmarks/web_screenshots.py [--seconds 5] [--out reports]

Writes reports/web-graph.png, web-top.png, web-flamegraph.png, web-peek.png, web-source.png and
web-diff.png (the flame graph of fast minus slow), and keeps the two profiles it recorded as
reports/web-slow.pb.gz and web-fast.pb.gz, so the pictures can be checked against them.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIEWS = (
    ("graph", "", "slow"),
    ("top", "top", "slow"),
    ("flamegraph", "flamegraph", "slow"),
    ("peek", "peek?f=dedupe_line_items&g=functions", "slow"),
    ("source", "source?f=%5Ededupe_line_items%24", "slow"),
    ("diff", "flamegraph", "diff"),
)


def record(path: Path, seconds: int, *extra: str) -> None:
    command = [sys.executable, str(ROOT / "examples" / "order_service.py"), "--demo", str(seconds), *extra]
    subprocess.run([sys.executable, "-m", "perfkit", "profile", "-o", str(path), "--", *command], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    parser.add_argument("--reuse", action="store_true", help="use the profiles already in --out")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from perfkit import files
    from perfkit.web import Session, WebServer

    slow, fast = args.out / "web-slow.pb.gz", args.out / "web-fast.pb.gz"
    if not (args.reuse and slow.exists() and fast.exists()):
        record(slow, args.seconds)
        record(fast, args.seconds, "--fast")
    servers = {
        "slow": WebServer(Session(files.load(slow), name=slow.name)).start(),
        "diff": WebServer(
            Session(files.load(fast), name=fast.name, base=files.load(slow), base_name=slow.name)
        ).start(),
    }
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        for name, path, which in VIEWS:
            tall = name in ("flamegraph", "diff")  # the flame graph's base is at the bottom
            page.set_viewport_size({"width": 1400, "height": 1250 if tall else 860})
            page.goto(servers[which].url + path)
            page.wait_for_selector("#summary")
            if name == "flamegraph":  # show the search highlighting the hot spot
                page.fill("#search", "dedupe_line_items")
                page.locator("#flame text.matched", has_text="Matched").wait_for()
            page.screenshot(path=str(args.out / f"web-{name}.png"))
            print(f"wrote {args.out / f'web-{name}.png'}")
        browser.close()
    for server in servers.values():
        server.close()


if __name__ == "__main__":
    main()
