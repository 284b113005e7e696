"""Shared fixtures: the trained model (built by `make train` before the tests run)."""

from pathlib import Path

import pytest
from sanic import Sanic

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL_PATH = PROJECT_ROOT / "models" / "leaky-gut-assistant.tar.gz"

# Sanic rewrites its request handling at an app's startup (touchup); without test mode a second app's
# startup in the same process fails on the rewritten code. Test mode keeps the original for each app.
Sanic.test_mode = True


@pytest.fixture(scope="module")
def platforms():
    """A stand-in for the messengers' send APIs (Graph, WhatsApp Cloud, Telegram), one per test module."""
    from tests.channels.platform_standin import PlatformStandIn

    stand_in = PlatformStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="session")
def model_path() -> Path:
    if not MODEL_PATH.exists():
        pytest.fail(f"No trained model at {MODEL_PATH}: run 'make train' (make test does it).")
    return MODEL_PATH


@pytest.fixture(scope="session")
async def nlu_agent(model_path: Path):
    from rasa.core.agent import Agent

    return Agent.load(str(model_path))
