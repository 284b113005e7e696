"""Keeps Python's garbage collector away from the objects the loaded model consists of.

The Rasa server holds over half a million long-lived objects once the model is loaded (TensorFlow,
spaCy, the graph). Every full collection walked all of them, a noticeable pause each time: many of
them during start-up, and then every few seconds under load, during which no message was answered.
So addons/rasa_main.py pauses the collector while the server starts and loads the model; then
`gc.freeze()` moves everything loaded so far to a generation that is never collected, and what
messages allocate is collected as before (a full collection is then short).
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from addons.server_listeners import add_server_listener

logger = logging.getLogger(__name__)


async def freeze_loaded_objects(_app: Any, _loop: Any) -> None:
    gc.collect()
    gc.freeze()
    gc.enable()
    logger.info(
        "Model loaded; %d long-lived objects excluded from garbage collection.", gc.get_freeze_count()
    )


def install() -> None:
    # Rasa loads the model in a before_server_start listener; after_server_start runs later, in each worker.
    add_server_listener(freeze_loaded_objects, "after_server_start")
