"""Time perfkit web on a million-sample profile: start-up, the first page, switching views, a new
filter, against ``go tool pprof -http`` on the same file as a reference.

    python benchmarks/bench_web.py [--samples 1000000] [--stacks 50000] [--rounds 3] [--dwell 10]
        [--no-pprof] [--out reports/web-bench.md]

The profile is bench_pprof.py's (seeded: 3,000 functions, stacks 10-40 frames deep, two sample
types, a thread label on a third of the samples), written with one pprof Sample per sample, so
the UI holds a million sample rows.  Both UIs run as the user runs them (``perfkit web FILE
--no-browser``, ``go tool pprof -http=127.0.0.1:PORT -no_browser FILE``) and are asked over HTTP,
one request at a time, each URL of perfkit then the same URL of pprof (A, B, A, B ...), so load on
the shared machine hits both alike; ``uptime`` load is recorded before and after.

Phases, each a list of URLs timed from request to last byte:

* start: from launching the process until it serves (reading the profile);
* first page: ``/ui/`` (the call graph), right after start (perfkit's before pprof is started);
* switch at once: perfkit's top and flame graph right after its first page (it computes the
  default views in the background after start: this is the wait for them);
* first visits: every other view once, after pprof started and showed its first page;
* show all: the rest of the first peek block's callers (perfkit's peek page lists the heaviest
  of each node's callers and callees and fetches the rest when asked);
* revisits: every view again, ``--rounds`` times (perfkit answers from its caches; pprof keeps no
  results, so its revisit costs its first visit and is not asked again);
* new filter: a focus no page has used, on top; then, ``--dwell`` seconds later (a user reading
  it, while perfkit prefetches the other views of that query), every other view.
"""

from __future__ import annotations

import argparse
import html
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pprof import synthetic

