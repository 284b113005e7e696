"""Rasa's rule matching, stopped where no rule reaches further back.

`RulePolicy._get_possible_keys` filters the rules against the conversation's states from the newest
back to the very first state, although a rule only looks as far back as its own length (4 states here)
and every rule counts as applicable beyond it. Conversations are several times longer than that, and
the filtering was about a twelfth of the Rasa server's CPU under load (`make bench`). This version
stops after the longest rule; the set of matching rules is the same (tests/addons/test_rule_matching.py
checks it against Rasa's on every state of every training and test conversation).
"""

from __future__ import annotations

from typing import Dict, List, Set, Text

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import State


def get_possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
    possible_keys = set(lookup)
    longest_rule = max((len(self._rule_key_to_state(key)) for key in possible_keys), default=0)
    for turn_index, state in enumerate(reversed(states[-longest_rule:] if longest_rule else [])):
        possible_keys = {key for key in possible_keys if self._is_rule_applicable(key, turn_index, state)}
    return possible_keys


def install() -> None:
    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[assignment]
