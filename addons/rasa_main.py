"""Starts Rasa's own command line (`run`, `shell`, `data validate`, ...) with the project's extensions installed.

Use `python -m addons.rasa_main run ...` wherever `rasa run ...` would be used; the Makefile does.
"""

import gc
import os
import sys

# The server commands start with the garbage collector paused: loading creates over half a million
# long-lived objects, and full collections over them cost seconds (addons/gc_freeze.py resumes it).
if (sys.argv[1:2] == ["run"] and sys.argv[2:3] != ["actions"]) or (sys.argv[1:2] == ["shell"] and sys.argv[2:3] != ["nlu"]):
    gc.disable()

# Before anything imports TensorFlow: on import, skops looks up the module of every numpy/scipy ufunc
# by scanning sys.modules, which takes seconds once TensorFlow's thousands of modules are loaded.
import skops.io  # noqa: F401  (isort: skip)

from addons import (action_endpoint, event_lookup, gc_freeze, graph_runner, log_privacy, processor,
                    resilient_action, rule_matching, validator)
from addons.endpoints_env import set_endpoint_defaults
from addons import lock_store, storage_guard
from actions.practice_config import load_practice_config
from channels import enabling as channel_enabling


def main() -> None:
    # Telemetry would send usage data and crash reports (which may hold health data) to Rasa.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    set_endpoint_defaults(os.environ)  # endpoints.yml reads the stores from ${VARS}; unset ones get defaults
    load_practice_config()  # fail at start-up, not at the first message, if the config is broken
    resilient_action.install()
    action_endpoint.install()  # custom actions over kept-alive connections, closed when the server stops
    processor.install()  # one message at a time per process, in arrival order (addons/message_order.py)
    graph_runner.install()  # the model's graph without dask's scheduler overhead
    rule_matching.install()  # rules matched as far back as the longest rule reaches, not the whole conversation
    event_lookup.install()  # event classes by type name from a table, not a class-tree walk per event
    validator.install()
    storage_guard.install()  # a database or Redis outage gets a 503 with a reason, not amnesia
    lock_store.install()  # LOCK_STORE=redis: ticket changes atomic across Rasa processes
    log_privacy.install()  # message texts never reach the logs (structlog fields are redacted)
    channel_enabling.install()  # messenger channels without their env vars are left out, with one log line
    gc_freeze.install()  # full garbage collections skip the loaded model's objects (latency spikes)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    sys.exit(main())
