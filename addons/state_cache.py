"""Dialogue states of a conversation computed once per tracker, then extended as events are added.

Rasa's policies ask for the states of the whole conversation about five times per message (the
memoization and rule policies, before and after each action). Each time, Rasa's
`Domain.states_for_tracker_history` replays every event on a fresh copy of the tracker, a large
share of the server's CPU under load (`make bench`, RASA_SPEEDUPS=-tracker-cache).
`StateCachingTracker` keeps, per kind of request, the states so far together with the replayed copy,
and on the next request replays only the new events.

This is only valid while the new events cannot change which earlier events count (Rasa's
`applied_events`): restarts, session starts, reverted actions or utterances and active loops can, so
whenever one of them is among the new events, or a loop is active anywhere, the states are computed
by Rasa from scratch. The loop below follows `states_for_tracker_history` of Rasa 3.6 step by step;
tests/addons/test_state_cache.py checks both give the same states.

The tracker store creates these trackers (addons/tracker_store.py); copies made with `copy()` or
`init_copy()` are plain trackers, deep copies start with an empty cache.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

# Events after which earlier events may no longer count (see DialogueStateTracker.applied_events).
HISTORY_CHANGING_EVENTS = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)


@dataclass
class _StatesSoFar:
    """Rasa's loop over the prior trackers, stopped after the last event seen and resumable."""

    replayed: DialogueStateTracker
    domain: Domain
    options: _Options
    events_seen: int = 0
    last_event_seen: Optional[Event] = None
    states: List[State] = field(default_factory=list)
    last_ml_action_sub_state: Optional[Dict[Text, Any]] = None
    turn_was_hidden: bool = False

    def extend(self, new_events: List[Event]) -> None:
        for event in new_events:
            if isinstance(event, ActionExecuted):
                self._step(event.hide_rule_turn, self.states)
            self.replayed.update(event)

    def with_current_state(self) -> List[State]:
        """The states so far and the state now (the prior tracker Rasa yields last), as fresh dicts."""
        states = list(self.states)
        resumable = (self.last_ml_action_sub_state, self.turn_was_hidden)
        self._step(False, states)
        self.last_ml_action_sub_state, self.turn_was_hidden = resumable  # the last yield is not a step
        return [_copied(state) for state in states]

    def _step(self, hide_rule_turn: bool, states: List[State]) -> None:
        tracker, domain, options = self.replayed, self.domain, self.options
        if options.ignore_rule_only_turns:
            if not self.turn_was_hidden:
                self.last_ml_action_sub_state = domain._get_prev_action_sub_state(tracker)
            if not tracker.followup_action and not tracker.latest_action_name == tracker.active_loop_name:
                self.turn_was_hidden = hide_rule_turn
            if self.turn_was_hidden:
                return
        state = domain.get_active_state(tracker, omit_unset_slots=options.omit_unset_slots)
        if options.ignore_rule_only_turns:
            domain._remove_rule_only_features(state, options.rule_only_data)
            if states:
                domain._substitute_rule_only_user_input(state, states[-1])
            if self.last_ml_action_sub_state:
                state[PREVIOUS_ACTION] = self.last_ml_action_sub_state
        states.append(domain._clean_state(state))


@dataclass(frozen=True)
class _Options:
    omit_unset_slots: bool
    ignore_rule_only_turns: bool
    rule_only_data: Optional[Dict[Text, Any]]


class StateCachingTracker(DialogueStateTracker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._states_so_far: Dict[Tuple[int, bool, bool, Tuple[Any, ...]], _StatesSoFar] = {}

    def past_states(
        self,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        options = _Options(omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        # The model's domain is the same object on every call (kept in the cache entry, so its id cannot be
        # reused meanwhile); the rule-only data is read anew for every prediction, so it is compared by value.
        key = (id(domain), omit_unset_slots, ignore_rule_only_turns, _frozen(rule_only_data))
        cached = self._states_so_far.get(key)
        fits = cached is not None and cached.domain is domain
        new_events = self._events_since(cached) if fits else None
        if new_events is None:
            if any(isinstance(event, ActiveLoop) for event in self.events):
                return super().past_states(domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
            cached = _StatesSoFar(DialogueStateTracker.init_copy(self), domain, options)
            new_events = self.applied_events()
        cached.extend(new_events)
        cached.events_seen, cached.last_event_seen = (
            len(self.events),
            self.events[-1] if self.events else None,
        )
        self._states_so_far[key] = cached
        return cached.with_current_state()

    def _events_since(self, cached: _StatesSoFar) -> Optional[List[Event]]:
        """The events added since `cached` was extended, or None if they may change the history."""
        seen = cached.events_seen
        if len(self.events) < seen or (seen and self.events[seen - 1] is not cached.last_event_seen):
            return None
        new_events = list(itertools.islice(self.events, seen, None))
        if any(isinstance(event, HISTORY_CHANGING_EVENTS) for event in new_events):
            return None
        return new_events

    def copy(self) -> DialogueStateTracker:
        """The tracker Rasa's `copy()` makes, without replaying every event to make it.

        Rasa copies the tracker before each action by replaying all events on `init_copy()`: a plain
        tracker sharing the event objects, whose state (slots, latest message, action, loop, followup)
        is what the events set. That state is this tracker's own, so it is copied directly.
        tests/addons/test_state_cache.py checks both copies agree.
        """
        clone = DialogueStateTracker.init_copy(self)
        clone.events.extend(self.events)
        clone.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
        clone._paused = self._paused
        clone.followup_action = self.followup_action
        clone.latest_action = dict(self.latest_action) if self.latest_action is not None else None
        clone.latest_message = self.latest_message
        clone.latest_bot_utterance = self.latest_bot_utterance
        clone.active_loop = copy.copy(self.active_loop)
        return clone

    def __deepcopy__(self, memo: Dict[int, Any]) -> "StateCachingTracker":
        clone = self.__class__.__new__(self.__class__)
        memo[id(self)] = clone
        for name, value in self.__dict__.items():
            setattr(clone, name, {} if name == "_states_so_far" else copy.deepcopy(value, memo))
        return clone


def _frozen(rule_only_data: Optional[Dict[Text, Any]]) -> Tuple[Any, ...]:
    """{"rule_only_slots": [...], "rule_only_loops": [...]} as a hashable key."""
    return tuple((name, tuple(values)) for name, values in sorted((rule_only_data or {}).items()))


def _copied(state: State) -> State:
    # Rasa's featurizers edit the states they get (e.g. drop the user's text), never the values inside;
    # the current state's sub-states can be the replayed tracker's own dicts.
    return {kind: dict(sub_state) for kind, sub_state in state.items()}
