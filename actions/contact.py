"""Hands the patient over to the practice team (phone, e-mail, hours from config/practice.yml)."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from practice.config import load_practice_config

PRACTICE = load_practice_config()


class ActionContactPractice(Action):
    def name(self) -> Text:
        return "action_contact_practice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_contact_practice", **PRACTICE.template_values())
        return []
