"""Rule matching that stops at the longest rule, and remembers for loaded models, finds exactly the rules
Rasa's full walk finds."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import List

from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RULES, RulePolicy
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.trackers import DialogueStateTracker

from addons import rule_matching
from addons.rule_matching import LoadedRuleMatches, get_possible_keys
from tests.addons.test_state_cache import DOMAIN, training_conversations

RASAS_GET_POSSIBLE_KEYS = RulePolicy.__dict__["_get_possible_keys"]


def remembering(policy: RulePolicy) -> RulePolicy:
    """The same policy as `RulePolicy.load` returns it once installed: remembering matches."""
    policy = copy.copy(policy)
    policy._loaded_rule_matches = LoadedRuleMatches()
    return policy


def loaded_rule_policy(agent) -> RulePolicy:
    nodes = agent.processor.graph_runner._instantiated_nodes
    policies = [node._component for node in nodes.values() if isinstance(node._component, RulePolicy)]
    assert len(policies) == 1
    return policies[0]


def states_at_every_step(policy: RulePolicy, domain: Domain) -> List[List[State]]:
    found = []
    for events in training_conversations():
        for end in range(1, len(events) + 1):
            tracker = DialogueStateTracker.from_events("patient", events[:end], domain.slots)
            for use_text in (False, True):
                found.append(
                    policy._prediction_states(
                        tracker, domain, use_text, rule_only_data=policy._get_rule_only_data()
                    )
                )
    return found


async def test_the_same_rules_match_as_with_rasas_full_walk(nlu_agent) -> None:
    policy = loaded_rule_policy(nlu_agent)
    rules = policy.lookup[RULES]
    longest = max(len(policy._rule_key_to_state(key)) for key in rules)
    all_states = states_at_every_step(policy, DOMAIN)
    assert any(len(states) > 3 * longest for states in all_states), "conversations longer than the rules"
    matched = 0
    loaded = remembering(policy)
    for _twice in range(2):  # the second time from what the loaded policy remembers
        for states in all_states:
            expected = RASAS_GET_POSSIBLE_KEYS(policy, rules, states)
            assert get_possible_keys(policy, rules, states) == expected
            assert get_possible_keys(loaded, rules, states) == expected
            matched += bool(expected)
    assert matched > len(all_states) / 4, "rules match at many steps, so the comparison means something"
    assert 0 < len(loaded._loaded_rule_matches.matches) < len(all_states), (
        "conversations share recent histories"
    )


async def test_without_rules_or_states(nlu_agent) -> None:
    policy = loaded_rule_policy(nlu_agent)
    rules = policy.lookup[RULES]
    assert get_possible_keys(policy, {}, [{}]) == set() == RASAS_GET_POSSIBLE_KEYS(policy, {}, [{}])
    assert get_possible_keys(policy, rules, []) == set(rules) == RASAS_GET_POSSIBLE_KEYS(policy, rules, [])


async def test_the_same_rules_match_on_each_rules_own_states_and_on_changed_ones(nlu_agent) -> None:
    """Every state of every rule counts, the earliest ones too: each rule's own states as the conversation,
    and the same with one state at a time replaced by one that matches no rule, behind a longer history."""
    policy = loaded_rule_policy(nlu_agent)
    rules = policy.lookup[RULES]
    unknown: State = {"prev_action": {"action_name": "action_unknown"}, "user": {"intent": "unknown"}}
    history: List[State] = [
        {},
        {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}},
    ] * 3
    loaded = remembering(policy)
    changed_results = set()
    for key in rules:
        rule_states = [dict(state) for state in policy._rule_key_to_state(key)]
        variants = [rule_states] + [
            rule_states[:i] + [unknown] + rule_states[i + 1 :] for i in range(len(rule_states))
        ]
        for states in variants:
            for conversation in (states, history + states):
                expected = RASAS_GET_POSSIBLE_KEYS(policy, rules, conversation)
                assert get_possible_keys(policy, rules, conversation) == expected
                assert get_possible_keys(loaded, rules, conversation) == expected
                changed_results.add(key in expected)
    assert changed_results == {True, False}


# (answers from responses only: these agents have no action server)
CONVERSATION = [
    "Hallo",
    "Was ist Leaky Gut?",
    "Sieht man das bei einer Darmspiegelung?",
    "nein danke",
    "Bist du ein Bot?",
    "Kann man Leaky Gut heilen?",
    "Danke, tschüss",
]


async def test_a_loaded_model_remembers_and_answers_as_rasa_does(model_path: Path, nlu_agent) -> None:
    assert RulePolicy._get_possible_keys is RASAS_GET_POSSIBLE_KEYS
    rasas = [await nlu_agent.handle_text(text, sender_id="rules-rasa") for text in CONVERSATION]
    rule_matching.install()
    try:
        agent = Agent.load(str(model_path))
        ours = [await agent.handle_text(text, sender_id="rules") for text in CONVERSATION]
    finally:
        RulePolicy._get_possible_keys = RASAS_GET_POSSIBLE_KEYS
        del RulePolicy.load  # Rasa's RulePolicy inherits `load` from MemoizationPolicy
    assert "_loaded_rule_matches" not in loaded_rule_policy(nlu_agent).__dict__
    assert loaded_rule_policy(agent)._loaded_rule_matches.matches, "the loaded policy remembered"
    assert all(ours) and [[{**reply, "recipient_id": ""} for reply in replies] for replies in ours] == [
        [{**reply, "recipient_id": ""} for reply in replies] for replies in rasas
    ]
