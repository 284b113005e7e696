"""Erases the patient's conversation after they confirmed it (DSGVO Art. 17); shows the privacy notice.

The action server cannot reach the tracker store itself, and the Rasa server writes the tracker after
every action. So the action sets the slot `conversation_erased`; the tracker store
(addons.tracker_store.PrivacySQLTrackerStore) deletes every stored event of this sender instead of
saving when it sees that slot set.
"""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from practice.config import load_practice_config

ERASED_SLOT = "conversation_erased"


class ActionDeleteConversation(Action):
    def name(self) -> Text:
        return "action_delete_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_conversation_deleted")
        return [SlotSet(ERASED_SLOT, True)]


class ActionPrivacyNotice(Action):
    """The privacy notice of config/practice.yml, the same text the widget and the messengers show."""

    def name(self) -> Text:
        return "action_privacy_notice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            response="utter_privacy_notice", privacy_notice=load_practice_config().privacy_notice
        )
        return []
