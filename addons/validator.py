"""`rasa data validate` that knows which responses custom actions send and which intent triage sets.

Rasa's validator warns about every response that no story or rule names, including those our custom
actions send (causes, booking, contact, deletion). Responses listed under `actions:` in domain.yml
are sent from Python on purpose, so they are not reported; every other unused response still is.
It also warns about a domain intent without NLU examples: `red_flag` has none on purpose, because
the triage stage (components/triage.py) sets it from its own data, not the FAQ classifier.
"""

from typing import List, Set, Text

import rasa.validator
from rasa.validator import Validator

from components.triage import RED_FLAG_INTENT


class ProjectValidator(Validator):
    def _gather_utterance_actions(self) -> Set[Text]:
        sent_by_custom_actions = set(self.domain._custom_actions)  # only the names under `actions:`
        return super()._gather_utterance_actions() - sent_by_custom_actions

    def verify_intents(self, ignore_warnings: bool = True) -> bool:
        self._checking_nlu_examples = True
        try:
            return super().verify_intents(ignore_warnings)
        finally:
            self._checking_nlu_examples = False

    def _non_default_intents(self) -> List[Text]:
        intents = super()._non_default_intents()
        if getattr(self, "_checking_nlu_examples", False):
            return [intent for intent in intents if intent != RED_FLAG_INTENT]
        return intents  # stories and rules must still use every intent, red_flag included


def install() -> None:
    rasa.validator.Validator = ProjectValidator  # type: ignore[misc]
