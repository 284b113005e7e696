"""`make bench`: accuracy, latency, throughput, training time, memory and start-up, side by side with
Rasa's default pipeline (the one `rasa init` uses) trained on the same data. Writes reports/benchmark.md.
Runs on loopback only, every load bounded in time. Not part of CI."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import uvloop
import yaml

from addons.patches import SPEEDUPS
from benchmarks.load import run_load
from benchmarks.processes import children_by_parent
from benchmarks.triage import SET as TRIAGE_SET
from benchmarks.triage import TriageFigures, triage_figures
from deploy.local import NginxLayout, TopologyError, nginx_bin, render_nginx_config
from tests.e2e.servers import PROJECT_ROOT, Assistant, free_port, private_redis, wait_for_http
from tests.nlu.holdout import accuracy, load_unseen, noisy_holdout
from tests.nlu.sets import FAQ_SETS

REPORT = PROJECT_ROOT / "reports" / "benchmark.md"
EVAL_SETS = {name: PROJECT_ROOT / f"tests/nlu/{name}.yml" for name in FAQ_SETS}
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "bench"
SPEEDUPS_OFF = "this assistant (speed-ups off)"
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "30"))
ENV = {
    **os.environ,
    "RASA_TELEMETRY_ENABLED": "false",
    "TQDM_DISABLE": "1",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def default_rasa_config(path: Path) -> Path:
    """What `rasa init` writes: no pipeline and no policies, so Rasa fills in its suggested defaults."""
    path.write_text(
        yaml.safe_dump(
            {
                "recipe": "default.v1",
                "language": "de",
                "assistant_id": "bench-default",
                "pipeline": None,
                "policies": None,
            }
        )
    )
    return path


def train(config: Path, out: Path, name: str) -> float:
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "addons.rasa_main",
            "train",
            "--config",
            str(config),
            "--out",
            str(out),
            "--fixed-model-name",
            name,
            "--force",
        ],
        cwd=PROJECT_ROOT,
        env=ENV,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def data_fingerprint() -> str:
    """The NLU training data: the comparison is about understanding. A change of answers or rules alone
    keeps the default model, which then serves the load runs with the domain it was trained with."""
    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "data" / "nlu").rglob("*.yml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def default_pipeline_model(work: Path) -> Tuple[Path, float]:
    """Rasa's default pipeline takes many times longer to train than ours, so its model is kept in
    models/bench/ and retrained only when the NLU training data changed."""
    model, record = DEFAULT_MODEL_DIR / "default.tar.gz", DEFAULT_MODEL_DIR / "default.json"
    fingerprint = data_fingerprint()
    if model.exists() and record.exists() and json.loads(record.read_text())["fingerprint"] == fingerprint:
        return model, json.loads(record.read_text())["train_seconds"]
    print("Training Rasa's default pipeline on the same data (this takes a long while) ...", flush=True)
    DEFAULT_MODEL_DIR.mkdir(parents=True, exist_ok=True)
    seconds = train(default_rasa_config(work / "default-config.yml"), DEFAULT_MODEL_DIR, "default")
    record.write_text(json.dumps({"fingerprint": fingerprint, "train_seconds": seconds}))
    return model, seconds


async def intent_accuracy(model: Path) -> Dict[str, float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    scores = {}
    for name, path in EVAL_SETS.items():
        clean = load_unseen(path)
        for variant, examples in (("clean", clean), ("noisy", noisy_holdout(clean))):
            predicted = {}
            for example in examples:
                predicted[example.text] = (await agent.parse_message(example.text))["intent"]["name"]
            scores[f"{name} {variant}"] = accuracy(examples, predicted.__getitem__)[0]
    return scores


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def largest_server_rss_mb(pid: int) -> float:
    """With Sanic workers the model lives in each worker (a child process); without, in the server itself."""
    return max(rss_mb(process) for process in [pid, *children_by_parent().get(pid, [])])


def serve_and_load(
    model: Path, workdir: Path, label: str, mode: Optional[Dict[str, str]] = None
) -> Tuple[List[str], float, Dict[str, float]]:
    """One Rasa process (as `make run`): sequential and 16 users. Then on all cores with a Redis lock store
    (tracker store still SQLite), 16 users: Sanic workers (one per core), and as in production, that many
    Rasa processes behind nginx, which sends each request to the one with the fewest in progress.
    `mode`: environment for every server (e.g. RASA_SPEEDUPS=off)."""
    mode = mode or {}
    assistant = Assistant(workdir / "1-process", model=model, extra_env=mode)
    started = time.monotonic()
    assistant.start()
    ready = time.monotonic() - started
    try:
        rows = [
            asyncio.run(
                run_load(assistant.url, 1, LOAD_SECONDS, f"{label}, 1 process, 1 user (sequential)")
            ).row(),
            asyncio.run(
                run_load(assistant.url, 16, LOAD_SECONDS, f"{label}, 1 process, 16 concurrent users")
            ).row(),
        ]
        memory = {"1 process": largest_server_rss_mb(assistant.rasa.popen.pid)}
    finally:
        assistant.stop()
    cores = os.cpu_count() or 1
    if cores < 2:
        return rows, ready, memory
    try:
        with private_redis() as redis_port:
            env = {**mode, "LOCK_STORE": "redis", "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port)}
            assistant = Assistant(
                workdir / "workers", model=model, extra_env={**env, "SANIC_WORKERS": str(cores)}
            )
            try:
                assistant.start()
                rows.append(
                    asyncio.run(
                        run_load(
                            assistant.url, 16, LOAD_SECONDS, f"{label}, {cores} workers, 16 concurrent users"
                        )
                    ).row()
                )
                memory[f"{cores} workers"] = largest_server_rss_mb(assistant.rasa.popen.pid)
            finally:
                assistant.stop()
            with rasa_processes_behind_nginx(model, workdir / "nginx", cores, env) as (url, servers):
                rows.append(
                    asyncio.run(
                        run_load(
                            url,
                            16,
                            LOAD_SECONDS,
                            f"{label}, {cores} processes behind nginx, 16 concurrent users",
                        )
                    ).row()
                )
                memory[f"{cores} processes behind nginx"] = max(
                    largest_server_rss_mb(s.rasa.popen.pid) for s in servers
                )
    except (FileNotFoundError, TopologyError) as missing:
        print(f"NOTICE: {missing}; the rows on {cores} cores are left out.", flush=True)
    return rows, ready, memory


def worth_of_each_speedup(model: Path, workdir: Path) -> List[Tuple[str, float, float]]:
    """One process, 16 users, with all speed-ups on and then without each one (and those needing it), one
    after another in this run: (left out, messages/s, p95 ms), the first row with nothing left out."""
    figures = []
    for patch in (None, *SPEEDUPS):
        left_out = (
            sorted({patch.id} | {other.id for other in SPEEDUPS if patch.id in other.requires})
            if patch
            else []
        )
        mode = {"RASA_SPEEDUPS": ",".join(f"-{speedup_id}" for speedup_id in left_out) or "on"}
        assistant = Assistant(workdir / (patch.id if patch else "all"), model=model, extra_env=mode)
        assistant.start()
        try:
            result = asyncio.run(run_load(assistant.url, 16, LOAD_SECONDS, "worth"))
        finally:
            assistant.stop()
        figures.append(
            (" + ".join(left_out) or "(nothing: all on)", result.throughput, result.percentile(0.95) * 1000)
        )
    return figures


@contextmanager
def rasa_processes_behind_nginx(
    model: Path, workdir: Path, count: int, env: Dict[str, str]
) -> Iterator[Tuple[str, List[Assistant]]]:
    """`count` Rasa processes sharing one action server and one SQLite file, behind nginx with the production
    configuration (deploy/local.py)."""
    first = Assistant(workdir, model=model, extra_env=env)
    servers = [first] + [
        Assistant(
            workdir, model=model, extra_env=env, with_action_server=False, action_port=first.action_port
        )
        for _ in range(count - 1)
    ]
    prefix = workdir / "nginx"
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    layout = NginxLayout(
        f"127.0.0.1:{free_port()}",
        f"127.0.0.1:{free_port()}",
        [f"127.0.0.1:{server.rasa_port}" for server in servers],
        [f"127.0.0.1:{first.action_port}"],
        prefix=prefix,
    )
    (prefix / "nginx.conf").write_text(render_nginx_config(layout))
    nginx = None
    try:
        for server in servers:
            server.start()
        nginx = subprocess.Popen(
            [
                nginx_bin(),
                "-p",
                str(prefix),
                "-c",
                str(prefix / "nginx.conf"),
                "-e",
                str(prefix / "logs" / "error.log"),
                "-g",
                "daemon off;",
            ]
        )
        url = f"http://{layout.listen}"
        wait_for_http(f"{url}/webhooks/rest/", 30, nginx)
        yield url, servers
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait(timeout=10)
        for server in servers:
            server.stop()


def quiet_rasa_logs() -> None:
    """Rasa's debug log, on by default in a process that loads a model, would print every message text."""
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def main() -> None:
    # The simulated patients share the servers' two cores; uvloop (which Sanic uses too) costs them less CPU.
    uvloop.install()
    quiet_rasa_logs()
    REPORT.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ours_train = train(PROJECT_ROOT / "config.yml", work, "ours")
        default_model, default_train = default_pipeline_model(work)
        models = {"this assistant": work / "ours.tar.gz", "Rasa default pipeline": default_model}
        accuracy_rows = {label: asyncio.run(intent_accuracy(model)) for label, model in models.items()}
        triage = asyncio.run(triage_figures(models["this assistant"]))
        load_rows, ready, memory = [], {}, {}
        for label, model in models.items():
            rows, ready[label], memory[label] = serve_and_load(model, work / label.replace(" ", "-"), label)
            load_rows += rows
        # The same model with the fixes only: what the speed-ups of addons/patches.py are worth.
        rows, ready[SPEEDUPS_OFF], memory[SPEEDUPS_OFF] = serve_and_load(
            models["this assistant"], work / "speedups-off", SPEEDUPS_OFF, {"RASA_SPEEDUPS": "off"}
        )
        load_rows += rows
        worth = worth_of_each_speedup(models["this assistant"], work / "worth")
    write_report(
        accuracy_rows,
        {"this assistant": ours_train, "Rasa default pipeline": default_train},
        load_rows,
        ready,
        memory,
        triage,
        worth,
    )
    print(REPORT.read_text())


