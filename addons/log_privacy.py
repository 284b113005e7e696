"""Keeps message texts (health data) out of the Rasa server's logs.

Rasa logs some events through structlog with the message text as a field, e.g.
`rest.message.received.failure` (`text=...`) when handling a REST message fails, and renders the
exception with the local variables of every frame (structlog's dict_tracebacks), which again hold
the text. Rasa's first structlog processor, `rasa.utils.log_utils._anonymizer`, exists to anonymise
such fields but does nothing in Rasa Open Source (no anonymization plugin). `install` puts a
processor in its place that redacts those fields and turns an exception into a plain traceback
without local variables. Rasa looks the processor up when it configures structlog, so `install`
must run before Rasa's `main` (addons/rasa_main.py does).
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, Dict

import rasa.utils.log_utils as log_utils

REDACTED = "[redacted]"
# The fields Rasa's _anonymizer lists (rasa/utils/log_utils.py, 3.6), and a few more that hold texts.
SENSITIVE_FIELDS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "events",
        "tracker",
        "parse_data",
        "entities",
        "metadata",
        "body",
        "utterance",
    }
)


def redact_event_dict(_logger: Any, _method: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
    """structlog processor: no message text and no frame locals reach the rendered log line."""
    for key in SENSITIVE_FIELDS.intersection(event_dict):
        event_dict[key] = REDACTED
    exc_info = event_dict.pop("exc_info", None)
    if exc_info:
        if exc_info is True:
            exc_info = sys.exc_info()
        elif isinstance(exc_info, BaseException):
            exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
        if exc_info[0] is not None:
            event_dict["traceback"] = "".join(traceback.format_exception(*exc_info))
    return event_dict


def install() -> None:
    log_utils._anonymizer = redact_event_dict  # type: ignore[assignment]
