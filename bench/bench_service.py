"""Load on the HTTP service: N concurrent clients on 127.0.0.1, a fixed count of requests.

    python bench/bench_service.py [--clients 50] [--requests 2000] [--write]

Two servers, each uvicorn in its own process (one worker, as `renstra serve` runs):
the service (`create_app()`, the bundled catalog) and a bare FastAPI app whose one
endpoint returns a constant: the framework's own ceiling on this machine, sent the same
requests as the evaluate scenario (POST /v1/evaluate, the same JSON body, not read). The clients
(one process, asyncio, one keep-alive HTTP/1.1 connection each) send a fixed number of
requests per scenario; every answer is checked (status 200 and the expected body: the
first answer is checked by its parsed value, every later one must be the same bytes), so
an error is counted, never timed as a success. The client is a few lines over asyncio
streams (a request's bytes written, the answer read by its Content-Length), not httpx:
on two cores the clients share the machine with the server, and a heavy client would
be most of what is measured. Reported: throughput, p50 and p99 latency, errors, the
server process's CPU time per request (from /proc: steadier than the wall time), and
the evaluate scenario's throughput over the constant one's round by round.
`--write` replaces the "## HTTP service" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE = ROOT / "docs" / "performance.md"
HEADING = "## HTTP service"

EVALUATE = {
    "indicator": "persentase_pmks",
    "year": 2024,
    "values": {"jumlah_pmks": {"2024": 1009}, "jumlah_penduduk": {"2024": 150000}},
}
BATCH_ROWS = 100
BATCH = {
    "indicator": "persentase_pmks",
    "year": 2024,
    "columns": {
        "jumlah_pmks": list(range(1, BATCH_ROWS + 1)),
        "jumlah_penduduk": [1000] * BATCH_ROWS,
    },
}


@dataclass(frozen=True)
class Scenario:
    name: str
    server: str  # "service" or "constant"
    method: str
    path: str
    body: dict[str, Any] | None
    check: Callable[[Any], bool]
    share: float  # of --requests


SCENARIOS = (
    # the evaluate scenario's own request (method, path, body), answered with a constant
    Scenario(
        "constant (bare FastAPI)",
        "constant",
        "POST",
        "/v1/evaluate",
        EVALUATE,
        lambda b: b == {"ok": 1},
        1,
    ),
    Scenario(
        "evaluate one indicator",
        "service",
        "POST",
        "/v1/evaluate",
        EVALUATE,
        lambda b: b["value"] == "1009/1500",
        1,
    ),
    Scenario(
        f"batch of {BATCH_ROWS} rows",
        "service",
        "POST",
        "/v1/evaluate/batch",
        BATCH,
        lambda b: b["rows"] == BATCH_ROWS and b["value"][0] == "1/10",
        0.25,
    ),
    Scenario(
        "audit summary",
        "service",
        "GET",
        "/v1/catalogs/renstra/audit",
        None,
        lambda b: b["counts"]["checked"] > 0,
        0.25,
    ),
)


def serve(kind: str, port: int) -> None:
    """The server process: uvicorn with the service or the constant app."""
    from fastapi import FastAPI

    if kind == "service":
        from formula_engine.service import create_app

        app = create_app()
    else:
        app = FastAPI()

        @app.post("/v1/evaluate")
        async def constant() -> dict[str, int]:  # the body is not read
            return {"ok": 1}

    from formula_engine.cli_serve import run

    run(app, "127.0.0.1", port, log_level="error")  # as `renstra serve` runs it


def stack() -> str:
    """The event loop and HTTP parser uvicorn picks ("auto"): uvloop and httptools when
    installed (`formula-engine[service]` installs them), else asyncio and h11."""
    from importlib.util import find_spec

    loop = "uvloop" if find_spec("uvloop") else "asyncio"
    http = "httptools" if find_spec("httptools") else "h11"
    return f"uvicorn with {loop} and {http}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--port", str(port)], cwd=ROOT
    )
    for _ in range(1200):
        try:
            asyncio.run(exchange_once(port, b"GET /openapi.json HTTP/1.1\r\nhost: x\r\n\r\n"))
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the {kind} server did not start")


def request_bytes(scenario: Scenario) -> bytes:
    body = b"" if scenario.body is None else json.dumps(scenario.body).encode()
    head = f"{scenario.method} {scenario.path} HTTP/1.1\r\nhost: 127.0.0.1\r\n"
    if body:
        head += f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    """One request on a keep-alive connection: its status and body."""
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def exchange_once(port: int, raw: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await exchange(reader, writer, raw)
    finally:
        writer.close()


async def run(scenario: Scenario, port: int, pid: int, clients: int, count: int) -> dict[str, Any]:
    """`count` requests of `scenario` from `clients` connections to the server `pid` on
    `port`: their latencies, the time they took, errors, and the server's CPU seconds."""
    latencies: list[float] = []
    errors = 0
    queue = iter(range(count))
    raw = request_bytes(scenario)

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for _ in queue:
                started = time.perf_counter()
                try:
                    status, body = await exchange(reader, writer, raw)
                    ok = status == 200 and body == expected
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    ok = False
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                latencies.append(time.perf_counter() - started)
                errors += not ok
        finally:
            writer.close()

    for _ in range(min(clients, 20)):  # warm up: the catalog's models, the audit
        await exchange_once(port, raw)
    # The expected answer, checked once by its meaning (the parsed JSON); every answer
    # is then compared with it byte for byte, for every scenario alike: the client's own
    # cost per answer is the same for the constant and for evaluate.
    status, expected = await exchange_once(port, raw)
    if status != 200 or not scenario.check(json.loads(expected)):
        raise SystemExit(f"{scenario.name}: a wrong answer ({status}): {expected[:200]!r}")
    began, cpu = time.perf_counter(), cpu_seconds(pid)
    await asyncio.gather(*(worker() for _ in range(clients)))
    return {
        "latencies": latencies,
        "elapsed": time.perf_counter() - began,
        "errors": errors,
        "cpu": cpu_seconds(pid) - cpu,
    }


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far; NaN where /proc is not."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(scenario: Scenario, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one scenario together: requests over the time they took, and the
    server's CPU time per request (steadier than the wall time on a shared machine)."""
    latencies = sorted(x for r in rounds for x in r["latencies"])
    return {
        "server_us": 1e6 * sum(r["cpu"] for r in rounds) / len(latencies),
        "scenario": scenario.name,
        "requests": len(latencies),
        "throughput": len(latencies) / sum(r["elapsed"] for r in rounds),
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "errors": sum(r["errors"] for r in rounds),
    }


