"""The cached, incrementally extended states equal the states Rasa computes from scratch."""

from __future__ import annotations

import copy
from typing import Iterable, List

import pytest
from rasa.core.training import load_data
from rasa.shared.core.constants import RULE_ONLY_SLOTS
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from addons.state_cache import StateCachingTracker

DOMAIN = Domain.load("domain.yml")
OPTIONS = [  # (omit_unset_slots, ignore_rule_only_turns, rule_only_data), as the policies ask
    (False, False, {RULE_ONLY_SLOTS: ["conversation_erased"]}),
    (False, True, {RULE_ONLY_SLOTS: ["conversation_erased"]}),
    (True, True, None),
    (True, False, None),
]


def training_conversations() -> List[List[Event]]:
    """The project's stories, rules and test stories as Rasa turns them into trackers (rule turns hidden)."""
    trackers = load_data("data", DOMAIN, augmentation_factor=0) + load_data(
        "tests/test_stories.yml", DOMAIN, augmentation_factor=0
    )
    assert len(trackers) > 40
    return [list(tracker.events) for tracker in trackers]


def assert_same_copy(tracker: StateCachingTracker) -> None:
    ours, rasas = tracker.copy(), DialogueStateTracker.copy(tracker)
    assert type(ours) is type(rasas) is DialogueStateTracker
    assert ours.current_state(EventVerbosity.ALL) == rasas.current_state(EventVerbosity.ALL)
    assert {n: (s.value, s.has_been_set) for n, s in ours.slots.items()} == {
        n: (s.value, s.has_been_set) for n, s in rasas.slots.items()
    }
    assert (ours.latest_action, ours.followup_action, ours.active_loop, ours.is_paused()) == (
        rasas.latest_action,
        rasas.followup_action,
        rasas.active_loop,
        rasas.is_paused(),
    )
    assert ours.latest_bot_utterance == rasas.latest_bot_utterance
    assert all(ours.slots[name] is not slot for name, slot in tracker.slots.items())
    ours.update(ActionExecuted("action_listen"))
    assert len(tracker.events) == len(rasas.events), "the copy has its own events"


def assert_same_states_at_every_step(events: Iterable[Event]) -> None:
    cached = StateCachingTracker("patient", DOMAIN.slots)
    for event in events:
        cached.update(event)
        assert_same_copy(cached)
        plain = DialogueStateTracker.from_events("patient", list(cached.events), DOMAIN.slots)
        for omit_unset_slots, ignore_rule_only_turns, rule_only_data in OPTIONS:
            expected = DOMAIN.states_for_tracker_history(
                plain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
            )
            got = cached.past_states(DOMAIN, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
            assert got == expected, f"after {event}"


def test_states_equal_rasas_after_every_event_of_every_training_conversation() -> None:
    for events in training_conversations():
        assert_same_states_at_every_step(events)


async def test_states_equal_rasas_in_a_conversation_with_the_trained_assistant(nlu_agent) -> None:
    for text in [
        "Hallo",
        "Was ist Leaky Gut?",
        "Sieht man das bei einer Darmspiegelung?",
        "nein danke",
        "Bist du ein Bot?",
        "Danke, tschüss",
    ]:
        await nlu_agent.handle_text(text, sender_id="state-cache")
    events = list((await nlu_agent.tracker_store.retrieve("state-cache")).events)
    assert any(isinstance(event, ActionExecuted) and event.hide_rule_turn for event in events), "rule turns"
    assert len(events) > 30
    assert_same_states_at_every_step(events)


def listen() -> ActionExecuted:
    return ActionExecuted("action_listen")


def said(intent: str) -> UserUttered:
    return UserUttered(intent, {"name": intent, "confidence": 1.0})


@pytest.mark.parametrize(
    "history_change",
    [
        [said("greet"), UserUtteranceReverted(), listen()],
        [Restarted(), ActionExecuted("action_session_start"), SessionStarted(), listen()],
        [ActiveLoop("some_form"), ActionExecuted("some_form"), ActiveLoop(None), listen()],
    ],
)
def test_events_that_change_earlier_history_are_followed_from_scratch(history_change: List[Event]) -> None:
    conversation = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        listen(),
        said("what_is_leaky_gut"),
        ActionExecuted("utter_what_is_leaky_gut", hide_rule_turn=True),
        SlotSet("trigger", "stress"),
        ActionExecuted("utter_offer_booking", hide_rule_turn=True),
        listen(),
        said("causes"),
    ]
    assert_same_states_at_every_step(
        conversation + history_change + [said("affirm"), ActionExecuted("utter_goodbye")]
    )


def test_returned_states_can_be_edited_without_changing_the_next_answer() -> None:
    tracker = StateCachingTracker("patient", DOMAIN.slots)
    for event in [ActionExecuted("action_session_start"), SessionStarted(), listen(), said("greet")]:
        tracker.update(event)
    first = tracker.past_states(DOMAIN)
    expected = copy.deepcopy(first)
    for state in first:  # as Rasa's featurizers do, e.g. dropping the user's text
        for sub_state in state.values():
            sub_state.clear()
    assert tracker.past_states(DOMAIN) == expected


def test_copies_of_a_tracker_do_not_share_its_cache() -> None:
    tracker = StateCachingTracker("patient", DOMAIN.slots)
    tracker.update(listen())
    tracker.past_states(DOMAIN)
    clone = tracker.copy()
    clone.update(said("greet"))
    assert clone.past_states(DOMAIN) != tracker.past_states(DOMAIN)
    assert clone.past_states(DOMAIN) == DOMAIN.states_for_tracker_history(clone)


def test_rule_only_data_read_anew_for_each_prediction_still_finds_the_cached_states() -> None:
    tracker = StateCachingTracker("patient", DOMAIN.slots)
    for event in [ActionExecuted("action_session_start"), SessionStarted(), listen(), said("greet")]:
        tracker.update(event)
        tracker.past_states(DOMAIN, rule_only_data={RULE_ONLY_SLOTS: ["conversation_erased"]})
    assert len(tracker._states_so_far) == 1
    entry = next(iter(tracker._states_so_far.values()))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.past_states(DOMAIN, rule_only_data={RULE_ONLY_SLOTS: ["conversation_erased"]})
    assert next(iter(tracker._states_so_far.values())) is entry, "extended, not rebuilt"
