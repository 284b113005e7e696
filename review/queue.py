"""The review queue: patient messages the assistant did not answer well, as staff may see them.

A message is queued when its answer was (definitions as in insights/collect.py):
- "nicht verstanden": a fallback without an ask-back;
- "Rückfrage": an ask-back ("Meinen Sie …?"), with the topic the patient chose, if any;
- "kein Thema der Praxis": the out-of-scope answer;
- "unsicher": an answer whose topic had a low confidence (`review.low_confidence` in config/practice.yml).

Texts are shown masked as stored (the tracker store masks contact data before writing; masked again
here for conversations stored before that), without conversation ids. Near-identical texts form one
group, most frequent first. A group disappears once its text is in the reviewed data (data files of
review/examples.py) or has been skipped (review/state.py).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from insights.collect import (
    DEFAULT_FALLBACK_ACTION,
    FALLBACK_INTENT,
    OUT_OF_SCOPE_INTENT,
    StoredEvent,
    turns,
)
from practice.masking import mask_contact_data

NOT_UNDERSTOOD = "nicht verstanden"
ASKED_BACK = "Rückfrage"
OUT_OF_SCOPE = "kein Thema der Praxis"
LOW_CONFIDENCE = "unsicher"
# Urgent messages get the triage's answer, not a topic: their review is the triage evaluation's job.
NOT_REVIEWED_INTENTS = ("red_flag",)
# Two texts this similar (difflib's ratio of their normalised forms) are one group: the same question
# with a typo, another greeting or a missing word.
NEAR_IDENTICAL = 0.9
RUNNERS_UP = 2


@dataclass(frozen=True)
class Guess:
    intent: str
    confidence: float


@dataclass
class QueueGroup:
    """Near-identical queued messages: shown as the text first seen, counted together."""

    key: str  # normalised text of the first message: what decisions refer to
    text: str  # masked, as first seen
    count: int = 0
    reasons: Dict[str, int] = field(default_factory=dict)  # reason -> messages
    chosen: Dict[str, int] = field(default_factory=dict)  # after an ask-back: chosen intent -> times
    guesses: Tuple[Guess, ...] = ()  # the assistant's guess and the runners-up, for the first message

    @property
    def id(self) -> str:
        """A short id for forms and links: a hash of the normalised text, never a conversation id."""
        return group_id(self.key)


def group_id(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def normalise(text: str) -> str:
    """Case, accents, punctuation and spacing do not make a message another one."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def queue_reason(
    turn_intent: Optional[str],
    actions: Sequence[Optional[str]],
    asked_back: bool,
    confidence: float,
    low_confidence: float,
) -> Optional[str]:
    """Why a message belongs in the queue, or None."""
    if turn_intent in NOT_REVIEWED_INTENTS:
        return None
    if asked_back:
        return ASKED_BACK
    if turn_intent == FALLBACK_INTENT or DEFAULT_FALLBACK_ACTION in actions:
        return NOT_UNDERSTOOD
    if turn_intent == OUT_OF_SCOPE_INTENT:
        return OUT_OF_SCOPE
    if turn_intent and confidence < low_confidence:
        return LOW_CONFIDENCE
    return None


def build_queue(
    events: Iterable[StoredEvent],
    low_confidence: float,
    is_done: Callable[[str], bool] = lambda key: False,
) -> List[QueueGroup]:
    """The groups of queued messages, most frequent first; `is_done(key)` drops reviewed or skipped ones."""
    by_conversation: Dict[int, List[StoredEvent]] = {}
    for event in events:
        by_conversation.setdefault(event.conversation, []).append(event)
    groups: Dict[str, QueueGroup] = {}
    for conversation_events in by_conversation.values():
        for turn in turns(conversation_events):
            message = turn.message
            if not message.text or message.text.startswith("/"):  # button clicks are no typed messages
                continue
            ranking = message.ranking
            confidence = ranking[0][1] if ranking else 1.0
            reason = queue_reason(message.intent, turn.actions, turn.asked_back, confidence, low_confidence)
            if reason is None:
                continue
            masked = " ".join(mask_contact_data(message.text).split())
            group = _group_for(groups, normalise(masked), masked, ranking)
            group.count += 1
            group.reasons[reason] = group.reasons.get(reason, 0) + 1
            if turn.chosen:
                group.chosen[turn.chosen] = group.chosen.get(turn.chosen, 0) + 1
    pending = [group for group in groups.values() if not is_done(group.key)]
    return sorted(pending, key=lambda group: -group.count)


def _group_for(
    groups: Dict[str, QueueGroup], key: str, masked: str, ranking: Tuple[Tuple[str, float], ...]
) -> QueueGroup:
    if key in groups:
        return groups[key]
    for existing_key, group in groups.items():
        if _near_identical(existing_key, key):
            return group
    guesses = tuple(Guess(intent, confidence) for intent, confidence in ranking[: 1 + RUNNERS_UP] if intent)
    groups[key] = QueueGroup(key=key, text=masked, guesses=guesses)
    return groups[key]


def _near_identical(first: str, second: str) -> bool:
    """difflib's cheap upper bounds first: most pairs are told apart without the full comparison."""
    matcher = SequenceMatcher(None, first, second)
    return (
        matcher.real_quick_ratio() >= NEAR_IDENTICAL
        and matcher.quick_ratio() >= NEAR_IDENTICAL
        and matcher.ratio() >= NEAR_IDENTICAL
    )
