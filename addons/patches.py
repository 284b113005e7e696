"""The one registry of what this project changes inside Rasa and the libraries Rasa runs on.

Each patch has a name, a kind (a fix of a misbehaviour, or a speed-up), the upstream symbols it
replaces, overrides or follows step by step, and the function that installs it. Rasa offers no hook
for these, so they are installed by rebinding the names Rasa looks up; such a rebinding never fails
when upstream renames the hook, so two guards keep them honest:

- `check_versions()` stops the server at start when Rasa or one of the libraries a patch was written
  for is not the pinned version, naming the patches to revisit;
- tests/addons/test_patches.py fingerprints the source of every upstream symbol listed here, so an
  upstream change fails a test that names the patch.

`RASA_SPEEDUPS=off` installs the fixes only (addons/speedup_mode.py), so each speed-up's worth can be
measured (`make bench`) and a suspected speed-up can be switched off in production without a release.
Parts that Rasa builds from endpoints.yml or credentials.yml by module path are listed with
`install=None`: they need no rebinding, but their upstream dependencies are fingerprinted all the same.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from typing import Callable, Dict, List, Literal, Optional, Sequence, Tuple

from addons import (
    action_endpoint,
    event_lookup,
    gc_freeze,
    graph_runner,
    log_privacy,
    model_reload,
    processor,
    resilient_action,
    storage_guard,
)
from addons.speedup_mode import InvalidSpeedupMode, SpeedupMode
from channels import enabling as channel_enabling
from channels import first_contact

Kind = Literal["fix", "speed-up"]

# The versions the patches were written for (constraints.txt pins the same).
PINNED_VERSIONS: Dict[str, str] = {
    "rasa": "3.6.21",
    "sanic": "21.12.2",
    "python-socketio": "5.18.1",
    "SQLAlchemy": "1.4.54",
    "redis": "4.6.0",
}


@dataclass(frozen=True)
class Patch:
    id: str  # for RASA_SPEEDUPS=-id
    name: str
    kind: Kind
    where: str  # the module that holds it
    upstream: Tuple[str, ...]  # dotted paths of the upstream symbols it replaces, overrides or follows
    install: Optional[Callable[[], None]]  # None: Rasa builds it from endpoints.yml/credentials.yml
    packages: Tuple[str, ...] = ("rasa",)
    requires: Tuple[str, ...] = ()  # speed-ups that must be on whenever this one is


FIXES: Tuple[Patch, ...] = (
    Patch(
        "first-contact",
        "messengers' first answer of a new conversation after the automated-assistant line",
        "fix",
        "channels/first_contact.py",
        (
            "rasa.core.actions.action.ActionSessionStart",
            "rasa.core.actions.action.default_actions",
            "rasa.core.processor.MessageProcessor._update_tracker_session",
        ),
        first_contact.install,
    ),
    Patch(
        "action-failure-reply",
        "reply when a custom action fails",
        "fix",
        "addons/resilient_action.py",
        ("rasa.core.actions.action.RemoteAction.run",),
        resilient_action.install,
    ),
    Patch(
        "store-outage-503",
        "503 with a reason when a store is down, no in-memory fallback; 409 when a conversation stays busy",
        "fix",
        "addons/storage_guard.py",
        (
            "rasa.core.tracker_store.FailSafeTrackerStore",
            "rasa.core.lock_store.LockStore.issue_ticket",
            "rasa.core.lock_store.LockStore._acquire_lock",
            "rasa.core.agent.Agent._create_tracker_store",
            "rasa.core.channels.rest.RestInput.blueprint",
        ),
        storage_guard.install,
        ("rasa", "sanic", "SQLAlchemy", "redis"),
    ),
    Patch(
        "redis-lock-tickets",
        "Redis lock tickets changed atomically, short-lived and renewed while their message runs",
        "fix",
        "addons/lock_store.py",
        (
            "rasa.core.lock_store.RedisLockStore",
            "rasa.core.lock_store.LockStore.lock",
            "rasa.core.lock_store.LockStore._acquire_lock",
            "rasa.core.lock_store._load_from_module_name_in_endpoint_config",
            "rasa.core.lock.TicketLock",
        ),
        None,
        ("rasa", "redis"),
    ),
    Patch(
        "log-redaction",
        "message texts kept out of the logs",
        "fix",
        "addons/log_privacy.py",
        ("rasa.utils.log_utils._anonymizer", "rasa.utils.log_utils.configure_structlog"),
        log_privacy.install,
    ),
    Patch(
        "channel-enabling",
        "messenger channels without their settings left out",
        "fix",
        "channels/enabling.py",
        ("rasa.core.run.create_http_input_channels",),
        channel_enabling.install,
    ),
    Patch(
        "widget-socketio",
        "widget sockets join their session's room; origins checked",
        "fix",
        "channels/widget_socketio.py",
        ("rasa.core.channels.socketio.SocketIOInput.blueprint",),
        None,
        ("rasa", "python-socketio", "sanic"),
    ),
    Patch(
        "model-reload",
        "a replaced model file is loaded by the running server (staff review page's activation)",
        "fix",
        "addons/model_reload.py",
        ("rasa.core.run.configure_app", "rasa.core.agent.Agent.load_model"),
        model_reload.install,
        ("rasa", "sanic"),
    ),
    Patch(
        "tracker-store-privacy",
        "masking and real erasure in the SQL tracker store",
        "fix",
        "addons/tracker_store.py",
        ("rasa.core.tracker_store.SQLTrackerStore",),
        None,
        ("rasa", "SQLAlchemy"),
    ),
)

SPEEDUPS: Tuple[Patch, ...] = (
    Patch(
        "action-calls",
        "custom actions over kept-alive connections, response schema checked by a validator built once",
        "speed-up",
        "addons/action_endpoint.py",
        (
            "rasa.core.actions.action.RemoteAction._validate_action_result",
            "rasa.utils.endpoints.EndpointConfig.request",
            "rasa.utils.endpoints.EndpointConfig.session",
            "rasa.core.run.configure_app",
        ),
        action_endpoint.install,
    ),
    Patch(
        "arrival-order",
        "messages processed one at a time in arrival order; domain emptiness asked once",
        "speed-up",
        "addons/processor.py",
        (
            "rasa.core.processor.MessageProcessor.handle_message",
            "rasa.core.processor.MessageProcessor._check_for_unseen_features",
        ),
        processor.install,
        # A message keeps its turn while calling the action server only through action-calls' endpoint,
        # which steps aside when the action server is slow; without it, a slow action server would stall all.
        requires=("action-calls",),
    ),
    Patch(
        "graph-runner",
        "model graph run without dask",
        "speed-up",
        "addons/graph_runner.py",
        ("rasa.engine.runner.dask.DaskGraphRunner",),
        graph_runner.install,
    ),
    Patch(
        "event-lookup",
        "event classes looked up in a table",
        "speed-up",
        "addons/event_lookup.py",
        ("rasa.shared.core.events.Event.resolve_by_type",),
        event_lookup.install,
    ),
    Patch(
        "gc-freeze",
        "loaded model frozen out of full garbage collections",
        "speed-up",
        "addons/gc_freeze.py",
        ("rasa.core.run.configure_app",),
        gc_freeze.install,
        ("rasa", "sanic"),
    ),
    Patch(
        "tracker-cache",
        "dialogue states extended per event; recent conversations kept in memory",
        "speed-up",
        "addons/state_cache.py, addons/tracker_store.py",
        (
            "rasa.shared.core.domain.Domain.states_for_tracker_history",
            "rasa.shared.core.trackers.DialogueStateTracker.past_states",
            "rasa.shared.core.trackers.DialogueStateTracker.applied_events",
            "rasa.core.tracker_store.SQLTrackerStore._retrieve",
        ),
        None,
        ("rasa", "SQLAlchemy"),
    ),
)

PATCHES: Tuple[Patch, ...] = FIXES + SPEEDUPS


class VersionMismatch(SystemExit):
    """Stops the process: a patch may silently do nothing (or harm) on a version it was not written for."""


def version_mismatches(
    installed: Callable[[str], str] = importlib.metadata.version,
) -> Dict[str, Tuple[str, str]]:
    """Package -> (pinned, installed) for every package whose installed version is not the pinned one."""
    found = {package: installed(package) for package in PINNED_VERSIONS}
    return {
        package: (PINNED_VERSIONS[package], found[package])
        for package in found
        if found[package] != PINNED_VERSIONS[package]
    }


def patches_concerned(packages: Sequence[str], patches: Sequence[Patch] = PATCHES) -> List[Patch]:
    return [patch for patch in patches if set(patch.packages) & set(packages)]


def check_versions(installed: Callable[[str], str] = importlib.metadata.version) -> None:
    mismatches = version_mismatches(installed)
    if not mismatches:
        return
    versions = ", ".join(
        f"{package} {found} (written for {pinned})" for package, (pinned, found) in mismatches.items()
    )
    concerned = "\n".join(
        f"  - {patch.name} ({patch.where})" for patch in patches_concerned(list(mismatches))
    )
    raise VersionMismatch(
        f"Stopped: this project's Rasa patches were written for other versions: {versions}.\n"
        f"Install the versions of constraints.txt, or revisit these patches and their canaries "
        f"(tests/addons/test_patches.py) before changing the pins:\n{concerned}"
    )


def patches_for(mode: SpeedupMode) -> Tuple[Patch, ...]:
    """The fixes, then the speed-ups this mode keeps on; an unknown id or a broken requirement stops."""
    known = {patch.id for patch in SPEEDUPS}
    unknown = sorted(mode.left_out - known)
    if unknown:
        raise InvalidSpeedupMode(
            f"Unknown speed-up(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}."
        )
    chosen = FIXES + tuple(patch for patch in SPEEDUPS if mode.enabled(patch.id))
    for patch in chosen:
        missing = [required for required in patch.requires if not mode.enabled(required)]
        if missing:
            raise InvalidSpeedupMode(f"Speed-up {patch.id} needs {', '.join(missing)}: leave it out too.")
    return chosen


def install_patches(mode: SpeedupMode) -> Tuple[Patch, ...]:
    """Installs the fixes, then the speed-ups the mode keeps on; returns what applies in this mode."""
    chosen = patches_for(mode)
    for patch in chosen:
        if patch.install is not None:
            patch.install()
    return chosen


def summary_line(chosen: Sequence[Patch], mode: SpeedupMode) -> str:
    """One log line: which patches this process runs with."""
    fixes = ", ".join(patch.id for patch in chosen if patch.kind == "fix")
    speedups = ", ".join(patch.id for patch in chosen if patch.kind == "speed-up") or "none"
    return (
        f"Rasa patches (addons/patches.py): fixes {fixes}; "
        f"speed-ups {speedups} (RASA_SPEEDUPS {mode.describe()})."
    )
