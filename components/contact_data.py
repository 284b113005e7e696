"""Notices e-mail addresses and phone numbers that a patient volunteers in a message.

Sets the entity `contact_data` (true or false) on every typed message, so the slot of the same name
always describes the latest message: then addons/contact_data_hint.py tells the patient, before the
answer, that they need not share it. The tracker store masks the data before storing it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from practice.masking import contains_contact_data

CONTACT_DATA_ENTITY = "contact_data"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ContactDataDetector(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ContactDataDetector:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            annotate_contact_data(message)
        return messages


def annotate_contact_data(message: Message) -> None:
    text = message.get(TEXT) or ""
    shared = not text.startswith("/") and contains_contact_data(text)
    entity = {
        ENTITY_ATTRIBUTE_TYPE: CONTACT_DATA_ENTITY,
        ENTITY_ATTRIBUTE_VALUE: shared,
        ENTITY_ATTRIBUTE_START: 0,
        ENTITY_ATTRIBUTE_END: len(text),
        EXTRACTOR: ContactDataDetector.__name__,
    }
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
