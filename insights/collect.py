"""Reads the events table of the tracker store and aggregates it for the staff report.

Only aggregates and masked message texts leave this module, never sender ids. Definitions:

- conversation: all stored events of one sender id that contain at least one user message;
- week: ISO week (UTC) of the event, e.g. "2026-W48";
- topic: the intent Rasa recognised for a user message (button clicks count as well);
- channel: `input_channel` of the user message (rest, socketio, ...);
- answer: the actions and bot messages after a user message, up to the next user message;
- fallback: a user message recognised as `nlu_fallback` or answered by `action_default_fallback`;
  fallback rate = fallbacks per user message;
- ask-back ("Rückfrage"): a user message whose answer holds a bot message sent as `utter_ask_back`
  (Rasa stores the response's name in the message's metadata as `utter_action`, also for one sent by a
  custom action); the topics offered are the intents of its buttons (payload `/intent`). Rasa asks back
  only on `nlu_fallback` (data/rules.yml, actions/ask_back.py);
- not understood ("nicht verstanden"): a fallback without an ask-back, answered with the topic menu
  `utter_default`; so every fallback is an ask-back or not understood;
- the patient's reply to an ask-back: their next user message in the same session. Its intent is one of
  the offered topics: that topic was chosen (clicked or typed); another intent: something else was
  typed; no reply (the conversation ends, or a new session starts with `action_session_start` first):
  the patient left;
- unanswered: a user message recognised as `nlu_fallback` or `out_of_scope`, or answered by
  `action_default_fallback`, except an ask-back whose reply chose an offered topic, because the
  choice is then answered like any other question; an ask-back without a choice stays unanswered,
  since the patient's question got no answer;
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
from typing import Any, Dict, Iterable, List, Optional, Tuple

from rasa.core.tracker_store import SQLTrackerStore

from practice.masking import mask_contact_data
from practice.topics import intent_of_payload

USER = "user"
ACTION = "action"
BOT = "bot"
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
DEFAULT_FALLBACK_ACTION = "action_default_fallback"
RED_FLAG_ACTION = "utter_red_flag"
OFFER_ACTION = "utter_offer_booking"
BOOKING_ACTION = "action_send_to_booking"
ACCEPT_INTENT = "affirm"
ASK_BACK_RESPONSE = "utter_ask_back"
SESSION_START_ACTION = "action_session_start"
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
    response: Optional[str] = None  # bot messages: the response of domain.yml it was sent as
    offered: Tuple[str, ...] = ()  # bot messages: the intents its buttons ask for
    # user messages: the NLU's intents with their confidence, best first, without `nlu_fallback`
    ranking: Tuple[Tuple[str, float], ...] = ()


@dataclass
class WeekFigures:
    user_messages: int = 0
    fallbacks: int = 0
    out_of_scope: int = 0
    red_flag_answers: int = 0
    asked_back: int = 0
    not_understood: int = 0
    topics: Counter = field(default_factory=Counter)

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / self.user_messages if self.user_messages else 0.0

    @property
    def asked_back_rate(self) -> float:
        return self.asked_back / self.user_messages if self.user_messages else 0.0

    @property
    def not_understood_rate(self) -> float:
        return self.not_understood / self.user_messages if self.user_messages else 0.0

    @property
    def out_of_scope_rate(self) -> float:
        return self.out_of_scope / self.user_messages if self.user_messages else 0.0


@dataclass
class AskBackFigures:
    """The ask-backs that offered one set of topics, by the patients' replies."""

    asked: int = 0
    chosen: Counter = field(default_factory=Counter)  # topic (intent; its German name in render) -> times
    typed_other: int = 0
    left: int = 0


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
    # offered intents, sorted (the order of the buttons is the NLU's and does not matter to staff) -> replies
    ask_backs: Dict[Tuple[str, ...], AskBackFigures] = field(default_factory=dict)

    @property
    def average_conversation_length(self) -> float:
        return self.user_messages / self.conversations if self.conversations else 0.0

    @property
    def topics(self) -> Counter:
        return sum((week.topics for week in self.weeks.values()), Counter())


def read_events(store: SQLTrackerStore) -> List[StoredEvent]:
    """User messages, actions and bot messages of every conversation, in stored order; of a bot message
    only its response name and the topics its buttons offer, never its text."""
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
            .filter(event.type_name.in_([USER, ACTION, BOT]))
            .order_by(event.sender_id, event.id)
        )
        for sender_id, type_name, timestamp, intent, action, data in rows.yield_per(1000):
            conversation = numbers.setdefault(sender_id, len(numbers))
            if type_name == BOT:
                events.append(_bot_message(conversation, timestamp or 0.0, json.loads(data)))
                continue
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
                    ranking=_intent_ranking(payload),
                )
            )
    return events


