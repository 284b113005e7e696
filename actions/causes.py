"""Explains the causes of a leaky gut: the overview, or the one trigger the user asked about."""

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

KNOWN_TRIGGERS = ("stress", "dysbiosis", "medication", "diet", "nutrient_deficiency")


def asked_trigger(tracker: Tracker) -> Optional[Text]:
    """The trigger named in the latest message ("und Antibiotika?"), if it is one we explain."""
    for value in tracker.get_latest_entity_values("trigger"):
        if value in KNOWN_TRIGGERS:
            return value
    return None


def causes_response(trigger: Optional[Text]) -> Text:
    return f"utter_cause_{trigger}" if trigger else "utter_causes_overview"


class ActionExplainCauses(Action):
    def name(self) -> Text:
        return "action_explain_causes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response=causes_response(asked_trigger(tracker)))
        return []
