"""Rasa's rule matching, stopped where no rule reaches further back, and remembered for loaded models.

`RulePolicy._get_possible_keys` filters every rule against the conversation's states from the newest
back to the very first, several times per message: about a fourteenth of the Rasa server's CPU under
load (`make bench`). Two changes, both giving the same set of rules as Rasa's walk
(tests/addons/test_rule_matching.py checks it on every state of every training and test conversation):

- A rule looks back only as far as its own length (4 states here) and counts as applicable beyond it,
  so the walk stops after the longest rule.
- The rules of a loaded model do not change, so the policies loaded for serving (`RulePolicy.load`)
  remember the result per distinct recent history (the last states as far back as the longest rule).
  Training builds its policies with `create` and changes their rules while it runs: it is not remembered.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, Hashable, List, Optional, Set, Text, Tuple

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import State

MAX_REMEMBERED_HISTORIES = 4096  # distinct recent histories are few: intents x actions x slots
_RASAS_LOAD = RulePolicy.load.__func__  # type: ignore[attr-defined]


class LoadedRuleMatches:
    """The rules matching each recent history, for one loaded policy (bounded, newest kept)."""

    def __init__(self) -> None:
        self.longest_rule: Dict[int, int] = {}
        self.matches: "OrderedDict[Tuple[int, Hashable], Set[Text]]" = OrderedDict()


def get_possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
    remembered: Optional[LoadedRuleMatches] = self.__dict__.get("_loaded_rule_matches")
    if remembered is None:
        return _matching_keys(self, lookup, states, _longest_rule(self, lookup))
    longest = remembered.longest_rule.get(id(lookup))
    if longest is None:
        longest = remembered.longest_rule[id(lookup)] = _longest_rule(self, lookup)
    history = _frozen(states[-longest:] if longest else [])
    if history is None:
        return _matching_keys(self, lookup, states, longest)
    key = (id(lookup), history)
    found = remembered.matches.get(key)
    if found is None:
        found = _matching_keys(self, lookup, states, longest)
        remembered.matches[key] = found
        if len(remembered.matches) > MAX_REMEMBERED_HISTORIES:
            remembered.matches.popitem(last=False)
    return set(found)


def _matching_keys(
    policy: RulePolicy, lookup: Dict[Text, Text], states: List[State], longest: int
) -> Set[Text]:
    possible_keys = set(lookup)
    for turn_index, state in enumerate(reversed(states[-longest:] if longest else [])):
        possible_keys = {key for key in possible_keys if policy._is_rule_applicable(key, turn_index, state)}
    return possible_keys


def _longest_rule(policy: RulePolicy, lookup: Dict[Text, Text]) -> int:
    return max((len(policy._rule_key_to_state(key)) for key in lookup), default=0)


def _frozen(states: List[State]) -> Optional[Hashable]:
    """The states as a hashable value, or None if a value in them is not hashable."""
    frozen = tuple(
        tuple(sorted((kind, tuple(sorted(sub_state.items()))) for kind, sub_state in state.items()))
        for state in states
    )
    try:
        hash(frozen)
    except TypeError:
        return None
    return frozen


def _load_remembering_matches(cls: Any, *args: Any, **kwargs: Any) -> RulePolicy:
    policy = _RASAS_LOAD(cls, *args, **kwargs)
    policy._loaded_rule_matches = LoadedRuleMatches()
    return policy


def install() -> None:
    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[assignment]
    RulePolicy.load = classmethod(_load_remembering_matches)  # type: ignore[assignment]
