"""Does perfkit.debug's in-process CPU profile tell the truth?  Compared with py-spy on the same load.

    python benchmarks/bench_debug_attribution.py [--server uvicorn|gunicorn-threads] [--repeat 5]
        [--seconds 5] [--out reports/debug-attribution.md]

A real server is loaded on its heavy endpoint by client threads: ``uvicorn`` serves
tests/debug/programs/fastapi_app.py (one worker, the event loop thread does all the work; compared
on that thread, MainThread), ``gunicorn-threads`` serves flask_app.py with ``-w 1 --threads 4``
(compared on the whole process).  In each round, one request to ``/debug/pprof/profile?seconds=N``
(in process) and ``perfkit profile --pid W --duration N`` (py-spy, attached from outside) run over
the same window: each function's flat share of the CPU (self time, like ``pprof -top``), for the
top 5 functions of either profile.  A third, independent reference: the app times its hot function
and the socket write (``write``) with ``time.thread_time_ns()`` and reports the thread's and the
process's CPU clocks (``/measured`` before and after the window), which gives their true shares.
The in-process sampler's own CPU (profile metadata) is reported too.  Rounds repeat to show the
spread on a shared machine; for before/after, run it on both trees alternately.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.debug.servers import Load, gunicorn, request, uvicorn  # noqa: E402

from perfkit import files  # noqa: E402
from perfkit.formats import pprof  # noqa: E402
from perfkit.model import Profile  # noqa: E402

#: --server: (server, hot function, thread compared: None for every thread of the process)
SERVERS = {
    "uvicorn": lambda: (uvicorn(), "score_basket", "MainThread"),
    "gunicorn-threads": lambda: (gunicorn("-w", "1", "--threads", "4"), "checksum_orders", None),
}


#: functions the apps time themselves (/measured): the hot one, and the socket write
MEASURED_FUNCTIONS = ("score_basket", "checksum_orders", "write")


def flat_shares(profile: Profile, *, pid: str | None = None, thread: str | None = "MainThread") -> dict[str, float]:
    """Function -> % of the serving thread's CPU (every thread's with ``thread=None``) spent in it
    (self), optionally one pid's only."""
    flat: dict[str, float] = {}
    for sample in profile.samples():
        if pid is not None and sample.labels.get("pid") != pid:
            continue
        if thread is not None and sample.labels.get("thread") != thread:
            continue
        name = sample.stack[-1].function.rsplit(".", 1)[-1] if sample.stack else "(no Python frames)"
        flat[name] = flat.get(name, 0.0) + sample.values[-1]
    total = sum(flat.values()) or 1.0
    return {name: 100.0 * value / total for name, value in flat.items()}


def measured(url: str) -> dict[str, int]:
    status, _, body = request(url, "/measured")
    if status != 200:
        raise SystemExit(f"/measured: HTTP {status}")
    return json.loads(body)


