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
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from benchmarks.load import run_load
from benchmarks.processes import children_by_parent
from tests.e2e.servers import PROJECT_ROOT, Assistant, private_redis
from tests.nlu.holdout import accuracy, load_unseen, noisy_holdout

REPORT = PROJECT_ROOT / "reports" / "benchmark.md"
EVAL_SETS = {name: PROJECT_ROOT / f"tests/nlu/{name}.yml" for name in ("holdout", "blind", "sealed")}
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "bench"
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "30"))
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TQDM_DISABLE": "1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
       "TF_CPP_MIN_LOG_LEVEL": "2"}


def default_rasa_config(path: Path) -> Path:
    """What `rasa init` writes: no pipeline and no policies, so Rasa fills in its suggested defaults."""
    path.write_text(yaml.safe_dump({"recipe": "default.v1", "language": "de", "assistant_id": "bench-default",
                                    "pipeline": None, "policies": None}))
    return path


def train(config: Path, out: Path, name: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "addons.rasa_main", "train", "--config", str(config), "--out", str(out),
                    "--fixed-model-name", name, "--force"], cwd=PROJECT_ROOT, env=ENV, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def data_fingerprint() -> str:
    """The NLU training data: the comparison is about understanding. A change of answers or rules alone
    keeps the default model, which then serves the load runs with the domain it was trained with."""
    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "data" / "nlu").rglob("*.yml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def default_pipeline_model(work: Path) -> Tuple[Path, float]:
    """Rasa's default pipeline takes about 25 minutes to train here, so its model is kept in models/bench/
    and retrained only when the NLU training data changed."""
    model, record = DEFAULT_MODEL_DIR / "default.tar.gz", DEFAULT_MODEL_DIR / "default.json"
    fingerprint = data_fingerprint()
    if model.exists() and record.exists() and json.loads(record.read_text())["fingerprint"] == fingerprint:
        return model, json.loads(record.read_text())["train_seconds"]
    print("Training Rasa's default pipeline on the same data (about 25 minutes on 2 cores) ...", flush=True)
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


def serve_and_load(model: Path, workdir: Path, label: str) -> Tuple[List[str], float, Dict[str, float]]:
    """One Rasa process (as `make run`): sequential and 16 users. Then, as deployed on several cores,
    Sanic workers (one per core) sharing a Redis lock store (tracker store still SQLite): 16 users."""
    assistant = Assistant(workdir / "1-process", model=model)
    started = time.monotonic()
    assistant.start()
    ready = time.monotonic() - started
    try:
        rows = [asyncio.run(run_load(assistant.url, 1, LOAD_SECONDS, f"{label}, 1 process, 1 user (sequential)")).row(),
                asyncio.run(run_load(assistant.url, 16, LOAD_SECONDS, f"{label}, 1 process, 16 concurrent users")).row()]
        memory = {"1 process": largest_server_rss_mb(assistant.rasa.popen.pid)}
    finally:
        assistant.stop()
    workers = os.cpu_count() or 1
    if workers < 2:
        return rows, ready, memory
    try:
        with private_redis() as redis_port:
            env = {"SANIC_WORKERS": str(workers), "LOCK_STORE": "redis", "REDIS_HOST": "127.0.0.1",
                   "REDIS_PORT": str(redis_port)}
            assistant = Assistant(workdir / "workers", model=model, extra_env=env).start()
            try:
                rows.append(asyncio.run(run_load(assistant.url, 16, LOAD_SECONDS,
                                                 f"{label}, {workers} workers, 16 concurrent users")).row())
                memory[f"{workers} workers"] = largest_server_rss_mb(assistant.rasa.popen.pid)
            finally:
                assistant.stop()
    except FileNotFoundError as missing:
        print(f"NOTICE: {missing}; the rows with Sanic workers are left out.", flush=True)
    return rows, ready, memory


def main() -> None:
    REPORT.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ours_train = train(PROJECT_ROOT / "config.yml", work, "ours")
        default_model, default_train = default_pipeline_model(work)
        models = {"this assistant": work / "ours.tar.gz", "Rasa default pipeline": default_model}
        accuracy_rows = {label: asyncio.run(intent_accuracy(model)) for label, model in models.items()}
        load_rows, ready, memory = [], {}, {}
        for label, model in models.items():
            rows, ready[label], memory[label] = serve_and_load(model, work / label.replace(" ", "-"), label)
            load_rows += rows
    write_report(accuracy_rows, {"this assistant": ours_train, "Rasa default pipeline": default_train},
                 load_rows, ready, memory)
    print(REPORT.read_text())


def write_report(accuracy_rows, training, load_rows, ready, memory) -> None:
    columns = list(next(iter(accuracy_rows.values())))
    setups = list(next(iter(memory.values())))
    lines = [
        "# Benchmark", "", f"Machine: {os.cpu_count()} cores. Command: `make bench`. Load: loopback REST, "
        f"{LOAD_SECONDS:.0f} s per row, each simulated patient runs a 7-message conversation. \"1 process\" is the "
        "server as `make run` starts it; \"workers\" are Sanic workers (SANIC_WORKERS, one per core) with a Redis "
        "lock store, as in production (README).", "",
        "## Intent accuracy (held-out sets, never trained on)", "",
        "| model | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|",
    ]
    lines += [f"| {label} | " + " | ".join(f"{scores[c]:.3f}" for c in columns) + " |"
              for label, scores in accuracy_rows.items()]
    lines += ["", "## Server", "",
              "| model | training (s) | start to ready (s) | " + " | ".join(f"RSS after load, {s} (MB per process)"
                                                                 for s in setups) + " |",
              "|---" * (3 + len(setups)) + "|"]
    lines += [f"| {label} | {training[label]:.1f} | {ready[label]:.1f} | "
              + " | ".join(f"{memory[label].get(s, float('nan')):.0f}" for s in setups) + " |" for label in training]
    lines += ["", "## REST latency and throughput", "",
              "| run | requests | messages/s | p50 ms | p95 ms | p99 ms | errors |", "|---|---|---|---|---|---|---|"]
    lines += load_rows
    lines += [""] + [
        f"Throughput with 16 users, {setup}, this assistant / default pipeline: {ratio:.1f}x"
        for setup, ratio in _throughput_ratios(load_rows).items()
    ]
    REPORT.write_text("\n".join(lines) + "\n")


def _throughput_ratios(load_rows: List[str]) -> Dict[str, float]:
    throughput = {}
    for row in load_rows:
        label, _requests, per_second = (cell.strip() for cell in row.strip("|").split("|")[:3])
        if label.endswith("16 concurrent users"):
            model, setup, _users = label.split(", ")
            throughput[(model, setup)] = float(per_second)
    return {setup: value / max(throughput[("Rasa default pipeline", setup)], 1e-9)
            for (model, setup), value in throughput.items()
            if model == "this assistant" and ("Rasa default pipeline", setup) in throughput}


if __name__ == "__main__":
    main()
