"""Access (DSGVO Art. 15) and erasure (Art. 17) of one stored conversation, for the practice's staff."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered

from addons.tracker_store import PrivacySQLTrackerStore


class UnknownSender(LookupError):
    def __init__(self, sender_id: str) -> None:
        super().__init__(f"No stored conversation with the sender id '{sender_id}'.")


async def export_conversation(store: SQLTrackerStore, sender_id: str) -> Dict[str, Any]:
    """Everything stored about one conversation, in readable form (times in UTC, ISO 8601)."""
    tracker = await store.retrieve_full_tracker(sender_id)
    if tracker is None:
        raise UnknownSender(sender_id)
    return {
        "conversation_id": sender_id,
        "exported_at": _iso(datetime.now(timezone.utc).timestamp()),
        "messages": [
            _message(event) for event in tracker.events if isinstance(event, (UserUttered, BotUttered))
        ],
        "other_records": [record for event in tracker.events if (record := _other_record(event))],
    }


async def erase_conversation(store: SQLTrackerStore, sender_id: str) -> int:
    """Deletes every stored event of the conversation; returns how many events were removed."""
    if sender_id not in set(await store.keys()):
        raise UnknownSender(sender_id)
    if isinstance(store, PrivacySQLTrackerStore):
        return await store.delete(sender_id)
    with store.session_scope() as session:
        removed = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id).delete()
        session.commit()
    return int(removed)


def _message(event: Event) -> Dict[str, Any]:
    if isinstance(event, UserUttered):
        return {
            "time": _iso(event.timestamp),
            "from": "patient",
            "text": event.text,
            "recognised_topic": event.intent_name,
            "channel": event.input_channel,
        }
    message: Dict[str, Any] = {"time": _iso(event.timestamp), "from": "assistant", "text": event.text}
    buttons = (event.data or {}).get("buttons")
    if buttons:
        message["buttons"] = [button.get("title") for button in buttons]
    return message


def _other_record(event: Event) -> Dict[str, Any] | None:
    if isinstance(event, SlotSet):
        return {"time": _iso(event.timestamp), "type": "slot", "name": event.key, "value": event.value}
    if isinstance(event, SessionStarted):
        return {"time": _iso(event.timestamp), "type": "session_started"}
    if isinstance(event, ActionExecuted) and event.action_name != "action_listen":
        return {"time": _iso(event.timestamp), "type": "assistant_step", "name": event.action_name}
    return None


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")
