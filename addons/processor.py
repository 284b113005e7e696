"""Rasa's message processor, with messages taken in arrival order and one check made cheaper.

`PracticeMessageProcessor` is built by Rasa's agent wherever it builds a `MessageProcessor` (installed
by `install()` under that name in `rasa.core.agent`). It processes each message within its turn
(addons/message_order.py), inside Rasa's conversation lock, so a message waiting for its
conversation's lock never holds the turn.

Rasa checks every parsed message for intents and entities the domain does not know, and first asks
`Domain.is_empty()`, which builds the whole domain as a dict, and an empty one, for every message
(visible in a profile under load). The domain of a loaded model does not change, so that is
asked once; the check itself is Rasa's.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Dict, List, Optional, Text

import rasa.core.agent
import rasa.shared.utils.io
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.constants import DOCS_URL_DOMAINS
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from addons.message_order import turn


class PracticeMessageProcessor(MessageProcessor):
    async def handle_message(self, message: UserMessage) -> Optional[List[Dict[Text, Any]]]:
        async with turn():
            return await super().handle_message(message)

    @cached_property
    def _domain_has_content(self) -> bool:
        return bool(self.domain) and not self.domain.is_empty()

    def _check_for_unseen_features(self, parse_data: Dict[Text, Any]) -> None:
        if not self._domain_has_content:
            return
        intent = parse_data["intent"][INTENT_NAME_KEY]
        if intent and intent not in self.domain.intents:
            rasa.shared.utils.io.raise_warning(
                f"Parsed an intent '{intent}' which is not defined in the domain. "
                f"Please make sure all intents are listed in the domain.",
                docs=DOCS_URL_DOMAINS,
            )
        for element in parse_data["entities"] or []:
            entity = element["entity"]
            if entity and entity not in self.domain.entities:
                rasa.shared.utils.io.raise_warning(
                    f"Parsed an entity '{entity}' which is not defined in the domain. "
                    f"Please make sure all entities are listed in the domain.",
                    docs=DOCS_URL_DOMAINS,
                )


def install() -> None:
    rasa.core.agent.MessageProcessor = PracticeMessageProcessor  # type: ignore[misc]
