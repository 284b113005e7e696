"""Reads the events table of the tracker store and aggregates it for the staff report.

Only aggregates and masked message texts leave this module, never sender ids. Definitions:

- conversation: all stored events of one sender id that contain at least one user message;
- week: ISO week (UTC) of the event, e.g. "2026-W48";
- topic: the intent Rasa recognised for a user message (button clicks count as well);
- channel: `input_channel` of the user message (rest, socketio, ...);
- unanswered: a user message recognised as `nlu_fallback` or `out_of_scope`, or answered by
  `action_default_fallback`; fallback rate = nlu_fallback or action_default_fallback per user message;
- red-flag answer: an `utter_red_flag` action;
- booking offer reached: the conversation contains `utter_offer_booking`;
- offer accepted: the next user message after an offer has the intent `affirm`;
- booking requested: `action_send_to_booking` ran in the conversation (offer accepted, or the patient
  asked for an appointment directly, intent `book_appointment`). The link click itself happens in
  the patient's browser and is not recorded.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional

from rasa.core.tracker_store import SQLTrackerStore

from practice.masking import mask_contact_data

USER = "user"
ACTION = "action"
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
DEFAULT_FALLBACK_ACTION = "action_default_fallback"
RED_FLAG_ACTION = "utter_red_flag"
OFFER_ACTION = "utter_offer_booking"
BOOKING_ACTION = "action_send_to_booking"
ACCEPT_INTENT = "affirm"
TOP_UNANSWERED = 20


@dataclass(frozen=True)
class StoredEvent:
    conversation: int  # a number per sender, so that no sender id is kept
    type_name: str
    timestamp: float
    intent: Optional[str]
    action: Optional[str]
    text: Optional[str]
    channel: Optional[str]


@dataclass
class WeekFigures:
    user_messages: int = 0
    fallbacks: int = 0
    out_of_scope: int = 0
    red_flag_answers: int = 0
    topics: Counter = field(default_factory=Counter)

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / self.user_messages if self.user_messages else 0.0

    @property
    def out_of_scope_rate(self) -> float:
        return self.out_of_scope / self.user_messages if self.user_messages else 0.0


@dataclass
class Insights:
    weeks: Dict[str, WeekFigures]
    channels: Counter
    unanswered: List[tuple]  # (masked text, count), most frequent first
    conversations: int
    user_messages: int
    offered_booking: int
    accepted_offer: int
    requested_booking: int

    @property
    def average_conversation_length(self) -> float:
        return self.user_messages / self.conversations if self.conversations else 0.0

    @property
    def topics(self) -> Counter:
        return sum((week.topics for week in self.weeks.values()), Counter())


def read_events(store: SQLTrackerStore) -> List[StoredEvent]:
    """User messages and actions of every conversation, in stored order."""
    event = store.SQLEvent
    numbers: Dict[str, int] = {}
    events: List[StoredEvent] = []
    with store.session_scope() as session:
        rows = (
            session.query(
                event.sender_id,
                event.type_name,
                event.timestamp,
                event.intent_name,
                event.action_name,
                event.data,
            )
            .filter(event.type_name.in_([USER, ACTION]))
            .order_by(event.sender_id, event.id)
        )
        for sender_id, type_name, timestamp, intent, action, data in rows.yield_per(1000):
            conversation = numbers.setdefault(sender_id, len(numbers))
            payload = json.loads(data) if type_name == USER else {}
            events.append(
                StoredEvent(
                    conversation,
                    type_name,
                    timestamp or 0.0,
                    intent,
                    action,
                    payload.get("text"),
                    payload.get("input_channel"),
                )
            )
    return events


def aggregate(events: Iterable[StoredEvent]) -> Insights:
    weeks: Dict[str, WeekFigures] = defaultdict(WeekFigures)
    channels: Counter = Counter()
    unanswered = UnansweredMessages()
    by_conversation: Dict[int, List[StoredEvent]] = defaultdict(list)
    for event in events:
        by_conversation[event.conversation].append(event)

    conversations = offered = accepted = requested = user_messages = 0
    for conversation_events in by_conversation.values():
        users = [event for event in conversation_events if event.type_name == USER]
        if not users:
            continue
        conversations += 1
        user_messages += len(users)
        actions = {event.action for event in conversation_events if event.type_name == ACTION}
        offered += OFFER_ACTION in actions
        requested += BOOKING_ACTION in actions
        accepted += _accepted_an_offer(conversation_events)
        _count_turns(conversation_events, weeks, channels, unanswered)

    return Insights(
        weeks=dict(sorted(weeks.items())),
        channels=channels,
        unanswered=unanswered.most_common(TOP_UNANSWERED),
        conversations=conversations,
        user_messages=user_messages,
        offered_booking=offered,
        accepted_offer=accepted,
        requested_booking=requested,
    )


def collect(store: SQLTrackerStore) -> Insights:
    return aggregate(read_events(store))


def iso_week(timestamp: float) -> str:
    year, week, _ = datetime.fromtimestamp(timestamp, tz=timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


class UnansweredMessages:
    """Counts masked texts case- and space-insensitively; shows each in the form first seen."""

    def __init__(self) -> None:
        self._counts: Counter = Counter()
        self._shown: Dict[str, str] = {}

    def add(self, text: str) -> None:
        masked = " ".join(mask_contact_data(text).split())
        key = masked.lower()
        self._shown.setdefault(key, masked)
        self._counts[key] += 1

    def most_common(self, limit: int) -> List[tuple]:
        return [(self._shown[key], count) for key, count in self._counts.most_common(limit)]


def _count_turns(
    events: List[StoredEvent],
    weeks: Dict[str, WeekFigures],
    channels: Counter,
    unanswered: UnansweredMessages,
) -> None:
    """Counts each user message with the actions that answered it (up to the next user message)."""
    for index, event in enumerate(events):
        if event.type_name == ACTION:
            if event.action == RED_FLAG_ACTION:
                weeks[iso_week(event.timestamp)].red_flag_answers += 1
            continue
        week = weeks[iso_week(event.timestamp)]
        week.user_messages += 1
        week.topics[event.intent or "unbekannt"] += 1
        channels[event.channel or "unbekannt"] += 1
        answers = _answers(events, index)
        fallback = event.intent == FALLBACK_INTENT or DEFAULT_FALLBACK_ACTION in answers
        week.fallbacks += fallback
        week.out_of_scope += event.intent == OUT_OF_SCOPE_INTENT
        if (fallback or event.intent == OUT_OF_SCOPE_INTENT) and event.text:
            unanswered.add(event.text)


def _answers(events: List[StoredEvent], user_index: int) -> List[Any]:
    answers = []
    for event in events[user_index + 1 :]:
        if event.type_name == USER:
            break
        answers.append(event.action)
    return answers


def _accepted_an_offer(events: List[StoredEvent]) -> bool:
    offer_pending = False
    for event in events:
        if event.type_name == ACTION and event.action == OFFER_ACTION:
            offer_pending = True
        elif event.type_name == USER:
            if offer_pending and event.intent == ACCEPT_INTENT:
                return True
            offer_pending = False
    return False
