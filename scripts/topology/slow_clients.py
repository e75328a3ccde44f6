"""50 slow clients must not delay a normal request by more than a second (nginx buffers).

Opens SLOW connections to nginx that send their request headers one byte at a time, then,
while they dribble, times normal requests through the same nginx. Prints the figures and
exits non-zero when the worst normal request took longer than the limit.

    python scripts/topology/slow_clients.py http://127.0.0.1:8300 [--slow 50] [--seconds 8]
"""

import argparse
import socket
import statistics
import sys
import threading
import time
import urllib.request
from urllib.parse import urlsplit


def dribble(host: str, port: int, stop: threading.Event, sent: list[int]) -> None:
    request = (
        b"POST /api/dashboards HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"X-Padding: " + b"x" * 200 + b"\r\nContent-Length: 2\r\n\r\n{}"
    )
    try:
        with socket.create_connection((host, port), timeout=5) as sock:
            for byte in request:
                if stop.is_set():
                    return
                sock.send(bytes([byte]))
                sent[0] += 1
                time.sleep(0.2)
    except OSError:
        return  # nginx dropped it (client_header_timeout): what it should do


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--limit", type=float, default=1.0)
    args = parser.parse_args()
    url = urlsplit(args.base)
    # Warm every worker first (each loads the app on its first request).
    for _ in range(40):
        urllib.request.urlopen(f"{args.base}/healthz", timeout=30).read()
    stop = threading.Event()
    sent = [0]
    threads = [
        threading.Thread(target=dribble, args=(url.hostname, url.port, stop, sent), daemon=True)
        for _ in range(args.slow)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # every slow connection is open and dribbling
    timings = []
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        with urllib.request.urlopen(f"{args.base}/healthz", timeout=30) as response:
            assert response.status == 200
        timings.append(time.perf_counter() - started)
        time.sleep(0.05)
    stop.set()
    worst = max(timings)
    print(
        f"slow clients: {args.slow} connections dribbling headers ({sent[0]} bytes sent); "
        f"{len(timings)} normal requests meanwhile: "
        f"median {statistics.median(timings) * 1000:.1f} ms, "
        f"max {worst * 1000:.1f} ms (limit {args.limit * 1000:.0f} ms)"
    )
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
