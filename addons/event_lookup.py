"""Looks up event classes by their type name once, not for every event of every retrieved tracker.

Rasa's `Event.resolve_by_type` walks the whole class tree of `Event` for each stored event it
deserialises, a visible share of the server's time per message in a profile under load.
"""

from __future__ import annotations

from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event

_resolve_uncached = Event.resolve_by_type
_known: Dict[Text, Type[Event]] = {}


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    known = _known.get(type_name)
    if known is not None:
        return known
    resolved = _resolve_uncached(type_name, default)
    if resolved is not None and resolved is not default:
        _known[type_name] = resolved
    return resolved


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]
