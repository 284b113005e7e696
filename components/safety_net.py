"""Deterministic safety net that runs after the intent classifier on every message.

A red-flag message must never get an FAQ answer, whatever the classifier thinks: when the
rule-based check matches, the intent becomes `red_flag` with full confidence. A `red_flag`
prediction of the classifier alone stands only when it is confident; otherwise the next intent
wins, because a false emergency answer frightens patients who only asked a question. The entity
`red_flag_type` (somatic or crisis) selects the urgent answer. The entity `own_situation` tells
the dialogue whether the user spoke about their own body, so the assistant can say kindly that it
gives general information only.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

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
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.safety_checks import detect_red_flag, mentions_own_situation

RED_FLAG_INTENT = "red_flag"
RED_FLAG_TYPE_ENTITY = "red_flag_type"
OWN_SITUATION_ENTITY = "own_situation"
DEFAULT_RED_FLAG_TYPE = "somatic"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyNet(GraphComponent):
    """Overrides the predicted intent for red flags and annotates every message."""

    def __init__(self, classifier_red_flag_confidence: float) -> None:
        self._classifier_red_flag_confidence = classifier_red_flag_confidence

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"classifier_red_flag_confidence": 0.6}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyNet:
        config = {**cls.get_default_config(), **config}
        return cls(float(config["classifier_red_flag_confidence"]))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            annotate_message(message, self._classifier_red_flag_confidence)
        return messages


def annotate_message(message: Message, classifier_red_flag_confidence: float) -> None:
    text = message.get(TEXT) or ""
    if text.startswith("/"):
        return  # a button payload such as "/affirm": the user typed nothing
    red_flag_type = detect_red_flag(text)
    if red_flag_type:
        _force_red_flag_intent(message)
    elif _intent_name(message) == RED_FLAG_INTENT:
        if _confidence(message) >= classifier_red_flag_confidence:
            red_flag_type = DEFAULT_RED_FLAG_TYPE
        else:
            _demote_red_flag_intent(message)
    entities = list(message.get(ENTITIES) or [])
    if red_flag_type:
        entities.append(_whole_message_entity(text, RED_FLAG_TYPE_ENTITY, red_flag_type))
    entities.append(_whole_message_entity(text, OWN_SITUATION_ENTITY, mentions_own_situation(text)))
    message.set(ENTITIES, entities, add_to_output=True)


def _intent_name(message: Message) -> Optional[Text]:
    return (message.get(INTENT) or {}).get(INTENT_NAME_KEY)


def _confidence(message: Message) -> float:
    return float((message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0)


def _demote_red_flag_intent(message: Message) -> None:
    ranking = [e for e in message.get(INTENT_RANKING_KEY) or [] if e.get(INTENT_NAME_KEY) != RED_FLAG_INTENT]
    if ranking:
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def _force_red_flag_intent(message: Message) -> None:
    intent = {INTENT_NAME_KEY: RED_FLAG_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [
        entry
        for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get(INTENT_NAME_KEY) != RED_FLAG_INTENT
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)


def _whole_message_entity(text: Text, entity: Text, value: Any) -> Dict[Text, Any]:
    return {
        ENTITY_ATTRIBUTE_TYPE: entity,
        ENTITY_ATTRIBUTE_VALUE: value,
        ENTITY_ATTRIBUTE_START: 0,
        ENTITY_ATTRIBUTE_END: len(text),
        EXTRACTOR: SafetyNet.__name__,
    }
