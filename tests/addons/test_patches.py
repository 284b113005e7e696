"""The patch registry: canaries on the upstream source, the version guard, and both speed-up modes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from addons.patches import (
    FIXES,
    PATCHES,
    PINNED_VERSIONS,
    SPEEDUPS,
    VersionMismatch,
    check_versions,
    patches_for,
)
from addons.speedup_mode import InvalidSpeedupMode, SpeedupMode, speedup_enabled, speedup_mode
from addons.upstream_source import UpstreamSymbolNotFound, fingerprint, upstream_source

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# sha256 (first 16 hex digits) of each upstream symbol's source in the pinned versions. When one fails,
# read the upstream change, revisit the patch named in the failure, then update the fingerprint here.
UPSTREAM_FINGERPRINTS: Dict[str, str] = {
    "rasa.core.actions.action.RemoteAction.run": "b530fc5a6789c82f",
    "rasa.core.actions.action.ActionSessionStart": "3cc145bba9025f28",
    "rasa.core.actions.action.default_actions": "cd90a4ccde667ae9",
    "rasa.core.processor.MessageProcessor._update_tracker_session": "b93694b80142d40c",
    "rasa.core.tracker_store.FailSafeTrackerStore": "0813a7d1b95e3763",
    "rasa.core.agent.Agent._create_tracker_store": "44b81a5829031ff2",
    "rasa.core.channels.rest.RestInput.blueprint": "adab74a107316c52",
    "rasa.core.lock_store.RedisLockStore": "0c5307baad9520ff",
    "rasa.core.lock_store.LockStore.lock": "d84cf99f0517cbc1",
    "rasa.core.lock_store.LockStore._acquire_lock": "7accecf388022dd4",
    "rasa.core.lock_store.LockStore.issue_ticket": "16ce1d1044597b30",
    "rasa.core.lock_store._load_from_module_name_in_endpoint_config": "63812668198d2cd4",
    "rasa.core.lock.TicketLock": "09d083f0ad585fe8",
    "rasa.utils.log_utils._anonymizer": "9e202278c624458c",
    "rasa.utils.log_utils.configure_structlog": "adbf22a14c77a21e",
    "rasa.core.run.create_http_input_channels": "45c49eed15e124b6",
    "rasa.core.channels.socketio.SocketIOInput.blueprint": "0f82ad048885a668",
    "rasa.core.tracker_store.SQLTrackerStore": "7f52629f1c6c0fb5",
    "rasa.core.actions.action.RemoteAction._validate_action_result": "24da0f6bdeb2d44f",
    "rasa.utils.endpoints.EndpointConfig.request": "bc49eb77a158ac1e",
    "rasa.utils.endpoints.EndpointConfig.session": "f6136492eac7ede3",
    "rasa.core.run.configure_app": "0b28ea3f4b4ae50b",
    "rasa.core.agent.Agent.load_model": "dc0e0244f8546a6d",
    "rasa.core.processor.MessageProcessor.handle_message": "a96904e7796d7bf9",
    "rasa.core.processor.MessageProcessor._check_for_unseen_features": "0c8dd2d3d05b010a",
    "rasa.engine.runner.dask.DaskGraphRunner": "baadaf6063fe4d22",
    "rasa.shared.core.events.Event.resolve_by_type": "ffabe9999fc8f7f3",
    "rasa.shared.core.domain.Domain.states_for_tracker_history": "9d6f120379ee768e",
    "rasa.shared.core.trackers.DialogueStateTracker.past_states": "650a32ec25de85ba",
    "rasa.shared.core.trackers.DialogueStateTracker.applied_events": "78464fb46cdecd20",
    "rasa.core.tracker_store.SQLTrackerStore._retrieve": "78c7e08ac30924b6",
}


@pytest.mark.parametrize("patch", PATCHES, ids=lambda patch: patch.name)
def test_upstream_source_of_each_patch_is_unchanged(patch) -> None:
    for symbol in patch.upstream:
        assert symbol in UPSTREAM_FINGERPRINTS, f"{symbol} ({patch.name}): add its fingerprint here"
        assert fingerprint(symbol) == UPSTREAM_FINGERPRINTS[symbol], (
            f"Upstream {symbol} changed: revisit the patch '{patch.name}' in {patch.where}, "
            "then its fingerprint."
        )


def test_every_fingerprint_belongs_to_a_patch() -> None:
    listed = {symbol for patch in PATCHES for symbol in patch.upstream}
    assert set(UPSTREAM_FINGERPRINTS) == listed


def test_the_fingerprint_is_of_the_shipped_source_not_of_the_installed_patch() -> None:
    import rasa.core.actions.action as rasa_actions

    from addons import resilient_action

    original = rasa_actions.RemoteAction
    resilient_action.install()
    try:
        assert "class ResilientRemoteAction" not in upstream_source("rasa.core.actions.action.RemoteAction")
        assert (
            fingerprint("rasa.core.actions.action.RemoteAction.run")
            == UPSTREAM_FINGERPRINTS["rasa.core.actions.action.RemoteAction.run"]
        )
    finally:
        rasa_actions.RemoteAction = original


def test_a_renamed_upstream_symbol_is_reported() -> None:
    with pytest.raises(UpstreamSymbolNotFound, match="RemoteAction.no_such_method"):
        upstream_source("rasa.core.actions.action.RemoteAction.no_such_method")


def test_each_patch_is_a_fix_or_a_speed_up_in_its_own_table() -> None:
    assert all(patch.kind == "fix" for patch in FIXES) and all(patch.kind == "speed-up" for patch in SPEEDUPS)
    assert len({patch.name for patch in PATCHES}) == len(PATCHES)
    for patch in PATCHES:
        for where in patch.where.split(", "):
            assert (PROJECT_ROOT / where).is_file(), f"{patch.name}: {where} does not exist"


def test_the_pinned_versions_are_the_ones_installed_and_in_constraints() -> None:
    check_versions()  # raises if not
    constraints = (PROJECT_ROOT / "constraints.txt").read_text(encoding="utf-8").lower().splitlines()
    for package, version in PINNED_VERSIONS.items():
        assert f"{package.lower()}=={version}" in constraints


def test_another_version_stops_with_the_patches_concerned() -> None:
    def installed(package: str) -> str:
        return "5.11.0" if package == "python-socketio" else PINNED_VERSIONS[package]

    with pytest.raises(VersionMismatch) as stopped:
        check_versions(installed)
    message = str(stopped.value)
    assert "python-socketio 5.11.0 (written for 5.18.1)" in message
    assert "widget sockets join their session's room" in message
    assert "model graph run without dask" not in message  # a patch that does not touch socket.io


def test_speedup_mode_reads_on_off_and_left_out_ids_and_refuses_anything_else() -> None:
    assert speedup_mode({}) == speedup_mode({"RASA_SPEEDUPS": "on"}) == SpeedupMode(on=True)
    assert speedup_mode({"RASA_SPEEDUPS": "OFF"}) == SpeedupMode(on=False)
    assert not speedup_enabled("graph-runner", {"RASA_SPEEDUPS": "-graph-runner, -event-lookup"})
    assert speedup_enabled("event-lookup", {"RASA_SPEEDUPS": "-graph-runner"})
    for value in ("fast", "graph-runner", "-graph-runner,event-lookup", "-"):
        with pytest.raises(InvalidSpeedupMode):
            speedup_mode({"RASA_SPEEDUPS": value})


def test_each_speedup_can_be_left_out_alone_unless_another_needs_it() -> None:
    ids = [patch.id for patch in SPEEDUPS]
    assert len(set(ids)) == len(ids) == len(SPEEDUPS)
    needed = {required for patch in SPEEDUPS for required in patch.requires}
    for speedup_id in set(ids) - needed:
        chosen = patches_for(SpeedupMode(on=True, left_out=frozenset({speedup_id})))
        assert speedup_id not in {patch.id for patch in chosen} and set(FIXES) <= set(chosen)
    with pytest.raises(InvalidSpeedupMode, match="arrival-order needs action-calls"):
        patches_for(SpeedupMode(on=True, left_out=frozenset({"action-calls"})))
    with pytest.raises(InvalidSpeedupMode, match="Unknown speed-up"):
        patches_for(SpeedupMode(on=True, left_out=frozenset({"turbo"})))
    assert patches_for(SpeedupMode(on=False)) == FIXES


INSTALLED_CLASSES = """
import rasa.core.actions.action, rasa.core.agent, rasa.core.processor
from addons.patches import install_patches, summary_line
from addons.speedup_mode import speedup_mode
chosen = install_patches(speedup_mode())
print(rasa.core.actions.action.RemoteAction.__name__, rasa.core.agent.MessageProcessor.__name__,
      rasa.core.processor.DaskGraphRunner.__name__)
