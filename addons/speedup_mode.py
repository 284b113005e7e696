"""Whether the speed-ups of addons/patches.py are on: `RASA_SPEEDUPS=off` runs Rasa with the fixes only.

Read by the patch registry and by the parts configured through endpoints.yml (the tracker store),
which Rasa builds itself and which therefore cannot be told by the registry.
"""

from __future__ import annotations

import os
from typing import Mapping

SPEEDUPS_ENV_VAR = "RASA_SPEEDUPS"
_VALUES = {"on": True, "off": False}


class InvalidSpeedupMode(ValueError):
    pass


def speedups_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    value = environ.get(SPEEDUPS_ENV_VAR, "on").strip().lower() or "on"
    if value not in _VALUES:
        raise InvalidSpeedupMode(f"{SPEEDUPS_ENV_VAR}={value!r}: use 'on' (the default) or 'off'.")
    return _VALUES[value]
