"""`rasa data validate` that knows which responses custom actions send.

Rasa's validator warns about every response that no story or rule names, including those our custom
actions send (causes, booking, contact, deletion). Responses listed under `actions:` in domain.yml
are sent from Python on purpose, so they are not reported; every other unused response still is.
"""

from typing import Set, Text

import rasa.validator
from rasa.validator import Validator


class ProjectValidator(Validator):
    def _gather_utterance_actions(self) -> Set[Text]:
        sent_by_custom_actions = set(self.domain._custom_actions)  # only the names under `actions:`
        return super()._gather_utterance_actions() - sent_by_custom_actions


def install() -> None:
    rasa.validator.Validator = ProjectValidator  # type: ignore[misc]