ROOT = Path(__file__).resolve().parents[1]
VIEWS = ("top", "flamegraph", "", "peek?f={hot}", "source?f={hot}")
PERFKIT_READY = re.compile(r"on (http://\S+) \(Ctrl-C")
PPROF_READY = re.compile(r"Serving web UI on (http://\S+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uptime() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def get(url: str) -> float:
    """Seconds to fetch ``url`` completely (it must answer 200)."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=1800) as response:
        response.read()
        assert response.status == 200, url
    return time.perf_counter() - start


class UI:
    """One running UI process and its base URL."""

    def __init__(self, name: str, argv: list[str], ready: re.Pattern[str], env: dict[str, str] | None = None) -> None:
        self.name = name
        start = time.perf_counter()
        # both print their address on stderr; merged, so one pipe is read
        self.proc = subprocess.Popen(argv, stderr=subprocess.STDOUT, stdout=subprocess.PIPE, text=True, env=env)
        said = []
        while True:
            line = self.proc.stdout.readline()
            said.append(line)
            if not line:
                raise SystemExit(f"{name} did not start: {''.join(said)}")
            found = ready.search(line)
            if found:
                self.base = found.group(1).rstrip("/").removesuffix("/ui")
                break
        if name == "pprof":  # pprof prints its address before it listens; any answer will do
            while True:
                try:
                    urllib.request.urlopen(self.base + "/ui/no-such-page", timeout=60).read()
                    break
                except urllib.error.HTTPError:
                    break
                except OSError:
                    time.sleep(0.05)
        self.start = time.perf_counter() - start

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def hot_function(folder: Path, samples: int, stacks: int) -> str:
    """The heaviest function by cum among the sampled ones, for the peek and source views."""
    from perfkit.formats import pprof
    from perfkit.graph import GraphOptions, ReportKind, build_graph

    profile = pprof.read(folder / "web.pb.gz")
    graph = build_graph(profile, GraphOptions(nodecount=5, sort="cum"), ReportKind.TEXT, edges=False)
    return graph.nodes[0].info.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--stacks", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-pprof", action="store_true", help="skip go tool pprof (the reference)")
    parser.add_argument("--dwell", type=float, default=10.0, help="seconds on a new filter's page before switching")
    args = parser.parse_args()
    from perfkit.formats import pprof

    load_before = uptime()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "web.pb.gz"
        path.write_bytes(pprof.write(synthetic(args.samples, args.stacks), aggregate=False))
        hot = hot_function(folder, args.samples, args.stacks)
        focus = "func_7\\b"  # matches the function's lines too (peek and source list lines)
        rows: list[tuple[str, str, dict[str, float]]] = []
        uis: list[UI] = []

        def measure(phase: str, view: str, among: list[UI] | None = None) -> None:
            url_path = "/ui/" + view.format(hot=hot)
            times = {ui.name: get(ui.base + url_path) for ui in (among or uis)}
            rows.append((phase, url_path, times))
            print(phase, url_path, {k: f"{v:.2f}" for k, v in times.items()}, flush=True)

        try:
            # each UI's first page right after it starts (perfkit then computes the other default
            # views in the background, so the first page is asked before anything else runs)
            uis.append(
                UI("perfkit", [sys.executable, "-m", "perfkit", "web", str(path), "--no-browser"], PERFKIT_READY)
            )
            first = {"perfkit": get(uis[0].base + "/ui/")}
            rows.append(("first page", "/ui/", first))  # pprof's time joins it below
            # switching at once, while perfkit may still be computing the other default views
            for view in ("top", "flamegraph"):
                measure("switch at once", view, uis[:1])
            go = shutil.which("go")
            if go and not args.no_pprof:
                env = {**os.environ, "HOME": tmp, "PPROF_TMPDIR": tmp}
                port = free_port()  # pprof prints the port it was given, so 0 would not do
                argv = [go, "tool", "pprof", f"-http=127.0.0.1:{port}", "-no_browser", str(path)]
                uis.append(UI("pprof", argv, PPROF_READY, env))
                first["pprof"] = get(uis[1].base + "/ui/")
            print("first page", first, flush=True)
            for view in VIEWS:
                if view:
                    measure("first visit", view)
            # peek lists each node's heaviest callers and callees; "show all" fetches the rest of
            # the heaviest block's (pprof's peek has them all on the page: no counterpart)
            with urllib.request.urlopen(f"{uis[0].base}/ui/peek?f={quote(hot)}", timeout=1800) as response:
                peek_page = response.read().decode("utf-8")
            show_all = re.search(r'class="show-all" href="\./([^"]+)"', peek_page)
            if show_all:
                measure("show all", html.unescape(show_all.group(1)), uis[:1])
            for _ in range(args.rounds):  # pprof keeps no results: its revisit is its first visit
                for view in VIEWS:
                    measure("revisit", view, uis[:1])
            measure("new filter", f"top?f={quote(focus)}")
            time.sleep(args.dwell)  # the user reads the page; perfkit prefetches its other views
            for view in ("", "flamegraph", "source", "peek"):
                measure(f"then, {args.dwell:g} s later", f"{view}?f={quote(focus)}")
        finally:
            for ui in uis:
                ui.close()
    text = report(args, hot, focus, uis, rows, load_before, uptime())
    print(text)
    if args.out:
        args.out.write_text(text)


def report(args, hot, focus, uis, rows, load_before: str, load_after: str) -> str:
    names = [ui.name for ui in uis]
    lines = [
        "# perfkit web on a million-sample profile",
        "",
        "Remake with:",
        "",
        f"    python benchmarks/bench_web.py --samples {args.samples} --stacks {args.stacks} --rounds {args.rounds}"
        f" --dwell {args.dwell:g} --out reports/web-bench.md",
        "",
        f"Profile: bench_pprof.py's, {args.samples:,} samples (one pprof Sample each) over {args.stacks:,} stacks "
        f"10-40 frames deep from 3,000 functions. Peek and source ask for `f={hot}` (the heaviest function by cum), "
        f"the new filter is `f={focus}`.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}; "
        f"load average (1, 5, 15 min) {load_before} before, {load_after} after. Each URL is asked of perfkit, "
        "then of pprof, one request at a time.",
        "",
        "| phase | " + " | ".join(f"{n} start (read)" for n in names) + " |",
        "|---|" + "---:|" * len(names),
        "| start | " + " | ".join(f"{ui.start:.2f} s" for ui in uis) + " |",
        "",
        "| phase | URL | " + " | ".join(names) + " |",
        "|---|---|" + "---:|" * len(names),
    ]
    for phase, url, times in rows:
        cells = [f"{times[n]:.2f} s" if n in times else "–" for n in names]
        lines.append(f"| {phase} | `{url}` | " + " | ".join(cells) + " |")

    def span(phase: str) -> str:
        times = [t["perfkit"] for p, _u, t in rows if p == phase]
        return f"{min(times):.2f}-{max(times):.2f} s"

    first = next(t for p, _u, t in rows if p == "first page")["perfkit"]
    lines += [
        "",
        f"perfkit: first page {first:.2f} s; switching at once {span('switch at once')}; "
        f"first visits {span('first visit')}; revisits {span('revisit')}; a new filter on top "
        f"{span('new filter')}, then the other views {span(f'then, {args.dwell:g} s later')}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
