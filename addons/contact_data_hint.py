"""The project's response generator (Rasa's templated one, configured under `nlg:` in endpoints.yml).

Practice details: every response gets the practice's values from config/practice.yml ({phone},
{email}, {booking_url}, {opening_hours}, {practice_name}), so answers in domain.yml can name them, not
only those sent by custom actions; values an action passes explicitly win.

Contact data: it tells the patient, once per turn, that they need not share a phone number or e-mail
address. The slot `contact_data` is set on every message by components/contact_data.py; the tracker
store masks such data before it is stored. `utter_contact_data_hint` goes in front of the first answer
that follows such a message, whatever the answer is, except the red-flag advice, which stays the only
answer, and the line for a message in another language, whose reader could not read the German hint.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from practice.config import load_practice_config

HINT_RESPONSE = "utter_contact_data_hint"
CONTACT_DATA_SLOT = "contact_data"
ANSWERS_WITHOUT_HINT = {"utter_red_flag", "utter_other_language", HINT_RESPONSE}


class ContactDataHintNLG(TemplatedNaturalLanguageGenerator):
    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)
        # Read when the server starts: a missing or invalid practice config stops it with a clear message.
        self._practice_values = load_practice_config().template_values()

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        kwargs = {**self._practice_values, **kwargs}
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if not response or not response.get("text") or not _hint_due(utter_action, tracker):
            return response
        hint = await super().generate(HINT_RESPONSE, tracker, output_channel, **kwargs)
        if not hint or not hint.get("text"):
            return response
        return {**response, "text": f"{hint['text']}\n{response['text']}"}


def _hint_due(utter_action: Text, tracker: DialogueStateTracker) -> bool:
    """True for the first answer after a message that held contact data."""
    if utter_action in ANSWERS_WITHOUT_HINT or tracker.get_slot(CONTACT_DATA_SLOT) is not True:
        return False
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            return False
        if isinstance(event, UserUttered):
            return True
    return False
