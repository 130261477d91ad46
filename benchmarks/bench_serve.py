"""CDS Hooks service latency under load, beside its floor, measured in one run (machines are
shared and noisy, so the ratio matters more than the absolute figures).

Starts ``advisor serve`` on a free port (or uses ``--url``), then, with keep-alive HTTP/1.1
connections, one per client thread:

1. sequential order-select calls from one client: the service time of one request;
2. the floor: ``GET /healthz`` (no engine) with the same concurrency and count as the load;
3. the load: order-select calls (prefetch included, so no FHIR reads) with ``--clients``
   concurrent clients, rotating over four patients (a critical card, a dose card, an
   interaction dose card, no card), each call with its own patient id and hookInstance:
   as an EHR calls again for one patient and order (at each change of the selection, then
   order-sign), the service judges each of the four once and then takes its findings;
4. the same load with new patients: each call also with its own body weight, so that each
   is judged (the engine's cost for every call).

Prints p50 / p95 / p99 latency, throughput and errors (any answer other than 200, or no
answer). Goal of issue 17: p95 <= 50 ms on one worker with 16 clients, 0 errors.

Run: python benchmarks/bench_serve.py [--requests 1000] [--clients 16] [--workers 1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import fhir_builder as fb  # noqa: E402  (the tests' FHIR R4 builders)

SELECT = "/cds-services/asm-order-select"


EXPECTED = (["critical"], ["warning"], ["warning"], [])  # card indicators of each kind


def requests(n: int, distinct: bool = False) -> list[bytes]:
    """``n`` order-select bodies over four kinds of patient (``i % 4``: see
    :data:`EXPECTED`), each with its own ids; ``distinct``: each also with its own body
    weight (50-100 kg), so that no two are judged alike (no finding of an earlier request
    applies: :mod:`advisor.serve.findings_cache`)."""
    bodies = []
    for i in range(n):
        kg = round(50 + 50 * i / n, 3) if distinct else 70
        pid = f"bench-{i}"
        kind = i % 4
        if kind == 0:  # HLA-B*15:02 positive, carbamazepine: critical + replacements
            genotypes = [fb.genotype(pid, "HLA-B", "HLA-B*15:02 positive"),
                         fb.genotype(pid, "CYP2C9", "*1/*3")]
            order = fb.medication_request(pid, "o", text="carbamazepine 200 mg", rxnorm="2002",
                                          dose_mg=200, per_day=2)
            active = [fb.medication_request(pid, "a", text="levetiracetam 500 MG Oral Tablet",
                                            status="active", dose_mg=500)]
        elif kind == 1:  # CYP2C9 poor metabolizer, phenytoin: dose card
            genotypes = [fb.genotype(pid, "CYP2C9", "*3/*3")]
            order = fb.medication_request(pid, "o", text="phenytoin 100 MG", rxnorm="8183",
                                          dose_mg=100, per_day=3)
            active = []
        elif kind == 2:  # lamotrigine with valproate taken: interaction dose card
            genotypes = [fb.genotype(pid, "CYP2C9", "*1/*1")]
            order = fb.medication_request(pid, "o", text="lamotrigine 25 MG Oral Tablet",
                                          dose_mg=25, per_day=2)
            active = [fb.medication_request(pid, "a", text="valproic acid 250 MG",
                                            status="active", dose_mg=500)]
        else:  # nothing actionable: no card
            genotypes = [fb.genotype(pid, "CYP2C9", "*1/*1"),
                         fb.genotype(pid, "HLA-B", "HLA-B*15:02 negative")]
            order = fb.medication_request(pid, "o", text="levetiracetam 500 MG Oral Tablet",
                                          dose_mg=500, per_day=2)
            active = []
        req = fb.order_select(pid, [order], prefetch=fb.full_prefetch(pid, genotypes,
                                                                      active=active, kg=kg))
        req["hookInstance"] = str(uuid.uuid4())
        bodies.append(json.dumps(req).encode())
    return bodies


def drive(url: str, method: str, path: str, bodies: list[bytes] | None, n: int,
          clients: int) -> tuple[list[float], int, float]:
    """``n`` requests from ``clients`` threads: (latencies in s, errors, wall seconds). An
    error is an answer other than 200, no answer, or (order-select) cards other than
    expected."""
    parts = urlsplit(url)
    lock = threading.Lock()
    state = {"next": 0, "errors": 0}
    latencies: list[float] = []

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= n:
                break
            body = bodies[i % len(bodies)] if bodies else None
            headers = {"Content-Type": "application/json"} if body else {}
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                ok = response.status == 200 and (not body or [
                    c["indicator"] for c in json.loads(data)["cards"]] == EXPECTED[
                        (i % len(bodies)) % len(EXPECTED)])
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                state["errors"] += 0 if ok else 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, state["errors"], time.perf_counter() - wall


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


def report(name: str, latencies: list[float], errors: int, wall: float) -> dict[str, float]:
    out = {"p50": _pct(latencies, 50), "p95": _pct(latencies, 95), "p99": _pct(latencies, 99)}
    print(f"{name:<34} p50 {out['p50']:7.1f} ms  p95 {out['p95']:7.1f} ms  p99 "
          f"{out['p99']:7.1f} ms  {len(latencies) / wall:6.1f} req/s  errors {errors}/"
          f"{len(latencies)}")
    return out


def start_server(workers: int) -> tuple[subprocess.Popen, str, Any]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "advisor.cli", "serve", "--port", str(port),
                             "--workers", str(workers), "--log-level", "warning"],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, url, log
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"advisor serve did not start; see {log.name}")


def server_stack() -> str:
    """The HTTP parser and event loop uvicorn picks in this Python (its "auto" choice)."""
    from importlib.util import find_spec

    http = "httptools" if find_spec("httptools") else "h11"
    loop = "uvloop" if find_spec("uvloop") else "asyncio"
    return f"HTTP parser {http}, event loop {loop}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000, help="requests per phase")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--sequential", type=int, default=100,
                        help="requests of the one-client phase")
    parser.add_argument("--url", help="use a running server instead of starting one")
    args = parser.parse_args()
    proc = log = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        proc, url, log = start_server(args.workers)
    try:
        bodies = requests(max(args.requests, args.sequential))
        drive(url, "POST", SELECT, bodies, 40, 4)  # warm-up
        print(f"advisor serve: {'given server' if args.url else f'{args.workers} worker(s)'}"
              f"{'' if args.url else '; ' + server_stack()}; "
              f"{os.cpu_count()} CPUs; load average before "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        lat, err, wall = drive(url, "POST", SELECT, bodies, args.sequential, 1)
        report(f"order-select, 1 client (n={args.sequential})", lat, err, wall)
        lat, err, wall = drive(url, "GET", "/healthz", None, args.requests, args.clients)
        floor = report(f"floor: GET /healthz, {args.clients} clients", lat, err, wall)
        for name, load_bodies in (("order-select", bodies),
                                  ("order-select, new patients", requests(args.requests,
                                                                          distinct=True))):
            lat, err, wall = drive(url, "POST", SELECT, load_bodies, args.requests,
                                   args.clients)
            load = report(f"{name}, {args.clients} clients", lat, err, wall)
            print(f"  p95 = {load['p95'] / max(floor['p95'], 1e-9):.1f}x the floor's p95; "
                  f"goal p95 <= 50 ms: {'met' if load['p95'] <= 50 and not err else 'NOT met'}"
                  f" (mean {statistics.mean(lat) * 1000:.1f} ms)")
        print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
            Path(log.name).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
