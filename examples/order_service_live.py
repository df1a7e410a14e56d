"""The example order service with perfkit's live debug endpoint on, to profile it in production style.

    python examples/order_service_live.py --port 8080 --debug-address 127.0.0.1:6060 --load 60
    perfkit profile --url http://127.0.0.1:6060 --seconds 10 -o live.svg    # while it runs
    perfkit dump --url http://127.0.0.1:6060                                # every thread, now
    curl -s http://127.0.0.1:6060/debug/vars                               # process facts as JSON

``--load S`` drives orders at the service from a client thread for S seconds (like
``order_service.py --demo``), so the profile shows enrichment work; without it the service waits
for your own traffic.  Nothing in order_service.py changes: the endpoint is one ``start()`` call.
To reach it from another machine, set ``PERFKIT_DEBUG_TOKEN`` (16+ characters) in the environment
and use a non-loopback ``--debug-address``; then ``perfkit profile --url ... --token TOKEN``.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from order_service import OrderService, drive_load

import perfkit.debug


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--debug-address", default="127.0.0.1:6060", help="where /debug/pprof listens (loopback)")
    parser.add_argument("--load", type=float, metavar="SECONDS", help="drive orders for SECONDS, then keep serving")
    parser.add_argument("--exit-after-load", action="store_true", help="stop once the load is done")
    args = parser.parse_args(argv)
    debug = perfkit.debug.start(args.debug_address, tracemalloc=False)
    service = OrderService(port=args.port, workers=args.workers).start()
    print(f"order_service on http://{service.address[0]}:{service.address[1]}", flush=True)
    print(f"debug endpoint on {debug.url}/debug/pprof/", flush=True)
    try:
        if args.load:
            client = threading.Thread(target=drive_load, args=(service.address, args.load), name="load-generator")
            client.start()
            client.join()
            if args.exit_after_load:
                return 0
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
        debug.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
