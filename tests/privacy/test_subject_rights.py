"""Access (Art. 15) and erasure (Art. 17) of one conversation, and the staff command line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from privacy.subject_rights import UnknownSender, erase_conversation, export_conversation
from tests.conftest import PROJECT_ROOT
from tests.privacy.conftest import DAY, conversation_events, save_conversation


async def test_export_is_readable_and_complete(tracker_store, now) -> None:
    await save_conversation(tracker_store, "alice", conversation_events(now - DAY))
    export = await export_conversation(tracker_store, "alice")
    assert export["conversation_id"] == "alice"
    patient, assistant = export["messages"]
    assert patient["from"] == "patient" and patient["text"] == "Was ist Leaky Gut?"
    assert patient["recognised_topic"] == "what_is_leaky_gut" and patient["channel"] == "rest"
    assert assistant["from"] == "assistant" and assistant["text"].startswith("Leaky Gut beschreibt")
    assert patient["time"].endswith("+00:00") and patient["time"] <= assistant["time"]
    assert {"time": assistant["time"], "type": "slot", "name": "own_situation", "value": False} in export[
        "other_records"
    ]
    json.dumps(export)  # serialisable as it is


async def test_erase_deletes_that_conversation_only(tracker_store, now) -> None:
    await save_conversation(tracker_store, "alice", conversation_events(now - DAY))
    await save_conversation(tracker_store, "bob", conversation_events(now - DAY))
    assert await erase_conversation(tracker_store, "alice") == 7
    assert set(await tracker_store.keys()) == {"bob"}


async def test_unknown_senders_are_refused(tracker_store) -> None:
    with pytest.raises(UnknownSender):
        await export_conversation(tracker_store, "nobody")
    with pytest.raises(UnknownSender):
        await erase_conversation(tracker_store, "nobody")


def privacy_command(endpoints: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "privacy", "--endpoints", str(endpoints), *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


async def test_command_line(tracker_store, now, tmp_path: Path) -> None:
    """One run of each command (each start costs seconds): output, exit codes, effect on the store."""
    await save_conversation(tracker_store, "alice", conversation_events(now - DAY))
    await save_conversation(tracker_store, "old", conversation_events(now - 400 * DAY))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        yaml.safe_dump(
            {
                "tracker_store": {
                    "type": "addons.tracker_store.PrivacySQLTrackerStore",
                    "dialect": "sqlite",
                    "db": str(tmp_path / "tracker.db"),
                }
            }
        )
    )

    purge = privacy_command(endpoints, "purge")
    assert (purge.returncode, purge.stderr) == (0, "")
    assert purge.stdout.startswith("purge: removed 1 conversation(s)") and purge.stdout.count("\n") == 1

    out = tmp_path / "alice.json"
    export = privacy_command(endpoints, "export", "alice", "--out", str(out))
    assert export.returncode == 0, export.stderr
    assert json.loads(out.read_text())["messages"][0]["text"] == "Was ist Leaky Gut?"

    unknown = privacy_command(endpoints, "erase", "nobody")
    assert unknown.returncode == 2 and "No stored conversation with the sender id 'nobody'" in unknown.stderr

    erase = privacy_command(endpoints, "erase", "alice")
    assert erase.returncode == 0 and erase.stdout.startswith("erase: deleted the conversation")
    assert list(await tracker_store.keys()) == []
