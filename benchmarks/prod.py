"""`make bench-prod`: the production topology under load, side by side with one Rasa server on SQLite.

Loopback only, every load bounded in time. Each simulated patient runs a realistic conversation
(greeting, three questions, booking) again and again:
1. one Rasa server with the SQLite tracker store (the single-practice set-up): 50 users for 60 s;
2. the production topology through nginx (2 Rasa + 2 action servers, PostgreSQL, Redis): 50 users
   for 60 s, then a soak at a steady rate (BENCH_SOAK_SECONDS, default 600 s), with the memory of
   every process at the start and the end of the soak;
3. the same with SANIC_WORKERS=2 per Rasa server (BENCH_WORKERS_VARIANT=0 skips it): 50 users for 60 s.
Writes reports/benchmark-prod.md. Not part of CI.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import aiohttp

from benchmarks.load import LoadResult, run_load
from benchmarks.processes import children_by_parent
from deploy.local import PROJECT_ROOT, Ports, Service, Topology
from tests.e2e.servers import Assistant

REPORT = PROJECT_ROOT / "reports" / "benchmark-prod.md"
CONVERSATION = (
    "Hallo",
    "Was ist Leaky Gut?",
    "Kann Stress den Darm durchlässig machen?",
    "Ist ein Leaky Gut reversibel?",
    "ja gerne",
)
USERS = int(os.environ.get("BENCH_USERS", "50"))
BURST_SECONDS = float(os.environ.get("BENCH_BURST_SECONDS", "60"))
SOAK_SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "600"))
SOAK_USERS = int(os.environ.get("BENCH_SOAK_USERS", "10"))
SOAK_INTERVAL = float(os.environ.get("BENCH_SOAK_INTERVAL", "1.0"))  # seconds between one user's messages
WORKERS_VARIANT = os.environ.get("BENCH_WORKERS_VARIANT", "1") != "0"


# --- memory ---------------------------------------------------------------------------------------


def tree_memory_mb(pid: int) -> Tuple[float, float]:
    """RSS and private memory (USS) of a process and all its descendants (PostgreSQL's backends,
    Sanic's workers). RSS counts shared pages, e.g. PostgreSQL's shared buffers, once per process that
    touched them; private memory counts only what each process alone holds, which is where a leak shows."""
    children, rss_kb, private_kb, todo = children_by_parent(), 0, 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                name, _, value = line.partition(":")
                if name == "Rss":
                    rss_kb += int(value.split()[0])
                elif name in ("Private_Clean", "Private_Dirty"):
                    private_kb += int(value.split()[0])
        except OSError:
            continue
    return rss_kb / 1024, private_kb / 1024


def memory_of(services: Sequence[Service]) -> Dict[str, Tuple[float, float]]:
    return {service.name: tree_memory_mb(service.pid()) for service in services if service.pid()}


# --- paced load (the soak) ------------------------------------------------------------------------


async def _paced_patient(
    session: aiohttp.ClientSession, url: str, result: LoadResult, deadline: float, interval: float
) -> None:
    while time.monotonic() < deadline:
        sender = f"soak-{uuid.uuid4().hex[:10]}"
        for message in CONVERSATION:
            started = time.monotonic()
            if started >= deadline:
                return
            try:
                async with session.post(url, json={"sender": sender, "message": message}) as response:
                    await response.read()
                    ok = response.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                ok = False
            if ok:
                result.latencies.append(time.monotonic() - started)
            else:
                result.errors += 1
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))


async def run_paced_load(
    base_url: str, users: int, seconds: float, interval: float, label: str
) -> LoadResult:
    result = LoadResult(label)
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=30), connector=aiohttp.TCPConnector(limit=users)
    ) as session:
        started = time.monotonic()
        await asyncio.gather(
            *(
                _paced_patient(
                    session, f"{base_url}/webhooks/rest/webhook", result, started + seconds, interval
                )
                for _ in range(users)
            )
        )
        result.seconds = time.monotonic() - started
    return result


def burst(url: str, label: str) -> LoadResult:
    return asyncio.run(run_load(url, USERS, BURST_SECONDS, label, messages=CONVERSATION))


# --- the three set-ups ----------------------------------------------------------------------------

Memory = Dict[str, Tuple[float, float]]


def single_sqlite_server(work: Path) -> Tuple[LoadResult, Memory, Memory]:
    assistant = Assistant(work / "single")
    assistant.start(timeout=300)
    try:
        before = {"rasa (SQLite)": tree_memory_mb(assistant.rasa.popen.pid)}
        result = burst(assistant.url, f"1 Rasa server, SQLite: {USERS} users, {BURST_SECONDS:.0f} s")
        after = {"rasa (SQLite)": tree_memory_mb(assistant.rasa.popen.pid)}
    finally:
        assistant.stop()
    return result, before, after


def production_topology(work: Path) -> Tuple[List[LoadResult], Memory, Memory, float]:
    root = work / "prod"
    root.mkdir(parents=True)
    root.chmod(0o755)
    topology = Topology(root, Ports.free(), with_widget=False)
    started = time.monotonic()
    topology.up()
    ready_seconds = time.monotonic() - started
    results = []
    try:
        results.append(
            burst(
                topology.url,
                f"2 Rasa servers behind nginx, PostgreSQL + Redis: {USERS} users, {BURST_SECONDS:.0f} s",
            )
        )
        before = memory_of(topology.services())
        results.append(
            asyncio.run(
                run_paced_load(
                    topology.url,
                    SOAK_USERS,
                    SOAK_SECONDS,
                    SOAK_INTERVAL,
                    f"soak, same topology: {SOAK_USERS} users x 1 message per {SOAK_INTERVAL:g} s, "
                    f"{SOAK_SECONDS:.0f} s",
                )
            )
        )
        after = memory_of(topology.services())
        if WORKERS_VARIANT:
            results.append(_with_sanic_workers(topology, 2))
    finally:
        topology.down()
    return results, before, after, ready_seconds


def _with_sanic_workers(topology: Topology, workers: int) -> LoadResult:
    rasa_servers = [topology.rasa_server(i) for i in range(len(topology.ports.rasa))]
    for server in rasa_servers:
        server.stop()
    topology.sanic_workers = workers
    rasa_servers = [topology.rasa_server(i) for i in range(len(topology.ports.rasa))]
    for server in rasa_servers:
        server.start()
    for server in rasa_servers:
        server.wait_ready(400)
    return burst(
        topology.url,
        f"2 Rasa servers x SANIC_WORKERS={workers}, same topology: {USERS} users, {BURST_SECONDS:.0f} s",
    )


# --- report ---------------------------------------------------------------------------------------

ANALYSIS = [
    "- A Rasa process is CPU-bound (`make bench` shows its messages/s on one core). With 50 users sending "
    "without pause, every set-up here is past saturation: the latencies of the 50-user rows are queueing "
    "time; the soak row shows the latency at a normal load.",
    "- Two Rasa servers cannot double the throughput on 2 cores: the second server gets the second core, "
    "which the single server already shared with its action server and the load generator, and the "
    "topology adds work per message (nginx, Redis lock transactions, PostgreSQL reads and writes instead "
    "of a local SQLite file, PostgreSQL itself). The gain is the share of the second core left over. "
    "SANIC_WORKERS=2 per server means 4 Rasa processes on 2 cores: more processes, not more cores, "
    "so little or no gain.",
    "- The throughput follows the cores given to Rasa processes (servers x SANIC_WORKERS, one per core), "
    "with cores left for PostgreSQL, Redis, nginx and the action servers; measure a larger machine with "
    "`make bench-prod` on it rather than extrapolating from this one.",
    "- PostgreSQL's RSS is summed over its processes, and each backend's RSS includes the pages of the "
    "shared buffer cache (128 MB by default) it has touched; the cache fills as the events table grows. "
    "Private memory counts only what each process holds alone: that is where a leak would show, and "
    "the soak's 10 % target is read on it.",
]


def _growth(start: float, end: float) -> str:
    return f"{(end - start) / start * 100:+.1f} %" if start else "n/a"


def write_report(
    single: LoadResult,
    prod: List[LoadResult],
    single_memory: Tuple[Dict[str, Tuple[float, float]], ...],
    soak_memory: Tuple[Dict[str, Tuple[float, float]], ...],
    ready_seconds: float,
) -> None:
    ratio = prod[0].throughput / single.throughput if single.throughput else float("nan")
    lines = [
        "# Benchmark: production topology",
        "",
        f"Machine: {os.cpu_count()} cores, shared with other work while it ran (figures are a lower bound). "
        "Command: `make bench-prod`. Loopback REST; each simulated patient repeats a "
        f"{len(CONVERSATION)}-message "
        "conversation (greeting, three questions, booking).",
        "",
        f"Production topology start to ready (PostgreSQL, Redis, 2 action servers, 2 Rasa servers, nginx): "
        f"{ready_seconds:.0f} s.",
        "",
        "## Latency and throughput",
        "",
        "| run | requests | messages/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
        single.row(),
        *(result.row() for result in prod),
        "",
        f"Throughput ratio, 2 Rasa servers (PostgreSQL, Redis, nginx) / 1 Rasa server (SQLite): {ratio:.2f}x",
        "",
        "## Memory (MB, process and its children): RSS and private memory",
        "",
        "| process | RSS start | RSS end | RSS growth | private start | private end | private growth |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, (before, after) in (
        ("1 server, before/after the 60 s load", single_memory),
        ("production, soak start/end", soak_memory),
    ):
        lines.append(f"| **{label}** | | | | | | |")
        for name, (rss_start, private_start) in before.items():
            rss_end, private_end = after.get(name, (float("nan"), float("nan")))
            lines.append(
                f"| {name} | {rss_start:.0f} | {rss_end:.0f} | {_growth(rss_start, rss_end)} | "
                f"{private_start:.0f} | {private_end:.0f} | {_growth(private_start, private_end)} |"
            )
    lines += ["", "## Reading the figures", "", *ANALYSIS]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="leaky-gut-bench-prod-"))
    work.chmod(0o755)
    try:
        print(f"Single Rasa server with SQLite: {USERS} users for {BURST_SECONDS:.0f} s ...", flush=True)
        single, single_before, single_after = single_sqlite_server(work)
        print(single.row(), flush=True)
        print(
            f"Production topology: {USERS} users for {BURST_SECONDS:.0f} s, soak {SOAK_SECONDS:.0f} s ...",
            flush=True,
        )
        prod, before, after, ready = production_topology(work)
        for result in prod:
            print(result.row(), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_report(single, prod, (single_before, single_after), (before, after), ready)
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
