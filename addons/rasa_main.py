"""Starts Rasa's own command line (`run`, `shell`, `data validate`, ...) with the project's patches installed.

Use `python -m addons.rasa_main run ...` wherever `rasa run ...` would be used; the Makefile does.
What is patched, and why, is listed in addons/patches.py.
"""

import gc
import os
import sys

from addons.speedup_mode import InvalidSpeedupMode, speedup_mode

try:
    MODE = speedup_mode()
except InvalidSpeedupMode as error:
    sys.exit(str(error))

# Speed-up of the start: the server commands start with the garbage collector paused, because loading
# creates over half a million long-lived objects and full collections over them cost seconds
# (addons/gc_freeze.py resumes it once the model is loaded).
SERVER_COMMAND = (sys.argv[1:2] == ["run"] and sys.argv[2:3] != ["actions"]) or (
    sys.argv[1:2] == ["shell"] and sys.argv[2:3] != ["nlu"]
)
if MODE.enabled("gc-freeze") and SERVER_COMMAND:
    gc.disable()

# Before anything imports TensorFlow: on import, skops looks up the module of every numpy/scipy ufunc
# by scanning sys.modules, which takes seconds once TensorFlow's thousands of modules are loaded.
import skops.io  # noqa: E402, F401

from addons.endpoints_env import set_endpoint_defaults  # noqa: E402
from addons.patches import check_versions, install_patches, summary_line  # noqa: E402
from practice.config import load_practice_config  # noqa: E402


def main() -> None:
    check_versions()  # a patch written for another version could silently do nothing
    # Telemetry would send usage data and crash reports (which may hold health data) to Rasa.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    set_endpoint_defaults(os.environ)  # endpoints.yml reads the stores from ${VARS}; unset ones get defaults
    load_practice_config()  # fail at start-up, not at the first message, if the config is broken
    try:
        installed = install_patches(MODE)
    except InvalidSpeedupMode as error:
        sys.exit(str(error))
    print(summary_line(installed, MODE), file=sys.stderr, flush=True)
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    sys.exit(main())
