"""Which speed-ups of addons/patches.py are on, from `RASA_SPEEDUPS`.

- `on` (the default): all of them;
- `off`: none, Rasa with the fixes only;
- `-<id>,-<id>`: all but those (the ids are in addons/patches.py), to measure one speed-up's worth.

Read by the patch registry and by the parts Rasa builds itself from endpoints.yml (the tracker store).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import FrozenSet, Mapping

SPEEDUPS_ENV_VAR = "RASA_SPEEDUPS"


class InvalidSpeedupMode(ValueError):
    pass


@dataclass(frozen=True)
class SpeedupMode:
    on: bool
    left_out: FrozenSet[str] = field(default_factory=frozenset)

    def enabled(self, speedup_id: str) -> bool:
        return self.on and speedup_id not in self.left_out

    def describe(self) -> str:
        if not self.on:
            return "off"
        return "on" if not self.left_out else "on, without " + ", ".join(sorted(self.left_out))


def speedup_mode(environ: Mapping[str, str] = os.environ) -> SpeedupMode:
    value = environ.get(SPEEDUPS_ENV_VAR, "").strip().lower() or "on"
    if value in ("on", "off"):
        return SpeedupMode(on=value == "on")
    parts = [part.strip() for part in value.split(",")]
    if all(len(part) > 1 and part.startswith("-") for part in parts):
        return SpeedupMode(on=True, left_out=frozenset(part[1:] for part in parts))
    raise InvalidSpeedupMode(
        f"{SPEEDUPS_ENV_VAR}={value!r}: use 'on' (the default), 'off', "
        "or speed-ups to leave out as '-id,-id'."
    )


def speedup_enabled(speedup_id: str, environ: Mapping[str, str] = os.environ) -> bool:
    return speedup_mode(environ).enabled(speedup_id)