print(summary_line(chosen, speedup_mode()))
"""


@pytest.mark.parametrize(
    "mode, classes",
    [
        ("on", "FastRemoteAction PracticeMessageProcessor SequentialGraphRunner"),
        ("off", "ResilientRemoteAction MessageProcessor DaskGraphRunner"),
        ("-graph-runner", "FastRemoteAction PracticeMessageProcessor DaskGraphRunner"),
    ],
)
def test_the_mode_decides_what_is_installed(mode: str, classes: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", INSTALLED_CLASSES],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_SPEEDUPS": mode},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    first, summary = result.stdout.strip().splitlines()[-2:]
    assert first == classes
    assert "action-failure-reply" in summary
    installed_speedups = summary.split("; speed-ups ")[1].split(" (RASA_SPEEDUPS")[0].split(", ")
    assert ("graph-runner" in installed_speedups) == (mode == "on")


@pytest.mark.parametrize(
    "mode, reason", [("turbo", "RASA_SPEEDUPS='turbo'"), ("-turbo", "Unknown speed-up(s) turbo")]
)
def test_the_server_refuses_an_unknown_speedup_mode(mode: str, reason: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "addons.rasa_main", "--version"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "RASA_SPEEDUPS": mode, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode != 0
    assert reason in result.stderr