def in_process_costs(count: int = 3000) -> dict[str, float]:
    """Microseconds per call, in this process, of what one evaluate request does besides
    HTTP: the facade's evaluation, and the same through the ASGI app without a socket
    (beside the constant endpoint's app the same way): where the time goes."""
    from fastapi import FastAPI

    from formula_engine import api
    from formula_engine.service import create_app

    handle = api.load_catalog()
    values = EVALUATE["values"]
    assert isinstance(values, dict)

    def engine() -> None:
        api.evaluate_indicator(handle, "persentase_pmks", values, 2024)

    constant = FastAPI()

    @constant.post("/v1/evaluate")
    async def ok() -> dict[str, int]:
        return {"ok": 1}

    service = create_app()
    body = json.dumps(EVALUATE).encode()

    async def asgi(app: Any, method: str, path: str, data: bytes) -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"x"), (b"content-length", str(len(data)).encode())],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        messages = [{"type": "http.request", "body": data, "more_body": False}]
        statuses: list[int] = []

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)
        assert statuses == [200], statuses

    def timed(run: Callable[[], Any]) -> float:
        for _ in range(100):
            run()
        began = time.perf_counter()
        for _ in range(count):
            run()
        return 1e6 * (time.perf_counter() - began) / count

    loop = asyncio.new_event_loop()
    try:
        return {
            "engine": timed(engine),
            "evaluate (ASGI)": timed(
                lambda: loop.run_until_complete(asgi(service, "POST", "/v1/evaluate", body))
            ),
            "constant (ASGI)": timed(
                lambda: loop.run_until_complete(asgi(constant, "POST", "/v1/evaluate", body))
            ),
        }
    finally:
        loop.close()


