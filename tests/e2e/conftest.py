import uuid
from pathlib import Path

import pytest

from tests.e2e.servers import Assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, model_path: Path):
    running = Assistant(tmp_path_factory.mktemp("assistant")).start()
    yield running
    running.stop()


@pytest.fixture
def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"
