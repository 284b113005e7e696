"""Starts Rasa's own command line (`run`, `shell`, `data validate`, ...) with the project's extensions installed.

Use `python -m addons.rasa_main run ...` wherever `rasa run ...` would be used; the Makefile does.
"""

import os
import sys

from addons import resilient_action, validator
from actions.practice_config import load_practice_config


def main() -> None:
    # Telemetry would send usage data and crash reports (which may hold health data) to Rasa.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    load_practice_config()  # fail at start-up, not at the first message, if the config is broken
    resilient_action.install()
    validator.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    sys.exit(main())
