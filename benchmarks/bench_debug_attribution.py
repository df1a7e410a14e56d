"""Does perfkit.debug's in-process CPU profile tell the truth?  Compared with py-spy on the same load.

    python benchmarks/bench_debug_attribution.py [--server uvicorn|gunicorn] [--repeat 3] [--seconds 5]
        [--out reports/debug-attribution.md]

A real server (uvicorn ``--workers 2`` serving tests/debug/programs/fastapi_app.py, or gunicorn
sync ``-w 2`` serving flask_app.py) is loaded on its heavy endpoint by client threads; in each
round, one request to ``/debug/pprof/profile?seconds=N`` (all workers, in process) and
``perfkit profile --pid W --duration N`` (py-spy, attached to one worker W) run over the *same*
window.  The in-process profile restricted to ``pid=W`` is compared with py-spy's: each
function's flat share of total CPU (self time, like ``pprof -top``), for the top 5 functions of
either profile.  Rounds repeat to show the spread on a shared machine.
"""

from __future__ import annotations

import argparse
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

from tests.debug.servers import Load, gunicorn, request, uvicorn, wait_for_workers  # noqa: E402

from perfkit import files  # noqa: E402
from perfkit.formats import pprof  # noqa: E402
from perfkit.model import Profile  # noqa: E402


def flat_shares(profile: Profile, *, pid: str | None = None, thread: str = "MainThread") -> dict[str, float]:
    """Function -> % of the serving thread's CPU spent in it (self), optionally one pid's only."""
    flat: dict[str, float] = {}
    for sample in profile.samples():
        if pid is not None and sample.labels.get("pid") != pid:
            continue
        if sample.labels.get("thread") != thread:
            continue
        name = sample.stack[-1].function.rsplit(".", 1)[-1] if sample.stack else "(no Python frames)"
        flat[name] = flat.get(name, 0.0) + sample.values[-1]
    total = sum(flat.values()) or 1.0
    return {name: 100.0 * value / total for name, value in flat.items()}


def one_round(url: str, worker: int, seconds: float, tmp: Path) -> tuple[dict[str, float], dict[str, float]]:
    result: dict[str, bytes] = {}

    def in_process() -> None:
        status, _, body = request(url, f"/debug/pprof/profile?seconds={seconds:g}", timeout=seconds + 60)
        if status != 200:
            raise SystemExit(f"profile: HTTP {status}: {body[:200]!r}")
        result["body"] = body

    thread = threading.Thread(target=in_process)
    thread.start()
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
    thread.join()
    if done.returncode != 0:
        raise SystemExit(f"py-spy: {done.stderr.strip()}")
    ours = flat_shares(pprof.decode(result["body"]), pid=str(worker))
    theirs = flat_shares(files.load(out))
    return ours, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=("uvicorn", "gunicorn"), default="uvicorn")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    start = uvicorn("--workers", "2") if args.server == "uvicorn" else gunicorn("-w", "2")
    rounds = []
    load_before = os.getloadavg()
    with start as server, tempfile.TemporaryDirectory() as tmp:
        pids = wait_for_workers(server.url, 2)
        with Load(server.url, "/heavy", args.clients) as load:
            for n in range(args.repeat):
                ours, theirs = one_round(server.url, pids[n % len(pids)], args.seconds, Path(tmp))
                rounds.append((ours, theirs))
                print(
                    f"round {n + 1}: "
                    + ", ".join(f"{f} {ours.get(f, 0):.1f}/{theirs.get(f, 0):.1f}" for f in top(ours, theirs)),
                    flush=True,
                )
            served = load.done
    load_after = os.getloadavg()
    report = render(args, rounds, served, load_before, load_after)
    print(report)
    if args.out:
        args.out.write_text(report)


def top(ours: dict[str, float], theirs: dict[str, float], n: int = 5) -> list[str]:
    names = sorted(ours, key=lambda f: -ours[f])[:n] + sorted(theirs, key=lambda f: -theirs[f])[:n]
    return list(dict.fromkeys(names))


def render(args, rounds, served, load_before, load_after) -> str:
    names: list[str] = []
    for ours, theirs in rounds:
        names += top(ours, theirs)
    names = sorted(set(names), key=lambda f: -statistics.mean(t.get(f, 0) for _o, t in rounds))
    lines = [
        f"### {args.server}: in-process CPU profile vs py-spy, flat % of total CPU",
        "",
        f"Python {platform.python_version()}, {args.repeat} rounds of {args.seconds:g} s, {args.clients} client "
        f"threads on /heavy ({served} requests served); load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after (2-core shared machine).",
        "",
        "| function | perfkit.debug (rounds) | py-spy (rounds) | largest gap, points |",
        "|---|---|---|---:|",
    ]
    worst = 0.0
    for name in names:
        ours = [o.get(name, 0.0) for o, _t in rounds]
        theirs = [t.get(name, 0.0) for _o, t in rounds]
        gap = max(abs(a - b) for a, b in zip(ours, theirs))
        worst = max(worst, gap)
        cells = " / ".join(f"{v:.1f}" for v in ours), " / ".join(f"{v:.1f}" for v in theirs)
        lines.append(f"| `{name}` | {cells[0]} | {cells[1]} | {gap:.1f} |")
    lines += ["", f"Largest gap over the top-5 functions of either profile, any round: **{worst:.1f} points**.", ""]
    lines.append(
        f"Remake: `python benchmarks/bench_debug_attribution.py --server {args.server} --repeat {args.repeat} "
        f"--seconds {args.seconds:g}`"
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