def table(results: list[dict[str, Any]], clients: int) -> str:
    ceiling = results[0]["throughput"]
    lines = [
        f"{clients} concurrent clients; ratio: throughput / the constant endpoint's.",
        "",
        "| scenario | requests | req/s | ratio | p50 (ms) | p99 (ms) | errors "
        "| server CPU per request (µs) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['scenario']} | {r['requests']:,} | {r['throughput']:,.0f} | "
            f"{r['throughput'] / ceiling:.0%} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['errors']} | {r['server_us']:.0f} |"
        )
    return "\n".join(lines)


def write(section: str) -> None:
    text = PERFORMANCE.read_text(encoding="utf-8")
    if HEADING in text:
        before, _, after = text.partition(HEADING)
        rest = after.split("\n## ", 1)
        text = before + section + ("\n## " + rest[1] if len(rest) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    PERFORMANCE.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="the requests of each scenario in this many rounds, the scenarios taking turns "
        "(so that a change of the machine's load falls on all of them)",
    )
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    parser.add_argument("--serve", choices=("service", "constant"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve, arguments.port)
        return
    load_before = os.getloadavg()[0]
    servers = {kind: start(kind) for kind in ("constant", "service")}
    try:
        rounds: dict[str, list[dict[str, Any]]] = {scenario.name: [] for scenario in SCENARIOS}
        for _ in range(arguments.rounds):
            for scenario in SCENARIOS:
                count = max(1, int(arguments.requests * scenario.share / arguments.rounds))
                port = servers[scenario.server][1]
                pid = servers[scenario.server][0].pid
                rounds[scenario.name].append(
                    asyncio.run(run(scenario, port, pid, arguments.clients, count))
                )
        results = [summary(scenario, rounds[scenario.name]) for scenario in SCENARIOS]
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait()
    load = os.getloadavg()[0]
    body = table(results, arguments.clients)
    print(body)
    print(f"load average {load_before:.1f} before, {load:.1f} after; {stack()}")
    evaluate = results[1]
    ratio = evaluate["throughput"] / results[0]["throughput"]
    per_round = sorted(
        (len(e["latencies"]) / e["elapsed"]) / (len(c["latencies"]) / c["elapsed"])
        for e, c in zip(rounds[SCENARIOS[1].name], rounds[SCENARIOS[0].name], strict=True)
    )
    goals = (
        "Against issue 12's goals for one evaluation at 50 clients: throughput "
        f"{ratio:.0%} of the ceiling (goal 80%: {'met' if ratio >= 0.8 else 'not met'}), "
        f"p99 {evaluate['p99_ms']:.0f} ms (goal 50 ms: "
        f"{'met' if evaluate['p99_ms'] <= 50 else 'not met'}), errors "
        f"{sum(r['errors'] for r in results)} (goal 0). Round by round: median "
        f"{statistics.median(per_round):.0%} ({per_round[0]:.0%}-{per_round[-1]:.0%}, "
        f"{len(per_round)} rounds)."
    )
    print(goals)
    costs = in_process_costs()
    where = (
        "Where an evaluation's time goes (µs per call in the bench's process, no socket): "
        + ", ".join(f"{name} {micro:.0f}" for name, micro in costs.items())
        + ". The service adds to the framework's own cost what the request needs: the "
        "body read and validated, the engine's evaluation and its Result, the JSON."
    )
    print(where)
    if arguments.write:
        section = (
            f"{HEADING}\n\n"
            f"Figures from `bench/bench_service.py` ({stack()}, one worker, in its own "
            "process; the clients in another: asyncio, one keep-alive connection each, "
            "over 127.0.0.1; every answer checked). The constant endpoint is a FastAPI "
            "route sent the evaluate scenario's own requests (POST /v1/evaluate, the same "
            "JSON body, which it does not read); the service's evaluate endpoint is served "
            "by a bare ASGI route (`JsonPost`: a framework's handling of a route costs more "
            "than the evaluation), the others by FastAPI routes.\n\n"
            f"Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
            f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, load average {load_before:.1f} before and "
            f"{load:.1f} after.\n\n"
            f"Reproduce: `python bench/bench_service.py --clients {arguments.clients} "
            f"--requests {arguments.requests} --rounds {arguments.rounds}` (each "
            "scenario's requests in rounds, the scenarios taking turns).\n\n"
            f"{body}\n\n{goals}\n\n{where}\n"
        )
        write(section)


if __name__ == "__main__":
    main()
