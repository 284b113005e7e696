"""Starts the real action server and Rasa server as subprocesses on free ports (tests and benchmark)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests
import yaml

from addons.endpoints_env import set_endpoint_defaults

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MODEL = PROJECT_ROOT / "models" / "leaky-gut-assistant.tar.gz"
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    name: str
    args: List[str]
    log_path: Path
    env: Dict[str, str]
    popen: Optional[subprocess.Popen] = None

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(
            self.args,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **QUIET_ENV, **self.env},
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()

    @property
    def alive(self) -> bool:
        return bool(self.popen) and self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Assistant:
    """One action server and one Rasa server with their own SQLite tracker store in `workdir`."""

    workdir: Path
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    with_action_server: bool = True
    model: Path = MODEL
    extra_env: Dict[str, str] = field(default_factory=dict)
    credentials: Path = PROJECT_ROOT / "credentials.yml"  # e.g. with the widget test's allowed origin
    rasa_args: List[str] = field(default_factory=list)  # more `rasa run` options, e.g. ["--enable-api"]
    action_server: Optional[Process] = None
    rasa: Optional[Process] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "tracker.db"

    def write_endpoints(self) -> Path:
        set_endpoint_defaults(os.environ)  # if Rasa is imported here, its YAML loader expands ${VARS} too
        endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
        endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{self.action_port}/webhook"
        endpoints["tracker_store"]["db"] = str(self.tracker_db)
        path = self.workdir / "endpoints.yml"
        path.write_text(yaml.safe_dump(endpoints))
        return path

    def start(self, timeout: float = 180) -> "Assistant":
        self.workdir.mkdir(parents=True, exist_ok=True)
        endpoints = self.write_endpoints()
        if self.with_action_server:
            self.start_action_server()
        self.rasa = Process(
            "rasa",
            [
                sys.executable,
                "-m",
                "addons.rasa_main",
                "run",
                "--model",
                str(self.model),
                "--port",
                str(self.rasa_port),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(self.credentials),
                *self.rasa_args,
            ],
            self.workdir / "rasa.log",
            self.extra_env,
        )
        self.rasa.start()
        self.wait_until_ready(timeout)
        return self

    def start_action_server(self) -> None:
        self.action_server = Process(
            "actions",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)],
            self.workdir / "actions.log",
            self.extra_env,
        )
        self.action_server.start()

    def stop_action_server(self) -> None:
        if self.action_server:
            self.action_server.stop()

    def wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        targets = [f"{self.url}/webhooks/rest/"]
        if self.action_server and self.action_server.alive:
            targets.append(f"http://127.0.0.1:{self.action_port}/health")
        while time.monotonic() < deadline:
            if self.rasa and not self.rasa.alive:
                raise RuntimeError(f"Rasa server exited:\n{self.rasa.log()[-3000:]}")
            if all(_responds(target) for target in targets):
                return
            time.sleep(0.25)
        raise TimeoutError(
            f"servers not ready after {timeout}s:\n{self.rasa.log()[-3000:] if self.rasa else ''}"
        )

    def stop(self) -> None:
        for process in (self.rasa, self.action_server):
            if process:
                process.stop()

    def send(self, sender: str, message, timeout: float = 30) -> requests.Response:
        return requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout
        )

    def say(self, sender: str, message: str) -> List[dict]:
        response = self.send(sender, message)
        response.raise_for_status()
        return response.json()


def wait_for_http(url: str, timeout: float, process: Optional[subprocess.Popen] = None) -> None:
    """Polls `url` until it answers 200; fails at once if `process` (the server behind it) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        if _responds(url):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{url} not ready after {timeout}s")


def _responds(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@contextlib.contextmanager
def private_redis() -> Iterator[int]:
    """A throw-away redis-server on a free loopback port, without persistence; yields the port."""
    import redis

    binary = shutil.which("redis-server")
    if not binary:
        raise FileNotFoundError(
            "redis-server is missing: run scripts/prod/install-deps.sh (make install does)"
        )
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client, deadline = redis.Redis(port=port), time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(10)
