"""The running Rasa server takes up a new live model when its file is replaced.

The staff review page (review/) activates a model by replacing `models/leaky-gut-assistant.tar.gz`
atomically, and rolls back the same way. Rasa replaces a running model only through its HTTP API
(`PUT /model`, which also opens the conversations to anyone with the token) or by pulling from a model
server (without which the server would start with no model at all). Watching the file needs neither,
and works for every Rasa process that serves the same file (the production layout runs two).

The new model is loaded in a worker thread, so conversations go on with the old model meanwhile; the
agent's processor is then swapped in one assignment, as Rasa's own `Agent.load_model` does. A file that
cannot be loaded is logged and the old model stays.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any, Optional, Tuple

from addons.server_listeners import add_server_listener

logger = logging.getLogger(__name__)

INTERVAL_ENV = "MODEL_RELOAD_SECONDS"
DEFAULT_INTERVAL = 5.0

FileState = Tuple[int, int, int]  # inode, size, modification time: os.replace changes the inode


def reload_interval(environ: "os._Environ[str] | dict" = os.environ) -> float:
    """Seconds between looks at the model file; 0 turns the watch off."""
    raw = environ.get(INTERVAL_ENV, "")
    try:
        value = float(raw) if raw else DEFAULT_INTERVAL
    except ValueError:
        logger.warning("%s=%r is not a number; using %s.", INTERVAL_ENV, raw, DEFAULT_INTERVAL)
        return DEFAULT_INTERVAL
    return max(value, 0.0)


def file_state(path: Path) -> Optional[FileState]:
    try:
        stat = path.stat()
    except OSError:
        return None  # between an unlink and a rename, or the file is gone: keep serving the old model
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def watched_model_file(agent: Any) -> Optional[Path]:
    """The model file the agent serves; None when it was loaded from a directory or elsewhere."""
    processor = getattr(agent, "processor", None)
    path = getattr(processor, "model_path", None)
    return Path(path) if path is not None and Path(path).is_file() else None


async def watch_model_file(app: Any, interval: float) -> None:
    agent = getattr(app.ctx, "agent", None)
    path = watched_model_file(agent)
    if path is None:
        return
    seen = file_state(path)
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(interval)
        current = file_state(path)
        if current is None or current == seen:
            continue
        seen = current
        try:
            await loop.run_in_executor(None, agent.load_model, path)
        except Exception:  # noqa: BLE001 - a broken file must not stop the server that still has a model
            logger.exception("The model file %s changed but could not be loaded; the old model stays.", path)
            continue
        logger.info("Model file %s changed: now serving model %s.", path, agent.model_id)


async def start_watching(app: Any, _loop: Any) -> None:
    interval = reload_interval()
    if interval > 0:
        app.add_task(watch_model_file(app, interval))


def install() -> None:
    # Rasa loads the model in a before_server_start listener; after_server_start runs later, in each worker.
    add_server_listener(start_watching, "after_server_start")