def write_report(
    accuracy_rows,
    training,
    load_rows,
    ready,
    memory,
    triage: TriageFigures,
    worth: List[Tuple[str, float, float]],
) -> None:
    columns = list(next(iter(accuracy_rows.values())))
    setups = list(next(iter(memory.values())))
    lines = [
        "# Benchmark",
        "",
        f"Machine: {os.cpu_count()} cores. Command: `make bench`. Load: loopback REST, "
        f"{LOAD_SECONDS:.0f} s per row, each simulated patient runs a 7-message conversation. "
        '"1 process" is the server as `make run` starts it; "workers" are Sanic workers (SANIC_WORKERS, '
        'one per core) with a Redis lock store; "processes behind nginx" are as many Rasa processes '
        "(Redis lock store, one action server) behind nginx with the production configuration "
        "(deploy/local.py), which sends each request to the process with the fewest in progress. "
        "The tracker store is SQLite in all rows.",
        "",
        "## Intent accuracy (held-out sets, never trained on)",
        "",
        "| model | " + " | ".join(columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    lines += [
        f"| {label} | " + " | ".join(f"{scores[c]:.3f}" for c in columns) + " |"
        for label, scores in accuracy_rows.items()
    ]
    lines += [
        "",
        f"## Triage (tests/triage/{TRIAGE_SET.name}, written independently, scored once when sealed)",
        "",
        "Urgent recall: urgent messages answered with urgent advice; crisis: suicidal or self-harm messages "
        "answered with the TelefonSeelsorge; false alarms: non-urgent messages answered with 112 or 116 117. "
        "Stage time: the triage stage alone (rules, classifier, subject) per message; "
        "parse: Rasa's whole NLU.",
        "",
        "| set | urgent recall | crisis with helpline | false alarms "
        "| stage ms mean | stage ms p95 | parse ms mean |",
        "|---|---|---|---|---|---|---|",
        triage.row(),
    ]
    lines += [
        "",
        "## Server",
        "",
        "| model | training (s) | start to ready (s) | "
        + " | ".join(f"RSS after load, {s} (MB per process)" for s in setups)
        + " |",
        "|---" * (3 + len(setups)) + "|",
    ]
    lines += [
        f"| {label} | {training[label]:.1f} | {ready[label]:.1f} | "
        + " | ".join(f"{memory[label].get(s, float('nan')):.0f}" for s in setups)
        + " |"
        for label in training
    ]
    lines += [
        f"| {label} | (same model) | {ready[label]:.1f} | "
        + " | ".join(f"{memory[label].get(s, float('nan')):.0f}" for s in setups)
        + " |"
        for label in ready
        if label not in training
    ]
    lines += [
        "",
        "## REST latency and throughput",
        "",
        "| run | requests | messages/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += load_rows
    lines += (
        [""]
        + [
            f"Throughput with 16 users, {setup}, this assistant / default pipeline: {ratio:.1f}x"
            for setup, ratio in _throughput_ratios(load_rows).items()
        ]
        + [
            f"Throughput with 16 users, {setup}, speed-ups on / off: {ratio:.1f}x"
            for setup, ratio in _throughput_ratios(load_rows, "this assistant", SPEEDUPS_OFF).items()
        ]
    )
    all_on = worth[0][1]
    lines += [
        "",
        "## What each speed-up is worth (addons/patches.py; 1 process, 16 concurrent users)",
        "",
        "Each row runs with the named speed-ups left out (`RASA_SPEEDUPS=-id`), one after another in this "
        "run. A speed-up whose row is not clearly below the first has not earned its coupling to Rasa.",
        "",
        "| left out | messages/s | p95 ms | all on / this |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {left_out} | {per_second:.1f} | {p95:.0f} | {all_on / max(per_second, 1e-9):.2f}x |"
        for left_out, per_second, p95 in worth
    ]
    REPORT.write_text("\n".join(lines) + "\n")


def _throughput_ratios(
    load_rows: List[str], ours: str = "this assistant", baseline: str = "Rasa default pipeline"
) -> Dict[str, float]:
    throughput = {}
    for row in load_rows:
        label, _requests, per_second = (cell.strip() for cell in row.strip("|").split("|")[:3])
        if label.endswith("16 concurrent users"):
            model, setup, _users = label.split(", ")
            throughput[(model, setup)] = float(per_second)
    return {
        setup: value / max(throughput[(baseline, setup)], 1e-9)
        for (model, setup), value in throughput.items()
        if model == ours and (baseline, setup) in throughput
    }


if __name__ == "__main__":
    main()
