"""Opens the tracker store that endpoints.yml configures (SQLite or PostgreSQL), as the Rasa server does."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from addons.endpoints_env import set_endpoint_defaults

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ENDPOINTS = PROJECT_ROOT / "endpoints.yml"
DEFAULT_DOMAIN = PROJECT_ROOT / "domain.yml"


class StoreError(RuntimeError):
    """The configured tracker store cannot be used by the privacy and report commands."""


def open_tracker_store(endpoints: Optional[Path] = None, domain: Optional[Path] = None) -> SQLTrackerStore:
    """The configured tracker store; it must be an SQL one (the commands query its events table)."""
    endpoints = endpoints or DEFAULT_ENDPOINTS
    config = _read_tracker_store_config(endpoints)
    if config is None:
        raise StoreError(f"{endpoints} configures no tracker_store.")
    store = TrackerStore.create(config, domain=Domain.load(str(domain or DEFAULT_DOMAIN)))
    store = getattr(store, "_tracker_store", store)  # unwrap Rasa's AwaitableTrackerStore, if any
    if not isinstance(store, SQLTrackerStore):
        raise StoreError(
            f"The tracker store in {endpoints} is {type(store).__name__}, not an SQL tracker store."
        )
    return store


def _read_tracker_store_config(endpoints: Path) -> Optional[EndpointConfig]:
    """endpoints.yml names the stores as ${VARS}; unset ones get the server's defaults, for this read only
    (so that a test process or a later store choice is not bound to them)."""
    saved = os.environ.copy()
    try:
        set_endpoint_defaults(os.environ)
        return read_endpoint_config(str(endpoints), endpoint_type="tracker_store")
    finally:
        os.environ.clear()
        os.environ.update(saved)
