"""One production topology (PostgreSQL, Redis, 2 action servers, 2 Rasa servers, nginx) for all tests here."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from contextlib import closing
from pathlib import Path
from typing import Iterator, List

import psycopg2
import pytest
import requests

from deploy.local import Ports, Topology

pytestmark = pytest.mark.e2e
STAFF_PASSWORD = "ein-langes-test-passwort"


@pytest.fixture(scope="session")
def topology(model_path: Path) -> Iterator[Topology]:
    # Not pytest's tmp_path: its parent is private to root, and PostgreSQL runs as the postgres user.
    root = Path(tempfile.mkdtemp(prefix="leaky-gut-prod-"))
    root.chmod(0o755)
    running = Topology(root, Ports.free(), with_widget=False, staff_password=STAFF_PASSWORD)
    try:
        running.up()
        yield running
    finally:
        running.down()
        still_running = [service.name for service in running.services() if service.running]
        shutil.rmtree(root, ignore_errors=True)
        assert not still_running, f"prod-down left {still_running} running"


@pytest.fixture
def sender() -> str:
    return f"prod-{uuid.uuid4().hex[:12]}"


def say(base_url: str, sender: str, message: str, timeout: float = 60) -> List[dict]:
    response = requests.post(
        f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout
    )
    response.raise_for_status()
    return response.json()


def stored_events(topology: Topology, sender: str) -> List[dict]:
    """Every stored event of one conversation, in insertion order, from PostgreSQL itself."""
    with closing(psycopg2.connect(topology.db_connection_url())) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, type_name, timestamp, action_name, intent_name, data FROM events "
            "WHERE sender_id = %s ORDER BY id",
            (sender,),
        )
        columns = ["id", "type_name", "timestamp", "action_name", "intent_name", "data"]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]
