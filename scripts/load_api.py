"""Load test of the API on loopback (not a test of the suite): N concurrent clients for T seconds against
the alignment and search routes; prints requests per second and p50/p99 latency per route.

    .venv/bin/python scripts/load_api.py --clients 8 --seconds 10 [--home DIR]

Starts ``uvicorn --factory iekg.api.main:create_app`` on 127.0.0.1 on a free port in a subprocess over
the graph in ``--home`` (or ``IEKG_HOME``; a fresh demo graph is built in a temporary folder when that
holds none), waits for ``/health``, runs the clients (threads, one ``httpx.Client`` each), then stops the
server.  Bounded: at most 64 clients, 120 seconds and 200 000 requests; loopback only.
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HOST = "127.0.0.1"
MAX_CLIENTS, MAX_SECONDS, MAX_REQUESTS = 64, 120.0, 200_000
CITIES = ["410100", "410200", "410300", "410700", "411000", "411500", "419001"]
QUERIES = ["开封", "黄河水利", "汽车", "郑州大学", "新能源", "kaifeng", "软件", "装备"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def ensure_graph(home: Path) -> None:
    if (home / "graph.sqlite").exists():
        return
    from iekg import service
    from iekg.graph.sqlitestore import SqliteStore
    from iekg.settings import Settings

    print(f"building the demo graph in {home} …", flush=True)
    service.build(SqliteStore(home / "graph.sqlite"), Settings(home=home))


def start_server(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "IEKG_HOME": str(home)}
    env.pop("IEKG_CORS_ORIGINS", None)
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "iekg.api.main:create_app", "--host", HOST,
           "--port", str(port), "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(cmd, env=env)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer /health in time")


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {"alignment": [], "search": []}
        self.errors: dict[str, int] = {"alignment": 0, "search": 0}
        self.count = 0


def client(base: str, stop_at: float, stats: Stats, seed: int) -> None:
    cities = itertools.cycle(CITIES[seed % len(CITIES):] + CITIES[:seed % len(CITIES)])
    queries = itertools.cycle(QUERIES[seed % len(QUERIES):] + QUERIES[:seed % len(QUERIES)])
    routes = itertools.cycle(["alignment", "search"])
    with httpx.Client(base_url=base, timeout=30) as http:
        while time.monotonic() < stop_at:
            route = next(routes)
            url, params = (("/analysis/alignment", {"city": next(cities)}) if route == "alignment"
                           else ("/search", {"q": next(queries), "limit": 20}))
            t0 = time.perf_counter()
            try:
                ok = http.get(url, params=params).status_code == 200
            except httpx.HTTPError:
                ok = False
            dt = time.perf_counter() - t0
            with stats.lock:
                stats.latency[route].append(dt)
                stats.errors[route] += 0 if ok else 1
                stats.count += 1
                if stats.count >= MAX_REQUESTS:
                    return


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", "-n", type=int, default=8)
    ap.add_argument("--seconds", "-t", type=float, default=10.0)
    ap.add_argument("--home", type=Path, default=os.environ.get("IEKG_HOME"))
    args = ap.parse_args()
    n = max(1, min(args.clients, MAX_CLIENTS))
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    with tempfile.TemporaryDirectory(prefix="iekg-load-") as tmp:
        home = Path(args.home) if args.home else Path(tmp)
        ensure_graph(home)
        port = free_port()
        base = f"http://{HOST}:{port}"
        proc = start_server(home, port)
        try:
            wait_ready(base, proc)
            # one warm-up round: the first alignment of a year and the pinyin index are built once
            with httpx.Client(base_url=base, timeout=60) as http:
                http.get("/analysis/alignment", params={"city": CITIES[0]})
                http.get("/search", params={"q": "kaifeng"})
            stats = Stats()
            stop_at = time.monotonic() + seconds
            threads = [threading.Thread(target=client, args=(base, stop_at, stats, i), daemon=True) for i in range(n)]
            t0 = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join(timeout=seconds + 60)
            wall = time.perf_counter() - t0
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print(f"iekg API load: {n} clients, {seconds:g} s, {base} (uvicorn, 1 worker), graph {home}")
    print(f"{'route':<26}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    total = 0
    for route, path in (("alignment", "/analysis/alignment"), ("search", "/search")):
        xs = stats.latency[route]
        total += len(xs)
        print(f"{path:<26}{len(xs):>10}{stats.errors[route]:>8}{len(xs) / wall:>10.1f}"
              f"{pct(xs, 50) * 1000:>10.1f}{pct(xs, 99) * 1000:>10.1f}")
    print(f"{'all':<26}{total:>10}{sum(stats.errors.values()):>8}{total / wall:>10.1f}")


if __name__ == "__main__":
    main()
