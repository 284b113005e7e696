"""The privacy commands and the report on PostgreSQL: the production tracker store, opened from the
project's endpoints.yml with the environment variables production uses (TRACKER_STORE=sql, DB_*).

PostgreSQL is started with the project's local production tooling (deploy/local.py), database only.
"""

import json
import os
import shutil
import tempfile
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest

from addons.endpoints_env import endpoint_defaults
from addons.tracker_store import PrivacySQLTrackerStore
from deploy.local import Ports, Topology
from insights.collect import collect
from privacy.retention import purge_expired
from privacy.store import open_tracker_store
from privacy.subject_rights import UnknownSender, erase_conversation, export_conversation
from tests.privacy.conftest import DAY, conversation_events, save_conversation

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def postgres():
    # Not pytest's tmp_path: PostgreSQL runs as the postgres user and must reach its data folder.
    root = Path(tempfile.mkdtemp(prefix="leaky-gut-privacy-pg-"))
    root.chmod(0o755)
    topology = Topology(root, Ports.free(), with_widget=False)
    topology._init_postgres()
    topology.start_and_wait(topology.postgres(), 60)
    try:
        topology._create_database()
        yield topology
    finally:
        topology.postgres().stop(timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def store(postgres):
    saved = os.environ.copy()  # open_tracker_store fills in defaults (DB_DIALECT, ...): undo them all
    for name in endpoint_defaults({}):  # earlier tests in this process may have set the SQLite defaults
        os.environ.pop(name, None)
    os.environ.update(postgres.rasa_env())
    try:
        opened = open_tracker_store()  # the project's endpoints.yml
        yield opened
        with opened.session_scope() as session:
            session.query(opened.SQLEvent).delete()
            session.commit()
        opened.engine.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def stored_texts(postgres) -> str:
    with closing(psycopg2.connect(postgres.db_connection_url())) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT data FROM events")
        return "\n".join(json.dumps(json.loads(data), ensure_ascii=False) for (data,) in cursor.fetchall())


def test_the_configured_store_is_the_project_store_on_postgresql(store) -> None:
    assert isinstance(store, PrivacySQLTrackerStore)
    assert store.engine.dialect.name == "postgresql"


async def test_masking_purge_export_erase_and_report(store, postgres, now) -> None:
    await save_conversation(store, "old", conversation_events(now - 45 * DAY))
    await save_conversation(store, "recent", conversation_events(now - DAY, "Rückruf an 0171 2345678 bitte"))
    await save_conversation(store, "other", conversation_events(now - 2 * DAY))
    assert "0171 2345678" not in stored_texts(postgres) and "[Telefonnummer entfernt]" in stored_texts(
        postgres
    )

    report = collect(store)
    assert (report.conversations, report.user_messages) == (3, 3)

    assert purge_expired(store, retention_days=30, now=now) == 1
    assert purge_expired(store, retention_days=30, now=now) == 0
    assert set(await store.keys()) == {"recent", "other"}

    export = await export_conversation(store, "recent")
    assert export["messages"][0]["text"] == "Rückruf an [Telefonnummer entfernt] bitte"
    assert await erase_conversation(store, "recent") == 7
    with pytest.raises(UnknownSender):
        await erase_conversation(store, "recent")
    assert list(await store.keys()) == ["other"]
