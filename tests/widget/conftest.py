"""The widget server (and, for browser tests, the real assistant) on free ports, once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Iterator

import pytest
import requests

from tests.e2e.servers import PROJECT_ROOT, QUIET_ENV, free_port


@dataclass(frozen=True)
class WidgetServer:
    url: str
    rasa_url: str


def wait_for_http(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"widget server exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"widget server not ready at {url} after {timeout}s")


@pytest.fixture(scope="session")
def rasa_port() -> int:
    """Chosen before anything starts: the widget's CSP and demo page name the Rasa server's origin."""
    return free_port()


@pytest.fixture(scope="session")
def widget_server(tmp_path_factory, rasa_port: int) -> Iterator[WidgetServer]:
    port = free_port()
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    log = open(tmp_path_factory.mktemp("widget") / "widget.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "widget.server", "--port", str(port), "--rasa-url", rasa_url],
        cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **QUIET_ENV},
    )
    server = WidgetServer(url=f"http://127.0.0.1:{port}", rasa_url=rasa_url)
    try:
        wait_for_http(server.url + "/", process, timeout=60)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