def one_round(
    url: str, worker: int, seconds: float, tmp: Path, hot: str, thread: str | None
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    result: dict[str, bytes] = {}
    before = measured(url)

    def in_process() -> None:
        path = f"/debug/pprof/profile?seconds={seconds:g}&workers=self"
        status, _, body = request(url, path, timeout=seconds + 60)
        if status != 200:
            raise SystemExit(f"profile: HTTP {status}: {body[:200]!r}")
        result["body"] = body

    fetcher = threading.Thread(target=in_process)
    fetcher.start()
    out = tmp / f"pyspy-{time.monotonic_ns()}.pb.gz"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "perfkit",
            "profile",
            "--pid",
            str(worker),
            "--duration",
            f"{seconds:g}",
            "-q",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    fetcher.join()
    after = measured(url)
    if done.returncode != 0:
        raise SystemExit(f"py-spy: {done.stderr.strip()}")
    mine = pprof.decode(result["body"])
    ours = flat_shares(mine, thread=thread)
    #: the sampler's own CPU, ms per second of profile (its thread is not in the profile)
    ours["(sampler ms/s)"] = (
        1e3 * int(mine.metadata.get("sampler_cpu_ns", 0)) / max(1, int(mine.metadata.get("duration_ns", 1)))
    )
    theirs = flat_shares(files.load(out), thread=thread)
    clock = "thread_cpu_ns" if thread else "process_cpu_ns"
    spent = max(1, after[clock] - before[clock])
    truth = {name: 100.0 * (after[name] - before[name]) / spent for name in MEASURED_FUNCTIONS if name in after}
    return ours, theirs, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--server", choices=SERVERS, default="uvicorn")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    start, hot, thread = SERVERS[args.server]()
    rounds = []
    load_before = os.getloadavg()
    with start as server, tempfile.TemporaryDirectory() as tmp:
        worker = measured(server.url)["pid"]
        with Load(server.url, "/heavy", args.clients) as load:
            for n in range(args.repeat):
                ours, theirs, truth = one_round(server.url, worker, args.seconds, Path(tmp), hot, thread)
                rounds.append((ours, theirs, truth))
                print(
                    f"round {n + 1}: "
                    + ", ".join(f"{f} {ours.get(f, 0):.1f}/{theirs.get(f, 0):.1f}" for f in top(ours, theirs))
                    + " | measured "
                    + ", ".join(f"{f} {v:.1f}" for f, v in truth.items()),
                    flush=True,
                )
            served = load.done
    load_after = os.getloadavg()
    report = render(args, rounds, served, load_before, load_after, hot)
    print(report)
    if args.out:
        args.out.write_text(report)


def top(ours: dict[str, float], theirs: dict[str, float], n: int = 5) -> list[str]:
    ours = {name: share for name, share in ours.items() if not name.startswith("(")}
    names = sorted(ours, key=lambda f: -ours[f])[:n] + sorted(theirs, key=lambda f: -theirs[f])[:n]
    return list(dict.fromkeys(names))


def render(args, rounds, served, load_before, load_after, hot) -> str:
    names: list[str] = []
    for ours, theirs, _truth in rounds:
        names += top(ours, theirs)
    names = sorted(
        set(names) - {"(sampler ms/s)"}, key=lambda f: -statistics.median(t.get(f, 0) for _o, t, _m in rounds)
    )
    lines = [
        f"### {args.server}: in-process CPU profile vs py-spy vs the app's own clock",
        "",
        "Flat % of the serving thread's CPU." if args.server == "uvicorn" else "Flat % of the process's CPU.",
        "",
        f"Python {platform.python_version()}, {args.repeat} rounds of {args.seconds:g} s, {args.clients} client "
        f"threads on /heavy ({served} requests served); load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after (2-core shared machine).",
        "",
        "| function | perfkit.debug (rounds) | median | py-spy (rounds) | median | measured (rounds) | median |",
        "|---|---|---:|---|---:|---|---:|",
    ]
    gaps = []
    to_truth: list[tuple[float, float, str]] = []
    for name in names:
        ours = [o.get(name, 0.0) for o, _t, _m in rounds]
        theirs = [t.get(name, 0.0) for _o, t, _m in rounds]
        truth = [m[name] for _o, _t, m in rounds] if name in rounds[0][2] else []
        gaps.append((abs(statistics.median(ours) - statistics.median(theirs)), name))
        if truth:
            to_truth.append(
                (
                    statistics.median(ours) - statistics.median(truth),
                    statistics.median(theirs) - statistics.median(truth),
                    name,
                )
            )
        cells = [" / ".join(f"{v:.1f}" for v in values) for values in (ours, theirs, truth)]
        medians = [f"{statistics.median(values):.1f}" if values else "" for values in (ours, theirs, truth)]
        lines.append(
            f"| `{name}` | {cells[0]} | {medians[0]} | {cells[1]} | {medians[1]} | {cells[2]} | {medians[2]} |"
        )
    worst, worst_name = max(gaps)
    sampler_cost = [o.get("(sampler ms/s)", 0.0) for o, _t, _m in rounds]
    lines += [
        "",
        f"Largest gap between the medians, top-5 functions of either profile: **{worst:.1f} points** (`{worst_name}`).",
        "",
        "The in-process sampler's own CPU, ms per second of profile (rounds): "
        + " / ".join(f"{v:.1f}" for v in sampler_cost)
        + f" (median {statistics.median(sampler_cost):.1f}).",
        "",
        "Against the app's own clock (median minus measured, points): "
        + "; ".join(f"`{name}` perfkit.debug {o:+.1f}, py-spy {t:+.1f}" for o, t, name in to_truth)
        + ".",
        "",
        f"Remake: `python benchmarks/bench_debug_attribution.py --server {args.server} --repeat {args.repeat} "
        f"--seconds {args.seconds:g}`",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