def _intent_ranking(stored: Dict[str, Any]) -> Tuple[Tuple[str, float], ...]:
    """The intents the NLU ranked for a stored user message; the fallback's own entry is no topic."""
    ranking = (stored.get("parse_data") or {}).get("intent_ranking") or []
    return tuple(
        (str(entry.get("name")), float(entry.get("confidence") or 0.0))
        for entry in ranking
        if isinstance(entry, dict) and entry.get("name") and entry.get("name") != FALLBACK_INTENT
    )


def _bot_message(conversation: int, timestamp: float, stored: Dict[str, Any]) -> StoredEvent:
    """A stored BotUttered: `utter_action` in its metadata (set by Rasa for responses of domain.yml, also
    those a custom action sends), the buttons in its data."""
    response = (stored.get("metadata") or {}).get("utter_action")
    buttons = (stored.get("data") or {}).get("buttons") or []
    offered = tuple(
        intent
        for intent in (
            intent_of_payload(button.get("payload")) for button in buttons if isinstance(button, dict)
        )
        if intent
    )
    return StoredEvent(conversation, BOT, timestamp, None, None, None, None, response, offered)


def aggregate(events: Iterable[StoredEvent]) -> Insights:
    weeks: Dict[str, WeekFigures] = defaultdict(WeekFigures)
    channels: Counter = Counter()
    unanswered = UnansweredMessages()
    ask_backs: Dict[Tuple[str, ...], AskBackFigures] = defaultdict(AskBackFigures)
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
        _count_turns(conversation_events, weeks, channels, unanswered, ask_backs)

    return Insights(
        weeks=dict(sorted(weeks.items())),
        channels=channels,
        unanswered=unanswered.most_common(TOP_UNANSWERED),
        conversations=conversations,
        user_messages=user_messages,
        offered_booking=offered,
        accepted_offer=accepted,
        requested_booking=requested,
        ask_backs=dict(ask_backs),
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


@dataclass(frozen=True)
class Turn:
    """A user message, its answer and the patient's reply to it (see the module's docstring)."""

    message: StoredEvent
    actions: List[Optional[str]]
    asked_back: bool
    offered: Tuple[str, ...]  # the topics an ask-back in the answer offered
    reply: Optional[StoredEvent]

    @property
    def chosen(self) -> Optional[str]:
        """The offered topic the patient chose in their reply to an ask-back, if any."""
        if self.asked_back and self.reply is not None and self.reply.intent in self.offered:
            return self.reply.intent
        return None


def turns(events: List[StoredEvent]) -> Iterable[Turn]:
    """Each user message of one conversation with what followed it."""
    for index, event in enumerate(events):
        if event.type_name != USER:
            continue
        actions: List[Optional[str]] = []
        asked_back, offered, reply = False, (), None
        for later in events[index + 1 :]:
            if later.type_name == USER:
                reply = later
                break
            if later.type_name == ACTION:
                if later.action == SESSION_START_ACTION:
                    break  # a new session: what the patient writes now is no reply
                actions.append(later.action)
            elif later.response == ASK_BACK_RESPONSE:
                asked_back, offered = True, later.offered
        yield Turn(event, actions, asked_back, offered, reply)


def _count_turns(
    events: List[StoredEvent],
    weeks: Dict[str, WeekFigures],
    channels: Counter,
    unanswered: UnansweredMessages,
    ask_backs: Dict[Tuple[str, ...], AskBackFigures],
) -> None:
    """Counts each user message by its answer and, after an ask-back, by the patient's reply."""
    for event in events:
        if event.type_name == ACTION and event.action == RED_FLAG_ACTION:
            weeks[iso_week(event.timestamp)].red_flag_answers += 1
    for turn in turns(events):
        event = turn.message
        week = weeks[iso_week(event.timestamp)]
        week.user_messages += 1
        week.topics[event.intent or "unbekannt"] += 1
        channels[event.channel or "unbekannt"] += 1
        fallback = event.intent == FALLBACK_INTENT or DEFAULT_FALLBACK_ACTION in turn.actions
        week.fallbacks += fallback
        week.asked_back += turn.asked_back
        week.not_understood += fallback and not turn.asked_back
        week.out_of_scope += event.intent == OUT_OF_SCOPE_INTENT
        if turn.asked_back:
            _count_reply(turn, ask_backs[tuple(sorted(turn.offered))])
        if (fallback or event.intent == OUT_OF_SCOPE_INTENT) and turn.chosen is None and event.text:
            unanswered.add(event.text)


def _count_reply(turn: Turn, figures: AskBackFigures) -> None:
    figures.asked += 1
    if turn.chosen is not None:
        figures.chosen[turn.chosen] += 1
    elif turn.reply is not None:
        figures.typed_other += 1
    else:
        figures.left += 1


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
