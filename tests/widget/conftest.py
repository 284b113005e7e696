"""The widget server (and, for browser tests, the real assistant) on free ports, once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Iterator

import pytest

from tests.e2e.servers import PROJECT_ROOT, QUIET_ENV, free_port, wait_for_http


@dataclass(frozen=True)
class WidgetServer:
    url: str
    rasa_url: str


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
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **QUIET_ENV},
    )
    server = WidgetServer(url=f"http://127.0.0.1:{port}", rasa_url=rasa_url)
    try:
        wait_for_http(server.url + "/", timeout=60, process=process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
