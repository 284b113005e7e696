"""Sends the patient to booking with the practice's link, phone and hours from config/practice.yml."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from practice.config import load_practice_config

# Loaded at import, so a missing or invalid config stops the action server at start-up.
PRACTICE = load_practice_config()


class ActionSendToBooking(Action):
    """The response has a link button on channels with buttons and plain text elsewhere (domain.yml)."""

    def name(self) -> Text:
        return "action_send_to_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_booking", **PRACTICE.template_values())
        return []
